package render

import (
	"image"
	"math/rand/v2"
	"testing"
)

// BenchmarkGrid_64x7x7 draws 64 channels of 7×7 at cell 8, the deepest
// feature-map grid of the mnist model, with per-channel scales.
func BenchmarkGrid_64x7x7(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	data := make([]float32, 64*49)
	for i := range data {
		data[i] = r.Float32()
	}
	maps := Channels(data, 64, 49)
	lay := Layout(64, 7, 7, 0, 8, 2)
	for b.Loop() {
		Grid(maps, lay, PerChannel(data, 49, false), Viridis, Background)
	}
	w, h := lay.Size()
	b.ReportMetric(float64(w*h)*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mpixel/s")
}

// BenchmarkOverlay_7x7to280 upsamples a 7×7 attribution map bilinearly to
// a 280×280 view of a 28×28 input and blends it.
func BenchmarkOverlay_7x7to280(b *testing.B) {
	base := image.NewGray(image.Rect(0, 0, 280, 280))
	heat := make([]float32, 49)
	for i := range heat {
		heat[i] = float32(i%7) - 3
	}
	s := Fit(true, heat)
	for b.Loop() {
		Overlay(base, heat, 7, 7, s, Diverging, 0.5, true)
	}
	b.ReportMetric(280*280*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mpixel/s")
}
