//go:build wasm && goexperiment.simd

package tensor

import "testing"

// BenchmarkDepthwise3x3 compares the SIMD 3×3 depthwise kernel with the
// row-of-axpys loop on MobileNetV2's second block (144 channels, 56×56).
func BenchmarkDepthwise3x3(b *testing.B) {
	g := Geom{C: 1, H: 56, W: 56, KH: 3, KW: 3, SH: 1, SW: 1, PH: 1, PW: 1}
	x := make([]float32, 144*56*56)
	y := make([]float32, len(x))
	k := []float32{1, 2, 3, 4, 5, 6, 7, 8, 9}
	for i := range x {
		x[i] = float32(i%7) - 3
	}
	for _, bc := range []struct {
		name string
		f    func(g Geom, x, k []float32, bias float32, out []float32)
	}{
		{"rows", depthwiseRows},
		{"simd", func(g Geom, x, k []float32, bias float32, out []float32) { depthwise3x3SIMD(g, x, k, bias, out) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				for c := range 144 {
					bc.f(g, x[c*56*56:(c+1)*56*56], k, 0.5, y[c*56*56:(c+1)*56*56])
				}
			}
		})
	}
}
