package pca

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

// lowRank returns n×d data whose covariance spectrum decays geometrically
// (ratio decay per direction), rotated by a random orthogonal matrix and
// shifted by a random mean.
func lowRank(rng *rand.Rand, n, d int, decay float64) []float32 {
	g := make([]float64, d*d)
	for i := range g {
		g[i] = rng.NormFloat64()
	}
	orthonormalize(g, d, d)
	x := make([]float32, n*d)
	shift := make([]float64, d)
	for j := range shift {
		shift[j] = 5 * rng.NormFloat64()
	}
	for i := 0; i < n; i++ {
		s := 1.0
		coef := make([]float64, d)
		for j := range coef {
			coef[j] = s * rng.NormFloat64()
			s *= decay
		}
		for a := 0; a < d; a++ {
			v := shift[a]
			for j, c := range coef {
				v += c * g[a*d+j]
			}
			x[i*d+a] = float32(v)
		}
	}
	return x
}

func TestFitMatchesGonumPC(t *testing.T) {
	tests := []struct {
		n, d, k int
		decay   float64
	}{
		{n: 200, d: 12, k: 3, decay: 0.7},  // direct eigendecomposition
		{n: 300, d: 64, k: 10, decay: 0.8}, // direct, at the limit
		{n: 300, d: 90, k: 10, decay: 0.8}, // subspace iteration
		{n: 60, d: 150, k: 5, decay: 0.7},  // subspace iteration, n < d
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("n%d_d%d_k%d", tc.n, tc.d, tc.k), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, uint64(tc.d)))
			x := lowRank(rng, tc.n, tc.d, tc.decay)
			p := Fit(x, tc.n, tc.d, tc.k, 1e-12)

			x64 := make([]float64, len(x))
			for i, v := range x {
				x64[i] = float64(v)
			}
			var pc stat.PC
			if !pc.PrincipalComponents(mat.NewDense(tc.n, tc.d, x64), nil) {
				t.Fatal("gonum stat.PC failed")
			}
			wantVars := pc.VarsTo(nil)
			var vecs mat.Dense
			pc.VectorsTo(&vecs)
			for c := 0; c < tc.k; c++ {
				if got, want := p.Variances()[c], wantVars[c]; math.Abs(got-want) > 1e-7*wantVars[0] {
					t.Errorf("Variances()[%d] = %.12g, want %.12g", c, got, want)
				}
				var dot float64
				for a := 0; a < tc.d; a++ {
					dot += p.Components()[c*tc.d+a] * vecs.At(a, c)
				}
				if math.Abs(math.Abs(dot)-1) > 1e-5 {
					t.Errorf("|component %d · gonum's| = %.9f, want 1", c, math.Abs(dot))
				}
			}
			// Scores are the centred rows projected on the components.
			for _, i := range []int{0, tc.n / 2, tc.n - 1} {
				for c := 0; c < tc.k; c++ {
					var want float64
					for a := 0; a < tc.d; a++ {
						want += (x64[i*tc.d+a] - p.Mean()[a]) * p.Components()[c*tc.d+a]
					}
					if got := p.Scores()[i*tc.k+c]; math.Abs(got-want) > 1e-9*(1+math.Abs(want)) {
						t.Errorf("Scores()[%d,%d] = %g, want %g", i, c, got, want)
					}
				}
			}
		})
	}
}

func TestStepperMatchesFitAndRespectsBudget(t *testing.T) {
	for _, d := range []int{20, 100} {
		t.Run(fmt.Sprintf("d%d", d), func(t *testing.T) {
			n, k := 150, 4
			rng := rand.New(rand.NewPCG(3, 4))
			x := lowRank(rng, n, d, 0.75)
			want := Fit(x, n, d, k, 0).Scores()

			p := New(x, n, d, k)
			p.Budget = 5000
			l := min(k+oversample, d)
			// A Step may overrun the budget by one row's work, or one
			// QR/Rayleigh–Ritz/eigen call.
			slack := max(d*(d+1)/2, d*l, d*l*l+10*l*l*l+2*d*l*l, 10*d*d*d)
			steps := 0
			for !p.Step() {
				steps++
				if p.Work() > p.Budget+slack {
					t.Fatalf("Step %d did %d work units, want <= %d", steps, p.Work(), p.Budget+slack)
				}
			}
			if steps < 5 {
				t.Errorf("stepper finished in %d steps with a small budget, want many", steps)
			}
			got := p.Scores()
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("stepped Scores()[%d] = %v, want Fit's %v (bit-identical)", i, got[i], want[i])
				}
			}
		})
	}
}

func TestNewPanics(t *testing.T) {
	tests := []struct {
		name       string
		n, d, k, m int
	}{
		{"short", 3, 2, 1, 5},
		{"k0", 3, 2, 0, 6},
		{"kAboveD", 3, 2, 3, 6},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("New(len %d, n=%d, d=%d, k=%d) did not panic", tc.m, tc.n, tc.d, tc.k)
				}
			}()
			New(make([]float32, tc.m), tc.n, tc.d, tc.k)
		})
	}
}

func BenchmarkFit_2000x784_k50(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	x := lowRank(rng, 2000, 784, 0.97)
	b.ResetTimer()
	for b.Loop() {
		p := Fit(x, 2000, 784, 50, 0)
		b.ReportMetric(float64(p.passes), "passes")
	}
}
