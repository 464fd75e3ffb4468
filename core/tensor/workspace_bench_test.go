package tensor

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkConvForward runs ConvForward (bias and ReLU fused) and the
// input-gradient half of ConvBackward on the shipped models' conv layers
// for one image, with caller scratch; compare BenchmarkConv2D's n1
// forward. GFLOP/s counts 2·oc·C·KH·KW·OH·OW.
func BenchmarkConvForward(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, l := range convBenchLayers {
		g, oc := l.g, l.oc
		x, w, bias := randSlice(r, g.C*g.H*g.W), randSlice(r, oc*g.C*g.KH*g.KW), randSlice(r, oc)
		y, relu := make([]float32, oc*g.OutH()*g.OutW()), make([]float32, oc*g.OutH()*g.OutW())
		dx := make([]float32, len(x))
		s := make([]float32, ConvScratch(g, oc))
		flop := 2 * float64(oc*g.C*g.KH*g.KW*g.OutH()*g.OutW())
		b.Run(l.name+"/forward", func(b *testing.B) {
			for b.Loop() {
				ConvForward(g, 1, oc, x, w, bias, y, relu, s)
			}
			b.ReportMetric(flop*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
		b.Run(l.name+"/inputgrad", func(b *testing.B) {
			for b.Loop() {
				ConvBackward(g, 1, oc, x, w, y, dx, nil, nil, s)
			}
			b.ReportMetric(flop*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkReLU is the ReLU of the ConvNetJS model's first layer output
// (8×28×28) and its backward pass.
func BenchmarkReLU(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	x, dy := randSlice(r, 8*28*28), randSlice(r, 8*28*28)
	y := make([]float32, len(x))
	b.Run("forward", func(b *testing.B) {
		for b.Loop() {
			ReLU(x, y)
		}
	})
	b.Run("backward", func(b *testing.B) {
		for b.Loop() {
			ReLUBackward(x, dy, y, true, false)
		}
	})
}
