package actmax

import (
	"testing"
	"time"
)

// BenchmarkActmax100_convnetjs is 100 ascent steps on the mean of conv2
// channel 0 of the ConvNetJS MNIST architecture (plain pixels, no
// regularizers or transforms): ConvNetJS's own demo takes 680 ms for this
// in a browser. It reports ms per 100 steps and ms per step.
func BenchmarkActmax100_convnetjs(b *testing.B) {
	m := convnetjs(b, 1)
	opt := Options{Objective: Objective{Layer: "conv2", Channel: 0}, Steps: 100}
	// Warm up: V8 optimizes hot functions on later calls.
	if _, err := Maximize(m, Options{Objective: opt.Objective, Steps: 10}); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	n := 0
	for b.Loop() {
		if _, err := Maximize(m, opt); err != nil {
			b.Fatal(err)
		}
		n++
	}
	ms := float64(time.Since(start).Microseconds()) / 1000 / float64(n)
	b.ReportMetric(ms, "ms/100steps")
	b.ReportMetric(ms/100, "ms/step")
}

// BenchmarkStep_mnist is one Step of the heaviest setting on the mnist
// architecture: a class logit (the whole network, all filters), Fourier
// parameterization, every transform and regularizer on. The shell's
// per-frame budget must fit one Step (aim ≤ 4 ms natively).
func BenchmarkStep_mnist(b *testing.B) {
	m := mnistArch(b, 1)
	opt := Options{Objective: Objective{Kind: Class, Class: 3}, Fourier: true, Steps: 1 << 30, Seed: 1,
		L2: 0.1, TV: 0.1, BlurEvery: 4, Jitter: 2, Scale: 0.1, Rotate: 10, Pad: 3}
	r, err := New(m, opt)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		r.Step()
	}
}
