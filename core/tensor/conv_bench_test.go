package tensor

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// convBenchLayers are the conv layers of the shipped models.
var convBenchLayers = []struct {
	name string
	g    Geom
	oc   int
}{
	{"convnetjs_conv1", Geom{C: 1, H: 28, W: 28, KH: 5, KW: 5, SH: 1, SW: 1, PH: 2, PW: 2}, 8},
	{"convnetjs_conv2", Geom{C: 8, H: 14, W: 14, KH: 5, KW: 5, SH: 1, SW: 1, PH: 2, PW: 2}, 16},
	{"mnist_conv1", Geom{C: 1, H: 28, W: 28, KH: 3, KW: 3, SH: 1, SW: 1, PH: 1, PW: 1}, 16},
	{"mnist_conv2", Geom{C: 16, H: 14, W: 14, KH: 3, KW: 3, SH: 1, SW: 1, PH: 1, PW: 1}, 32},
	{"mnist_conv3", Geom{C: 32, H: 7, W: 7, KH: 3, KW: 3, SH: 1, SW: 1, PH: 1, PW: 1}, 48},
	{"mnist_conv4", Geom{C: 48, H: 7, W: 7, KH: 3, KW: 3, SH: 1, SW: 1, PH: 1, PW: 1}, 64},
}

// BenchmarkConv2D runs ConvForward (without ReLU) and the full
// ConvBackward (dx, dw, db) of the shipped models' conv layers for one
// image and for a training batch of 32, with pooled scratch as autograd
// runs them. The "im2col" variants turn the fused direct convolution off
// (it only exists with WebAssembly SIMD, so natively and in the scalar
// build they measure the same code). GFLOP/s counts
// 2·n·oc·C·KH·KW·OH·OW per forward and twice that per backward.
func BenchmarkConv2D(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, l := range convBenchLayers {
		g, oc := l.g, l.oc
		for _, v := range []struct {
			name    string
			n       int
			noFused bool
		}{{"n1", 1, false}, {"n1im2col", 1, true}, {"n32", 32, false}, {"n32im2col", 32, true}} {
			n := v.n
			x, w, bias := randSlice(r, n*g.C*g.H*g.W), randSlice(r, oc*g.C*g.KH*g.KW), randSlice(r, oc)
			y := make([]float32, n*oc*g.OutH()*g.OutW())
			dx, dw, db := make([]float32, len(x)), make([]float32, len(w)), make([]float32, oc)
			flop := 2 * float64(n*oc*g.C*g.KH*g.KW*g.OutH()*g.OutW())
			run := func(name string, f func(), flop float64) {
				b.Run(fmt.Sprintf("%s/%s/%s", l.name, v.name, name), func(b *testing.B) {
					defer func(off bool) { convFusedOff = off }(convFusedOff)
					convFusedOff = v.noFused
					for b.Loop() {
						f()
					}
					b.ReportMetric(flop*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				})
			}
			run("forward", func() { ConvForward(g, n, oc, x, w, bias, y, nil, nil) }, flop)
			run("backward", func() { ConvBackward(g, n, oc, x, w, y, dx, dw, db, nil) }, 2*flop)
		}
	}
}

// BenchmarkMaxPool2D runs the max-pooling layers of the convnetjs model on
// one image, forward and backward.
func BenchmarkMaxPool2D(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, l := range []struct {
		name string
		g    Geom
	}{
		{"convnetjs_pool1", Geom{C: 8, H: 28, W: 28, KH: 2, KW: 2, SH: 2, SW: 2}},
		{"convnetjs_pool2", Geom{C: 16, H: 14, W: 14, KH: 3, KW: 3, SH: 3, SW: 3}},
	} {
		g := l.g
		x := randSlice(r, g.C*g.H*g.W)
		y, arg := make([]float32, g.C*g.OutH()*g.OutW()), make([]int32, g.C*g.OutH()*g.OutW())
		dx := make([]float32, len(x))
		b.Run(l.name+"/forward", func(b *testing.B) {
			for b.Loop() {
				MaxPool2D(g, 1, x, y, arg)
			}
		})
		b.Run(l.name+"/backward", func(b *testing.B) {
			for b.Loop() {
				MaxPool2DBackward(y, arg, dx)
			}
		})
	}
}
