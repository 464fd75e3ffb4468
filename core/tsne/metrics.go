package tsne

import "fmt"

func toFloat64(x []float32) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}

// NeighborPreservation returns the mean, over points, of the fraction of a
// point's k nearest neighbours in the input space hi (n×dHi, row-major) that
// are also among its k nearest neighbours in the embedding lo (n×dLo). 1
// means every neighbourhood is kept; a random embedding scores about k/n.
// hi may be raw high-dimensional data (pixels, a layer's activations). It
// uses two vantage-point tree searches (seed 1); for large inputs prefer
// KNN steppers and Overlap. It panics if the lengths do not match n rows or
// k is not in 1..n-1.
func NeighborPreservation(hi []float32, dHi int, lo []float32, dLo int, k int) float64 {
	n := rows(hi, dHi)
	if m := rows(lo, dLo); m != n {
		panic(fmt.Sprintf("tsne.NeighborPreservation: %d input rows but %d embedding rows", n, m))
	}
	a, _ := Neighbors(toFloat64(hi), n, dHi, k, 1)
	b, _ := Neighbors(toFloat64(lo), n, dLo, k, 1)
	return Overlap(a, b, k)
}

// Overlap returns the mean fraction of shared entries between the rows of
// two n×k neighbour-index tables (as from KNN.Result). It panics if the
// lengths differ or are not a multiple of k.
func Overlap(a, b []int32, k int) float64 {
	if len(a) != len(b) || k < 1 || len(a)%k != 0 || len(a) == 0 {
		panic(fmt.Sprintf("tsne.Overlap: len(a) = %d, len(b) = %d, want equal non-zero multiples of k = %d", len(a), len(b), k))
	}
	n := len(a) / k
	shared := 0
	for i := 0; i < n; i++ {
		ra, rb := a[i*k:i*k+k], b[i*k:i*k+k]
		for _, u := range ra {
			for _, v := range rb {
				if u == v {
					shared++
					break
				}
			}
		}
	}
	return float64(shared) / float64(n*k)
}

// OneNNAccuracy returns the leave-one-out 1-nearest-neighbour
// classification accuracy of the points x (n×d, row-major) with the given
// labels: the fraction of points whose nearest other point (ties: smaller
// index) has the same label. It works for embeddings (d = 2) and raw
// high-dimensional data alike. It panics if len(labels) != n or n < 2.
func OneNNAccuracy(x []float32, d int, labels []int) float64 {
	n := rows(x, d)
	if len(labels) != n {
		panic(fmt.Sprintf("tsne.OneNNAccuracy: %d labels for %d points", len(labels), n))
	}
	idx, _ := Neighbors(toFloat64(x), n, d, 1, 1)
	hit := 0
	for i, j := range idx {
		if labels[i] == labels[j] {
			hit++
		}
	}
	return float64(hit) / float64(n)
}

func rows(x []float32, d int) int {
	if d < 1 || len(x)%d != 0 || len(x)/d < 2 {
		panic(fmt.Sprintf("tsne: len(x) = %d is not a multiple of d = %d with at least 2 rows", len(x), d))
	}
	return len(x) / d
}
