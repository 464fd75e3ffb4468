package eigen

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// randomSym returns a seeded random symmetric n×n matrix.
func randomSym(n int, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 7))
	a := make([]float64, n*n)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			x := rng.NormFloat64()
			a[i*n+j], a[j*n+i] = x, x
		}
	}
	return a
}

// residual returns the largest |A·v − λ·v| over the eigenpairs and the
// largest |VᵀV − I| entry, relative to the largest |λ| (or 1).
func residual(n int, a, vals, vecs []float64) (res, orth float64) {
	scale := 1.0
	for _, l := range vals {
		scale = max(scale, math.Abs(l))
	}
	for j := 0; j < n; j++ {
		for i := 0; i < n; i++ {
			var av float64
			for k := 0; k < n; k++ {
				av += a[i*n+k] * vecs[k*n+j]
			}
			res = max(res, math.Abs(av-vals[j]*vecs[i*n+j])/scale)
		}
		for k := 0; k < n; k++ {
			var dot float64
			for i := 0; i < n; i++ {
				dot += vecs[i*n+j] * vecs[i*n+k]
			}
			if j == k {
				dot--
			}
			orth = max(orth, math.Abs(dot))
		}
	}
	return res, orth
}

func TestSym(t *testing.T) {
	identity := func(n int) []float64 {
		a := make([]float64, n*n)
		for i := 0; i < n; i++ {
			a[i*n+i] = 1
		}
		return a
	}
	tests := []struct {
		name string
		n    int
		a    []float64
	}{
		{"empty", 0, nil},
		{"1x1", 1, []float64{-3}},
		{"diagonal", 3, []float64{3, 0, 0, 0, -1, 0, 0, 0, 2}},
		{"2x2", 2, []float64{2, 1, 1, 2}},
		{"identity (all eigenvalues equal)", 4, identity(4)},
		{"zero", 3, make([]float64, 9)},
		{"rank one", 3, []float64{1, 2, 3, 2, 4, 6, 3, 6, 9}},
		{"random 5", 5, randomSym(5, 1)},
		{"random 40", 40, randomSym(40, 2)},
		{"random 64", 64, randomSym(64, 3)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vals, vecs := Sym(tt.n, tt.a)
			if len(vals) != tt.n || len(vecs) != tt.n*tt.n {
				t.Fatalf("Sym(%d) gave %d values and %d vector entries", tt.n, len(vals), len(vecs))
			}
			for i := 1; i < tt.n; i++ {
				if vals[i] < vals[i-1] {
					t.Errorf("values not ascending: %v", vals)
				}
			}
			if res, orth := residual(tt.n, tt.a, vals, vecs); res > 1e-12 || orth > 1e-12 {
				t.Errorf("|Av − λv| = %.3g, |VᵀV − I| = %.3g, want both below 1e-12", res, orth)
			}
			if tt.n == 0 {
				return
			}
			// Against gonum's LAPACK port, an independent implementation.
			var es mat.EigenSym
			if !es.Factorize(mat.NewSymDense(tt.n, append([]float64(nil), tt.a...)), true) {
				t.Fatal("gonum's EigenSym failed")
			}
			want := es.Values(nil)
			for i := range want {
				if math.Abs(vals[i]-want[i]) > 1e-12*(1+math.Abs(want[i])) {
					t.Errorf("value %d = %.15g, gonum %.15g", i, vals[i], want[i])
				}
			}
		})
	}
}

func TestSymKnown(t *testing.T) {
	// [[2, 1], [1, 2]] has eigenvalues 1 and 3 with vectors (1, −1)/√2
	// and (1, 1)/√2.
	vals, vecs := Sym(2, []float64{2, 1, 1, 2})
	if math.Abs(vals[0]-1) > 1e-15 || math.Abs(vals[1]-3) > 1e-15 {
		t.Errorf("values = %v, want [1 3]", vals)
	}
	r := 1 / math.Sqrt2
	if got := math.Abs(vecs[0*2+1]*r + vecs[1*2+1]*r); math.Abs(got-1) > 1e-15 {
		t.Errorf("|vector of 3 · (1, 1)/√2| = %v, want 1", got)
	}
}

// TestResidualCatchesWrongVectors is the negative control: the residual
// check above must fail for a vector that is slightly off.
func TestResidualCatchesWrongVectors(t *testing.T) {
	a := randomSym(6, 4)
	vals, vecs := Sym(6, a)
	vecs[2*6+3] += 1e-6
	if res, orth := residual(6, a, vals, vecs); res <= 1e-12 && orth <= 1e-12 {
		t.Errorf("a perturbed vector passed: residual %.3g, orthogonality %.3g", res, orth)
	}
}

func TestSymPanics(t *testing.T) {
	for _, tt := range []struct {
		n int
		a []float64
	}{{2, make([]float64, 3)}, {-1, nil}} {
		t.Run(fmt.Sprint(tt.n, len(tt.a)), func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("Sym(%d, %d entries) did not panic", tt.n, len(tt.a))
				}
			}()
			Sym(tt.n, tt.a)
		})
	}
}

func BenchmarkSym_64(b *testing.B) {
	a := randomSym(64, 5)
	for b.Loop() {
		Sym(64, a)
	}
}
