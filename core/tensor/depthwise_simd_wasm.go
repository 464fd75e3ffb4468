//go:build wasm && goexperiment.simd

package tensor

import "simd/archsimd"

// depthwise3x3Geom reports whether depthwise3x3SIMD handles g: a 3×3
// kernel at stride 1 or 2 (the same along both axes), any padding.
func depthwise3x3Geom(g Geom) bool {
	return g.KH == 3 && g.KW == 3 && g.SH == g.SW && (g.SH == 1 || g.SH == 2)
}

// depthwise3x3Planes returns the shape of the zero-padded copy of one
// channel that depthwise3x3SIMD reads: rows of the padded image, and the
// width of each plane (one plane at stride 1; at stride 2 two, its even
// and its odd columns). The planes are wide enough that every output
// row is computed in whole vectors of four without reading past them.
func depthwise3x3Planes(g Geom) (rows, width int) {
	oh, ow := g.OutH(), g.OutW()
	ow4 := (ow + 3) &^ 3
	rows = (oh-1)*g.SH + 3
	if g.SH == 1 {
		return rows, max(ow4+2, g.W+2*g.PW)
	}
	return rows, max(ow4+1, (g.W+g.PW)/2+2)
}

// depthwiseFastScratch is the scratch depthwise3x3SIMD needs for g, or 0
// for a geometry it does not handle.
func depthwiseFastScratch(g Geom) int {
	if !depthwise3x3Geom(g) {
		return 0
	}
	rows, width := depthwise3x3Planes(g)
	return g.SH * rows * width
}

// depthwise3x3SIMD is depthwiseRows for a 3×3 kernel at stride 1 or 2,
// and reports whether it ran (false for any other geometry). It first
// copies the channel into scratch (depthwiseFastScratch values) with its
// zero padding made real, at stride 2 split into the even and the odd
// columns of each row, so that the three taps of a kernel row are three
// contiguous vectors of four outputs at any stride. Then every output row
// is a loop of whole vectors with no edge cases: nine broadcast weights
// times unaligned loads, the last, partial vector stored through a
// four-value buffer. One loop over the row instead of nine axpys matters
// in Go's WebAssembly, where each call and loop iteration costs a jump
// through a dispatch table.
func depthwise3x3SIMD(g Geom, x, k []float32, bias float32, out, scratch []float32) bool {
	if !depthwise3x3Geom(g) {
		return false
	}
	oh, ow := g.OutH(), g.OutW()
	rows, width := depthwise3x3Planes(g)
	planes := scratch[:g.SH*rows*width]
	for r := 0; r < rows; r++ {
		iy := r - g.PH
		if g.SH == 1 {
			row := planes[r*width : (r+1)*width]
			if iy < 0 || iy >= g.H {
				clear(row)
				continue
			}
			clear(row[:g.PW])
			copy(row[g.PW:g.PW+g.W], x[iy*g.W:(iy+1)*g.W])
			clear(row[g.PW+g.W:])
			continue
		}
		// Padded column p = ix + PW goes to the even plane at p/2 when p
		// is even, to the odd plane at p/2 when it is odd.
		even := planes[r*width : (r+1)*width]
		odd := planes[(rows+r)*width : (rows+r+1)*width]
		clear(even)
		clear(odd)
		if iy < 0 || iy >= g.H {
			continue
		}
		src := x[iy*g.W : (iy+1)*g.W]
		if g.PW&1 == 0 {
			even, odd = even[g.PW/2:], odd[g.PW/2:]
		} else {
			// An odd PW swaps the parities: src[2j] lands in the odd
			// plane at j+(PW−1)/2, src[2j+1] in the even one at j+(PW+1)/2.
			even, odd = odd[(g.PW-1)/2:], even[(g.PW+1)/2:]
		}
		// Now src[2j] goes to even[j] and src[2j+1] to odd[j].
		n := g.W / 2
		even, odd = even[:n+g.W%2], odd[:n]
		for j := range odd {
			even[j] = src[2*j]
			odd[j] = src[2*j+1]
		}
		if g.W%2 == 1 {
			even[n] = src[g.W-1]
		}
	}
	bv := archsimd.BroadcastFloat32x4(bias)
	k0 := archsimd.BroadcastFloat32x4(k[0])
	k1 := archsimd.BroadcastFloat32x4(k[1])
	k2 := archsimd.BroadcastFloat32x4(k[2])
	k3 := archsimd.BroadcastFloat32x4(k[3])
	k4 := archsimd.BroadcastFloat32x4(k[4])
	k5 := archsimd.BroadcastFloat32x4(k[5])
	k6 := archsimd.BroadcastFloat32x4(k[6])
	k7 := archsimd.BroadcastFloat32x4(k[7])
	k8 := archsimd.BroadcastFloat32x4(k[8])
	var tail [4]float32
	for oy := 0; oy < oh; oy++ {
		o := out[oy*ow : (oy+1)*ow]
		r := oy * g.SH
		// The three taps of kernel row ky for output column ox are
		// a_ky[ox], b_ky[ox], c_ky[ox].
		var a0, b0, c0, a1, b1, c1, a2, b2, c2 []float32
		if g.SH == 1 {
			a0 = planes[r*width : (r+1)*width]
			a1 = planes[(r+1)*width : (r+2)*width]
			a2 = planes[(r+2)*width : (r+3)*width]
			b0, b1, b2 = a0[1:], a1[1:], a2[1:]
			c0, c1, c2 = a0[2:], a1[2:], a2[2:]
		} else {
			a0 = planes[r*width : (r+1)*width]
			a1 = planes[(r+1)*width : (r+2)*width]
			a2 = planes[(r+2)*width : (r+3)*width]
			b0 = planes[(rows+r)*width : (rows+r+1)*width]
			b1 = planes[(rows+r+1)*width : (rows+r+2)*width]
			b2 = planes[(rows+r+2)*width : (rows+r+3)*width]
			c0, c1, c2 = a0[1:], a1[1:], a2[1:]
		}
		for ox := 0; ox < ow; ox += 4 {
			s0 := k0.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(a0[ox : ox+4])))
			s1 := k1.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(b0[ox : ox+4])))
			s2 := k2.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(c0[ox : ox+4])))
			s0 = s0.Add(k3.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(a1[ox : ox+4]))))
			s1 = s1.Add(k4.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(b1[ox : ox+4]))))
			s2 = s2.Add(k5.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(c1[ox : ox+4]))))
			s0 = s0.Add(k6.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(a2[ox : ox+4]))))
			s1 = s1.Add(k7.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(b2[ox : ox+4]))))
			s2 = s2.Add(k8.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(c2[ox : ox+4]))))
			s := bv.Add(s0.Add(s1).Add(s2))
			if ox+4 <= ow {
				s.StoreArray((*[4]float32)(o[ox : ox+4]))
				continue
			}
			s.StoreArray(&tail)
			copy(o[ox:], tail[:])
		}
	}
	return true
}
