package tensor

import (
	"fmt"
	"math"
)

func checkPool(g Geom) {
	g.Check()
	if 2*g.PH > g.KH || 2*g.PW > g.KW {
		panic(fmt.Sprintf("tensor: pooling padding %d×%d exceeds half the %d×%d window", g.PH, g.PW, g.KH, g.KW))
	}
}

// MaxPool2D takes the maximum over each window of a batch of n [C, H, W]
// images x, writing y ([n, C, OH, OW]) and, in arg, the index into x of the
// element chosen for each output (the first maximum on ties). Padding never
// wins: a window's maximum is over its real pixels only, so all-negative
// windows give their largest negative value.
func MaxPool2D(g Geom, n int, x, y []float32, arg []int32) {
	checkPool(g)
	oh, ow := g.OutH(), g.OutW()
	checkLen("MaxPool2D x", x, n*g.C*g.H*g.W)
	checkLen("MaxPool2D y", y, n*g.C*oh*ow)
	if len(arg) != len(y) {
		panic(fmt.Sprintf("tensor: MaxPool2D arg has %d elements, want %d", len(arg), len(y)))
	}
	if g.PH == 0 && g.PW == 0 && !g.Ceil {
		maxPoolInside(g, n, x, y, arg)
		return
	}
	o := 0
	for p := 0; p < n*g.C; p++ {
		base := p * g.H * g.W
		for oy := 0; oy < oh; oy++ {
			y0, y1 := max(oy*g.SH-g.PH, 0), min(oy*g.SH-g.PH+g.KH, g.H)
			for ox := 0; ox < ow; ox++ {
				x0, x1 := max(ox*g.SW-g.PW, 0), min(ox*g.SW-g.PW+g.KW, g.W)
				best, bi := float32(math.Inf(-1)), -1
				for yy := y0; yy < y1; yy++ {
					row := base + yy*g.W
					for xx := x0; xx < x1; xx++ {
						if v := x[row+xx]; v > best || bi < 0 {
							best, bi = v, row+xx
						}
					}
				}
				y[o], arg[o] = best, int32(bi)
				o++
			}
		}
	}
}

// maxPoolInside is MaxPool2D without padding, where every window lies
// inside the image: the same result (first maximum on ties) without the
// clipping arithmetic. It sweeps a whole output row for each window
// offset (ky, kx), taken in the row-major order that makes the first
// maximum win.
func maxPoolInside(g Geom, n int, x, y []float32, arg []int32) {
	if g.KH == 2 && g.KW == 2 {
		maxPool2x2(g, n, x, y, arg)
		return
	}
	if g.KH == 3 && g.KW == 3 {
		maxPool3x3(g, n, x, y, arg)
		return
	}
	oh, ow := g.OutH(), g.OutW()
	span := (ow-1)*g.SW + 1
	o := 0
	for p := 0; p < n*g.C; p++ {
		base := p * g.H * g.W
		for oy := 0; oy < oh; oy++ {
			top := base + oy*g.SH*g.W
			yo, ao := y[o:o+ow], arg[o:o+ow]
			o += ow
			src := x[top : top+span]
			for ox := range yo {
				yo[ox], ao[ox] = src[ox*g.SW], int32(top+ox*g.SW)
			}
			for ky := 0; ky < g.KH; ky++ {
				for kx := 0; kx < g.KW; kx++ {
					if ky == 0 && kx == 0 {
						continue
					}
					start := top + ky*g.W + kx
					src := x[start : start+span]
					for ox := range yo {
						if v := src[ox*g.SW]; v > yo[ox] {
							yo[ox], ao[ox] = v, int32(start+ox*g.SW)
						}
					}
				}
			}
		}
	}
}

// maxPool2x2 is maxPoolInside for 2×2 windows, one window per iteration
// with its four values compared in row-major order (the first maximum
// wins): under WebAssembly a loop iteration costs more than the compares.
func maxPool2x2(g Geom, n int, x, y []float32, arg []int32) {
	oh, ow := g.OutH(), g.OutW()
	o := 0
	for p := 0; p < n*g.C; p++ {
		base := p * g.H * g.W
		for oy := 0; oy < oh; oy++ {
			top := base + oy*g.SH*g.W
			r0 := x[top : top+g.W]
			r1 := x[top+g.W : top+2*g.W]
			yo, ao := y[o:o+ow], arg[o:o+ow]
			o += ow
			for ox := range yo {
				i := ox * g.SW
				best, bi := r0[i], i
				if v := r0[i+1]; v > best {
					best, bi = v, i+1
				}
				if v := r1[i]; v > best {
					best, bi = v, g.W+i
				}
				if v := r1[i+1]; v > best {
					best, bi = v, g.W+i+1
				}
				yo[ox], ao[ox] = best, int32(top+bi)
			}
		}
	}
}

// maxPool3x3 is maxPoolInside for 3×3 windows, as maxPool2x2.
func maxPool3x3(g Geom, n int, x, y []float32, arg []int32) {
	oh, ow := g.OutH(), g.OutW()
	o := 0
	w := g.W
	for p := 0; p < n*g.C; p++ {
		base := p * g.H * g.W
		for oy := 0; oy < oh; oy++ {
			top := base + oy*g.SH*w
			r := x[top : top+3*w]
			yo, ao := y[o:o+ow], arg[o:o+ow]
			o += ow
			for ox := range yo {
				i := ox * g.SW
				best, bi := r[i], i
				if v := r[i+1]; v > best {
					best, bi = v, i+1
				}
				if v := r[i+2]; v > best {
					best, bi = v, i+2
				}
				if v := r[w+i]; v > best {
					best, bi = v, w+i
				}
				if v := r[w+i+1]; v > best {
					best, bi = v, w+i+1
				}
				if v := r[w+i+2]; v > best {
					best, bi = v, w+i+2
				}
				if v := r[2*w+i]; v > best {
					best, bi = v, 2*w+i
				}
				if v := r[2*w+i+1]; v > best {
					best, bi = v, 2*w+i+1
				}
				if v := r[2*w+i+2]; v > best {
					best, bi = v, 2*w+i+2
				}
				yo[ox], ao[ox] = best, int32(top+bi)
			}
		}
	}
}

// MaxPool2DBackward routes each output gradient in dy to the input element
// recorded in arg, accumulating into dx.
func MaxPool2DBackward(dy []float32, arg []int32, dx []float32) {
	if len(arg) != len(dy) {
		panic(fmt.Sprintf("tensor: MaxPool2DBackward: dy %d, arg %d elements", len(dy), len(arg)))
	}
	for i, d := range dy {
		dx[arg[i]] += d
	}
}

// avgDivisor returns the divisor of the average of the window at output
// (oy, ox): KH·KW, or with Ceil the part of the window inside the padded
// image (a ceil-mode window past it averages fewer values).
func avgDivisor(g Geom, oy, ox int) float32 {
	if !g.Ceil {
		return float32(g.KH * g.KW)
	}
	y0, x0 := oy*g.SH-g.PH, ox*g.SW-g.PW
	h := min(y0+g.KH, g.H+g.PH) - y0
	w := min(x0+g.KW, g.W+g.PW) - x0
	return float32(h * w)
}

// AvgPool2D averages each KH×KW window of a batch of n [C, H, W] images x
// into y ([n, C, OH, OW]). Padding counts as zeros in the average (the
// divisor is KH·KW, or with Ceil the window's part inside the padded
// image).
func AvgPool2D(g Geom, n int, x, y []float32) {
	checkPool(g)
	oh, ow := g.OutH(), g.OutW()
	checkLen("AvgPool2D x", x, n*g.C*g.H*g.W)
	checkLen("AvgPool2D y", y, n*g.C*oh*ow)
	inv := 1 / float32(g.KH*g.KW)
	o := 0
	for p := 0; p < n*g.C; p++ {
		base := p * g.H * g.W
		for oy := 0; oy < oh; oy++ {
			y0, y1 := max(oy*g.SH-g.PH, 0), min(oy*g.SH-g.PH+g.KH, g.H)
			for ox := 0; ox < ow; ox++ {
				x0, x1 := max(ox*g.SW-g.PW, 0), min(ox*g.SW-g.PW+g.KW, g.W)
				var s float32
				for yy := y0; yy < y1; yy++ {
					for _, v := range x[base+yy*g.W+x0 : base+yy*g.W+x1] {
						s += v
					}
				}
				if g.Ceil {
					inv = 1 / avgDivisor(g, oy, ox)
				}
				y[o] = s * inv
				o++
			}
		}
	}
}

// AvgPool2DBackward spreads each output gradient in dy evenly over its
// window, accumulating into dx.
func AvgPool2DBackward(g Geom, n int, dy, dx []float32) {
	checkPool(g)
	oh, ow := g.OutH(), g.OutW()
	checkLen("AvgPool2DBackward dy", dy, n*g.C*oh*ow)
	checkLen("AvgPool2DBackward dx", dx, n*g.C*g.H*g.W)
	inv := 1 / float32(g.KH*g.KW)
	o := 0
	for p := 0; p < n*g.C; p++ {
		base := p * g.H * g.W
		for oy := 0; oy < oh; oy++ {
			y0, y1 := max(oy*g.SH-g.PH, 0), min(oy*g.SH-g.PH+g.KH, g.H)
			for ox := 0; ox < ow; ox++ {
				x0, x1 := max(ox*g.SW-g.PW, 0), min(ox*g.SW-g.PW+g.KW, g.W)
				if g.Ceil {
					inv = 1 / avgDivisor(g, oy, ox)
				}
				d := dy[o] * inv
				o++
				for yy := y0; yy < y1; yy++ {
					row := dx[base+yy*g.W+x0 : base+yy*g.W+x1]
					for i := range row {
						row[i] += d
					}
				}
			}
		}
	}
}
