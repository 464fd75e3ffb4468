package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// workspaceGeoms adds to geoms shapes that reach the fused kernel's edge
// cases: outputs narrower than a tile (8; down to 1, whose stores spill
// over several rows) or shorter than four rows, and widths that are not a
// multiple of eight.
var workspaceGeoms = append([]Geom{
	{C: 2, H: 3, W: 5, KH: 3, KW: 3, SH: 1, SW: 1, PH: 1, PW: 1},
	{C: 3, H: 11, W: 13, KH: 5, KW: 5, SH: 1, SW: 1, PH: 2, PW: 2},
	{C: 1, H: 9, W: 10, KH: 5, KW: 3, SH: 1, SW: 1, PH: 0, PW: 2},
	{C: 2, H: 6, W: 6, KH: 3, KW: 3, SH: 1, SW: 1, PH: 3, PW: 3},
	{C: 3, H: 6, W: 3, KH: 3, KW: 3, SH: 1, SW: 1, PH: 1, PW: 1},
	{C: 2, H: 9, W: 3, KH: 3, KW: 3, SH: 1, SW: 1, PH: 1, PW: 0},
	{C: 4, H: 7, W: 7, KH: 3, KW: 3, SH: 1, SW: 1, PH: 1, PW: 1},
	// 1×1 convolutions (one GEMM per image) whose positions are not a
	// multiple of the GEMM's tile width, and a stride-2 one (Im2Col).
	{C: 5, H: 7, W: 7, KH: 1, KW: 1, SH: 1, SW: 1},
	{C: 3, H: 3, W: 5, KH: 1, KW: 1, SH: 1, SW: 1},
	{C: 3, H: 9, W: 11, KH: 3, KW: 3, SH: 2, SW: 2, PH: 1, PW: 1},
}, geoms...)

// TestConvForward checks ConvForward against the convolution's definition
// (naiveConv, float64), with and without bias and ReLU, for output channel
// counts that fill no, part of and whole groups of four. The tolerance,
// 1e-4 relative to 1 + |y|, covers float32 rounding of sums of at most 75
// products of unit-normal values.
func TestConvForward(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	for _, g := range workspaceGeoms {
		for _, oc := range []int{1, 3, 4, 6} {
			for _, bias := range []bool{false, true} {
				t.Run(fmt.Sprintf("%+v/oc=%d/bias=%v", g, oc, bias), func(t *testing.T) {
					n := 2
					x := randSlice(r, n*g.C*g.H*g.W)
					w := randSlice(r, oc*g.C*g.KH*g.KW)
					var b []float32
					if bias {
						b = randSlice(r, oc)
					}
					ny := n * oc * g.OutH() * g.OutW()
					y, relu := randSlice(r, ny), randSlice(r, ny) // garbage: must be overwritten
					ConvForward(g, n, oc, x, w, b, y, relu, make([]float32, ConvScratch(g, oc)))
					want := naiveConv(g, n, oc, x, w, b)
					for i := range y {
						if !close32(y[i], want[i], 1e-4) {
							t.Fatalf("ConvForward y[%d] = %v, want %v", i, y[i], want[i])
						}
						if wr := max(y[i], 0); relu[i] != wr {
							t.Fatalf("ConvForward relu[%d] = %v, want max(y, 0) = %v", i, relu[i], wr)
						}
					}
				})
			}
		}
	}
}

// TestConvBackward checks ConvBackward against the definitions of the
// gradients (naiveConvBackward; the bias gradient is the sum of dy over
// each channel's positions): dx, which starts as garbage, is overwritten,
// dw and db accumulate.
func TestConvBackward(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	for _, g := range workspaceGeoms {
		for _, oc := range []int{1, 3, 4} {
			t.Run(fmt.Sprintf("%+v/oc=%d", g, oc), func(t *testing.T) {
				n := 2
				x := randSlice(r, n*g.C*g.H*g.W)
				w := randSlice(r, oc*g.C*g.KH*g.KW)
				dy := randSlice(r, n*oc*g.OutH()*g.OutW())
				dw0, db0 := randSlice(r, len(w)), randSlice(r, oc)
				dx := randSlice(r, len(x))
				dw, db := append([]float32(nil), dw0...), append([]float32(nil), db0...)
				ConvBackward(g, n, oc, x, w, dy, dx, dw, db, make([]float32, ConvScratch(g, oc)))
				wantDx, wantDw := naiveConvBackward(g, n, oc, x, w, dy)
				for i := range wantDw {
					wantDw[i] += dw0[i]
				}
				ohw := g.OutH() * g.OutW()
				wantDb := make([]float32, oc)
				for o := range wantDb {
					s := float64(db0[o])
					for i := 0; i < n; i++ {
						for _, v := range dy[(i*oc+o)*ohw : (i*oc+o+1)*ohw] {
							s += float64(v)
						}
					}
					wantDb[o] = float32(s)
				}
				for _, c := range []struct {
					name      string
					got, want []float32
				}{{"dx", dx, wantDx}, {"dw", dw, wantDw}, {"db", db, wantDb}} {
					for i := range c.got {
						if !close32(c.got[i], c.want[i], 1e-4) {
							t.Fatalf("ConvBackward %s[%d] = %v, want %v", c.name, i, c.got[i], c.want[i])
						}
					}
				}
			})
		}
	}
}

func TestGemmTo(t *testing.T) {
	r := rand.New(rand.NewPCG(25, 26))
	for _, sz := range [][3]int{{1, 10, 256}, {16, 196, 200}, {5, 7, 3}, {70, 300, 9}, {3, 2, 2*gemmKC + 5}} {
		for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}} {
			m, n, k := sz[0], sz[1], sz[2]
			t.Run(fmt.Sprintf("%dx%dx%d/tA=%v/tB=%v", m, n, k, tr[0], tr[1]), func(t *testing.T) {
				lda, ldb := k, n
				if tr[0] {
					lda = m
				}
				if tr[1] {
					ldb = k
				}
				a, b := randSlice(r, m*k), randSlice(r, k*n)
				c := randSlice(r, m*n)
				orig := append([]float32(nil), c...)
				GemmTo(tr[0], tr[1], m, n, k, a, lda, b, ldb, c, n, true, make([]float32, GemmScratch(m, k)))
				want := naiveGemm(tr[0], tr[1], m, n, k, a, lda, b, ldb)
				for i := range c {
					if !close32(c[i], want[i]+orig[i], 1e-4) {
						t.Fatalf("GemmTo C[%d] = %v, want %v", i, c[i], want[i]+orig[i])
					}
				}
			})
		}
	}
}

func TestReLU(t *testing.T) {
	nan := float32(math.NaN())
	negZero := float32(math.Copysign(0, -1))
	// 19 values: a SIMD body of 16 and a scalar tail.
	x := []float32{1, -1, 0, negZero, nan, 2.5, -3, 4, 5, -6, 7, -8, 9, 1e-30, -1e-30, 3, -2, 0.5, nan}
	want := []float32{1, 0, 0, 0, 0, 2.5, 0, 4, 5, 0, 7, 0, 9, 1e-30, 0, 3, 0, 0.5, 0}
	y := make([]float32, len(x))
	ReLU(x, y)
	for i := range y {
		if y[i] != want[i] || math.Signbit(float64(y[i])) {
			t.Fatalf("ReLU(%v)[%d] = %v, want %v", x, i, y[i], want[i])
		}
	}
	g := []float32{1, 2, -3, 4, 5, -6, 7, 8, -9, 10, 11, 12, 13, 14, 15, -16, 17, 18, 19}
	for _, tc := range []struct {
		name         string
		gateX, gateG bool
		pass         func(x, g float32) bool
	}{
		{"gradient", true, false, func(x, g float32) bool { return x > 0 }},
		{"guided", true, true, func(x, g float32) bool { return x > 0 && g > 0 }},
		{"deconv", false, true, func(x, g float32) bool { return g > 0 }},
		{"identity", false, false, func(x, g float32) bool { return true }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dx := make([]float32, len(g))
			for i := range dx {
				dx[i] = 99
			}
			ReLUBackward(x, g, dx, tc.gateX, tc.gateG)
			for i := range dx {
				var w float32
				if tc.pass(x[i], g[i]) {
					w = g[i]
				}
				if dx[i] != w {
					t.Fatalf("ReLUBackward(x=%v, dy=%v)[%d] = %v, want %v", x[i], g[i], i, dx[i], w)
				}
			}
		})
	}
}

// TestWorkspaceKernelsDoNotAllocate checks that the caller-scratch kernels
// make no allocation at all, natively too.
func TestWorkspaceKernelsDoNotAllocate(t *testing.T) {
	r := rand.New(rand.NewPCG(27, 28))
	g := Geom{C: 8, H: 14, W: 14, KH: 5, KW: 5, SH: 1, SW: 1, PH: 2, PW: 2}
	const n, oc = 2, 16
	x, w, b := randSlice(r, n*g.C*g.H*g.W), randSlice(r, oc*g.C*g.KH*g.KW), randSlice(r, oc)
	y, relu := make([]float32, n*oc*g.OutH()*g.OutW()), make([]float32, n*oc*g.OutH()*g.OutW())
	dx, dw, db := make([]float32, len(x)), make([]float32, len(w)), make([]float32, oc)
	s := make([]float32, ConvScratch(g, oc))
	a, bb, c := randSlice(r, 16*200), randSlice(r, 200*196), make([]float32, 16*196)
	gs := make([]float32, GemmScratch(16, 200))
	for _, tc := range []struct {
		name string
		f    func()
	}{
		{"GemmTo", func() { GemmTo(false, false, 16, 196, 200, a, 200, bb, 196, c, 196, false, gs) }},
		{"ConvForward", func() { ConvForward(g, n, oc, x, w, b, y, relu, s) }},
		{"ConvBackward", func() { ConvBackward(g, n, oc, x, w, y, dx, dw, db, s) }},
		{"ReLU", func() { ReLU(y, relu) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := testing.AllocsPerRun(20, tc.f); got != 0 {
				t.Errorf("%s: %v allocations per call, want 0", tc.name, got)
			}
		})
	}
}

// naiveMaxPool is max pooling from its definition: the first maximum of
// each window in row-major order, over real pixels only.
func naiveMaxPool(g Geom, n int, x []float32) ([]float32, []int32) {
	oh, ow := g.OutH(), g.OutW()
	var y []float32
	var arg []int32
	for p := 0; p < n*g.C; p++ {
		for oy := 0; oy < oh; oy++ {
			for ox := 0; ox < ow; ox++ {
				bi := -1
				for ky := 0; ky < g.KH; ky++ {
					for kx := 0; kx < g.KW; kx++ {
						yy, xx := oy*g.SH+ky-g.PH, ox*g.SW+kx-g.PW
						if yy < 0 || yy >= g.H || xx < 0 || xx >= g.W {
							continue
						}
						i := (p*g.H+yy)*g.W + xx
						if bi < 0 || x[i] > x[bi] {
							bi = i
						}
					}
				}
				y, arg = append(y, x[bi]), append(arg, int32(bi))
			}
		}
	}
	return y, arg
}

// TestMaxPool2DWindows checks every path of MaxPool2D (the 2×2 and 3×3
// fast paths, the general unpadded and the padded one) against the
// definition on small integers, so that ties are common, and on
// all-negative images.
func TestMaxPool2DWindows(t *testing.T) {
	r := rand.New(rand.NewPCG(29, 30))
	for _, g := range []Geom{
		{C: 3, H: 28, W: 28, KH: 2, KW: 2, SH: 2, SW: 2},
		{C: 2, H: 7, W: 9, KH: 2, KW: 2, SH: 1, SW: 1},
		{C: 2, H: 14, W: 14, KH: 3, KW: 3, SH: 3, SW: 3},
		{C: 2, H: 9, W: 8, KH: 3, KW: 3, SH: 2, SW: 1},
		{C: 2, H: 9, W: 8, KH: 2, KW: 3, SH: 2, SW: 1},
		{C: 2, H: 9, W: 8, KH: 3, KW: 3, SH: 2, SW: 2, PH: 1, PW: 1},
	} {
		for _, neg := range []bool{false, true} {
			t.Run(fmt.Sprintf("%+v/negative=%v", g, neg), func(t *testing.T) {
				n := 2
				x := make([]float32, n*g.C*g.H*g.W)
				for i := range x {
					x[i] = float32(r.IntN(4))
					if neg {
						x[i] = -1 - x[i]
					}
				}
				y, arg := make([]float32, n*g.C*g.OutH()*g.OutW()), make([]int32, n*g.C*g.OutH()*g.OutW())
				MaxPool2D(g, n, x, y, arg)
				wy, warg := naiveMaxPool(g, n, x)
				for i := range y {
					if y[i] != wy[i] || arg[i] != warg[i] {
						t.Fatalf("MaxPool2D output %d = %v at %d, want %v at %d", i, y[i], arg[i], wy[i], warg[i])
					}
				}
			})
		}
	}
}

func TestDotAxpy(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	for _, n := range []int{0, 1, 15, 16, 37, 256} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			a, b := randSlice(r, n), randSlice(r, n)
			if got, want := Dot(a, b), dot(a, b); !close32(got, float32(want), 1e-5) {
				t.Fatalf("Dot = %v, want %v", got, want)
			}
			y := randSlice(r, n)
			want := make([]float32, n)
			for i := range want {
				want[i] = y[i] + 0.5*a[i]
			}
			Axpy(0.5, a, y)
			for i := range y {
				if !close32(y[i], want[i], 1e-6) {
					t.Fatalf("Axpy y[%d] = %v, want %v", i, y[i], want[i])
				}
			}
		})
	}
}
