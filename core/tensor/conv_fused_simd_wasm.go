//go:build wasm && goexperiment.simd

package tensor

import (
	"math"
	"simd/archsimd"
)

// convFused computes the stride-1 convolution y = w ⋆ x + b of n images x
// [n, C, H, W] with w [oc, C, KH, KW] and b [oc] (or nil), OVERWRITING y
// [n, oc, OH, OW], and when relu is not nil also relu = max(y, 0). It is
// an implicit GEMM ("direct convolution"): the B operand is read straight
// from a zero-padded copy of each image instead of an im2col matrix, in
// 4×8 tiles (four output channels by eight positions of a row, the same
// tile of multiply-adds as kernelSIMD4x8, or four rows of one channel when
// oc < 4). Each tile starts from the bias and is stored, not added, so no
// pass clears y or adds the bias, and the ReLU is applied on the way out. Because tiles overwrite, a row whose
// width is not a multiple of eight ends with a tile that overlaps the one
// before it instead of a ragged one, and a row narrower than a tile
// spills onto the next row, which is stored later. The kernels walk the
// window rows (channel, ky) in one loop over a table of their offsets, and
// the shipped models' 3×3 and 5×5 kernels are unrolled: in Go's
// WebAssembly every loop iteration and call costs a jump through the
// function's dispatch table, which for small layers costs more than the
// arithmetic. scratch holds fusedScratch(g, oc) values.
func convFused(g Geom, n, oc int, x, w, b, y, relu, scratch []float32) {
	oh, ow := g.OutH(), g.OutW()
	ckk, hw, ohw := g.C*g.KH*g.KW, g.C*g.H*g.W, oh*ow
	hp, wp := fusedPadded(g)
	// scratch: the packed weights (oc ≥ 4), the window-row offsets
	// (integers stored in the bits of float32 values), the padded image.
	groups := (oc + 3) / 4
	wpk := scratch[:groups*4*ckk]
	offs := scratch[len(wpk) : len(wpk)+g.C*g.KH]
	xp := scratch[len(wpk)+len(offs) : len(wpk)+len(offs)+g.C*hp*wp]
	if oc >= 4 {
		for i := 0; i < groups; i++ {
			pack4(w, ckk, i*4, min(4, oc-i*4), wpk[i*4*ckk:(i+1)*4*ckk])
		}
	}
	for ch := 0; ch < g.C; ch++ {
		for ky := 0; ky < g.KH; ky++ {
			offs[ch*g.KH+ky] = math.Float32frombits(uint32((ch*hp + ky) * wp)) // an int in float32 bits
		}
	}
	clear(xp)
	var tile [32]float32
	for img := 0; img < n; img++ {
		src := x[img*hw : (img+1)*hw]
		for c := 0; c < g.C; c++ {
			for yy := 0; yy < g.H; yy++ {
				d := (c*hp+yy+g.PH)*wp + g.PW
				copy(xp[d:d+g.W], src[(c*g.H+yy)*g.W:(c*g.H+yy+1)*g.W])
			}
		}
		out := y[img*oc*ohw : (img+1)*oc*ohw]
		var rout []float32
		if relu != nil {
			rout = relu[img*oc*ohw : (img+1)*oc*ohw]
		}
		if oc < 4 {
			for o := 0; o < oc; o++ {
				var bv float32
				if b != nil {
					bv = b[o]
				}
				wo := w[o*ckk : (o+1)*ckk]
				for oy := 0; oy < oh; oy += 4 {
					if oy+4 > oh && oh >= 4 {
						oy = oh - 4 // overlap the previous rows
					}
					mc := min(4, oh-oy)
					for ox := 0; ox < ow; ox += 8 {
						if ox+8 > ow && ow >= 8 {
							ox = ow - 8
						}
						nc := min(8, ow-ox)
						off := o*ohw + oy*ow + ox
						if mc == 4 && nc == 8 {
							var r []float32
							if rout != nil {
								r = rout[off:]
							}
							convRows4x8(g.KW, wp, offs, wo, xp[oy*wp+ox:], bv, out[off:], ow, r)
							continue
						}
						convRows4x8(g.KW, wp, offs, wo, xp[oy*wp+ox:], bv, tile[:], 8, nil)
						storePart(tile[:], mc, nc, out[off:], rout, off, ow)
					}
				}
			}
			continue
		}
		var bias [4]float32
		for o0 := 0; o0 < oc; o0 += 4 {
			mc := min(4, oc-o0)
			bias = [4]float32{}
			if b != nil {
				copy(bias[:mc], b[o0:o0+mc])
			}
			ap := wpk[o0*ckk : (o0+4)*ckk]
			for oy := 0; oy < oh; oy++ {
				for ox := 0; ox < ow; ox += 8 {
					if ox+8 > ow && ow >= 8 {
						ox = ow - 8
					}
					nc := min(8, ow-ox)
					off := o0*ohw + oy*ow + ox
					// A row narrower than a tile (ow < 8) is stored whole
					// when the extra columns land on later rows of the same
					// channel, which are stored after it.
					if mc == 4 && (nc == 8 || oy*ow+8 <= ohw) {
						var r []float32
						if rout != nil {
							r = rout[off:]
						}
						convTile4x8(g.KW, offs, ap, xp[oy*wp+ox:], &bias, out[off:], ohw, r)
						continue
					}
					convTile4x8(g.KW, offs, ap, xp[oy*wp+ox:], &bias, tile[:], 8, nil)
					storePart(tile[:], mc, nc, out[off:], rout, off, ohw)
				}
			}
		}
	}
}

// pack4 copies rows i0..i0+mc−1 (mc ≤ 4) of the row-major matrix w (rows
// of k values) into dst in the order dst[p·4+r] = w[i0+r, p], rows mc..3
// zero: packA for four rows, four steps of p per iteration.
func pack4(w []float32, k, i0, mc int, dst []float32) {
	dst = dst[:4*k]
	if mc < 4 {
		clear(dst)
		packA(false, w, k, i0, mc, 0, k, 4, dst)
		return
	}
	r0, r1, r2, r3 := w[i0*k:(i0+1)*k], w[(i0+1)*k:(i0+2)*k], w[(i0+2)*k:(i0+3)*k], w[(i0+3)*k:(i0+4)*k]
	p := 0
	for ; p+4 <= k; p += 4 {
		d := (*[16]float32)(dst[4*p:])
		a0, a1, a2, a3 := (*[4]float32)(r0[p:]), (*[4]float32)(r1[p:]), (*[4]float32)(r2[p:]), (*[4]float32)(r3[p:])
		d[0], d[1], d[2], d[3] = a0[0], a1[0], a2[0], a3[0]
		d[4], d[5], d[6], d[7] = a0[1], a1[1], a2[1], a3[1]
		d[8], d[9], d[10], d[11] = a0[2], a1[2], a2[2], a3[2]
		d[12], d[13], d[14], d[15] = a0[3], a1[3], a2[3], a3[3]
	}
	for ; p < k; p++ {
		dst[4*p], dst[4*p+1], dst[4*p+2], dst[4*p+3] = r0[p], r1[p], r2[p], r3[p]
	}
}

// storePart copies the top-left mc×nc of the 4×8 tile to c (leading
// dimension ldc) and, when rout is not nil, its ReLU to rout[off:].
func storePart(tile []float32, mc, nc int, c, rout []float32, off, ldc int) {
	for r := 0; r < mc; r++ {
		row := tile[r*8 : r*8+nc]
		copy(c[r*ldc:r*ldc+nc], row)
		if rout != nil {
			reluPortable(row, rout[off+r*ldc:off+r*ldc+nc])
		}
	}
}

// convTile4x8 computes one 4×8 output tile: four output channels, whose
// weights are packed in ap (p-major, four values per step p =
// (ch·KH+ky)·KW+kx, as packA lays them out), by eight consecutive
// positions of an output row, whose windows start at xp[0] in the padded
// image; window row q (channel q/KH, row q%KH) is at xp[offs[q]] (an
// integer in float32 bits). Each channel starts from its bias. The tile is
// stored to c (leading dimension ldc) and, when r is not nil, its ReLU to
// r (same layout).
func convTile4x8(kw int, offs, ap, xp []float32, bias *[4]float32, c []float32, ldc int, r []float32) {
	s00 := archsimd.BroadcastFloat32x4(bias[0])
	s01 := s00
	s10 := archsimd.BroadcastFloat32x4(bias[1])
	s11 := s10
	s20 := archsimd.BroadcastFloat32x4(bias[2])
	s21 := s20
	s30 := archsimd.BroadcastFloat32x4(bias[3])
	s31 := s30
	var b0, b1, x archsimd.Float32x4
	switch kw {
	case 5:
		// The ConvNetJS model's kernel size, unrolled.
		for _, o := range offs {
			row := (*[12]float32)(xp[math.Float32bits(o):])
			a := (*[20]float32)(ap)
			ap = ap[20:]
			b0 = archsimd.LoadFloat32x4Array((*[4]float32)(row[0:4]))
			b1 = archsimd.LoadFloat32x4Array((*[4]float32)(row[4:8]))
			x = archsimd.BroadcastFloat32x4(a[0])
			s00, s01 = s00.Add(x.Mul(b0)), s01.Add(x.Mul(b1))
			x = archsimd.BroadcastFloat32x4(a[1])
			s10, s11 = s10.Add(x.Mul(b0)), s11.Add(x.Mul(b1))
			x = archsimd.BroadcastFloat32x4(a[2])
			s20, s21 = s20.Add(x.Mul(b0)), s21.Add(x.Mul(b1))
			x = archsimd.BroadcastFloat32x4(a[3])
			s30, s31 = s30.Add(x.Mul(b0)), s31.Add(x.Mul(b1))
			b0 = archsimd.LoadFloat32x4Array((*[4]float32)(row[1:5]))
			b1 = archsimd.LoadFloat32x4Array((*[4]float32)(row[5:9]))
			x = archsimd.BroadcastFloat32x4(a[4])
			s00, s01 = s00.Add(x.Mul(b0)), s01.Add(x.Mul(b1))
			x = archsimd.BroadcastFloat32x4(a[5])
			s10, s11 = s10.Add(x.Mul(b0)), s11.Add(x.Mul(b1))
			x = archsimd.BroadcastFloat32x4(a[6])
			s20, s21 = s20.Add(x.Mul(b0)), s21.Add(x.Mul(b1))
			x = archsimd.BroadcastFloat32x4(a[7])
			s30, s31 = s30.Add(x.Mul(b0)), s31.Add(x.Mul(b1))
			b0 = archsimd.LoadFloat32x4Array((*[4]float32)(row[2:6]))
			b1 = archsimd.LoadFloat32x4Array((*[4]float32)(row[6:10]))
			x = archsimd.BroadcastFloat32x4(a[8])
			s00, s01 = s00.Add(x.Mul(b0)), s01.Add(x.Mul(b1))
			x = archsimd.BroadcastFloat32x4(a[9])
			s10, s11 = s10.Add(x.Mul(b0)), s11.Add(x.Mul(b1))
			x = archsimd.BroadcastFloat32x4(a[10])
			s20, s21 = s20.Add(x.Mul(b0)), s21.Add(x.Mul(b1))
			x = archsimd.BroadcastFloat32x4(a[11])
			s30, s31 = s30.Add(x.Mul(b0)), s31.Add(x.Mul(b1))
			b0 = archsimd.LoadFloat32x4Array((*[4]float32)(row[3:7]))
			b1 = archsimd.LoadFloat32x4Array((*[4]float32)(row[7:11]))
			x = archsimd.BroadcastFloat32x4(a[12])
			s00, s01 = s00.Add(x.Mul(b0)), s01.Add(x.Mul(b1))
			x = archsimd.BroadcastFloat32x4(a[13])
			s10, s11 = s10.Add(x.Mul(b0)), s11.Add(x.Mul(b1))
			x = archsimd.BroadcastFloat32x4(a[14])
			s20, s21 = s20.Add(x.Mul(b0)), s21.Add(x.Mul(b1))
			x = archsimd.BroadcastFloat32x4(a[15])
			s30, s31 = s30.Add(x.Mul(b0)), s31.Add(x.Mul(b1))
			b0 = archsimd.LoadFloat32x4Array((*[4]float32)(row[4:8]))
			b1 = archsimd.LoadFloat32x4Array((*[4]float32)(row[8:12]))
			x = archsimd.BroadcastFloat32x4(a[16])
			s00, s01 = s00.Add(x.Mul(b0)), s01.Add(x.Mul(b1))
			x = archsimd.BroadcastFloat32x4(a[17])
			s10, s11 = s10.Add(x.Mul(b0)), s11.Add(x.Mul(b1))
			x = archsimd.BroadcastFloat32x4(a[18])
			s20, s21 = s20.Add(x.Mul(b0)), s21.Add(x.Mul(b1))
			x = archsimd.BroadcastFloat32x4(a[19])
			s30, s31 = s30.Add(x.Mul(b0)), s31.Add(x.Mul(b1))
		}
	case 3:
		// The mnist model's kernel size, unrolled.
		for _, o := range offs {
			row := (*[10]float32)(xp[math.Float32bits(o):])
			a := (*[12]float32)(ap)
			ap = ap[12:]
			b0 = archsimd.LoadFloat32x4Array((*[4]float32)(row[0:4]))
			b1 = archsimd.LoadFloat32x4Array((*[4]float32)(row[4:8]))
			x = archsimd.BroadcastFloat32x4(a[0])
			s00, s01 = s00.Add(x.Mul(b0)), s01.Add(x.Mul(b1))
			x = archsimd.BroadcastFloat32x4(a[1])
			s10, s11 = s10.Add(x.Mul(b0)), s11.Add(x.Mul(b1))
			x = archsimd.BroadcastFloat32x4(a[2])
			s20, s21 = s20.Add(x.Mul(b0)), s21.Add(x.Mul(b1))
			x = archsimd.BroadcastFloat32x4(a[3])
			s30, s31 = s30.Add(x.Mul(b0)), s31.Add(x.Mul(b1))
			b0 = archsimd.LoadFloat32x4Array((*[4]float32)(row[1:5]))
			b1 = archsimd.LoadFloat32x4Array((*[4]float32)(row[5:9]))
			x = archsimd.BroadcastFloat32x4(a[4])
			s00, s01 = s00.Add(x.Mul(b0)), s01.Add(x.Mul(b1))
			x = archsimd.BroadcastFloat32x4(a[5])
			s10, s11 = s10.Add(x.Mul(b0)), s11.Add(x.Mul(b1))
			x = archsimd.BroadcastFloat32x4(a[6])
			s20, s21 = s20.Add(x.Mul(b0)), s21.Add(x.Mul(b1))
			x = archsimd.BroadcastFloat32x4(a[7])
			s30, s31 = s30.Add(x.Mul(b0)), s31.Add(x.Mul(b1))
			b0 = archsimd.LoadFloat32x4Array((*[4]float32)(row[2:6]))
			b1 = archsimd.LoadFloat32x4Array((*[4]float32)(row[6:10]))
			x = archsimd.BroadcastFloat32x4(a[8])
			s00, s01 = s00.Add(x.Mul(b0)), s01.Add(x.Mul(b1))
			x = archsimd.BroadcastFloat32x4(a[9])
			s10, s11 = s10.Add(x.Mul(b0)), s11.Add(x.Mul(b1))
			x = archsimd.BroadcastFloat32x4(a[10])
			s20, s21 = s20.Add(x.Mul(b0)), s21.Add(x.Mul(b1))
			x = archsimd.BroadcastFloat32x4(a[11])
			s30, s31 = s30.Add(x.Mul(b0)), s31.Add(x.Mul(b1))
		}
	default:
		for _, o := range offs {
			row := xp[math.Float32bits(o):]
			row = row[:kw+7]
			aps := ap[:4*kw]
			ap = ap[4*kw:]
			for kx := 0; kx < kw; kx++ {
				bv := (*[8]float32)(row[kx : kx+8])
				a := (*[4]float32)(aps[4*kx : 4*kx+4])
				b0 = archsimd.LoadFloat32x4Array((*[4]float32)(bv[0:4]))
				b1 = archsimd.LoadFloat32x4Array((*[4]float32)(bv[4:8]))
				x = archsimd.BroadcastFloat32x4(a[0])
				s00, s01 = s00.Add(x.Mul(b0)), s01.Add(x.Mul(b1))
				x = archsimd.BroadcastFloat32x4(a[1])
				s10, s11 = s10.Add(x.Mul(b0)), s11.Add(x.Mul(b1))
				x = archsimd.BroadcastFloat32x4(a[2])
				s20, s21 = s20.Add(x.Mul(b0)), s21.Add(x.Mul(b1))
				x = archsimd.BroadcastFloat32x4(a[3])
				s30, s31 = s30.Add(x.Mul(b0)), s31.Add(x.Mul(b1))
			}
		}
	}
	storeTile4x8(c, ldc, s00, s01, s10, s11, s20, s21, s30, s31)
	if r != nil {
		z := archsimd.BroadcastFloat32x4(0)
		storeTile4x8(r, ldc, s00.Masked(s00.Greater(z)), s01.Masked(s01.Greater(z)), s10.Masked(s10.Greater(z)), s11.Masked(s11.Greater(z)),
			s20.Masked(s20.Greater(z)), s21.Masked(s21.Greater(z)), s30.Masked(s30.Greater(z)), s31.Masked(s31.Greater(z)))
	}
}

// convRows4x8 computes a 4×8 tile of one output channel: four consecutive
// output rows by eight consecutive positions, whose top-left window starts
// at xp[0], with the channel's weights wo ([C, KH, KW]) and bias bv;
// window row q is at xp[offs[q]] and the padded image is wp wide. It
// stores the tile to c (leading dimension ldc) and, when r is not nil, its
// ReLU to r.
func convRows4x8(kw, wp int, offs, wo, xp []float32, bv float32, c []float32, ldc int, r []float32) {
	s00 := archsimd.BroadcastFloat32x4(bv)
	s01, s10, s11, s20, s21, s30, s31 := s00, s00, s00, s00, s00, s00, s00
	var x archsimd.Float32x4
	switch kw {
	case 5:
		// The ConvNetJS model's kernel size, unrolled.
		for q, o := range offs {
			start := int(math.Float32bits(o))
			rows := xp[start : start+3*wp+12]
			r0, r1, r2, r3 := (*[12]float32)(rows), (*[12]float32)(rows[wp:]), (*[12]float32)(rows[2*wp:]), (*[12]float32)(rows[3*wp:])
			a := (*[5]float32)(wo[q*5:])
			x = archsimd.BroadcastFloat32x4(a[0])
			s00 = s00.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r0[0:4]))))
			s01 = s01.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r0[4:8]))))
			s10 = s10.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r1[0:4]))))
			s11 = s11.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r1[4:8]))))
			s20 = s20.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r2[0:4]))))
			s21 = s21.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r2[4:8]))))
			s30 = s30.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r3[0:4]))))
			s31 = s31.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r3[4:8]))))
			x = archsimd.BroadcastFloat32x4(a[1])
			s00 = s00.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r0[1:5]))))
			s01 = s01.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r0[5:9]))))
			s10 = s10.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r1[1:5]))))
			s11 = s11.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r1[5:9]))))
			s20 = s20.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r2[1:5]))))
			s21 = s21.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r2[5:9]))))
			s30 = s30.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r3[1:5]))))
			s31 = s31.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r3[5:9]))))
			x = archsimd.BroadcastFloat32x4(a[2])
			s00 = s00.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r0[2:6]))))
			s01 = s01.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r0[6:10]))))
			s10 = s10.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r1[2:6]))))
			s11 = s11.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r1[6:10]))))
			s20 = s20.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r2[2:6]))))
			s21 = s21.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r2[6:10]))))
			s30 = s30.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r3[2:6]))))
			s31 = s31.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r3[6:10]))))
			x = archsimd.BroadcastFloat32x4(a[3])
			s00 = s00.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r0[3:7]))))
			s01 = s01.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r0[7:11]))))
			s10 = s10.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r1[3:7]))))
			s11 = s11.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r1[7:11]))))
			s20 = s20.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r2[3:7]))))
			s21 = s21.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r2[7:11]))))
			s30 = s30.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r3[3:7]))))
			s31 = s31.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r3[7:11]))))
			x = archsimd.BroadcastFloat32x4(a[4])
			s00 = s00.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r0[4:8]))))
			s01 = s01.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r0[8:12]))))
			s10 = s10.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r1[4:8]))))
			s11 = s11.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r1[8:12]))))
			s20 = s20.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r2[4:8]))))
			s21 = s21.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r2[8:12]))))
			s30 = s30.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r3[4:8]))))
			s31 = s31.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r3[8:12]))))
		}
	case 3:
		// The mnist model's kernel size, unrolled.
		for q, o := range offs {
			start := int(math.Float32bits(o))
			rows := xp[start : start+3*wp+10]
			r0, r1, r2, r3 := (*[10]float32)(rows), (*[10]float32)(rows[wp:]), (*[10]float32)(rows[2*wp:]), (*[10]float32)(rows[3*wp:])
			a := (*[3]float32)(wo[q*3:])
			x = archsimd.BroadcastFloat32x4(a[0])
			s00 = s00.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r0[0:4]))))
			s01 = s01.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r0[4:8]))))
			s10 = s10.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r1[0:4]))))
			s11 = s11.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r1[4:8]))))
			s20 = s20.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r2[0:4]))))
			s21 = s21.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r2[4:8]))))
			s30 = s30.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r3[0:4]))))
			s31 = s31.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r3[4:8]))))
			x = archsimd.BroadcastFloat32x4(a[1])
			s00 = s00.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r0[1:5]))))
			s01 = s01.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r0[5:9]))))
			s10 = s10.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r1[1:5]))))
			s11 = s11.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r1[5:9]))))
			s20 = s20.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r2[1:5]))))
			s21 = s21.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r2[5:9]))))
			s30 = s30.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r3[1:5]))))
			s31 = s31.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r3[5:9]))))
			x = archsimd.BroadcastFloat32x4(a[2])
			s00 = s00.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r0[2:6]))))
			s01 = s01.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r0[6:10]))))
			s10 = s10.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r1[2:6]))))
			s11 = s11.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r1[6:10]))))
			s20 = s20.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r2[2:6]))))
			s21 = s21.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r2[6:10]))))
			s30 = s30.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r3[2:6]))))
			s31 = s31.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r3[6:10]))))
		}
	default:
		for q, o := range offs {
			start := int(math.Float32bits(o))
			rows := xp[start : start+3*wp+kw+7]
			r0, r1, r2, r3 := rows[:kw+7], rows[wp:wp+kw+7], rows[2*wp:2*wp+kw+7], rows[3*wp:3*wp+kw+7]
			for kx, wv := range wo[q*kw : q*kw+kw] {
				x = archsimd.BroadcastFloat32x4(wv)
				b := (*[8]float32)(r0[kx : kx+8])
				s00 = s00.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(b[0:4]))))
				s01 = s01.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(b[4:8]))))
				b = (*[8]float32)(r1[kx : kx+8])
				s10 = s10.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(b[0:4]))))
				s11 = s11.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(b[4:8]))))
				b = (*[8]float32)(r2[kx : kx+8])
				s20 = s20.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(b[0:4]))))
				s21 = s21.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(b[4:8]))))
				b = (*[8]float32)(r3[kx : kx+8])
				s30 = s30.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(b[0:4]))))
				s31 = s31.Add(x.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(b[4:8]))))
			}
		}
	}
	storeTile4x8(c, ldc, s00, s01, s10, s11, s20, s21, s30, s31)
	if r != nil {
		z := archsimd.BroadcastFloat32x4(0)
		storeTile4x8(r, ldc, s00.Masked(s00.Greater(z)), s01.Masked(s01.Greater(z)), s10.Masked(s10.Greater(z)), s11.Masked(s11.Greater(z)),
			s20.Masked(s20.Greater(z)), s21.Masked(s21.Greater(z)), s30.Masked(s30.Greater(z)), s31.Masked(s31.Greater(z)))
	}
}

// reluSIMD is ReLU sixteen values at a time: v where v > 0, else +0.
func reluSIMD(x, y []float32) {
	y = y[:len(x)]
	z := archsimd.BroadcastFloat32x4(0)
	for len(x) >= 16 {
		a, d := (*[16]float32)(x), (*[16]float32)(y)
		v0 := archsimd.LoadFloat32x4Array((*[4]float32)(a[0:4]))
		v1 := archsimd.LoadFloat32x4Array((*[4]float32)(a[4:8]))
		v2 := archsimd.LoadFloat32x4Array((*[4]float32)(a[8:12]))
		v3 := archsimd.LoadFloat32x4Array((*[4]float32)(a[12:16]))
		v0.Masked(v0.Greater(z)).StoreArray((*[4]float32)(d[0:4]))
		v1.Masked(v1.Greater(z)).StoreArray((*[4]float32)(d[4:8]))
		v2.Masked(v2.Greater(z)).StoreArray((*[4]float32)(d[8:12]))
		v3.Masked(v3.Greater(z)).StoreArray((*[4]float32)(d[12:16]))
		x, y = x[16:], y[16:]
	}
	reluPortable(x, y)
}

// relu6SIMD is ReLU6 sixteen values at a time, with the results of Go's
// min and max: NaN stays NaN (it is neither ≤ 0 nor > 6), −0 gives +0.
// Two comparisons and two bit selects a vector; the F32x4 minimum and
// maximum give the same values but cost V8 several instructions each for
// their NaN and −0 rules (this is 15–30% faster).
func relu6SIMD(x, y []float32) {
	y = y[:len(x)]
	z, six := archsimd.BroadcastFloat32x4(0), archsimd.BroadcastFloat32x4(6)
	clip := func(v archsimd.Float32x4) archsimd.Float32x4 {
		return six.IfElse(v.Greater(six), z.IfElse(v.LessEqual(z), v))
	}
	for len(x) >= 16 {
		a, d := (*[16]float32)(x), (*[16]float32)(y)
		clip(archsimd.LoadFloat32x4Array((*[4]float32)(a[0:4]))).StoreArray((*[4]float32)(d[0:4]))
		clip(archsimd.LoadFloat32x4Array((*[4]float32)(a[4:8]))).StoreArray((*[4]float32)(d[4:8]))
		clip(archsimd.LoadFloat32x4Array((*[4]float32)(a[8:12]))).StoreArray((*[4]float32)(d[8:12]))
		clip(archsimd.LoadFloat32x4Array((*[4]float32)(a[12:16]))).StoreArray((*[4]float32)(d[12:16]))
		x, y = x[16:], y[16:]
	}
	relu6Portable(x, y)
}

// reluBackwardSIMD is ReLUBackward eight values at a time.
func reluBackwardSIMD(x, dy, dx []float32, gateX, gateG bool) {
	x, dx = x[:len(dy)], dx[:len(dy)]
	if !gateX && !gateG {
		copy(dx, dy)
		return
	}
	z := archsimd.BroadcastFloat32x4(0)
	for len(dy) >= 8 {
		a, g, d := (*[8]float32)(x), (*[8]float32)(dy), (*[8]float32)(dx)
		g0 := archsimd.LoadFloat32x4Array((*[4]float32)(g[0:4]))
		g1 := archsimd.LoadFloat32x4Array((*[4]float32)(g[4:8]))
		var m0, m1 archsimd.Mask32x4
		switch {
		case gateX && gateG:
			m0 = archsimd.LoadFloat32x4Array((*[4]float32)(a[0:4])).Greater(z).And(g0.Greater(z))
			m1 = archsimd.LoadFloat32x4Array((*[4]float32)(a[4:8])).Greater(z).And(g1.Greater(z))
		case gateX:
			m0 = archsimd.LoadFloat32x4Array((*[4]float32)(a[0:4])).Greater(z)
			m1 = archsimd.LoadFloat32x4Array((*[4]float32)(a[4:8])).Greater(z)
		default:
			m0, m1 = g0.Greater(z), g1.Greater(z)
		}
		g0.Masked(m0).StoreArray((*[4]float32)(d[0:4]))
		g1.Masked(m1).StoreArray((*[4]float32)(d[4:8]))
		x, dy, dx = x[8:], dy[8:], dx[8:]
	}
	reluBackwardPortable(x, dy, dx, gateX, gateG)
}

// dotSIMD is Dot on sixteen values per iteration, in four vector partial
// sums.
func dotSIMD(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 archsimd.Float32x4
	for len(a) >= 16 {
		x, y := (*[16]float32)(a), (*[16]float32)(b)
		s0 = s0.Add(archsimd.LoadFloat32x4Array((*[4]float32)(x[0:4])).Mul(archsimd.LoadFloat32x4Array((*[4]float32)(y[0:4]))))
		s1 = s1.Add(archsimd.LoadFloat32x4Array((*[4]float32)(x[4:8])).Mul(archsimd.LoadFloat32x4Array((*[4]float32)(y[4:8]))))
		s2 = s2.Add(archsimd.LoadFloat32x4Array((*[4]float32)(x[8:12])).Mul(archsimd.LoadFloat32x4Array((*[4]float32)(y[8:12]))))
		s3 = s3.Add(archsimd.LoadFloat32x4Array((*[4]float32)(x[12:16])).Mul(archsimd.LoadFloat32x4Array((*[4]float32)(y[12:16]))))
		a, b = a[16:], b[16:]
	}
	var t [4]float32
	s0.Add(s1).Add(s2.Add(s3)).StoreArray(&t)
	return (t[0] + t[1]) + (t[2] + t[3]) + dotPortable(a, b)
}

// axpySIMD is Axpy on sixteen values per iteration.
func axpySIMD(alpha float32, x, y []float32) {
	y = y[:len(x)]
	al := archsimd.BroadcastFloat32x4(alpha)
	for len(x) >= 16 {
		a, d := (*[16]float32)(x), (*[16]float32)(y)
		archsimd.LoadFloat32x4Array((*[4]float32)(d[0:4])).Add(al.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(a[0:4])))).StoreArray((*[4]float32)(d[0:4]))
		archsimd.LoadFloat32x4Array((*[4]float32)(d[4:8])).Add(al.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(a[4:8])))).StoreArray((*[4]float32)(d[4:8]))
		archsimd.LoadFloat32x4Array((*[4]float32)(d[8:12])).Add(al.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(a[8:12])))).StoreArray((*[4]float32)(d[8:12]))
		archsimd.LoadFloat32x4Array((*[4]float32)(d[12:16])).Add(al.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(a[12:16])))).StoreArray((*[4]float32)(d[12:16]))
		x, y = x[16:], y[16:]
	}
	axpyPortable(alpha, x, y)
}
