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
				off := kx - g.PW
				lo, hi := validRange(off, g.SW, g.W, ow)
				for oy := 0; oy < oh; oy++ {
					y := oy*g.SH + ky - g.PH
					o := out[oy*ow : (oy+1)*ow]
					if y < 0 || y >= g.H {
						clear(o)
						continue
					}
					line := img[y*g.W : (y+1)*g.W]
					clear(o[:lo])
					clear(o[hi:])
					if g.SW == 1 {
						copy(o[lo:hi], line[lo+off:hi+off])
						continue
					}
					x := lo*g.SW + off
					for ox := lo; ox < hi; ox++ {
						o[ox] = line[x]
						x += g.SW
					}
				}
			}
		}
	}
}

// validRange returns the output columns [lo, hi) whose input column
// ox·s + off lies inside [0, w).
func validRange(off, s, w, ow int) (lo, hi int) {
	if off < 0 {
		lo = min(ow, (-off+s-1)/s)
	}
	// largest ox with ox·s + off <= w-1
	if w-1-off < 0 {
		return lo, lo
	}
	hi = min(ow, (w-1-off)/s+1)
	return lo, max(lo, hi)
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
				off := kx - g.PW
				lo, hi := validRange(off, g.SW, g.W, ow)
				for oy := 0; oy < oh; oy++ {
					y := oy*g.SH + ky - g.PH
					if y < 0 || y >= g.H {
						continue
					}
					line := img[y*g.W : (y+1)*g.W]
					o := in[oy*ow+lo : oy*ow+hi]
					if g.SW == 1 {
						addTo(line[lo+off:hi+off], o)
						continue
					}
					x := lo*g.SW + off
					for _, v := range o {
						line[x] += v
						x += g.SW
					}
				}
			}
		}
	}
}

// addTo adds src to dst element-wise; len(dst) >= len(src).
func addTo(dst, src []float32) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] += v
	}
}

// convDirectOff turns the direct convolution off, so that tests and
// benchmarks can compare it with im2col and Gemm.
var convDirectOff = false

// useDirect reports whether the convolution of geometry g runs as a direct
// (implicit-GEMM) convolution: in builds that have one, for stride 1.
func useDirect(g Geom) bool {
	return haveDirect && !convDirectOff && g.SH == 1 && g.SW == 1
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
	if useDirect(g) {
		for i := 0; i < n; i++ {
			out := y[i*oc*ohw : (i+1)*oc*ohw]
			clear(out)
			addBias(out, b, oc, ohw)
		}
		convDirect(g, n, oc, x, w, y)
		return
	}
	col := getScratch(ckk * ohw)
	defer putScratch(col)
	for i := 0; i < n; i++ {
		Im2Col(g, x[i*hw:(i+1)*hw], col.s)
		out := y[i*oc*ohw : (i+1)*oc*ohw]
		Gemm(false, false, oc, ohw, ckk, w, ckk, col.s, ohw, out, ohw, false)
		addBias(out, b, oc, ohw)
	}
}

// addBias adds b[o] to row o of the oc×hw matrix out; b may be nil.
func addBias(out, b []float32, oc, hw int) {
	if b == nil {
		return
	}
	for o, v := range b[:oc] {
		row := out[o*hw : (o+1)*hw]
		for j := range row {
			row[j] += v
		}
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
	if db != nil {
		checkLen("Conv2DBackward db", db, oc)
		addBiasGrad(db, dy, n, oc, ohw)
	}
	if dw != nil {
		checkLen("Conv2DBackward x", x, n*hw)
		checkLen("Conv2DBackward dw", dw, oc*ckk)
	}
	if dx != nil {
		checkLen("Conv2DBackward w", w, oc*ckk)
		checkLen("Conv2DBackward dx", dx, n*hw)
	}
	if dx != nil && useDirect(g) && g.PH < g.KH && g.PW < g.KW {
		convBackwardInputDirect(g, n, oc, w, dy, dx)
		dx = nil
	}
	if dw == nil && dx == nil {
		return
	}
	col := getScratch(ckk * ohw)
	defer putScratch(col)
	for i := 0; i < n; i++ {
		d := dy[i*oc*ohw : (i+1)*oc*ohw]
		if dw != nil {
			Im2Col(g, x[i*hw:(i+1)*hw], col.s)
			Gemm(false, true, oc, ckk, ohw, d, ohw, col.s, ohw, dw, ckk, true)
		}
		if dx != nil {
			Gemm(true, false, ckk, ohw, oc, w, ckk, d, ohw, col.s, ohw, false)
			Col2Im(g, col.s, dx[i*hw:(i+1)*hw])
		}
	}
}

// convBackwardInputDirect adds the input gradient of a stride-1
// convolution to dx. It is itself a stride-1 convolution: of dy, padded by
// KH−1−PH rows and KW−1−PW columns, with the weights flipped in both
// spatial axes and the channel axes swapped,
// dx[c, y, x] = Σ_o Σ_ky,kx w[o, c, ky, kx]·dy[o, y+PH−ky, x+PW−kx].
func convBackwardInputDirect(g Geom, n, oc int, w, dy, dx []float32) {
	kk := g.KH * g.KW
	buf := getScratch(oc * g.C * kk)
	defer putScratch(buf)
	wt := buf.s
	for o := 0; o < oc; o++ {
		for c := 0; c < g.C; c++ {
			src := w[(o*g.C+c)*kk : (o*g.C+c+1)*kk]
			dst := wt[(c*oc+o)*kk : (c*oc+o+1)*kk]
			for i, v := range src {
				dst[kk-1-i] = v
			}
		}
	}
	gb := Geom{C: oc, H: g.OutH(), W: g.OutW(), KH: g.KH, KW: g.KW, SH: 1, SW: 1, PH: g.KH - 1 - g.PH, PW: g.KW - 1 - g.PW}
	convDirect(gb, n, g.C, dy, wt, dx)
}

func checkLen(what string, x []float32, want int) {
	if len(x) != want {
		panic(fmt.Sprintf("tensor: %s has %d elements, want %d", what, len(x), want))
	}
}

// addBiasGrad adds to db ([oc]) the bias gradient of a convolution: the
// sum of dy ([n, oc, ohw]) over the images and positions of each channel.
func addBiasGrad(db, dy []float32, n, oc, ohw int) {
	for i := 0; i < n; i++ {
		d := dy[i*oc*ohw : (i+1)*oc*ohw]
		for o := 0; o < oc; o++ {
			var s float32
			for _, v := range d[o*ohw : (o+1)*ohw] {
				s += v
			}
			db[o] += s
		}
	}
}
