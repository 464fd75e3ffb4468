//go:build wasm && goexperiment.simd

package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func absSlice(x []float32) []float32 {
	y := make([]float32, len(x))
	for i, v := range x {
		y[i] = float32(math.Abs(float64(v)))
	}
	return y
}

// TestConvFused checks the SIMD fused direct convolution (forward, with
// bias and ReLU, and input gradient) against the float64 definitions on
// random stride-1 shapes with widths that are not multiples of 8 and
// channel counts that are not multiples of 4.
//
// Tolerance: a float32 sum of K terms is within γ_K·Σ|terms| of the exact
// sum (γ_K = K·u/(1−K·u), u = 2⁻²⁴), and rounding the float64 reference
// to float32 adds u·|exact|; Σ|terms| is the same convolution applied to
// |x|, |w| and |b| (or |w| and |dy|).
func TestConvFused(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	u := math.Ldexp(1, -24)
	for trial := 0; trial < 40; trial++ {
		kh, kw := 1+r.IntN(5), 1+r.IntN(5)
		g := Geom{C: 1 + r.IntN(3), H: kh + r.IntN(12), W: kw + r.IntN(20), KH: kh, KW: kw, SH: 1, SW: 1, PH: r.IntN(kh), PW: r.IntN(kw)}
		n, oc := 1+r.IntN(3), 1+r.IntN(9)
		t.Run(fmt.Sprintf("%+v/n=%d/oc=%d", g, n, oc), func(t *testing.T) {
			if !useFused(g) {
				t.Fatalf("useFused(%+v) = false, want true", g)
			}
			ckk := g.C * g.KH * g.KW
			x, w, b := randSlice(r, n*g.C*g.H*g.W), randSlice(r, oc*ckk), randSlice(r, oc)
			y, relu := randSlice(r, n*oc*g.OutH()*g.OutW()), randSlice(r, n*oc*g.OutH()*g.OutW())
			ConvForward(g, n, oc, x, w, b, y, relu, nil)
			want := naiveConv(g, n, oc, x, w, b)
			mag := naiveConv(g, n, oc, absSlice(x), absSlice(w), absSlice(b))
			gamma := float64(ckk+1) * u / (1 - float64(ckk+1)*u)
			for i := range y {
				if d := math.Abs(float64(y[i] - want[i])); d > gamma*float64(mag[i])+u*math.Abs(float64(want[i])) {
					t.Fatalf("y[%d] = %v, want %v (difference %.3g)", i, y[i], want[i], d)
				}
				if wr := max(y[i], 0); relu[i] != wr {
					t.Fatalf("relu[%d] = %v, want max(y, 0) = %v", i, relu[i], wr)
				}
			}
			dy := randSlice(r, len(y))
			dx := randSlice(r, len(x)) // overwritten
			ConvBackward(g, n, oc, x, w, dy, dx, nil, nil, nil)
			wantDx, _ := naiveConvBackward(g, n, oc, x, w, dy)
			magDx, _ := naiveConvBackward(g, n, oc, x, absSlice(w), absSlice(dy))
			gamma = float64(oc*g.KH*g.KW+1) * u / (1 - float64(oc*g.KH*g.KW+1)*u)
			for i := range dx {
				exact := float64(wantDx[i])
				bound := gamma*float64(magDx[i]) + u*math.Abs(exact)
				if d := math.Abs(float64(dx[i]) - exact); d > bound {
					t.Fatalf("dx[%d] = %v, want %v (difference %.3g > %.3g)", i, dx[i], exact, d, bound)
				}
			}
		})
	}
}
