package nn_test

import (
	"math/rand/v2"
	"testing"

	"cnnviz/core/nn"
	"cnnviz/core/tensor"
)

// TestInputGradientAfter checks that the gradient after a Forward equals
// autograd's for every plan case, after another input ran in between.
func TestInputGradientAfter(t *testing.T) {
	r := rand.New(rand.NewPCG(35, 36))
	for _, tc := range planCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			s, n := tc.net, tc.batch
			other := randPixels(r, n*tensor.Numel(s.Spec.Input))
			pixels := randPixels(r, n*tensor.Numel(s.Spec.Input))
			seed := randSeed(r, n*len(s.Spec.Classes))
			_, _, dIn := reference(s, n, pixels, seed)
			p := nn.NewPlan(s, n)
			p.InputGradient(other, seed)
			p.Forward(pixels)
			compare(t, "InputGradientAfter", p.InputGradientAfter(seed), dIn)
		})
	}
}
