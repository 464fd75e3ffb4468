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
// row is computed in whole vectors of four, reading windows of eight
// values at stride 1, without reading past them.
func depthwise3x3Planes(g Geom) (rows, width int) {
	oh, ow := g.OutH(), g.OutW()
	ow4 := (ow + 3) &^ 3
	rows = (oh-1)*g.SH + 3
	if g.SH == 1 {
		return rows, max(ow4+4, g.W+2*g.PW)
	}
	return rows, max(ow4+1, (g.W+g.PW)/2+2)
}

// deinterleaveIdx are the byte indices that gather the even (first two)
// and the odd (last two) values of a vector into the low or the high
// half of another; -1 gives zero.
var deinterleaveIdx = [4][16]int8{
	{0, 1, 2, 3, 8, 9, 10, 11, -1, -1, -1, -1, -1, -1, -1, -1},
	{-1, -1, -1, -1, -1, -1, -1, -1, 0, 1, 2, 3, 8, 9, 10, 11},
	{4, 5, 6, 7, 12, 13, 14, 15, -1, -1, -1, -1, -1, -1, -1, -1},
	{-1, -1, -1, -1, -1, -1, -1, -1, 4, 5, 6, 7, 12, 13, 14, 15},
}

// deinterleave writes src[2j] to even[j] and src[2j+1] to odd[j], eight
// values of src at a time by byte shuffles.
func deinterleave(src, even, odd []float32) {
	n := len(src) / 2
	even, odd = even[:n+len(src)%2], odd[:n]
	lo0 := archsimd.LoadInt8x16Array(&deinterleaveIdx[0])
	hi0 := archsimd.LoadInt8x16Array(&deinterleaveIdx[1])
	lo1 := archsimd.LoadInt8x16Array(&deinterleaveIdx[2])
	hi1 := archsimd.LoadInt8x16Array(&deinterleaveIdx[3])
	j := 0
	for ; j+4 <= n; j += 4 {
		s := (*[8]float32)(src[2*j : 2*j+8])
		v0 := archsimd.LoadFloat32x4Array((*[4]float32)(s[0:4])).ToBits().ReshapeToUint8s().BitsToInt8()
		v1 := archsimd.LoadFloat32x4Array((*[4]float32)(s[4:8])).ToBits().ReshapeToUint8s().BitsToInt8()
		e := v0.LookupOrZero(lo0).Or(v1.LookupOrZero(hi0))
		o := v0.LookupOrZero(lo1).Or(v1.LookupOrZero(hi1))
		e.ToBits().ReshapeToUint32s().BitsToFloat32().StoreArray((*[4]float32)(even[j : j+4]))
		o.ToBits().ReshapeToUint32s().BitsToFloat32().StoreArray((*[4]float32)(odd[j : j+4]))
	}
	for ; j < n; j++ {
		even[j] = src[2*j]
		odd[j] = src[2*j+1]
	}
	if len(src)%2 == 1 {
		even[n] = src[len(src)-1]
	}
}

// depthwiseFastPrepare zeroes the scratch of depthwise3x3SIMD for g, which
// then writes only the image's values into it, channel after channel.
func depthwiseFastPrepare(g Geom, scratch []float32) {
	clear(scratch[:depthwiseFastScratch(g)])
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
// copies the channel into scratch (depthwiseFastScratch values, zeroed by
// depthwiseFastPrepare before the first channel) so that its padding
// reads as zeros, at stride 2 split into the even and the odd columns of
// each row, so that the three taps of a kernel row are three
// contiguous vectors of four outputs at any stride. Then every output row
// is a loop of whole vectors with no edge cases (two rows at once at
// stride 1): nine broadcast weights times unaligned loads, the last,
// partial vector stored through a four-value buffer. One loop over the row instead of nine axpys matters
// in Go's WebAssembly, where each call and loop iteration costs a jump
// through a dispatch table.
func depthwise3x3SIMD(g Geom, x, k []float32, bias float32, out, scratch []float32) bool {
	if !depthwise3x3Geom(g) {
		return false
	}
	oh, ow := g.OutH(), g.OutW()
	rows, width := depthwise3x3Planes(g)
	planes := scratch[:g.SH*rows*width]
	// Only the image's own values are written: the padding around them
	// stays zero from depthwiseFastPrepare.
	for iy := max(0, -g.PH); iy < g.H && iy+g.PH < rows; iy++ {
		r, src := iy+g.PH, x[iy*g.W:(iy+1)*g.W]
		if g.SH == 1 {
			row := planes[r*width+g.PW : r*width+g.PW+g.W]
			if g.W >= 16 {
				copy(row, src)
				continue
			}
			for i, v := range src { // shorter than a call to memmove
				row[i] = v
			}
			continue
		}
		// Padded column p = ix + PW goes to the even plane at p/2 when p
		// is even, to the odd plane at p/2 when it is odd.
		even := planes[r*width : (r+1)*width]
		odd := planes[(rows+r)*width : (rows+r+1)*width]
		if g.PW&1 == 0 {
			even, odd = even[g.PW/2:], odd[g.PW/2:]
		} else {
			// An odd PW swaps the parities: src[2j] lands in the odd
			// plane at j+(PW−1)/2, src[2j+1] in the even one at j+(PW+1)/2.
			even, odd = odd[(g.PW-1)/2:], even[(g.PW+1)/2:]
		}
		deinterleave(src, even, odd)
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
	// The taps of kernel row ky for output column ox are planes[t],
	// planes[t+d1] and planes[t+d2] with t = (oy·SH + ky)·width + ox:
	// three neighbours at stride 1; at stride 2 the even column, the odd
	// one (the same place in the odd plane) and the next even one. Plain
	// offsets into one slice keep the loop's state small enough for Go's
	// WebAssembly registers.
	d1, d2 := 1, 2
	if g.SH == 2 {
		d1, d2 = rows*width, 1
	}
	var tail, tail2 [4]float32
	oy := 0
	if g.SH == 1 {
		// Two output rows at a time share two of their input rows:
		// twelve loads for two vectors instead of eighteen, 5% of
		// MobileNetV2's forward pass. Neighbouring taps come from one
		// eight-value window (one bounds check).
		for ; oy+2 <= oh; oy += 2 {
			o, o2 := out[oy*ow:(oy+1)*ow], out[(oy+1)*ow:(oy+2)*ow]
			t := oy * width
			for ox := 0; ox < ow; ox += 4 {
				r0 := (*[8]float32)(planes[t+ox : t+ox+8])
				r1 := (*[8]float32)(planes[t+width+ox : t+width+ox+8])
				x0 := archsimd.LoadFloat32x4Array((*[4]float32)(r1[0:4]))
				x1 := archsimd.LoadFloat32x4Array((*[4]float32)(r1[1:5]))
				x2 := archsimd.LoadFloat32x4Array((*[4]float32)(r1[2:6]))
				sa := bv.Add(k0.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r0[0:4])))).Add(k1.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r0[1:5])))).Add(k2.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r0[2:6]))))
				sa = sa.Add(k3.Mul(x0)).Add(k4.Mul(x1)).Add(k5.Mul(x2))
				sb := bv.Add(k0.Mul(x0)).Add(k1.Mul(x1)).Add(k2.Mul(x2))
				r2 := (*[8]float32)(planes[t+2*width+ox : t+2*width+ox+8])
				x0 = archsimd.LoadFloat32x4Array((*[4]float32)(r2[0:4]))
				x1 = archsimd.LoadFloat32x4Array((*[4]float32)(r2[1:5]))
				x2 = archsimd.LoadFloat32x4Array((*[4]float32)(r2[2:6]))
				sa = sa.Add(k6.Mul(x0)).Add(k7.Mul(x1)).Add(k8.Mul(x2))
				sb = sb.Add(k3.Mul(x0)).Add(k4.Mul(x1)).Add(k5.Mul(x2))
				r3 := (*[8]float32)(planes[t+3*width+ox : t+3*width+ox+8])
				sb = sb.Add(k6.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r3[0:4])))).Add(k7.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r3[1:5])))).Add(k8.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r3[2:6]))))
				if ox+4 <= ow {
					sa.StoreArray((*[4]float32)(o[ox : ox+4]))
					sb.StoreArray((*[4]float32)(o2[ox : ox+4]))
					continue
				}
				sa.StoreArray(&tail)
				sb.StoreArray(&tail2)
				copy(o[ox:], tail[:])
				copy(o2[ox:], tail2[:])
			}
		}
	}
	for ; oy < oh; oy++ {
		o := out[oy*ow : (oy+1)*ow]
		t := oy * g.SH * width
		for ox := 0; ox < ow; ox += 4 {
			i := t + ox
			s0 := k0.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(planes[i : i+4])))
			s1 := k1.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(planes[i+d1 : i+d1+4])))
			s2 := k2.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(planes[i+d2 : i+d2+4])))
			i += width
			s0 = s0.Add(k3.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(planes[i : i+4]))))
			s1 = s1.Add(k4.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(planes[i+d1 : i+d1+4]))))
			s2 = s2.Add(k5.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(planes[i+d2 : i+d2+4]))))
			i += width
			s0 = s0.Add(k6.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(planes[i : i+4]))))
			s1 = s1.Add(k7.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(planes[i+d1 : i+d1+4]))))
			s2 = s2.Add(k8.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(planes[i+d2 : i+d2+4]))))
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
