package tsne

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// bruteNeighbors sorts all other points by (distance, index).
func bruteNeighbors(x []float64, n, d, k int) ([]int32, []float64) {
	idx := make([]int32, 0, n*k)
	dist := make([]float64, 0, n*k)
	for i := 0; i < n; i++ {
		c := make([]cand, 0, n-1)
		for j := 0; j < n; j++ {
			if j != i {
				c = append(c, cand{d: math.Sqrt(dist2(x[i*d:i*d+d], x[j*d:j*d+d])), i: int32(j)})
			}
		}
		slices.SortFunc(c, func(a, b cand) int {
			if a.d != b.d {
				return cmp.Compare(a.d, b.d)
			}
			return cmp.Compare(a.i, b.i)
		})
		for _, e := range c[:k] {
			idx = append(idx, e.i)
			dist = append(dist, dist2(x[i*d:i*d+d], x[int(e.i)*d:int(e.i)*d+d]))
		}
	}
	return idx, dist
}

func TestVPTreeMatchesBruteForce(t *testing.T) {
	tests := []struct {
		name    string
		n, d, k int
		dups    bool
	}{
		{"gauss2d", 500, 2, 10, false},
		{"gauss50d", 400, 50, 90, false},
		{"k1", 300, 5, 1, false},
		{"allButOne", 30, 3, 29, false},
		{"duplicates", 300, 4, 12, true}, // ties broken by index
		{"grid", 400, 2, 8, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(9, uint64(tc.n)))
			x := make([]float64, tc.n*tc.d)
			for i := range x {
				x[i] = r.NormFloat64()
			}
			if tc.name == "grid" { // integer lattice: many equal distances
				for i := range x {
					x[i] = float64(r.IntN(6))
				}
			} else if tc.dups { // every point has twins
				for i := tc.n / 3; i < tc.n; i++ {
					copy(x[i*tc.d:i*tc.d+tc.d], x[(i%(tc.n/3))*tc.d:])
				}
			}
			for _, seed := range []uint64{1, 2} {
				gi, gd := Neighbors(x, tc.n, tc.d, tc.k, seed)
				wi, wd := bruteNeighbors(x, tc.n, tc.d, tc.k)
				for e := range wi {
					if gi[e] != wi[e] || gd[e] != wd[e] {
						t.Fatalf("seed %d: point %d neighbour %d = (%d, %g), want (%d, %g)",
							seed, e/tc.k, e%tc.k, gi[e], gd[e], wi[e], wd[e])
					}
				}
			}
		})
	}
}

func TestKNNStepperBudget(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	const n, d, k = 1000, 10, 15
	x := make([]float64, n*d)
	for i := range x {
		x[i] = r.NormFloat64()
	}
	wi, _ := Neighbors(x, n, d, k, 3)
	s := NewKNN(x, n, d, k, 3)
	s.Budget = 2000
	steps := 0
	for !s.Step() {
		steps++
		// One distance, plus the selection ending a range, the results ending a
		// query or the copy of the points into tree order.
		if bound := s.Budget + max(distUnits(d)+4*n+8*k, allocUnits(8*n*d+4*n)+n*d/2); s.Work() > bound {
			t.Fatalf("Step %d did %d units, want <= %d", steps, s.Work(), bound)
		}
	}
	gi, _ := s.Result()
	if !slices.Equal(gi, wi) {
		t.Error("stepped KNN result differs from Neighbors")
	}
	if steps < 50 {
		t.Errorf("KNN finished in %d steps with budget %d, want many", steps, s.Budget)
	}
	_ = fmt.Sprint
}
