package tensor

import "fmt"

// Geom describes a sliding window over a [C, H, W] image: a KH×KW kernel
// moved by strides SH, SW over the image padded by PH rows and PW columns of
// zeros on each side. Convolution and pooling share it.
type Geom struct {
	C, H, W        int
	KH, KW, SH, SW int
	PH, PW         int
}

// OutH is the number of output rows: floor((H + 2·PH − KH) / SH) + 1.
func (g Geom) OutH() int { return (g.H+2*g.PH-g.KH)/g.SH + 1 }

// OutW is the number of output columns: floor((W + 2·PW − KW) / SW) + 1.
func (g Geom) OutW() int { return (g.W+2*g.PW-g.KW)/g.SW + 1 }

// Check panics when the geometry is meaningless: a non-positive size or
// stride, negative padding, or a kernel larger than the padded image.
func (g Geom) Check() {
	if g.C <= 0 || g.H <= 0 || g.W <= 0 || g.KH <= 0 || g.KW <= 0 || g.SH <= 0 || g.SW <= 0 || g.PH < 0 || g.PW < 0 ||
		g.KH > g.H+2*g.PH || g.KW > g.W+2*g.PW {
		panic(fmt.Sprintf("tensor: bad window geometry %+v", g))
	}
}

// Im2Col unrolls the windows of one [C, H, W] image src into dst, a
// [C·KH·KW, OH·OW] matrix whose column j holds the window of output
// position j. Padding reads as zero.
func Im2Col(g Geom, src, dst []float32) {
	oh, ow := g.OutH(), g.OutW()
	if len(src) < g.C*g.H*g.W || len(dst) < g.C*g.KH*g.KW*oh*ow {
		panic(fmt.Sprintf("tensor: Im2Col %+v: src %d, dst %d elements", g, len(src), len(dst)))
	}
	n := oh * ow
	row := 0
	for c := 0; c < g.C; c++ {
		img := src[c*g.H*g.W : (c+1)*g.H*g.W]
		for ky := 0; ky < g.KH; ky++ {
			for kx := 0; kx < g.KW; kx++ {
				out := dst[row*n : (row+1)*n]
				row++
				for oy := 0; oy < oh; oy++ {
					y := oy*g.SH + ky - g.PH
					o := out[oy*ow : (oy+1)*ow]
					if y < 0 || y >= g.H {
						clear(o)
						continue
					}
					line := img[y*g.W : (y+1)*g.W]
					x := kx - g.PW
					if g.SW == 1 && x >= 0 && x+ow <= g.W {
						copy(o, line[x:x+ow])
						continue
					}
					for ox := range o {
						if x >= 0 && x < g.W {
							o[ox] = line[x]
						} else {
							o[ox] = 0
						}
						x += g.SW
					}
				}
			}
		}
	}
}

// Col2Im is the adjoint of Im2Col: it adds every entry of the
// [C·KH·KW, OH·OW] matrix col back to the image position it was read from,
// accumulating into dst ([C, H, W]). Entries that came from padding are
// dropped.
func Col2Im(g Geom, col, dst []float32) {
	oh, ow := g.OutH(), g.OutW()
	if len(dst) < g.C*g.H*g.W || len(col) < g.C*g.KH*g.KW*oh*ow {
		panic(fmt.Sprintf("tensor: Col2Im %+v: col %d, dst %d elements", g, len(col), len(dst)))
	}
	n := oh * ow
	row := 0
	for c := 0; c < g.C; c++ {
		img := dst[c*g.H*g.W : (c+1)*g.H*g.W]
		for ky := 0; ky < g.KH; ky++ {
			for kx := 0; kx < g.KW; kx++ {
				in := col[row*n : (row+1)*n]
				row++
				for oy := 0; oy < oh; oy++ {
					y := oy*g.SH + ky - g.PH
					if y < 0 || y >= g.H {
						continue
					}
					line := img[y*g.W : (y+1)*g.W]
					o := in[oy*ow : (oy+1)*ow]
					x := kx - g.PW
					if g.SW == 1 && x >= 0 && x+ow <= g.W {
						l := line[x : x+ow]
						for i, v := range o {
							l[i] += v
						}
						continue
					}
					for _, v := range o {
						if x >= 0 && x < g.W {
							line[x] += v
						}
						x += g.SW
					}
				}
			}
		}
	}
}

// Conv2D computes the cross-correlation y = w ⋆ x + b for a batch of n images:
// x is [n, C, H, W], w is [oc, C, KH, KW], b is [oc] or nil, and y is
// [n, oc, OH, OW] (overwritten).
func Conv2D(g Geom, n, oc int, x, w, b, y []float32) {
	g.Check()
	oh, ow := g.OutH(), g.OutW()
	ckk, hw, ohw := g.C*g.KH*g.KW, g.C*g.H*g.W, oh*ow
	checkLen("Conv2D x", x, n*hw)
	checkLen("Conv2D w", w, oc*ckk)
	checkLen("Conv2D y", y, n*oc*ohw)
	if b != nil {
		checkLen("Conv2D b", b, oc)
	}
	buf := getScratch(ckk * ohw)
	defer putScratch(buf)
	for i := 0; i < n; i++ {
		out := y[i*oc*ohw : (i+1)*oc*ohw]
		for o := 0; o < oc; o++ {
			v := float32(0)
			if b != nil {
				v = b[o]
			}
			row := out[o*ohw : (o+1)*ohw]
			for j := range row {
				row[j] = v
			}
		}
		Im2Col(g, x[i*hw:(i+1)*hw], buf.s)
		Gemm(false, false, oc, ohw, ckk, w, ckk, buf.s, ohw, out, ohw, true)
	}
}

// Conv2DBackward accumulates the gradients of Conv2D given dy
// ([n, oc, OH, OW]) into dx ([n, C, H, W]), dw ([oc, C, KH, KW]) and db
// ([oc]). Any of dx, dw, db may be nil when that gradient is not wanted.
func Conv2DBackward(g Geom, n, oc int, x, w, dy, dx, dw, db []float32) {
	g.Check()
	oh, ow := g.OutH(), g.OutW()
	ckk, hw, ohw := g.C*g.KH*g.KW, g.C*g.H*g.W, oh*ow
	checkLen("Conv2DBackward dy", dy, n*oc*ohw)
	buf := getScratch(ckk * ohw)
	defer putScratch(buf)
	for i := 0; i < n; i++ {
		d := dy[i*oc*ohw : (i+1)*oc*ohw]
		if db != nil {
			checkLen("Conv2DBackward db", db, oc)
			for o := 0; o < oc; o++ {
				var s float32
				for _, v := range d[o*ohw : (o+1)*ohw] {
					s += v
				}
				db[o] += s
			}
		}
		if dw != nil {
			checkLen("Conv2DBackward x", x, n*hw)
			checkLen("Conv2DBackward dw", dw, oc*ckk)
			Im2Col(g, x[i*hw:(i+1)*hw], buf.s)
			Gemm(false, true, oc, ckk, ohw, d, ohw, buf.s, ohw, dw, ckk, true)
		}
		if dx != nil {
			checkLen("Conv2DBackward w", w, oc*ckk)
			checkLen("Conv2DBackward dx", dx, n*hw)
			Gemm(true, false, ckk, ohw, oc, w, ckk, d, ohw, buf.s, ohw, false)
			Col2Im(g, buf.s, dx[i*hw:(i+1)*hw])
		}
	}
}

func checkLen(what string, x []float32, want int) {
	if len(x) != want {
		panic(fmt.Sprintf("tensor: %s has %d elements, want %d", what, len(x), want))
	}
}
