//go:build wasm && goexperiment.simd

package tensor

import "simd/archsimd"

// Which kernels a build uses is decided here and in the sibling files for
// the other builds, and nowhere else: gemm_native.go (!wasm, gonum's
// assembly Sgemm), gemm_wasm.go (wasm without GOEXPERIMENT=simd, the
// scalar reference kernels) and gemm_simd_wasm.go (wasm with
// GOEXPERIMENT=simd). Each defines gemmFast, the GEMM behind Gemm, and
// haveFused, whether stride-1 convolutions run as fused direct
// convolutions (convFused).

// gemmFast adds op(A)·op(B) to C with the WebAssembly SIMD micro-kernel.
func gemmFast(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	gemmSIMD(transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
}

// gemmFastTo is gemmFast with the caller's packing buffers in scratch
// (gemmPackedScratch(m, k) values).
func gemmFastTo(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, scratch []float32) {
	if !transA && !transB {
		gemmDirect(m, n, k, a, lda, b, ldb, c, ldc, nil, scratch)
		return
	}
	na := (m + 3) / 4 * 4 * min(k, gemmKC)
	gemmPackedBuf(4, 8, kernelSIMD4x8, transA, transB, m, n, k, a, lda, b, ldb, c, ldc, scratch[:na], scratch[na:])
}

// gemmSIMD adds op(A)·op(B) to C with a 4×8 micro-kernel on 128-bit
// vectors.
func gemmSIMD(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	if !transA && !transB {
		gemmDirect(m, n, k, a, lda, b, ldb, c, ldc, nil, nil)
		return
	}
	gemmPacked(4, 8, kernelSIMD4x8, transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
}

// kernelSIMD4x8 keeps a 4×8 tile of C in eight Float32x4 accumulators
// (two per row); each step of k loads eight values of B as two vectors,
// broadcasts each of the four values of A and does eight multiply-adds.
// WebAssembly has sixteen vector "registers" in Go's backend, so eight
// accumulators, two B vectors and one broadcast fit without spilling.
func kernelSIMD4x8(kc int, ap, bp, c []float32, ldc int) {
	s00, s01, s10, s11, s20, s21, s30, s31 := loadTile4x8(c, ldc)
	ap, bp = ap[:4*kc], bp[:8*kc]
	for len(ap) >= 4 && len(bp) >= 8 {
		av := (*[4]float32)(ap)
		s00, s01, s10, s11, s20, s21, s30, s31 = madd4x8((*[8]float32)(bp), av[0], av[1], av[2], av[3], s00, s01, s10, s11, s20, s21, s30, s31)
		ap, bp = ap[4:], bp[8:]
	}
	storeTile4x8(c, ldc, s00, s01, s10, s11, s20, s21, s30, s31)
}

// madd4x8 returns the tile s plus the outer product of the column
// (x0, x1, x2, x3) of A and the row bv of eight values of B.
func madd4x8(bv *[8]float32, x0, x1, x2, x3 float32, s00, s01, s10, s11, s20, s21, s30, s31 archsimd.Float32x4) (_, _, _, _, _, _, _, _ archsimd.Float32x4) {
	b0 := archsimd.LoadFloat32x4Array((*[4]float32)(bv[0:4]))
	b1 := archsimd.LoadFloat32x4Array((*[4]float32)(bv[4:8]))
	x := archsimd.BroadcastFloat32x4(x0)
	s00, s01 = s00.Add(x.Mul(b0)), s01.Add(x.Mul(b1))
	x = archsimd.BroadcastFloat32x4(x1)
	s10, s11 = s10.Add(x.Mul(b0)), s11.Add(x.Mul(b1))
	x = archsimd.BroadcastFloat32x4(x2)
	s20, s21 = s20.Add(x.Mul(b0)), s21.Add(x.Mul(b1))
	x = archsimd.BroadcastFloat32x4(x3)
	s30, s31 = s30.Add(x.Mul(b0)), s31.Add(x.Mul(b1))
	return s00, s01, s10, s11, s20, s21, s30, s31
}

// loadTile4x8 returns the 4×8 tile of C at c[0] (leading dimension ldc)
// as eight vectors, two a row.
func loadTile4x8(c []float32, ldc int) (s00, s01, s10, s11, s20, s21, s30, s31 archsimd.Float32x4) {
	c0, c1 := (*[8]float32)(c[0:8]), (*[8]float32)(c[ldc:ldc+8])
	c2, c3 := (*[8]float32)(c[2*ldc:2*ldc+8]), (*[8]float32)(c[3*ldc:3*ldc+8])
	return archsimd.LoadFloat32x4Array((*[4]float32)(c0[0:4])), archsimd.LoadFloat32x4Array((*[4]float32)(c0[4:8])),
		archsimd.LoadFloat32x4Array((*[4]float32)(c1[0:4])), archsimd.LoadFloat32x4Array((*[4]float32)(c1[4:8])),
		archsimd.LoadFloat32x4Array((*[4]float32)(c2[0:4])), archsimd.LoadFloat32x4Array((*[4]float32)(c2[4:8])),
		archsimd.LoadFloat32x4Array((*[4]float32)(c3[0:4])), archsimd.LoadFloat32x4Array((*[4]float32)(c3[4:8]))
}

// storeTile4x8 stores eight vectors, two a row, to the 4×8 tile of C at
// c[0] (leading dimension ldc).
func storeTile4x8(c []float32, ldc int, s00, s01, s10, s11, s20, s21, s30, s31 archsimd.Float32x4) {
	c0, c1 := (*[8]float32)(c[0:8]), (*[8]float32)(c[ldc:ldc+8])
	c2, c3 := (*[8]float32)(c[2*ldc:2*ldc+8]), (*[8]float32)(c[3*ldc:3*ldc+8])
	s00.StoreArray((*[4]float32)(c0[0:4]))
	s01.StoreArray((*[4]float32)(c0[4:8]))
	s10.StoreArray((*[4]float32)(c1[0:4]))
	s11.StoreArray((*[4]float32)(c1[4:8]))
	s20.StoreArray((*[4]float32)(c2[0:4]))
	s21.StoreArray((*[4]float32)(c2[4:8]))
	s30.StoreArray((*[4]float32)(c3[0:4]))
	s31.StoreArray((*[4]float32)(c3[4:8]))
}

// gemmBiasFast sets C = A·B + bias (row i of C gets bias[i]; bias may be
// nil), A m×k, B k×n and C m×n with leading dimensions k, n and n: a
// convolution's product. scratch holds gemmPackedScratch(m, k) values.
func gemmBiasFast(m, n, k int, a, b, c, bias, scratch []float32) {
	if bias == nil {
		clear(c[:m*n])
		gemmDirect(m, n, k, a, k, b, n, c, n, nil, scratch)
		return
	}
	gemmDirect(m, n, k, a, k, b, n, c, n, bias, scratch)
}

// haveFused reports that convFused (conv_fused_simd_wasm.go), the fused
// direct convolution of ConvForward and ConvBackward, exists in this
// build.
const haveFused = true

// reluFast, reluBackwardFast, dotFast and axpyFast are the loops of ReLU,
// ReLUBackward, Dot and Axpy.
func reluFast(x, y []float32) { reluSIMD(x, y) }

func reluBackwardFast(x, dy, dx []float32, gateX, gateG bool) {
	reluBackwardSIMD(x, dy, dx, gateX, gateG)
}

func dotFast(a, b []float32) float32 { return dotSIMD(a, b) }

func relu6Fast(x, y []float32) { relu6SIMD(x, y) }

func depthwiseFast(g Geom, x, k []float32, bias float32, out, scratch []float32) bool {
	return depthwise3x3SIMD(g, x, k, bias, out, scratch)
}

func axpyFast(alpha float32, x, y []float32) { axpySIMD(alpha, x, y) }

// gemmDirect adds A·B to C (no transposes) without packing either
// matrix, or with bias not nil sets C = A·B + bias (bias[i] added to row
// i). The 4×8 tiles of C that lie wholly inside it are computed by
// kernelDirect4x8 straight from the rows of A and of B; a ragged edge
// (n not a multiple of 8, m not one of 4) copies the last columns of B
// and the last rows of A into zero-padded panels in scratch
// (gemmDirectScratch(k) values, or nil to borrow them) and computes its
// tiles into a buffer of one tile, of which it keeps the part inside C;
// one to three last columns are dot products instead.
func gemmDirect(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, bias, scratch []float32) {
	m4, n8 := m&^3, n&^7
	var bt *[4]float32
	for i0 := 0; i0 < m4; i0 += 4 {
		if bias != nil {
			bt = (*[4]float32)(bias[i0 : i0+4])
		}
		if n8 > 0 {
			kernelDirect4x8(k, a[i0*lda:], lda, b, ldb, c[i0*ldc:], ldc, bt, n8/8)
		}
	}
	if m4 == m && n8 == n {
		return
	}
	if scratch == nil {
		pooled := getScratch(gemmDirectScratch(k))
		defer putScratch(pooled)
		scratch = pooled.s
	}
	bp, ap, tile := scratch[:8*k], scratch[8*k:12*k], (*[32]float32)(scratch[12*k:12*k+32])
	// edgeTile computes the tile of A rows at ar (leading dimension la)
	// times B columns at bc (leading dimension lb) and writes its first
	// mc rows and nc columns to C at row i0, column j0.
	edgeTile := func(ar []float32, la int, bc []float32, lb, i0, mc, j0, nc int, bias *[4]float32) {
		if bias == nil {
			clear(tile[:])
		}
		kernelDirect4x8(k, ar, la, bc, lb, tile[:], 8, bias, 1)
		for r := 0; r < mc; r++ {
			row, tr := c[(i0+r)*ldc+j0:(i0+r)*ldc+j0+nc], tile[r*8:r*8+nc]
			if bias != nil {
				copy(row, tr)
				continue
			}
			for q, v := range tr {
				row[q] += v
			}
		}
	}
	nc := n - n8
	if nc > 0 && nc < 4 {
		// One to three columns left (MobileNetV2's 7×7 layers: 49 = 6·8
		// + 1): dot products of the rows of A with those columns,
		// copied next to each other, cost a fraction of a whole tile
		// (1–2% of MobileNetV2's forward pass).
		for q := 0; q < nc; q++ {
			col := bp[q*k : (q+1)*k]
			for p := range col {
				col[p] = b[p*ldb+n8+q]
			}
		}
		for i := 0; i < m; i++ {
			ar, cr := a[i*lda:i*lda+k], c[i*ldc+n8:i*ldc+n]
			for q := range cr {
				v := dotSIMD(ar, bp[q*k:(q+1)*k])
				if bias != nil {
					cr[q] = bias[i] + v
				} else {
					cr[q] += v
				}
			}
		}
		n, nc = n8, 0
	}
	if nc > 0 {
		clear(bp)
		for p := 0; p < k; p++ {
			copy(bp[p*8:p*8+nc], b[p*ldb+n8:p*ldb+n])
		}
		for i0 := 0; i0 < m4; i0 += 4 {
			if bias != nil {
				bt = (*[4]float32)(bias[i0 : i0+4])
			}
			edgeTile(a[i0*lda:], lda, bp, 8, i0, 4, n8, nc, bt)
		}
	}
	if mc := m - m4; mc > 0 {
		clear(ap)
		var b4 [4]float32
		for r := 0; r < mc; r++ {
			copy(ap[r*k:(r+1)*k], a[(m4+r)*lda:(m4+r)*lda+k])
			if bias != nil {
				b4[r] = bias[m4+r]
			}
		}
		bt = nil
		if bias != nil {
			bt = &b4
		}
		for j0 := 0; j0 < n8; j0 += 8 {
			edgeTile(ap, k, b[j0:], ldb, m4, mc, j0, 8, bt)
		}
		if nc > 0 {
			edgeTile(ap, k, bp, 8, m4, mc, n8, nc, bt)
		}
	}
}

// gemmDirectScratch is the scratch gemmDirect needs for its ragged
// edges: a k×8 panel of B, a 4×k panel of A and one 4×8 tile.
func gemmDirectScratch(k int) int { return 12*k + 32 }

// kernelDirect4x8 is kernelSIMD4x8 reading A and B where they are: the
// four rows of A from a (leading dimension lda, k values each) and eight
// columns of B from b (k rows at leading dimension ldb), for tiles tiles
// of C side by side (C and B advance by eight columns a tile). With bias
// nil it adds to the tiles of C, otherwise it overwrites them with the
// product plus bias[r] on row r. Looping over the tiles here rather than
// calling once a tile saved 4–8% of MobileNetV2's forward pass: a call in
// Go's WebAssembly passes its arguments through memory.
func kernelDirect4x8(k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, bias *[4]float32, tiles int) {
	a0 := a[:k]
	a1 := a[lda:][:k]
	a2 := a[2*lda:][:k]
	a3 := a[3*lda:][:k]
	for ; tiles > 0; tiles-- {
		var s00, s01, s10, s11, s20, s21, s30, s31 archsimd.Float32x4
		if bias != nil {
			s00 = archsimd.BroadcastFloat32x4(bias[0])
			s01 = s00
			s10 = archsimd.BroadcastFloat32x4(bias[1])
			s11 = s10
			s20 = archsimd.BroadcastFloat32x4(bias[2])
			s21 = s20
			s30 = archsimd.BroadcastFloat32x4(bias[3])
			s31 = s30
		} else {
			s00, s01, s10, s11, s20, s21, s30, s31 = loadTile4x8(c, ldc)
		}
		// Four steps of k an iteration: the loop's own cost (a jump
		// through the function's dispatch table in Go's WebAssembly) is
		// then spread over 32 multiply-adds. Two steps were 10–15% faster
		// than one on MobileNetV2's shapes, four another 1% of its
		// forward pass.
		off, p := 0, 0
		for ; p+4 <= len(a0); p += 4 {
			s00, s01, s10, s11, s20, s21, s30, s31 = madd4x8((*[8]float32)(b[off:off+8]), a0[p], a1[p], a2[p], a3[p], s00, s01, s10, s11, s20, s21, s30, s31)
			s00, s01, s10, s11, s20, s21, s30, s31 = madd4x8((*[8]float32)(b[off+ldb:off+ldb+8]), a0[p+1], a1[p+1], a2[p+1], a3[p+1], s00, s01, s10, s11, s20, s21, s30, s31)
			s00, s01, s10, s11, s20, s21, s30, s31 = madd4x8((*[8]float32)(b[off+2*ldb:off+2*ldb+8]), a0[p+2], a1[p+2], a2[p+2], a3[p+2], s00, s01, s10, s11, s20, s21, s30, s31)
			s00, s01, s10, s11, s20, s21, s30, s31 = madd4x8((*[8]float32)(b[off+3*ldb:off+3*ldb+8]), a0[p+3], a1[p+3], a2[p+3], a3[p+3], s00, s01, s10, s11, s20, s21, s30, s31)
			off += 4 * ldb
		}
		for ; p < len(a0); p++ {
			s00, s01, s10, s11, s20, s21, s30, s31 = madd4x8((*[8]float32)(b[off:off+8]), a0[p], a1[p], a2[p], a3[p], s00, s01, s10, s11, s20, s21, s30, s31)
			off += ldb
		}
		storeTile4x8(c, ldc, s00, s01, s10, s11, s20, s21, s30, s31)
		if tiles > 1 {
			b, c = b[8:], c[8:]
		}
	}
}
