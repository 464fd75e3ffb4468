package featuremaps

import (
	"math/rand/v2"
	"testing"

	"cnnviz/core/render"
)

func benchCaptureStats(b *testing.B, arch string) {
	m := build(b, arch, 1)
	x := randomImages(m, rand.New(rand.NewPCG(1, 1)), 1)
	for b.Loop() {
		Summarize(m, Capture(m, x))
	}
}

func BenchmarkCaptureStats_mnist(b *testing.B)     { benchCaptureStats(b, "mnist") }
func BenchmarkCaptureStats_convnetjs(b *testing.B) { benchCaptureStats(b, "convnetjs") }

// benchTop searches 1,000 images with the stepper and reports the longest
// single Step, the number that matters for the frame budget.
func benchTop(b *testing.B, arch, layer string) {
	m := build(b, arch, 1)
	const n = 1000
	imgs := randomImages(m, rand.New(rand.NewPCG(2, 2)), n)
	li := m.Index(layer)
	var longest float64
	for b.Loop() {
		s := NewTopSearch(m, li, imgs, n, 9)
		for {
			t0 := nowNanos()
			done := s.Step()
			longest = max(longest, float64(nowNanos()-t0)/1e6)
			if done {
				break
			}
		}
	}
	b.ReportMetric(longest, "max-ms/step")
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "images/s")
}

func BenchmarkTopImages1000_mnist_relu4(b *testing.B)     { benchTop(b, "mnist", "relu4") }
func BenchmarkTopImages1000_convnetjs_relu2(b *testing.B) { benchTop(b, "convnetjs", "relu2") }

// benchGrid renders every channel of a layer as a grid with per-channel
// scales and a colour bar, what the feature-map view draws per input.
func benchGrid(b *testing.B, arch, layer string, cell int) {
	m := build(b, arch, 1)
	x := randomImages(m, rand.New(rand.NewPCG(1, 1)), 1)
	li := m.Index(layer)
	l := Capture(m, x)[li]
	c, hw := l.Channels()
	maps := render.Channels(l.Data, c, hw)
	lay := render.Layout(c, l.Shape[1], l.Shape[2], 0, cell, 2)
	var px int
	for b.Loop() {
		img := render.Grid(maps, lay, render.PerChannel(l.Data, hw, false), render.Viridis, render.Background)
		bar := render.ColorBar(render.Fit(false, l.Data), render.Viridis, 200, 10, 5)
		px = len(img.Pix)/4 + len(bar.Pix)/4
	}
	b.ReportMetric(float64(px), "pixels")
}

func BenchmarkGrid_mnist_conv1_16x28x28(b *testing.B) { benchGrid(b, "mnist", "conv1", 4) }
func BenchmarkGrid_mnist_relu4_64x7x7(b *testing.B)   { benchGrid(b, "mnist", "relu4", 8) }
