//go:build !js

package actmax

import (
	"math"
	"slices"
	"testing"

	ag "cnnviz/core/autograd"
	"cnnviz/core/nn"
	"cnnviz/core/tensor"
	"cnnviz/models"
	"cnnviz/models/mnist"
)

func mnistTest(t *testing.T) *mnist.Set {
	t.Helper()
	s, err := mnist.LoadDefault("test")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestBeatsMNIST maximizes channels of the trained models and of random
// weights and compares the objective on the result with its largest value
// over 200 real MNIST test digits. Activation maximization finds the
// input a unit likes best within 0..1, digits are only what the network
// was trained on; so we want the optimum at least twice the best digit
// (and above zero).
func TestBeatsMNIST(t *testing.T) {
	set := mnistTest(t)
	const sample = 200
	digits := make([][]float32, sample)
	for i := range digits {
		digits[i] = set.Float(i*(set.Count/sample), nil)
	}
	trained := func(name string) *nn.Sequential { return builtin(t, name) }
	cases := []struct {
		name string
		m    *nn.Sequential
		obj  Objective
	}{
		{"trained-mnist/conv2.3", trained("mnist"), Objective{Layer: "conv2", Channel: 3}},
		{"trained-mnist/conv4.10", trained("mnist"), Objective{Layer: "conv4", Channel: 10}},
		{"trained-convnetjs/conv2.0", trained("convnetjs"), Objective{Layer: "conv2", Channel: 0}},
		{"random-mnist/conv4.10", mnistArch(t, 11), Objective{Layer: "conv4", Channel: 10}},
		{"random-convnetjs/conv2.0", convnetjs(t, 11), Objective{Layer: "conv2", Channel: 0}},
	}
	for _, c := range cases {
		for _, fourier := range []bool{false, true} {
			t.Run(c.name+map[bool]string{false: "/pixels", true: "/fourier"}[fourier], func(t *testing.T) {
				res, err := Maximize(c.m, Options{Objective: c.obj, Fourier: fourier, Seed: 1})
				if err != nil {
					t.Fatal(err)
				}
				tgt, _ := compile(c.m, c.obj)
				var n int
				eval := func(x []float32) float64 {
					return float64(tgt.eval(ag.New(tensor.FromSlice(slices.Clone(x), 1, 1, 28, 28)), &n).Value.Data[0])
				}
				final, best := eval(res.Image.Data), math.Inf(-1)
				for _, d := range digits {
					best = max(best, eval(d))
				}
				t.Logf("%s: optimized %.3f, best of %d digits %.3f, ratio %.2f", c.name, final, sample, best, final/best)
				if final <= 0 || final < 2*best {
					t.Errorf("objective on the optimized image %.3f, best digit %.3f: want ≥ 2× and > 0", final, best)
				}
			})
		}
	}
}

// TestClassVisualization checks on the trained model that the image
// optimized for a class logit scores higher on that logit than every one
// of the first 1000 test digits of that class: the digits are a sample of
// 0..1 images, the visualization the best such image the ascent finds.
func TestClassVisualization(t *testing.T) {
	m, err := models.Builtin("mnist")
	if err != nil {
		t.Fatal(err)
	}
	set := mnistTest(t)
	best := make([]float32, 10)
	for i := range best {
		best[i] = float32(math.Inf(-1))
	}
	for i := range 1000 {
		c := set.Labels[i]
		best[c] = max(best[c], m.Logits(set.Float(i, nil), 1)[c])
	}
	for _, class := range []int{0, 2, 5, 7, 9} { // half the classes keep the test fast
		res, err := Maximize(m, Options{Objective: Objective{Kind: Class, Class: class}, Seed: 2})
		if err != nil {
			t.Fatal(err)
		}
		got := m.Logits(res.Image.Data, 1)[class]
		t.Logf("class %d: logit %.2f on its visualization, at most %.2f on digits", class, got, best[class])
		if got <= best[class] {
			t.Errorf("class %d: logit %.3f on its visualization, best digit %.3f: want more", class, got, best[class])
		}
	}
}
