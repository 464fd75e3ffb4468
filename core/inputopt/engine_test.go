package inputopt

import (
	"math"
	"math/rand/v2"
	"testing"
)

func randSlice(rng *rand.Rand, n int, lo, hi float64) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(lo + (hi-lo)*rng.Float64())
	}
	return x
}

// norms returns max|x−c| and ‖x−c‖₂ of one image, in float64.
func norms(x, c []float32) (linf, l2 float64) {
	for i, v := range x {
		d := math.Abs(float64(v) - float64(c[i]))
		linf = max(linf, d)
		l2 += d * d
	}
	return linf, math.Sqrt(l2)
}

// TestProjectInBall projects points far outside the ball and checks
// that each image ends inside it exactly, on its surface (the point was
// outside), and inside the box.
func TestProjectInBall(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		norm Norm
		eps  float64
	}{{LInf, 0.3}, {LInf, 0.1}, {LInf, 1e-3}, {L2, 2}, {L2, 0.5}, {L2, 1e-3}} {
		for trial := range 20 {
			const size, n = 50, 3
			c := randSlice(rng, size*n, 0, 1)
			x := randSlice(rng, size*n, -3, 4)
			con := Constraint{Box: true, Norm: tc.norm, Eps: tc.eps, Center: c}
			con.Project(x, size)
			for s := 0; s < len(x); s += size {
				linf, l2 := norms(x[s:s+size], c[s:s+size])
				got := map[Norm]float64{LInf: linf, L2: l2}[tc.norm]
				if got > tc.eps {
					t.Fatalf("%v eps %v trial %d image %d: norm %v, want ≤ eps", tc.norm, tc.eps, trial, s/size, got)
				}
				if tc.norm == LInf && got < tc.eps*(1-1e-5) {
					t.Errorf("%v eps %v trial %d: norm %v, want eps (the point started far outside)", tc.norm, tc.eps, trial, got)
				}
			}
			for i, v := range x {
				if v < 0 || v > 1 {
					t.Fatalf("%v: value %v at %d outside the box", tc.norm, v, i)
				}
			}
		}
	}
}

// TestProjectL2Surface checks that without the box an L2 projection lands
// on the sphere and keeps the direction.
func TestProjectL2Surface(t *testing.T) {
	c := []float32{0.5, 0.5, 0.5}
	x := []float32{3.5, 0.5, 4.5} // difference (3, 0, 4), length 5
	con := Constraint{Norm: L2, Eps: 1, Center: c}
	con.Project(x, 3)
	want := []float32{0.5 + 0.6, 0.5, 0.5 + 0.8}
	for i := range x {
		if math.Abs(float64(x[i]-want[i])) > 1e-5 {
			t.Errorf("Project = %v, want %v", x, want)
			break
		}
	}
}

// TestRules checks one step of each rule against its definition.
func TestRules(t *testing.T) {
	g := []float32{3, -4, 0, 1, 0, -1}
	for _, tc := range []struct {
		rule Rule
		size int
		want []float32
	}{
		{Sign, 0, []float32{0.1, -0.1, 0, 0.1, 0, -0.1}},
		{L2Step, 3, []float32{0.06, -0.08, 0, 0.1 / math.Sqrt2, 0, -0.1 / math.Sqrt2}},
		{Normalized, 0, []float32{0.1 * 3 / 1.5, -0.1 * 4 / 1.5, 0, 0.1 / 1.5, 0, -0.1 / 1.5}},
		// Adam's first step is LR·sign(g) (up to ε) where g ≠ 0.
		{Adam, 0, []float32{0.1, -0.1, 0, 0.1, 0, -0.1}},
	} {
		t.Run(tc.rule.String(), func(t *testing.T) {
			x := make([]float32, len(g))
			e := New(x, tc.rule, 0.1, tc.size, Constraint{})
			before := Calls()
			e.Step(g)
			for i := range x {
				if math.Abs(float64(x[i]-tc.want[i])) > 1e-6 {
					t.Fatalf("Step = %v, want %v", x, tc.want)
				}
			}
			if got := Calls() - before; got != 1 || e.Steps() != 1 {
				t.Errorf("Calls grew by %d and Steps = %d, want 1 and 1", got, e.Steps())
			}
		})
	}
}

// TestAscends maximizes a concave quadratic −‖x−p‖² with each rule and
// checks that the engine gets near p, and stays on the ball when p is
// outside it.
func TestAscends(t *testing.T) {
	p := []float32{0.9, 0.1, 0.7, 0.3}
	for _, rule := range []Rule{Adam, Normalized, Sign, L2Step} {
		x := []float32{0.5, 0.5, 0.5, 0.5}
		e := New(x, rule, 0.01, 0, Constraint{Box: true})
		g := make([]float32, len(x))
		for range 200 {
			for i := range x {
				g[i] = 2 * (p[i] - x[i])
			}
			e.Step(g)
		}
		if d, _ := norms(x, p); d > 0.03 {
			t.Errorf("%v: ended at %v, %v from the optimum %v", rule, x, d, p)
		}
	}
}
