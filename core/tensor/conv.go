package tensor

import "fmt"

// Geom describes a sliding window over a [C, H, W] image: a KH×KW kernel
// moved by strides SH, SW over the image padded by PH rows and PW columns of
// zeros on each side. Convolution and pooling share it. Ceil (pooling
// only) rounds the output size up, so that a last, partial window covers
// the rows and columns a floor would drop.
type Geom struct {
	C, H, W        int
	KH, KW, SH, SW int
	PH, PW         int
	Ceil           bool
}

// OutH is the number of output rows: floor((H + 2·PH − KH) / SH) + 1, or
// with Ceil the ceiling, less one when the last window would start in the
// bottom padding.
func (g Geom) OutH() int { return outSize(g.H, g.KH, g.SH, g.PH, g.Ceil) }

// OutW is OutH for columns.
func (g Geom) OutW() int { return outSize(g.W, g.KW, g.SW, g.PW, g.Ceil) }

// outSize is the number of window positions along one axis of size n.
func outSize(n, k, s, p int, ceil bool) int {
	span := n + 2*p - k
	if !ceil || span%s == 0 {
		return span/s + 1
	}
	out := span/s + 2
	if (out-1)*s >= n+p {
		out--
	}
	return out
}

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

// gemmBiasPortable sets C = A·B + bias, where A is m×k, B k×n and C m×n
// (leading dimensions k, n, n) and bias ([m], or nil for none) is added
// to the rows of C: the GEMM behind ConvForward, whose faster form
// (gemmBiasFast) each build chooses. scratch holds
// gemmPackedScratch(m, k) values.
func gemmBiasPortable(m, n, k int, a, b, c, bias, scratch []float32) {
	c = c[:m*n]
	clear(c)
	gemmFastTo(false, false, m, n, k, a, k, b, n, c, n, scratch)
	addBias(c, bias, m, n)
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

// convFusedOff turns the fused direct convolution off, so that tests and
// benchmarks can compare it with im2col and Gemm in the builds that have
// it.
var convFusedOff = false

// pointwise reports whether g is a 1×1 convolution at stride 1 without
// padding, whose input is already the matrix a GEMM needs. ConvForward
// runs it as that GEMM in every build: under WebAssembly SIMD, on
// MobileNetV2's 1×1 layers of 56×56 positions, it took 3.5–6.4 ms where
// the fused direct convolution took 6.3–9.1 ms (the same within noise on
// 7×7 positions).
func pointwise(g Geom) bool {
	return g.KH == 1 && g.KW == 1 && g.SH == 1 && g.SW == 1 && g.PH == 0 && g.PW == 0
}

// useFused reports whether ConvForward and ConvBackward run the
// convolution of geometry g as a fused direct convolution: in builds that
// have one (WebAssembly SIMD), for stride 1.
func useFused(g Geom) bool {
	return haveFused && !convFusedOff && g.SH == 1 && g.SW == 1
}

// fusedScratch is the scratch convFused needs: the weights packed in
// groups of four output channels, the offsets of the window rows and a
// zero-padded copy of one image, wide and tall enough for one 4×8 tile
// even when the output is smaller.
func fusedScratch(g Geom, oc int) int {
	hp, wp := fusedPadded(g)
	return (oc+3)/4*4*g.C*g.KH*g.KW + g.C*g.KH + g.C*hp*wp
}

// fusedPadded returns the height and width of convFused's padded image.
func fusedPadded(g Geom) (hp, wp int) {
	return max(g.H+2*g.PH, 4+g.KH-1), max(g.W+2*g.PW, 8+g.KW-1)
}

// ConvScratch is the number of float32 values of scratch ConvForward and
// ConvBackward need for geometry g with oc output channels, in any build.
func ConvScratch(g Geom, oc int) int {
	g.Check()
	ckk, ohw := g.C*g.KH*g.KW, g.OutH()*g.OutW()
	n := ckk*ohw + max(GemmScratch(oc, ckk), GemmScratch(oc, ohw), GemmScratch(ckk, oc))
	n = max(n, fusedScratch(g, oc))
	gb := Geom{C: oc, H: g.OutH(), W: g.OutW(), KH: g.KH, KW: g.KW, SH: 1, SW: 1, PH: max(0, g.KH-1-g.PH), PW: max(0, g.KW-1-g.PW)}
	return max(n, oc*g.C*g.KH*g.KW+fusedScratch(gb, g.C))
}

// convScratch returns the scratch of a convolution: the caller's, which
// must hold ConvScratch(g, oc) values, or when it is nil a buffer from the
// pool, returned as pooled too for putScratch.
func convScratch(op string, g Geom, oc int, s []float32) (buf []float32, pooled *scratch) {
	need := ConvScratch(g, oc)
	if s == nil {
		pooled = getScratch(need)
		return pooled.s, pooled
	}
	if len(s) < need {
		panic(fmt.Sprintf("tensor: %s %+v: scratch has %d elements, want %d", op, g, len(s), need))
	}
	return s, nil
}

// ConvForward computes the cross-correlation y = w ⋆ x + b for a batch of
// n images: x is [n, C, H, W], w is [oc, C, KH, KW], b is [oc] or nil, and
// y is [n, oc, OH, OW] (overwritten). When relu is not nil it also writes
// relu = max(y, 0) ([n, oc, OH, OW]), in the same pass where the build
// allows.
//
// scratch holds at least ConvScratch(g, oc) values, or is nil, and then
// ConvForward borrows it from a pool shared with Gemm; either way it
// allocates nothing in steady state. It panics on a size mismatch.
//
// A 1×1 convolution at stride 1 without padding is one GEMM per image
// (pointwise). Otherwise, with WebAssembly SIMD a stride-1 convolution
// runs as a direct convolution with the bias and the ReLU fused in
// (convFused), and any other is unrolled by Im2Col and multiplied by the
// weights.
func ConvForward(g Geom, n, oc int, x, w, b, y, relu, scratch []float32) {
	g.Check()
	ckk, hw, ohw := g.C*g.KH*g.KW, g.C*g.H*g.W, g.OutH()*g.OutW()
	checkLen("ConvForward x", x, n*hw)
	checkLen("ConvForward w", w, oc*ckk)
	checkLen("ConvForward y", y, n*oc*ohw)
	if b != nil {
		checkLen("ConvForward b", b, oc)
	}
	if relu != nil {
		checkLen("ConvForward relu", relu, n*oc*ohw)
	}
	scratch, pooled := convScratch("ConvForward", g, oc, scratch)
	if pooled != nil {
		defer putScratch(pooled)
	}
	if pointwise(g) {
		// A 1×1 convolution is the product of the weights [oc, C] and
		// each image [C, H·W] itself: nothing to unroll.
		for i := 0; i < n; i++ {
			gemmBiasFast(oc, ohw, g.C, w, x[i*hw:(i+1)*hw], y[i*oc*ohw:(i+1)*oc*ohw], b, scratch)
		}
		if relu != nil {
			ReLU(y, relu)
		}
		return
	}
	if useFused(g) {
		convFused(g, n, oc, x, w, b, y, relu, scratch)
		return
	}
	col, gs := scratch[:ckk*ohw], scratch[ckk*ohw:]
	for i := 0; i < n; i++ {
		Im2Col(g, x[i*hw:(i+1)*hw], col)
		gemmBiasFast(oc, ohw, ckk, w, col, y[i*oc*ohw:(i+1)*oc*ohw], b, gs)
	}
	if relu != nil {
		ReLU(y, relu)
	}
}

// ConvBackward computes the gradients of ConvForward given dy
// ([n, oc, OH, OW]): it OVERWRITES dx ([n, C, H, W]) with the input
// gradient and ADDS the weight and bias gradients to dw ([oc, C, KH, KW])
// and db ([oc]), as parameter gradients accumulate. Any of dx, dw, db may
// be nil when that gradient is not wanted. scratch is as for ConvForward.
// It panics on a size mismatch.
func ConvBackward(g Geom, n, oc int, x, w, dy, dx, dw, db, scratch []float32) {
	g.Check()
	oh, ow := g.OutH(), g.OutW()
	ckk, hw, ohw := g.C*g.KH*g.KW, g.C*g.H*g.W, oh*ow
	checkLen("ConvBackward dy", dy, n*oc*ohw)
	scratch, pooled := convScratch("ConvBackward", g, oc, scratch)
	if pooled != nil {
		defer putScratch(pooled)
	}
	if db != nil {
		checkLen("ConvBackward db", db, oc)
		addBiasGrad(db, dy, n, oc, ohw)
	}
	if dw != nil {
		checkLen("ConvBackward x", x, n*hw)
		checkLen("ConvBackward dw", dw, oc*ckk)
	}
	if dx != nil {
		checkLen("ConvBackward w", w, oc*ckk)
		checkLen("ConvBackward dx", dx, n*hw)
	}
	if pointwise(g) {
		// As in ConvForward, the images are the GEMMs' matrices:
		// dw += dy·xᵀ and dx = wᵀ·dy, image by image.
		for i := 0; i < n; i++ {
			d := dy[i*oc*ohw : (i+1)*oc*ohw]
			if dw != nil {
				gemmFastTo(false, true, oc, g.C, ohw, d, ohw, x[i*hw:(i+1)*hw], ohw, dw, g.C, scratch)
			}
			if dx != nil {
				di := dx[i*hw : (i+1)*hw]
				clear(di)
				gemmFastTo(true, false, g.C, ohw, oc, w, g.C, d, ohw, di, ohw, scratch)
			}
		}
		return
	}
	if dx != nil {
		if useFused(g) && g.PH < g.KH && g.PW < g.KW {
			// The input gradient of a stride-1 convolution is the
			// convolution of dy, padded by KH−1−PH rows and KW−1−PW
			// columns, with the weights flipped in both spatial axes and
			// the channel axes swapped:
			// dx[c, y, x] = Σ_o Σ_ky,kx w[o, c, ky, kx]·dy[o, y+PH−ky, x+PW−kx].
			kk := g.KH * g.KW
			wt := scratch[:oc*g.C*kk]
			for o := 0; o < oc; o++ {
				for c := 0; c < g.C; c++ {
					flip(wt[(c*oc+o)*kk:(c*oc+o+1)*kk], w[(o*g.C+c)*kk:(o*g.C+c+1)*kk])
				}
			}
			gb := Geom{C: oc, H: oh, W: ow, KH: g.KH, KW: g.KW, SH: 1, SW: 1, PH: g.KH - 1 - g.PH, PW: g.KW - 1 - g.PW}
			convFused(gb, n, g.C, dy, wt, nil, dx, nil, scratch[len(wt):])
			dx = nil
		} else {
			clear(dx)
		}
	}
	if dw == nil && dx == nil {
		return
	}
	col, gs := scratch[:ckk*ohw], scratch[ckk*ohw:]
	for i := 0; i < n; i++ {
		d := dy[i*oc*ohw : (i+1)*oc*ohw]
		if dw != nil {
			Im2Col(g, x[i*hw:(i+1)*hw], col)
			gemmFastTo(false, true, oc, ckk, ohw, d, ohw, col, ohw, dw, ckk, gs)
		}
		if dx != nil {
			clear(col)
			gemmFastTo(true, false, ckk, ohw, oc, w, ckk, d, ohw, col, ohw, gs)
			Col2Im(g, col, dx[i*hw:(i+1)*hw])
		}
	}
}

// flip writes src reversed into dst (same length): a KH×KW kernel rotated
// by 180°. The shipped models' 3×3 and 5×5 kernels are unrolled.
func flip(dst, src []float32) {
	switch len(src) {
	case 9:
		d, s := (*[9]float32)(dst), (*[9]float32)(src)
		d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8] = s[8], s[7], s[6], s[5], s[4], s[3], s[2], s[1], s[0]
	case 25:
		d, s := (*[25]float32)(dst), (*[25]float32)(src)
		d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10], d[11], d[12] = s[24], s[23], s[22], s[21], s[20], s[19], s[18], s[17], s[16], s[15], s[14], s[13], s[12]
		d[13], d[14], d[15], d[16], d[17], d[18], d[19], d[20], d[21], d[22], d[23], d[24] = s[11], s[10], s[9], s[8], s[7], s[6], s[5], s[4], s[3], s[2], s[1], s[0]
	default:
		n := len(src)
		for i, v := range src {
			dst[n-1-i] = v
		}
	}
}
