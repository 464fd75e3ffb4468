package tensor

import "fmt"

// The kernels in this file are variants of Gemm, Conv2D and
// Conv2DBackward for callers that keep their own scratch memory (a
// precompiled network, nn.Plan): they never allocate, so a forward or
// backward pass repeated on the same shapes leaves no work for the
// garbage collector, and they fuse the steps that follow a convolution
// in a network (bias, ReLU) into the pass that writes its output.

// GemmScratch is the number of float32 values of scratch GemmTo needs when
// op(A) is m×k.
func GemmScratch(m, k int) int { return gemmPackedScratch(m, k) }

// GemmTo is Gemm with the caller's scratch (at least GemmScratch(m, k)
// values): it computes C = op(A)·op(B), or C += op(A)·op(B) when
// accumulate is true, without allocating. It panics when a slice is too
// short for its sizes.
func GemmTo(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, accumulate bool, scratch []float32) {
	if m == 0 || n == 0 {
		return
	}
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	checkMatrix("A", a, ar, ac, lda)
	checkMatrix("B", b, br, bc, ldb)
	checkMatrix("C", c, m, n, ldc)
	if len(scratch) < GemmScratch(m, k) {
		panic(fmt.Sprintf("tensor: GemmTo %d×%d·%d×%d: scratch has %d elements, want %d", m, k, k, n, len(scratch), GemmScratch(m, k)))
	}
	if !accumulate {
		for i := 0; i < m; i++ {
			clear(c[i*ldc : i*ldc+n])
		}
	}
	if k == 0 {
		return
	}
	gemmFastTo(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, scratch)
}

// useFused reports whether ConvForward and ConvBackward run the
// convolution of geometry g as a fused direct convolution: in builds that
// have one (WebAssembly SIMD), for stride 1.
func useFused(g Geom) bool {
	return haveFused && !convDirectOff && g.SH == 1 && g.SW == 1
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

// ConvForward computes y = w ⋆ x + b like Conv2D (x [n, C, H, W], w
// [oc, C, KH, KW], b [oc] or nil, y [n, oc, OH, OW] overwritten) and, when
// relu is not nil, also relu = max(y, 0) ([n, oc, OH, OW]), in the same
// pass where the build allows. scratch holds at least ConvScratch(g, oc)
// values; nothing is allocated. The result equals Conv2D's up to the
// order of float32 additions. It panics on a size mismatch.
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
	if need := ConvScratch(g, oc); len(scratch) < need {
		panic(fmt.Sprintf("tensor: ConvForward %+v: scratch has %d elements, want %d", g, len(scratch), need))
	}
	if useFused(g) {
		convFused(g, n, oc, x, w, b, y, relu, scratch)
		return
	}
	col, gs := scratch[:ckk*ohw], scratch[ckk*ohw:]
	for i := 0; i < n; i++ {
		Im2Col(g, x[i*hw:(i+1)*hw], col)
		out := y[i*oc*ohw : (i+1)*oc*ohw]
		clear(out)
		gemmFastTo(false, false, oc, ohw, ckk, w, ckk, col, ohw, out, ohw, gs)
		addBias(out, b, oc, ohw)
	}
	if relu != nil {
		ReLU(y, relu)
	}
}

// ConvBackward is Conv2DBackward with the caller's scratch (at least
// ConvScratch(g, oc) values), without allocating. Given dy
// ([n, oc, OH, OW]) it OVERWRITES dx ([n, C, H, W]) with the input
// gradient and ADDS the weight and bias gradients to dw ([oc, C, KH, KW])
// and db ([oc]), as parameter gradients accumulate. Any of dx, dw, db may
// be nil when that gradient is not wanted.
func ConvBackward(g Geom, n, oc int, x, w, dy, dx, dw, db, scratch []float32) {
	g.Check()
	oh, ow := g.OutH(), g.OutW()
	ckk, hw, ohw := g.C*g.KH*g.KW, g.C*g.H*g.W, oh*ow
	checkLen("ConvBackward dy", dy, n*oc*ohw)
	if need := ConvScratch(g, oc); len(scratch) < need {
		panic(fmt.Sprintf("tensor: ConvBackward %+v: scratch has %d elements, want %d", g, len(scratch), need))
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

// Dot returns Σ a[i]·b[i] in float32 (with SIMD, in four interleaved
// partial sums). It panics when the lengths differ.
func Dot(a, b []float32) float32 {
	if len(a) != len(b) {
		panic(fmt.Sprintf("tensor: Dot of %d and %d values", len(a), len(b)))
	}
	return dotFast(a, b)
}

// Axpy adds alpha·x to y. It panics when the lengths differ.
func Axpy(alpha float32, x, y []float32) {
	if len(x) != len(y) {
		panic(fmt.Sprintf("tensor: Axpy of %d values into %d", len(x), len(y)))
	}
	axpyFast(alpha, x, y)
}

func dotPortable(a, b []float32) float32 {
	b = b[:len(a)]
	var s float32
	for i, v := range a {
		s += v * b[i]
	}
	return s
}

func axpyPortable(alpha float32, x, y []float32) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] += alpha * v
	}
}

// ReLU writes y = max(x, 0) elementwise, exactly as autograd's ReLU: a
// value that is not greater than zero (including −0 and NaN) gives +0.
// It panics when the lengths differ.
func ReLU(x, y []float32) {
	if len(x) != len(y) {
		panic(fmt.Sprintf("tensor: ReLU of %d values into %d", len(x), len(y)))
	}
	reluFast(x, y)
}

// ReLUBackward OVERWRITES dx with the gradient a ReLU passes back from dy
// given its input x: dy[i] where (x[i] > 0 or !gateX) and (dy[i] > 0 or
// !gateG), else 0. gateX alone is the true gradient, both gates guided
// backpropagation, gateG alone the deconvnet rule. It panics when the
// lengths differ.
func ReLUBackward(x, dy, dx []float32, gateX, gateG bool) {
	if len(x) != len(dy) || len(dx) != len(dy) {
		panic(fmt.Sprintf("tensor: ReLUBackward x %d, dy %d, dx %d values", len(x), len(dy), len(dx)))
	}
	reluBackwardFast(x, dy, dx, gateX, gateG)
}

// reluPortable is ReLU's scalar loop.
func reluPortable(x, y []float32) {
	y = y[:len(x)]
	for i, v := range x {
		if v > 0 {
			y[i] = v
		} else {
			y[i] = 0
		}
	}
}

// reluBackwardPortable is ReLUBackward's scalar loop.
func reluBackwardPortable(x, dy, dx []float32, gateX, gateG bool) {
	x, dx = x[:len(dy)], dx[:len(dy)]
	for i, g := range dy {
		if (!gateX || x[i] > 0) && (!gateG || g > 0) {
			dx[i] = g
		} else {
			dx[i] = 0
		}
	}
}
