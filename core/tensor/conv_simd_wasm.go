//go:build wasm && goexperiment.simd

package tensor

import "simd/archsimd"

// convDirect computes the stride-1 convolution of n images x [n, C, H, W]
// with w [oc, C, KH, KW], adding the result to y [n, oc, OH, OW], without
// an im2col matrix: it is a GEMM whose B operand is read straight from a
// zero-padded copy of each image ("implicit GEMM"). Output positions go
// eight at a time along a row, output channels four at a time, so the
// inner loop is the same 4×8 tile of multiply-adds as kernelSIMD4x8; with
// fewer than four output channels the tile is four output rows of one
// channel instead. The geometry must have stride 1 (see useDirect).
func convDirect(g Geom, n, oc int, x, w, y []float32) {
	oh, ow := g.OutH(), g.OutW()
	ckk, hw, ohw := g.C*g.KH*g.KW, g.C*g.H*g.W, oh*ow
	owR := (ow + 7) &^ 7
	// Each channel of the padded copy has three spare zero rows, for the
	// one-channel kernel's four-row tiles.
	hp := g.H + 2*g.PH + 3
	wp := max(g.W+2*g.PW, owR+g.KW-1) // tiles read up to owR−1+KW−1
	mp := (oc + 3) / 4
	if oc < 4 {
		mp = oc
	}
	wbuf := getScratch(mp * 4 * ckk)
	xbuf := getScratch(g.C * hp * wp)
	defer putScratch(wbuf)
	defer putScratch(xbuf)
	wpk, xp := wbuf.s, xbuf.s
	if oc >= 4 {
		for i := 0; i < mp; i++ {
			packA(false, w, ckk, i*4, min(4, oc-i*4), 0, ckk, 4, wpk[i*4*ckk:(i+1)*4*ckk])
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
		if oc < 4 {
			// Few output channels (the input gradient of a first layer):
			// tiles of one channel, four output rows by eight columns.
			for o := 0; o < oc; o++ {
				wo := w[o*ckk : (o+1)*ckk]
				for oy := 0; oy < oh; oy += 4 {
					mc := min(4, oh-oy)
					for ox0 := 0; ox0 < ow; ox0 += 8 {
						base := oy*wp + ox0
						nc := min(8, ow-ox0)
						tile = [32]float32{}
						convKernelRows4x8(g, hp, wp, wo, xp, base, tile[:])
						for r := 0; r < mc; r++ {
							addTo(out[o*ohw+(oy+r)*ow+ox0:o*ohw+(oy+r)*ow+ox0+nc], tile[r*8:r*8+nc])
						}
					}
				}
			}
			continue
		}
		for i := 0; i < mp; i++ {
			o0 := i * 4
			mc := min(4, oc-o0)
			ap := wpk[i*4*ckk : (i+1)*4*ckk]
			for oy := 0; oy < oh; oy++ {
				for ox0 := 0; ox0 < ow; ox0 += 8 {
					base := oy*wp + ox0
					nc := min(8, ow-ox0)
					if mc == 4 && nc == 8 {
						convKernel4x8(g, hp, wp, ap, xp, base, out[o0*ohw+oy*ow+ox0:], ohw)
						continue
					}
					tile = [32]float32{}
					convKernel4x8(g, hp, wp, ap, xp, base, tile[:], 8)
					for r := 0; r < mc; r++ {
						addTo(out[(o0+r)*ohw+oy*ow+ox0:(o0+r)*ohw+oy*ow+ox0+nc], tile[r*8:r*8+nc])
					}
				}
			}
		}
	}
}

// convKernelRows4x8 adds to the 4×8 tile c (leading dimension 8) one
// output channel's values at four consecutive output rows and eight
// columns: for each p = (ch·KH+ky)·KW+kx, the weight wo[p] times the
// padded input at xp[base + r·wp + ch·hp·wp + ky·wp + kx] for row r.
func convKernelRows4x8(g Geom, hp, wp int, wo, xp []float32, base int, c []float32) {
	var s00, s01, s10, s11, s20, s21, s30, s31 archsimd.Float32x4
	kw := g.KW
	wo = wo[:g.C*g.KH*kw]
	for ch := 0; ch < g.C; ch++ {
		for ky := 0; ky < g.KH; ky++ {
			start := base + (ch*hp+ky)*wp
			rows := xp[start : start+3*wp+kw+7]
			r0, r1, r2, r3 := rows[:kw+7], rows[wp:wp+kw+7], rows[2*wp:2*wp+kw+7], rows[3*wp:3*wp+kw+7]
			ws := wo[:kw]
			wo = wo[kw:]
			for kx, wv := range ws {
				x := archsimd.BroadcastFloat32x4(wv)
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
	c = c[:32]
	s00.StoreArray((*[4]float32)(c[0:4]))
	s01.StoreArray((*[4]float32)(c[4:8]))
	s10.StoreArray((*[4]float32)(c[8:12]))
	s11.StoreArray((*[4]float32)(c[12:16]))
	s20.StoreArray((*[4]float32)(c[16:20]))
	s21.StoreArray((*[4]float32)(c[20:24]))
	s30.StoreArray((*[4]float32)(c[24:28]))
	s31.StoreArray((*[4]float32)(c[28:32]))
}

// convKernel4x8 adds to the 4×8 tile of C at c (leading dimension ldc) the
// product of four packed weight rows ap (p-major, p = (ch·KH+ky)·KW+kx)
// with the eight consecutive padded-input values at xp[base + ch·hp·wp +
// ky·wp + kx] for each p.
func convKernel4x8(g Geom, hp, wp int, ap, xp []float32, base int, c []float32, ldc int) {
	c0 := (*[8]float32)(c[0:8])
	c1 := (*[8]float32)(c[ldc : ldc+8])
	c2 := (*[8]float32)(c[2*ldc : 2*ldc+8])
	c3 := (*[8]float32)(c[3*ldc : 3*ldc+8])
	s00 := archsimd.LoadFloat32x4Array((*[4]float32)(c0[0:4]))
	s01 := archsimd.LoadFloat32x4Array((*[4]float32)(c0[4:8]))
	s10 := archsimd.LoadFloat32x4Array((*[4]float32)(c1[0:4]))
	s11 := archsimd.LoadFloat32x4Array((*[4]float32)(c1[4:8]))
	s20 := archsimd.LoadFloat32x4Array((*[4]float32)(c2[0:4]))
	s21 := archsimd.LoadFloat32x4Array((*[4]float32)(c2[4:8]))
	s30 := archsimd.LoadFloat32x4Array((*[4]float32)(c3[0:4]))
	s31 := archsimd.LoadFloat32x4Array((*[4]float32)(c3[4:8]))
	kw := g.KW
	for ch := 0; ch < g.C; ch++ {
		for ky := 0; ky < g.KH; ky++ {
			row := xp[base+(ch*hp+ky)*wp:]
			row = row[:kw+7]
			aps := ap[:4*kw]
			ap = ap[4*kw:]
			for kx := 0; kx < kw; kx++ {
				bv := (*[8]float32)(row[kx : kx+8])
				av := (*[4]float32)(aps[4*kx : 4*kx+4])
				b0 := archsimd.LoadFloat32x4Array((*[4]float32)(bv[0:4]))
				b1 := archsimd.LoadFloat32x4Array((*[4]float32)(bv[4:8]))
				x := archsimd.BroadcastFloat32x4(av[0])
				s00 = s00.Add(x.Mul(b0))
				s01 = s01.Add(x.Mul(b1))
				x = archsimd.BroadcastFloat32x4(av[1])
				s10 = s10.Add(x.Mul(b0))
				s11 = s11.Add(x.Mul(b1))
				x = archsimd.BroadcastFloat32x4(av[2])
				s20 = s20.Add(x.Mul(b0))
				s21 = s21.Add(x.Mul(b1))
				x = archsimd.BroadcastFloat32x4(av[3])
				s30 = s30.Add(x.Mul(b0))
				s31 = s31.Add(x.Mul(b1))
			}
		}
	}
	s00.StoreArray((*[4]float32)(c0[0:4]))
	s01.StoreArray((*[4]float32)(c0[4:8]))
	s10.StoreArray((*[4]float32)(c1[0:4]))
	s11.StoreArray((*[4]float32)(c1[4:8]))
	s20.StoreArray((*[4]float32)(c2[0:4]))
	s21.StoreArray((*[4]float32)(c2[4:8]))
	s30.StoreArray((*[4]float32)(c3[0:4]))
	s31.StoreArray((*[4]float32)(c3[4:8]))
}
