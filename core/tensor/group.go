package tensor

import "fmt"

// A grouped convolution splits the C input and oc output channels into
// groups of C/groups and oc/groups: output channel o reads only the input
// channels of its group, and w is [oc, C/groups, KH, KW]. Depthwise
// convolution is the case groups == C. The geometry g given to the
// grouped kernels describes the whole input (g.C = C).

// groupGeom returns the geometry of one group and checks the channel
// counts.
func groupGeom(op string, g Geom, oc, groups int) Geom {
	if groups < 1 || g.C%groups != 0 || oc%groups != 0 {
		panic(fmt.Sprintf("tensor: %s of %d input and %d output channels in %d groups", op, g.C, oc, groups))
	}
	gg := g
	gg.C = g.C / groups
	gg.Check()
	return gg
}

// GroupConvScratch is the scratch GroupConvForward and GroupConvBackward
// need: ConvScratch of one group, or for one input channel per group (the
// direct depthwise loops) the zero-padded copy of a channel that the
// WebAssembly SIMD build's 3×3 kernel reads (nothing in other builds).
func GroupConvScratch(g Geom, oc, groups int) int {
	gg := groupGeom("GroupConvScratch", g, oc, groups)
	if groups == 1 {
		return ConvScratch(g, oc)
	}
	if gg.C == 1 {
		return depthwiseFastScratch(gg)
	}
	return ConvScratch(gg, oc/groups)
}

// GroupConvForward is ConvForward for a convolution in groups (w is
// [oc, C/groups, KH, KW]); groups == 1 is ConvForward. When each group
// has one input channel (depthwise) it runs direct loops, otherwise
// ConvForward on each group of each image. relu, when not nil, receives
// max(y, 0). scratch holds GroupConvScratch values or is nil.
func GroupConvForward(g Geom, groups, n, oc int, x, w, b, y, relu, scratch []float32) {
	if groups == 1 {
		ConvForward(g, n, oc, x, w, b, y, relu, scratch)
		return
	}
	gg := groupGeom("GroupConvForward", g, oc, groups)
	ocg, hw, ohw, ckk := oc/groups, g.C*g.H*g.W, g.OutH()*g.OutW(), gg.C*g.KH*g.KW
	checkLen("GroupConvForward x", x, n*hw)
	checkLen("GroupConvForward w", w, oc*ckk)
	checkLen("GroupConvForward y", y, n*oc*ohw)
	if b != nil {
		checkLen("GroupConvForward b", b, oc)
	}
	if gg.C == 1 {
		need := depthwiseFastScratch(gg)
		if scratch == nil {
			pooled := getScratch(need)
			defer putScratch(pooled)
			scratch = pooled.s
		} else if len(scratch) < need {
			panic(fmt.Sprintf("tensor: GroupConvForward %+v: scratch has %d elements, want %d", g, len(scratch), need))
		}
		depthwiseFastPrepare(gg, scratch)
	}
	for i := 0; i < n; i++ {
		for k := 0; k < groups; k++ {
			xs := x[i*hw+k*gg.C*g.H*g.W : i*hw+(k+1)*gg.C*g.H*g.W]
			ws := w[k*ocg*ckk : (k+1)*ocg*ckk]
			ys := y[(i*oc+k*ocg)*ohw : (i*oc+(k+1)*ocg)*ohw]
			var bs []float32
			if b != nil {
				bs = b[k*ocg : (k+1)*ocg]
			}
			if gg.C == 1 {
				depthwiseForward(gg, ocg, xs, ws, bs, ys, scratch)
				continue
			}
			ConvForward(gg, 1, ocg, xs, ws, bs, ys, nil, scratch)
		}
	}
	if relu != nil {
		checkLen("GroupConvForward relu", relu, n*oc*ohw)
		ReLU(y, relu)
	}
}

// GroupConvBackward is ConvBackward for a convolution in groups: it
// OVERWRITES dx and ADDS to dw and db; any of them may be nil.
func GroupConvBackward(g Geom, groups, n, oc int, x, w, dy, dx, dw, db, scratch []float32) {
	if groups == 1 {
		ConvBackward(g, n, oc, x, w, dy, dx, dw, db, scratch)
		return
	}
	gg := groupGeom("GroupConvBackward", g, oc, groups)
	ocg, hw, ohw, ckk := oc/groups, g.C*g.H*g.W, g.OutH()*g.OutW(), gg.C*g.KH*g.KW
	ghw := gg.C * g.H * g.W
	checkLen("GroupConvBackward dy", dy, n*oc*ohw)
	if dx != nil {
		checkLen("GroupConvBackward dx", dx, n*hw)
		checkLen("GroupConvBackward w", w, oc*ckk)
	}
	if dw != nil {
		checkLen("GroupConvBackward x", x, n*hw)
		checkLen("GroupConvBackward dw", dw, oc*ckk)
	}
	if db != nil {
		checkLen("GroupConvBackward db", db, oc)
		addBiasGrad(db, dy, n, oc, ohw)
	}
	if dx == nil && dw == nil {
		return
	}
	for i := 0; i < n; i++ {
		for k := 0; k < groups; k++ {
			var xs, dxs, dws []float32
			if x != nil {
				xs = x[i*hw+k*ghw : i*hw+(k+1)*ghw]
			}
			if dx != nil {
				dxs = dx[i*hw+k*ghw : i*hw+(k+1)*ghw]
			}
			if dw != nil {
				dws = dw[k*ocg*ckk : (k+1)*ocg*ckk]
			}
			ws := w[k*ocg*ckk : (k+1)*ocg*ckk]
			dys := dy[(i*oc+k*ocg)*ohw : (i*oc+(k+1)*ocg)*ohw]
			if gg.C == 1 {
				depthwiseBackward(gg, ocg, xs, ws, dys, dxs, dws)
				continue
			}
			ConvBackward(gg, 1, ocg, xs, ws, dys, dxs, dws, nil, scratch)
		}
	}
}

// depthwiseForward convolves one channel x ([H, W]) with m kernels w
// ([m, KH, KW]) into y ([m, OH, OW]), adding b ([m] or nil).
func depthwiseForward(g Geom, m int, x, w, b, y, scratch []float32) {
	oh, ow := g.OutH(), g.OutW()
	kk := g.KH * g.KW
	for o := 0; o < m; o++ {
		k := w[o*kk : (o+1)*kk]
		out := y[o*oh*ow : (o+1)*oh*ow]
		var bias float32
		if b != nil {
			bias = b[o]
		}
		if !depthwiseFast(g, x, k, bias, out, scratch) {
			depthwiseRows(g, x, k, bias, out)
		}
	}
}

// depthwiseRows is depthwiseForward's loop for one kernel: each output
// row adds, for every kernel tap, the tap times the input row's columns
// under it, found once per row (validRange) rather than tested per
// value; at column stride 1 that is an axpy, SIMD where the build has it.
func depthwiseRows(g Geom, x, k []float32, bias float32, out []float32) {
	oh, ow := g.OutH(), g.OutW()
	for oy := 0; oy < oh; oy++ {
		o := out[oy*ow : (oy+1)*ow]
		for i := range o {
			o[i] = bias
		}
		for ky := 0; ky < g.KH; ky++ {
			iy := oy*g.SH + ky - g.PH
			if iy < 0 || iy >= g.H {
				continue
			}
			row := x[iy*g.W : (iy+1)*g.W]
			for kx := 0; kx < g.KW; kx++ {
				kv := k[ky*g.KW+kx]
				off := kx - g.PW
				lo, hi := validRange(off, g.SW, g.W, ow)
				if lo >= hi {
					continue
				}
				if g.SW == 1 {
					axpyFast(kv, row[lo+off:hi+off], o[lo:hi])
					continue
				}
				src := row[lo*g.SW+off : (hi-1)*g.SW+off+1]
				dst := o[lo:hi]
				for i := range dst {
					dst[i] += kv * src[i*g.SW]
				}
			}
		}
	}
}

// depthwiseBackward is the backward pass of depthwiseForward: it
// OVERWRITES dx ([H, W], may be nil) and ADDS to dw ([m, KH, KW], may be
// nil), row by row as depthwiseRows.
func depthwiseBackward(g Geom, m int, x, w, dy, dx, dw []float32) {
	oh, ow := g.OutH(), g.OutW()
	kk := g.KH * g.KW
	if dx != nil {
		clear(dx)
	}
	for o := 0; o < m; o++ {
		k := w[o*kk : (o+1)*kk]
		for oy := 0; oy < oh; oy++ {
			d := dy[(o*oh+oy)*ow : (o*oh+oy+1)*ow]
			for ky := 0; ky < g.KH; ky++ {
				iy := oy*g.SH + ky - g.PH
				if iy < 0 || iy >= g.H {
					continue
				}
				for kx := 0; kx < g.KW; kx++ {
					off := kx - g.PW
					lo, hi := validRange(off, g.SW, g.W, ow)
					if lo >= hi {
						continue
					}
					t := ky*g.KW + kx
					start, end := iy*g.W+lo*g.SW+off, iy*g.W+(hi-1)*g.SW+off+1
					dr := d[lo:hi]
					if g.SW == 1 {
						if dx != nil {
							axpyFast(k[t], dr, dx[start:end])
						}
						if dw != nil {
							dw[o*kk+t] += dotFast(dr, x[start:end])
						}
						continue
					}
					var s float32
					for i, gv := range dr {
						j := start + i*g.SW
						if dx != nil {
							dx[j] += gv * k[t]
						}
						if dw != nil {
							s += gv * x[j]
						}
					}
					if dw != nil {
						dw[o*kk+t] += s
					}
				}
			}
		}
	}
}
