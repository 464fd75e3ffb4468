package attack

import (
	"fmt"
	"math/rand/v2"

	"cnnviz/core/inputopt"
	"cnnviz/core/nn"
)

// FastAdversary makes the training images of fast adversarial training
// (Wong, Rice and Kolter 2020, "Fast is better than free"): FGSM from a
// random start, one sign step of Alpha on the loss at a uniform random
// point of the L∞ ball of radius Eps, projected back into the ball and
// the [0,1] box. Training on them costs one extra forward and backward
// pass per image and makes a model robust to much stronger attacks
// (PGD) at the same radius.
type FastAdversary struct {
	Eps, Alpha float64
	// RampSteps > 0 grows the radius (and the step with it) linearly from
	// 0 over the first RampSteps optimizer steps.
	RampSteps int
}

// Perturb replaces the images x ([Batch, C, H, W] of plan p) with labels
// by adversarial ones, for optimizer step step; rng draws the random
// start. It panics when the lengths do not fit p.
func (f FastAdversary) Perturb(p *nn.Plan, x []float32, labels []int, step int, rng *rand.Rand) {
	n, k := p.Batch(), len(p.Net().Spec.Classes)
	if len(x)%n != 0 || len(labels) != n {
		panic(fmt.Sprintf("attack: Perturb %d values and %d labels for a plan of batch %d", len(x), len(labels), n))
	}
	eps, alpha := f.Eps, f.Alpha
	if f.RampSteps > 0 && step < f.RampSteps {
		r := float64(step+1) / float64(f.RampSteps)
		eps, alpha = eps*r, alpha*r
	}
	clean := append([]float32(nil), x...)
	for i := range x {
		x[i] += float32(eps * (2*rng.Float64() - 1))
	}
	e := inputopt.New(x, inputopt.Sign, alpha, len(x)/n, inputopt.Constraint{Box: true, Norm: inputopt.LInf, Eps: eps, Center: clean})
	logits := p.Forward(x)
	seed := make([]float32, n*k)
	pred := make([]int, n)
	sc := scorer{batch: n, classes: k, probs: seed}
	sc.softmax(logits, pred)
	for b, c := range labels {
		seed[b*k+c]-- // softmax − one-hot: the cross-entropy's gradient
	}
	e.Step(p.InputGradientAfter(seed))
}
