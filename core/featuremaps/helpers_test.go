package featuremaps

import (
	"math/rand/v2"
	"testing"

	"cnnviz/core/nn"
	"cnnviz/models"
)

// build returns architecture name with seeded random (He) weights and
// biases drawn from [0, 0.1), so that ReLUs are neither all on nor all off.
func build(t testing.TB, name string, seed uint64) *nn.Sequential {
	t.Helper()
	spec, err := models.Architecture(name)
	if err != nil {
		t.Fatal(err)
	}
	m := nn.MustBuild(spec, seed)
	r := rand.New(rand.NewPCG(seed, 99))
	for _, l := range m.Layers {
		switch l := l.(type) {
		case *nn.Conv2D:
			for i := range l.B.Value.Data {
				l.B.Value.Data[i] = r.Float32() * 0.1
			}
		case *nn.Dense:
			for i := range l.B.Value.Data {
				l.B.Value.Data[i] = r.Float32() * 0.1
			}
		}
	}
	return m
}

// randomImages returns n images of m's input shape with pixels in [0, 1):
// a few bright blobs on black, loosely like handwriting.
func randomImages(m *nn.Sequential, r *rand.Rand, n int) []float32 {
	c, h, w := m.Spec.Input[0], m.Spec.Input[1], m.Spec.Input[2]
	out := make([]float32, n*c*h*w)
	for i := range n {
		img := out[i*c*h*w : (i+1)*c*h*w]
		for range 3 + r.IntN(4) {
			cy, cx := 4+r.Float64()*float64(h-8), 4+r.Float64()*float64(w-8)
			for y := range h {
				for x := range w {
					dy, dx := float64(y)-cy, float64(x)-cx
					if dy*dy+dx*dx < 6 {
						for ch := range c {
							img[(ch*h+y)*w+x] = min(1, img[(ch*h+y)*w+x]+0.4+0.6*r.Float32())
						}
					}
				}
			}
		}
	}
	return out
}

var archs = []string{"mnist", "convnetjs"}
