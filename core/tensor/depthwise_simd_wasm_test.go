//go:build wasm && goexperiment.simd

package tensor

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestDepthwise3x3SIMD compares the SIMD kernel with depthwiseRows, the
// scalar loop, on odd sizes, both strides and several paddings, with the
// scratch filled with garbage first so that a padding value not written
// would show.
func TestDepthwise3x3SIMD(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, s := range []int{1, 2} {
		for _, p := range []int{0, 1, 2, 3} {
			for _, hw := range [][2]int{{3, 3}, {4, 5}, {5, 4}, {7, 7}, {8, 9}, {9, 13}, {14, 14}, {3, 17}, {16, 3}, {12, 11}} {
				g := Geom{C: 1, H: hw[0], W: hw[1], KH: 3, KW: 3, SH: s, SW: s, PH: p, PW: p}
				if p == 3 {
					g.PH = 1 // different paddings along the two axes
				}
				t.Run(fmt.Sprintf("s%d_p%d_%dx%d", s, p, hw[0], hw[1]), func(t *testing.T) {
					x := randSlice(r, g.H*g.W)
					k := randSlice(r, 9)
					want := make([]float32, g.OutH()*g.OutW())
					depthwiseRows(g, x, k, 0.25, want)
					got := make([]float32, len(want)+3)
					got[len(want)] = 42 // past the output: must stay
					scratch := make([]float32, depthwiseFastScratch(g))
					depthwiseFastPrepare(g, scratch)
					for i := range scratch {
						scratch[i] = float32(i%5) + 100
					}
					depthwiseFastPrepare(g, scratch)
					// A first channel leaves its values in scratch; the
					// second must not see them.
					if !depthwise3x3SIMD(g, randSlice(r, g.H*g.W), k, 0.5, got[:len(want)], scratch) {
						t.Fatal("did not run")
					}
					depthwise3x3SIMD(g, x, k, 0.25, got[:len(want)], scratch)
					for i := range want {
						if d := got[i] - want[i]; d > 1e-5 || d < -1e-5 {
							t.Fatalf("out[%d] (row %d, column %d) = %v, want %v", i, i/g.OutW(), i%g.OutW(), got[i], want[i])
						}
					}
					if got[len(want)] != 42 {
						t.Fatal("wrote past the output")
					}
				})
			}
		}
	}
	if depthwise3x3SIMD(Geom{C: 1, H: 8, W: 8, KH: 3, KW: 3, SH: 3, SW: 3}, make([]float32, 64), make([]float32, 9), 0, make([]float32, 4), nil) {
		t.Error("ran at stride 3")
	}
}

// BenchmarkDepthwise3x3 compares the SIMD 3×3 depthwise kernel with the
// row-of-axpys loop on MobileNetV2's layers: 144 channels of 56×56 at
// stride 1 and 96 channels of 112×112 at stride 2.
func BenchmarkDepthwise3x3(b *testing.B) {
	for _, c := range []struct {
		name   string
		ch, hw int
		s      int
	}{{"s1_56", 144, 56, 1}, {"s2_112", 96, 112, 2}, {"s1_7", 960, 7, 1}, {"s2_14", 576, 14, 2}} {
		g := Geom{C: 1, H: c.hw, W: c.hw, KH: 3, KW: 3, SH: c.s, SW: c.s, PH: 1, PW: 1}
		x := make([]float32, c.ch*c.hw*c.hw)
		ohw := g.OutH() * g.OutW()
		y := make([]float32, c.ch*ohw)
		k := []float32{1, 2, 3, 4, 5, 6, 7, 8, 9}
		for i := range x {
			x[i] = float32(i%7) - 3
		}
		scratch := make([]float32, depthwiseFastScratch(g))
		depthwiseFastPrepare(g, scratch)
		for _, bc := range []struct {
			name string
			f    func(g Geom, x, k []float32, bias float32, out []float32)
		}{
			{"rows", depthwiseRows},
			{"simd", func(g Geom, x, k []float32, bias float32, out []float32) {
				depthwise3x3SIMD(g, x, k, bias, out, scratch)
			}},
		} {
			b.Run(c.name+"_"+bc.name, func(b *testing.B) {
				for b.Loop() {
					for i := range c.ch {
						bc.f(g, x[i*c.hw*c.hw:(i+1)*c.hw*c.hw], k, 0.5, y[i*ohw:(i+1)*ohw])
					}
				}
			})
		}
	}
}
