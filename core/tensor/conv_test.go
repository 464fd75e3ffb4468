package tensor

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// naiveConvBackward evaluates the gradients of the convolution straight
// from their definitions, in float64: dx[c,y,x] = Σ w[o,c,ky,kx]·dy[o,oy,ox]
// and dw[o,c,ky,kx] = Σ x[c,y,x]·dy[o,oy,ox] over the pairs with
// y = oy·SH+ky−PH, x = ox·SW+kx−PW inside the image.
func naiveConvBackward(g Geom, n, oc int, x, w, dy []float32) (dx, dw []float32) {
	oh, ow := g.OutH(), g.OutW()
	dx64 := make([]float64, n*g.C*g.H*g.W)
	dw64 := make([]float64, oc*g.C*g.KH*g.KW)
	for i := 0; i < n; i++ {
		for o := 0; o < oc; o++ {
			for oy := 0; oy < oh; oy++ {
				for ox := 0; ox < ow; ox++ {
					d := float64(dy[((i*oc+o)*oh+oy)*ow+ox])
					for c := 0; c < g.C; c++ {
						for ky := 0; ky < g.KH; ky++ {
							for kx := 0; kx < g.KW; kx++ {
								yy, xx := oy*g.SH+ky-g.PH, ox*g.SW+kx-g.PW
								if yy < 0 || yy >= g.H || xx < 0 || xx >= g.W {
									continue
								}
								xi := ((i*g.C+c)*g.H+yy)*g.W + xx
								wi := ((o*g.C+c)*g.KH+ky)*g.KW + kx
								dx64[xi] += float64(w[wi]) * d
								dw64[wi] += float64(x[xi]) * d
							}
						}
					}
				}
			}
		}
	}
	dx, dw = make([]float32, len(dx64)), make([]float32, len(dw64))
	for i, v := range dx64 {
		dx[i] = float32(v)
	}
	for i, v := range dw64 {
		dw[i] = float32(v)
	}
	return dx, dw
}

// TestConvBatch runs ConvForward and ConvBackward on a batch, with the
// fused direct convolution on and off (the same code without SIMD) and
// with pooled and caller scratch, and checks every output element against
// the definitions. dx starts as garbage to check that it is overwritten,
// dw non-zero to check that it accumulates.
func TestConvBatch(t *testing.T) {
	defer func(off bool) { convFusedOff = off }(convFusedOff)
	r := rand.New(rand.NewPCG(7, 8))
	const n, oc = 5, 6
	for _, g := range geoms {
		for _, off := range []bool{false, true} {
			t.Run(fmt.Sprintf("%+v/fusedOff=%v", g, off), func(t *testing.T) {
				convFusedOff = off
				var s []float32 // pooled when fused, the caller's when not
				if off {
					s = make([]float32, ConvScratch(g, oc))
				}
				x := randSlice(r, n*g.C*g.H*g.W)
				w := randSlice(r, oc*g.C*g.KH*g.KW)
				b := randSlice(r, oc)
				y := randSlice(r, n*oc*g.OutH()*g.OutW()) // overwritten
				ConvForward(g, n, oc, x, w, b, y, nil, s)
				want := naiveConv(g, n, oc, x, w, b)
				for i := range y {
					if !close32(y[i], want[i], 1e-4) {
						t.Fatalf("y[%d] = %v, want %v", i, y[i], want[i])
					}
				}
				dy := randSlice(r, len(y))
				dw0 := randSlice(r, len(w))
				dx := randSlice(r, len(x)) // overwritten
				dw := append([]float32(nil), dw0...)
				ConvBackward(g, n, oc, x, w, dy, dx, dw, nil, s)
				wantDx, wantDw := naiveConvBackward(g, n, oc, x, w, dy)
				for i := range dx {
					if !close32(dx[i], wantDx[i], 1e-4) {
						t.Fatalf("dx[%d] = %v, want %v", i, dx[i], wantDx[i])
					}
				}
				for i := range dw {
					if want := dw0[i] + wantDw[i]; !close32(dw[i], want, 1e-4) {
						t.Fatalf("dw[%d] = %v, want %v", i, dw[i], want)
					}
				}
				// Only one of the two gradients wanted.
				dxOnly := randSlice(r, len(x))
				ConvBackward(g, n, oc, x, w, dy, dxOnly, nil, nil, s)
				for i := range dx {
					if dxOnly[i] != dx[i] {
						t.Fatalf("dx alone [%d] = %v, with dw %v", i, dxOnly[i], dx[i])
					}
				}
			})
		}
	}
}

// TestIm2Col checks every entry of Im2Col against its definition:
// row (c·KH+ky)·KW+kx, column oy·OW+ox holds x[c, oy·SH+ky−PH, ox·SW+kx−PW]
// or 0 outside the image. dst starts as NaN so that a skipped entry shows.
func TestIm2Col(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	extra := []Geom{
		{C: 1, H: 3, W: 2, KH: 1, KW: 1, SH: 1, SW: 4, PH: 0, PW: 5},
		{C: 1, H: 5, W: 5, KH: 5, KW: 5, SH: 1, SW: 1, PH: 4, PW: 4},
		{C: 2, H: 9, W: 11, KH: 3, KW: 4, SH: 2, SW: 3, PH: 2, PW: 3},
	}
	for _, g := range append(append([]Geom(nil), geoms...), extra...) {
		t.Run(fmt.Sprintf("%+v", g), func(t *testing.T) {
			g.Check()
			oh, ow := g.OutH(), g.OutW()
			x := randSlice(r, g.C*g.H*g.W)
			col := make([]float32, g.C*g.KH*g.KW*oh*ow)
			nan := float32(0)
			nan /= nan
			for i := range col {
				col[i] = nan
			}
			Im2Col(g, x, col)
			for c := 0; c < g.C; c++ {
				for ky := 0; ky < g.KH; ky++ {
					for kx := 0; kx < g.KW; kx++ {
						row := (c*g.KH+ky)*g.KW + kx
						for oy := 0; oy < oh; oy++ {
							for ox := 0; ox < ow; ox++ {
								yy, xx := oy*g.SH+ky-g.PH, ox*g.SW+kx-g.PW
								want := float32(0)
								if yy >= 0 && yy < g.H && xx >= 0 && xx < g.W {
									want = x[(c*g.H+yy)*g.W+xx]
								}
								if got := col[row*oh*ow+oy*ow+ox]; got != want {
									t.Fatalf("col[%d, %d] = %v, want %v", row, oy*ow+ox, got, want)
								}
							}
						}
					}
				}
			}
		})
	}
}

// TestMaxPool2DRandom checks MaxPool2D on random batches against the
// definition (the first maximum of each window, padding excluded), with
// and without padding, including windows that overlap and strides that
// drop the border.
func TestMaxPool2DRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	for _, g := range []Geom{
		{C: 3, H: 28, W: 28, KH: 2, KW: 2, SH: 2, SW: 2},
		{C: 2, H: 14, W: 14, KH: 3, KW: 3, SH: 3, SW: 3},
		{C: 2, H: 7, W: 9, KH: 3, KW: 2, SH: 1, SW: 2},
		{C: 2, H: 7, W: 9, KH: 3, KW: 3, SH: 2, SW: 2, PH: 1, PW: 1},
	} {
		t.Run(fmt.Sprintf("%+v", g), func(t *testing.T) {
			const n = 2
			oh, ow := g.OutH(), g.OutW()
			x := randSlice(r, n*g.C*g.H*g.W)
			for i := range x { // ties
				if r.IntN(4) == 0 {
					x[i] = 0.5
				}
			}
			y, arg := make([]float32, n*g.C*oh*ow), make([]int32, n*g.C*oh*ow)
			MaxPool2D(g, n, x, y, arg)
			o := 0
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
								// Row-major order within the window: the first maximum.
								if i := (p*g.H+yy)*g.W + xx; bi < 0 || x[i] > x[bi] {
									bi = i
								}
							}
						}
						if y[o] != x[bi] || int(arg[o]) != bi {
							t.Fatalf("output %d = %v at %d, want %v at %d", o, y[o], arg[o], x[bi], bi)
						}
						o++
					}
				}
			}
		})
	}
}
