package attribution

import (
	"math/rand/v2"
	"testing"
	"time"

	"cnnviz/core/nn"
	"cnnviz/core/tensor"
)

// benchSetup returns a random-weight built-in model, an input and the
// last ReLU before the classifier (relu4 for mnist, relu2 for convnetjs).
func benchSetup(b *testing.B, name string) (*nn.Sequential, *tensor.Tensor, int) {
	m := arch(b, name, 1)
	layer := map[string]int{"mnist": 9, "convnetjs": 4}[name]
	return m, image(rand.New(rand.NewPCG(1, 1)), 28, 28), layer
}

// benchPlain times a plain method.
func benchPlain(b *testing.B, name string, f func(m *nn.Sequential, x *tensor.Tensor, layer int) error) {
	m, x, layer := benchSetup(b, name)
	for b.Loop() {
		if err := f(m, x, layer); err != nil {
			b.Fatal(err)
		}
	}
}

// benchStepper times a stepper run to completion and reports the mean and
// the longest Step in milliseconds: the figure that must stay within a
// frame budget.
func benchStepper(b *testing.B, name string, start func(m *nn.Sequential, x *tensor.Tensor, layer int) interface{ Step() bool }) {
	m, x, layer := benchSetup(b, name)
	var steps int
	var longest, total time.Duration
	for b.Loop() {
		s := start(m, x, layer)
		for {
			t0 := time.Now()
			done := s.Step()
			d := time.Since(t0)
			total += d
			longest = max(longest, d)
			steps++
			if done {
				break
			}
		}
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(steps), "ms/step")
	b.ReportMetric(float64(longest.Microseconds())/1000, "max-ms/step")
	b.ReportMetric(float64(steps)/float64(b.N), "steps/op")
}

func camBench(f func(*nn.Sequential, *tensor.Tensor, int, int) (*tensor.Tensor, error)) func(*nn.Sequential, *tensor.Tensor, int) error {
	return func(m *nn.Sequential, x *tensor.Tensor, l int) error { _, err := f(m, x, l, 3); return err }
}

func gradBench(f func(*nn.Sequential, *tensor.Tensor, int) (*tensor.Tensor, error)) func(*nn.Sequential, *tensor.Tensor, int) error {
	return func(m *nn.Sequential, x *tensor.Tensor, _ int) error { _, err := f(m, x, 3); return err }
}

var (
	benchCAM      = func(m *nn.Sequential, x *tensor.Tensor, _ int) error { _, err := CAM(m, x, 3); return err }
	benchEigen    = func(m *nn.Sequential, x *tensor.Tensor, l int) error { _, err := EigenCAM(m, x, l); return err }
	benchGuidedGC = func(m *nn.Sequential, x *tensor.Tensor, l int) error { _, err := GuidedGradCAM(m, x, l, 3); return err }

	startScore = func(m *nn.Sequential, x *tensor.Tensor, l int) interface{ Step() bool } {
		s, _ := NewScoreCAM(m, x, l, 3, 0)
		return s
	}
	startAblation = func(m *nn.Sequential, x *tensor.Tensor, l int) interface{ Step() bool } {
		s, _ := NewAblationCAM(m, x, l, 3, 0)
		return s
	}
	startIG = func(m *nn.Sequential, x *tensor.Tensor, _ int) interface{ Step() bool } {
		s, _ := NewIntegratedGradients(m, x, 3, IGOptions{Steps: 64})
		return s
	}
	startSmooth = func(m *nn.Sequential, x *tensor.Tensor, _ int) interface{ Step() bool } {
		s, _ := NewSmoothGrad(m, x, 3, SmoothGradOptions{Samples: 32, Seed: 1})
		return s
	}
	startOcclusion = func(m *nn.Sequential, x *tensor.Tensor, _ int) interface{ Step() bool } {
		s, _ := NewOcclusion(m, x, 3, OcclusionOptions{Patch: 4, Stride: 2})
		return s
	}
)

func BenchmarkCAM_mnist(b *testing.B)             { benchPlain(b, "mnist", benchCAM) }
func BenchmarkGradCAM_mnist(b *testing.B)         { benchPlain(b, "mnist", camBench(GradCAM)) }
func BenchmarkGradCAM_convnetjs(b *testing.B)     { benchPlain(b, "convnetjs", camBench(GradCAM)) }
func BenchmarkGradCAMPlusPlus_mnist(b *testing.B) { benchPlain(b, "mnist", camBench(GradCAMPlusPlus)) }
func BenchmarkGradCAMPlusPlus_convnetjs(b *testing.B) {
	benchPlain(b, "convnetjs", camBench(GradCAMPlusPlus))
}
func BenchmarkXGradCAM_mnist(b *testing.B)        { benchPlain(b, "mnist", camBench(XGradCAM)) }
func BenchmarkXGradCAM_convnetjs(b *testing.B)    { benchPlain(b, "convnetjs", camBench(XGradCAM)) }
func BenchmarkHiResCAM_mnist(b *testing.B)        { benchPlain(b, "mnist", camBench(HiResCAM)) }
func BenchmarkHiResCAM_convnetjs(b *testing.B)    { benchPlain(b, "convnetjs", camBench(HiResCAM)) }
func BenchmarkLayerCAM_mnist(b *testing.B)        { benchPlain(b, "mnist", camBench(LayerCAM)) }
func BenchmarkLayerCAM_convnetjs(b *testing.B)    { benchPlain(b, "convnetjs", camBench(LayerCAM)) }
func BenchmarkEigenCAM_mnist(b *testing.B)        { benchPlain(b, "mnist", benchEigen) }
func BenchmarkEigenCAM_convnetjs(b *testing.B)    { benchPlain(b, "convnetjs", benchEigen) }
func BenchmarkScoreCAM_mnist(b *testing.B)        { benchStepper(b, "mnist", startScore) }
func BenchmarkScoreCAM_convnetjs(b *testing.B)    { benchStepper(b, "convnetjs", startScore) }
func BenchmarkAblationCAM_mnist(b *testing.B)     { benchStepper(b, "mnist", startAblation) }
func BenchmarkAblationCAM_convnetjs(b *testing.B) { benchStepper(b, "convnetjs", startAblation) }
func BenchmarkSaliency_mnist(b *testing.B)        { benchPlain(b, "mnist", gradBench(Saliency)) }
func BenchmarkSaliency_convnetjs(b *testing.B)    { benchPlain(b, "convnetjs", gradBench(Saliency)) }
func BenchmarkGradientXInput_mnist(b *testing.B)  { benchPlain(b, "mnist", gradBench(GradientXInput)) }
func BenchmarkGradientXInput_convnetjs(b *testing.B) {
	benchPlain(b, "convnetjs", gradBench(GradientXInput))
}
func BenchmarkGuidedBackprop_mnist(b *testing.B) { benchPlain(b, "mnist", gradBench(GuidedBackprop)) }
func BenchmarkGuidedBackprop_convnetjs(b *testing.B) {
	benchPlain(b, "convnetjs", gradBench(GuidedBackprop))
}
func BenchmarkDeconvnet_mnist(b *testing.B)                 { benchPlain(b, "mnist", gradBench(Deconvnet)) }
func BenchmarkDeconvnet_convnetjs(b *testing.B)             { benchPlain(b, "convnetjs", gradBench(Deconvnet)) }
func BenchmarkGuidedGradCAM_mnist(b *testing.B)             { benchPlain(b, "mnist", benchGuidedGC) }
func BenchmarkGuidedGradCAM_convnetjs(b *testing.B)         { benchPlain(b, "convnetjs", benchGuidedGC) }
func BenchmarkIntegratedGradients64_mnist(b *testing.B)     { benchStepper(b, "mnist", startIG) }
func BenchmarkIntegratedGradients64_convnetjs(b *testing.B) { benchStepper(b, "convnetjs", startIG) }
func BenchmarkSmoothGrad32_mnist(b *testing.B)              { benchStepper(b, "mnist", startSmooth) }
func BenchmarkSmoothGrad32_convnetjs(b *testing.B)          { benchStepper(b, "convnetjs", startSmooth) }
func BenchmarkOcclusion4x4_mnist(b *testing.B)              { benchStepper(b, "mnist", startOcclusion) }
func BenchmarkOcclusion4x4_convnetjs(b *testing.B)          { benchStepper(b, "convnetjs", startOcclusion) }
