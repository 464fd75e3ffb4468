package metrics

import (
	"math/rand/v2"
	"testing"
	"time"

	"cnnviz/core/attribution"
	"cnnviz/core/nn"
	"cnnviz/core/tensor"
	"cnnviz/models"
)

func benchModel(b *testing.B, name string) (*nn.Sequential, *tensor.Tensor, []float32) {
	spec, err := models.Architecture(name)
	if err != nil {
		b.Fatal(err)
	}
	m := nn.MustBuild(spec, 1)
	r := rand.New(rand.NewPCG(1, 1))
	x := tensor.New(1, 28, 28)
	attr := make([]float32, 28*28)
	for i := range x.Data {
		x.Data[i], attr[i] = float32(r.Float64()), float32(r.NormFloat64())
	}
	return m, x, attr
}

// stepTimes runs s to completion and adds its Step count and times.
func stepTimes(s interface{ Step() bool }, steps *int, total, longest *time.Duration) {
	for {
		t0 := time.Now()
		done := s.Step()
		d := time.Since(t0)
		*total += d
		*longest = max(*longest, d)
		*steps++
		if done {
			return
		}
	}
}

func report(b *testing.B, steps int, total, longest time.Duration) {
	b.ReportMetric(float64(total.Microseconds())/1000/float64(steps), "ms/step")
	b.ReportMetric(float64(longest.Microseconds())/1000, "max-ms/step")
	b.ReportMetric(float64(steps)/float64(b.N), "steps/op")
}

func benchDeletion(b *testing.B, name string) {
	m, x, attr := benchModel(b, name)
	var steps int
	var total, longest time.Duration
	for b.Loop() {
		s, err := NewDeletion(m, x, 3, attr, CurveOptions{Baseline: attribution.BaselineBlur})
		if err != nil {
			b.Fatal(err)
		}
		stepTimes(s, &steps, &total, &longest)
	}
	report(b, steps, total, longest)
}

// BenchmarkDeletion21_mnist is a 21-point deletion curve.
func BenchmarkDeletion21_mnist(b *testing.B) { benchDeletion(b, "mnist") }

// BenchmarkDeletion21_convnetjs is a 21-point deletion curve.
func BenchmarkDeletion21_convnetjs(b *testing.B) { benchDeletion(b, "convnetjs") }

func benchConfidence(b *testing.B, name string) {
	m, x, attr := benchModel(b, name)
	const n = 16
	xs, maps, cl := make([]*tensor.Tensor, n), make([][]float32, n), make([]int, n)
	for i := range xs {
		xs[i], maps[i], cl[i] = x, attr, i%10
	}
	var steps int
	var total, longest time.Duration
	for b.Loop() {
		s, err := NewConfidence(m, xs, maps, cl, 0)
		if err != nil {
			b.Fatal(err)
		}
		stepTimes(s, &steps, &total, &longest)
	}
	report(b, steps, total, longest)
}

// BenchmarkConfidence16_mnist is average drop / increase over 16 images.
func BenchmarkConfidence16_mnist(b *testing.B) { benchConfidence(b, "mnist") }

// BenchmarkConfidence16_convnetjs is average drop / increase over 16 images.
func BenchmarkConfidence16_convnetjs(b *testing.B) { benchConfidence(b, "convnetjs") }

// gradCAMLast is Grad-CAM on the last ReLU (relu4 of mnist, relu2 of
// convnetjs), upsampled to the input.
func gradCAMLast(m *nn.Sequential, x *tensor.Tensor, class int) ([]float32, error) {
	l := m.Index("relu4")
	if l < 0 {
		l = m.Index("relu2")
	}
	c, err := attribution.GradCAM(m, x, l, class)
	if err != nil {
		return nil, err
	}
	return attribution.Upsample(c.Data, c.Shape[0], c.Shape[1], x.Shape[1], x.Shape[2], true), nil
}

func benchSanity(b *testing.B, name string) {
	m, x, _ := benchModel(b, name)
	var steps int
	var total, longest time.Duration
	for b.Loop() {
		stepTimes(NewSanity(m, x, 3, gradCAMLast, 1), &steps, &total, &longest)
	}
	report(b, steps, total, longest)
}

// BenchmarkSanityGradCAM_mnist is the cascading randomization of Grad-CAM.
func BenchmarkSanityGradCAM_mnist(b *testing.B) { benchSanity(b, "mnist") }

// BenchmarkSanityGradCAM_convnetjs is the cascading randomization of Grad-CAM.
func BenchmarkSanityGradCAM_convnetjs(b *testing.B) { benchSanity(b, "convnetjs") }

// BenchmarkLocalizationGradCAM_mnist56 is the pointing game of Grad-CAM on
// 16 scenes of 56×56.
func BenchmarkLocalizationGradCAM_mnist56(b *testing.B) {
	m, _, _ := benchModel(b, "mnist")
	big, err := attribution.WithInput(m, []int{1, 56, 56})
	if err != nil {
		b.Fatal(err)
	}
	digits, labels := fakeDigits(16, rand.New(rand.NewPCG(2, 2)))
	set, err := LocalizationSet(digits, labels, 16, SceneOptions{Size: 56, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	var steps int
	var total, longest time.Duration
	for b.Loop() {
		stepTimes(NewLocalization(big, set, gradCAMLast, 0), &steps, &total, &longest)
	}
	report(b, steps, total, longest)
}
