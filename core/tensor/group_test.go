package tensor

import (
	"math"
	"math/rand/v2"
	"testing"
)

// naiveGroupConv is the definition of a grouped convolution, one output
// at a time.
func naiveGroupConv(g Geom, groups, n, oc int, x, w, b []float32) []float32 {
	cg, ocg := g.C/groups, oc/groups
	oh, ow := g.OutH(), g.OutW()
	y := make([]float32, n*oc*oh*ow)
	for i := range n {
		for o := range oc {
			k := o / ocg
			for oy := range oh {
				for ox := range ow {
					var s float64
					if b != nil {
						s = float64(b[o])
					}
					for c := range cg {
						for ky := range g.KH {
							for kx := range g.KW {
								iy, ix := oy*g.SH+ky-g.PH, ox*g.SW+kx-g.PW
								if iy < 0 || iy >= g.H || ix < 0 || ix >= g.W {
									continue
								}
								xv := x[((i*g.C+k*cg+c)*g.H+iy)*g.W+ix]
								s += float64(xv) * float64(w[((o*cg+c)*g.KH+ky)*g.KW+kx])
							}
						}
					}
					y[((i*oc+o)*oh+oy)*ow+ox] = float32(s)
				}
			}
		}
	}
	return y
}

func TestGroupConvForward(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	tests := []struct {
		name          string
		g             Geom
		groups, n, oc int
	}{
		{"depthwise 3x3 s1 p1", Geom{C: 4, H: 9, W: 11, KH: 3, KW: 3, SH: 1, SW: 1, PH: 1, PW: 1}, 4, 2, 4},
		{"depthwise 3x3 s2 p1", Geom{C: 3, H: 8, W: 7, KH: 3, KW: 3, SH: 2, SW: 2, PH: 1, PW: 1}, 3, 1, 3},
		{"depthwise 3x3 s1 p1 wide", Geom{C: 3, H: 5, W: 37, KH: 3, KW: 3, SH: 1, SW: 1, PH: 1, PW: 1}, 3, 1, 3},
		{"depthwise 3x3 s1 p0 wide", Geom{C: 2, H: 6, W: 23, KH: 3, KW: 3, SH: 1, SW: 1}, 2, 2, 2},
		{"depthwise 3x3 s1 p0 narrow", Geom{C: 2, H: 3, W: 4, KH: 3, KW: 3, SH: 1, SW: 1}, 2, 1, 2},
		{"depthwise multiplier 3, 5x5", Geom{C: 2, H: 6, W: 6, KH: 5, KW: 5, SH: 1, SW: 1, PH: 2, PW: 2}, 2, 2, 6},
		{"depthwise multiplier 2, 3x3 s2", Geom{C: 2, H: 9, W: 10, KH: 3, KW: 3, SH: 2, SW: 2, PH: 1, PW: 1}, 2, 1, 4},
		{"two groups of 3", Geom{C: 6, H: 5, W: 5, KH: 3, KW: 3, SH: 1, SW: 1, PH: 1, PW: 1}, 2, 2, 4},
		{"four groups stride 2", Geom{C: 8, H: 7, W: 6, KH: 3, KW: 2, SH: 2, SW: 2, PH: 1}, 4, 1, 8},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := make([]float32, tc.n*tc.g.C*tc.g.H*tc.g.W)
			w := make([]float32, tc.oc*tc.g.C/tc.groups*tc.g.KH*tc.g.KW)
			b := make([]float32, tc.oc)
			for _, s := range [][]float32{x, w, b} {
				for i := range s {
					s[i] = float32(r.NormFloat64())
				}
			}
			want := naiveGroupConv(tc.g, tc.groups, tc.n, tc.oc, x, w, b)
			y := make([]float32, len(want))
			relu := make([]float32, len(want))
			scratch := make([]float32, GroupConvScratch(tc.g, tc.oc, tc.groups))
			GroupConvForward(tc.g, tc.groups, tc.n, tc.oc, x, w, b, y, relu, scratch)
			for i := range want {
				if d := y[i] - want[i]; d > 1e-4 || d < -1e-4 {
					t.Fatalf("y[%d] = %v, want %v", i, y[i], want[i])
				}
				if relu[i] != max(y[i], 0) {
					t.Fatalf("relu[%d] = %v for y %v", i, relu[i], y[i])
				}
			}
		})
	}
}

func TestCeilOutSize(t *testing.T) {
	tests := []struct {
		n, k, s, p      int
		floor, ceilMode int
	}{
		{6, 3, 2, 0, 2, 3}, // a last window of two columns
		{5, 2, 2, 1, 3, 3}, // the extra window would start in the padding
		{7, 3, 2, 0, 3, 3}, // exact: no difference
		{112, 3, 2, 0, 55, 56},
		{14, 2, 2, 0, 7, 7},
		{13, 2, 2, 0, 6, 7},
	}
	for _, tc := range tests {
		g := Geom{C: 1, H: tc.n, W: tc.n, KH: tc.k, KW: tc.k, SH: tc.s, SW: tc.s, PH: tc.p, PW: tc.p}
		if got := g.OutH(); got != tc.floor {
			t.Errorf("%+v: floor OutH %d, want %d", tc, got, tc.floor)
		}
		g.Ceil = true
		if got := g.OutW(); got != tc.ceilMode {
			t.Errorf("%+v: ceil OutW %d, want %d", tc, got, tc.ceilMode)
		}
	}
}

// TestReLU6 checks ReLU6 (SIMD in that build) against Go's min and max
// on values around both kinks, NaN, infinities and −0, in a slice long
// enough for the vector loop and its scalar tail.
func TestReLU6(t *testing.T) {
	special := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.Copysign(0, -1)), 0, 6, 5.9999995, 6.0000005, -1e-30, 1e-30, 3, -7, 100}
	var x []float32
	for range 3 {
		x = append(x, special...)
	}
	y := make([]float32, len(x))
	ReLU6(x, y)
	for i, v := range x {
		want := min(max(v, 0), 6)
		if math.Float32bits(y[i]) != math.Float32bits(want) && !(want != want && y[i] != y[i]) {
			t.Errorf("ReLU6(%v) = %v, want %v", v, y[i], want)
		}
	}
}
