package attack

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"cnnviz/core/nn"
	"cnnviz/models"
)

// TestFastAdversary checks the training images of fast adversarial
// training: within the ball and the box, the same from the same seed, a
// radius that ramps up, and a higher loss than the clean images'.
func TestFastAdversary(t *testing.T) {
	m, err := models.Builtin("mnist")
	if err != nil {
		t.Fatal(err)
	}
	const n = 4
	p := nn.NewPlan(m, n)
	rng := rand.New(rand.NewPCG(1, 2))
	clean := make([]float32, n*28*28)
	for i := range clean {
		if rng.IntN(4) == 0 {
			clean[i] = rng.Float32()
		}
	}
	labels := []int{1, 3, 5, 7}
	loss := func(x []float32) float64 {
		s := newScorer(m, n)
		l, pred := make([]float64, n), make([]int, n)
		s.lossGrad(x, labels, false, l, pred)
		var sum float64
		for _, v := range l {
			sum += v
		}
		return sum
	}
	for _, tc := range []struct {
		f    FastAdversary
		step int
		eps  float64
	}{
		{FastAdversary{Eps: 0.3, Alpha: 0.375}, 0, 0.3},
		{FastAdversary{Eps: 0.1, Alpha: 0.125}, 5, 0.1},
		{FastAdversary{Eps: 0.3, Alpha: 0.375, RampSteps: 10}, 4, 0.15},
	} {
		x := slices.Clone(clean)
		tc.f.Perturb(p, x, labels, tc.step, rand.New(rand.NewPCG(7, 0)))
		y := slices.Clone(clean)
		tc.f.Perturb(p, y, labels, tc.step, rand.New(rand.NewPCG(7, 0)))
		if !slices.Equal(x, y) {
			t.Errorf("%+v: two runs from the same seed differ", tc.f)
		}
		var linf float64
		for i, v := range x {
			if v < 0 || v > 1 {
				t.Fatalf("%+v: pixel %d = %v, want 0..1", tc.f, i, v)
			}
			linf = max(linf, math.Abs(float64(v)-float64(clean[i])))
		}
		if linf > tc.eps+1e-7 || linf < tc.eps*0.99 {
			t.Errorf("%+v at step %d: L∞ %v, want %v", tc.f, tc.step, linf, tc.eps)
		}
		if lc, la := loss(clean), loss(x); la <= lc {
			t.Errorf("%+v: loss %v on the adversarial images, want above the clean %v", tc.f, la, lc)
		}
	}
}
