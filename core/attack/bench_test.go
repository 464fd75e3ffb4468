package attack

import (
	"math/rand/v2"
	"testing"

	"cnnviz/models"
)

// BenchmarkPGD40_mnist28x28 is PGD-40 (L∞, eps 0.3, random start) on one
// seeded 28×28 image for the shipped mnist model: 41 forward and 40
// backward passes through nn.Plan. The goal is under 1 s in the page.
func BenchmarkPGD40_mnist28x28(b *testing.B) {
	m, err := models.Builtin("mnist")
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	x := make([]float32, 28*28)
	for i := range x {
		x[i] = rng.Float32()
	}
	opt := Options{Eps: 0.3, Steps: 40, RandomStart: true, Seed: 1}
	// Warm up: V8 optimizes hot functions on later calls.
	if _, err := Attack(m, x, 3, Options{Steps: 5}); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Attack(m, x, 3, opt); err != nil {
			b.Fatal(err)
		}
	}
}
