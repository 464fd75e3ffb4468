//go:build wasm

package tensor

import (
	"math/rand/v2"
	"testing"
)

// TestKernelsDoNotAllocate checks that Gemm, and ConvForward and
// ConvBackward without caller scratch, reuse the pool's scratch buffers: after a first call, repeated calls make
// no allocation (the scratch pool only refills after a garbage
// collection, hence "fewer than one per call" rather than zero). It runs
// under WebAssembly only: natively Gemm is gonum's Sgemm, whose goroutines
// allocate.
func TestKernelsDoNotAllocate(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	g := Geom{C: 8, H: 14, W: 14, KH: 5, KW: 5, SH: 1, SW: 1, PH: 2, PW: 2}
	const n, oc = 4, 16
	x, w, b := randSlice(r, n*g.C*g.H*g.W), randSlice(r, oc*g.C*g.KH*g.KW), randSlice(r, oc)
	y := make([]float32, n*oc*g.OutH()*g.OutW())
	dx, dw, db := make([]float32, len(x)), make([]float32, len(w)), make([]float32, oc)
	a, bb, c := randSlice(r, 16*200), randSlice(r, 200*196), make([]float32, 16*196)
	for _, tc := range []struct {
		name string
		f    func()
	}{
		{"Gemm", func() { Gemm(false, true, 16, 196, 200, a, 200, bb, 200, c, 196, false) }},
		{"ConvForward", func() { ConvForward(g, n, oc, x, w, b, y, nil, nil) }},
		{"ConvBackward", func() { ConvBackward(g, n, oc, x, w, y, dx, dw, db, nil) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := testing.AllocsPerRun(20, tc.f); got >= 1 {
				t.Errorf("%s: %v allocations per call, want 0", tc.name, got)
			}
		})
	}
}
