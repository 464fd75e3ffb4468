package tsne

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// blockNeighbors runs the blocked search to completion on float64 points
// (or on their float32 rounding when f32 is set) with the given budget.
func blockNeighbors(x []float64, n, d, k, budget int, f32 bool) (*KNN, []int32, []float64) {
	s := newKNNMode(n, d, k, 1, true)
	if f32 {
		s.x32 = make([]float32, len(x))
		for i, v := range x {
			s.x32[i] = float32(v)
		}
	} else {
		s.x = x
	}
	s.Budget = budget
	for !s.Step() {
	}
	idx, dist := s.Result()
	return s, idx, dist
}

// knnTestPoints draws n points in d dimensions of the given kind:
// "gauss" (standard normal), "clusters" (tight clusters far from the
// origin, so the float32 bound keeps many candidates), "dups" (every point
// has exact twins), "grid" (a small integer lattice: many equal distances)
// or "far" (two tight clusters very far apart).
func knnTestPoints(kind string, n, d int, r *rand.Rand) []float64 {
	x := make([]float64, n*d)
	for i := range x {
		x[i] = r.NormFloat64()
	}
	switch kind {
	case "clusters":
		for i := 0; i < n; i++ {
			c := float64(i%5) * 40
			for j := 0; j < d; j++ {
				x[i*d+j] = 1000 + c + 0.1*x[i*d+j]
			}
		}
	case "dups":
		for i := n / 3; i < n; i++ {
			copy(x[i*d:i*d+d], x[(i%(n/3))*d:])
		}
	case "grid":
		for i := range x {
			x[i] = float64(r.IntN(4))
		}
	case "far":
		for i := n / 2; i < n; i++ {
			x[i*d] += 1e6
		}
	}
	return x
}

// TestBlockKNNMatchesBruteForce checks that the blocked search returns
// exactly the neighbours and squared distances of a float64 brute-force
// sort by (distance, index), for float64 and float32 points, sizes that
// are and are not multiples of the block, and a small budget (many
// resumptions) as well as the default.
func TestBlockKNNMatchesBruteForce(t *testing.T) {
	tests := []struct {
		kind    string
		n, d, k int
	}{
		{"gauss", 300, 50, 90},
		{"gauss", 203, 7, 10},
		{"gauss", 64, 3, 63},
		{"gauss", 129, 1, 5},
		{"clusters", 250, 20, 30},
		{"dups", 301, 4, 12},
		{"grid", 200, 3, 25},
		{"grid", 97, 2, 96},
		{"far", 150, 5, 8},
	}
	for _, tc := range tests {
		for _, f32 := range []bool{false, true} {
			for _, budget := range []int{DefaultBudget, 500} {
				name := tc.kind + "/" + itoa(tc.n) + "x" + itoa(tc.d) + "_k" + itoa(tc.k) + "/budget" + itoa(budget)
				if f32 {
					name += "/f32"
				}
				t.Run(name, func(t *testing.T) {
					r := rand.New(rand.NewPCG(11, uint64(tc.n*tc.d)))
					x := knnTestPoints(tc.kind, tc.n, tc.d, r)
					if f32 { // the reference sees the same float32 values
						for i, v := range x {
							x[i] = float64(float32(v))
						}
					}
					_, gi, gd := blockNeighbors(x, tc.n, tc.d, tc.k, budget, f32)
					wi, wd := bruteNeighbors(x, tc.n, tc.d, tc.k)
					for e := range wi {
						if gi[e] != wi[e] || gd[e] != wd[e] {
							t.Fatalf("point %d neighbour %d = (%d, %g), want (%d, %g)",
								e/tc.k, e%tc.k, gi[e], gd[e], wi[e], wd[e])
						}
					}
				})
			}
		}
	}
}

func itoa(v int) string {
	if v < 10 {
		return string(rune('0' + v))
	}
	return itoa(v/10) + string(rune('0'+v%10))
}

// TestBlockKNNMatchesTree checks the blocked search against the
// vantage-point tree, and the public constructors' choice of search, at a
// size where NewKNN uses the blocked search.
func TestBlockKNNMatchesTree(t *testing.T) {
	const n, d, k = BlockKNNPoints + 37, 10, 30
	r := rand.New(rand.NewPCG(5, 6))
	x := knnTestPoints("dups", n, d, r)
	if s := NewKNN(x, n, d, k, 1); !s.block {
		t.Fatalf("NewKNN at n = %d uses the tree, want the blocked search", n)
	}
	if s := NewKNN(x[:(BlockKNNPoints-1)*d], BlockKNNPoints-1, d, k, 1); s.block {
		t.Fatalf("NewKNN at n = %d uses the blocked search, want the tree", BlockKNNPoints-1)
	}
	gi, gd := Neighbors(x, n, d, k, 3)
	tr := newKNNMode(n, d, k, 3, false)
	tr.x = x
	for !tr.Step() {
	}
	wi, wd := tr.Result()
	if !slices.Equal(gi, wi) || !slices.Equal(gd, wd) {
		t.Error("blocked search differs from the vantage-point tree")
	}
}

// TestBlockKNNStepperBudget checks that every Step of the blocked search
// stays within its budget plus the largest item (one product chunk, one
// row's selection, one distance and the end of a row, or the setup), and
// that the stepped result equals the one-shot result.
func TestBlockKNNStepperBudget(t *testing.T) {
	const n, d, k = 700, 12, 15
	r := rand.New(rand.NewPCG(1, 2))
	x := knnTestPoints("gauss", n, d, r)
	_, wi, wd := blockNeighbors(x, n, d, k, 1<<40, false)
	s := newKNNMode(n, d, k, 1, true)
	s.x = x
	s.Budget = 2000
	steps := 0
	for done := false; !done; steps++ {
		done = s.Step()
		b := s.blk
		item := max(knnBlockRows*b.chunk*b.d1/knnMACsPerUnit+1, knnUnitsPerCol*n, distUnits(d)+8*k,
			allocUnits(4*n*(2*b.d1+2)+4*knnBlockRows*(n+b.d1)+8*d)+4, 2*d+4)
		if s.Work() > s.Budget+item {
			t.Fatalf("Step %d did %d units, want <= %d", steps, s.Work(), s.Budget+item)
		}
		if s.Work() == 0 {
			t.Fatalf("Step %d did no work", steps)
		}
		if p := s.Progress(); p < 0 || p > 1 {
			t.Fatalf("Progress() = %v, want in [0, 1]", p)
		}
	}
	gi, gd := s.Result()
	if !slices.Equal(gi, wi) || !slices.Equal(gd, wd) {
		t.Error("stepped blocked search differs from the one-shot run")
	}
	if steps < 50 {
		t.Errorf("blocked search finished in %d steps with budget %d, want many", steps, s.Budget)
	}
}
