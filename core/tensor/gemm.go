package tensor

import (
	"fmt"
	"sync"
)

// Gemm computes C = op(A)·op(B), or C += op(A)·op(B) when accumulate is
// true, where op(X) is X or its transpose. op(A) is m×k, op(B) is k×n and C
// is m×n; all are row-major with leading dimensions lda, ldb and ldc (the
// stride between rows as stored). It panics when a slice is too short for
// its sizes.
func Gemm(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, accumulate bool) {
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
	if !accumulate {
		for i := 0; i < m; i++ {
			clear(c[i*ldc : i*ldc+n])
		}
	}
	if k == 0 {
		return
	}
	gemmFast(transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
}

func checkMatrix(name string, x []float32, rows, cols, ld int) {
	if ld < cols || (rows > 0 && len(x) < (rows-1)*ld+cols) {
		panic(fmt.Sprintf("tensor: Gemm: %s is %d×%d with leading dimension %d but has %d elements", name, rows, cols, ld, len(x)))
	}
}

// The packed GEMM below follows the usual BLAS design (Goto and van de
// Geijn, 2008): op(A) is copied into panels of mr rows and op(B) into
// panels of nr columns, each laid out in the order the micro-kernel reads
// them (p-major, so one step of the inner loop reads mr consecutive values
// of A and nr consecutive values of B). Packing also absorbs the
// transposes and zero-fills ragged edges, so the micro-kernel only ever
// sees full mr×nr tiles of plain, contiguous data. The k dimension is cut
// into blocks of at most gemmKC so that a B panel and an A panel stay in
// the first-level cache together.

// gemmKC is the k-block: a B panel of 8 columns is 8·gemmKC floats (8 KB).
const gemmKC = 256

// microKernel adds the mr×nr product of the packed panels ap (kc·mr
// values) and bp (kc·nr values) to the tile of C that starts at c[0] with
// leading dimension ldc; the tile lies wholly inside c.
type microKernel func(kc int, ap, bp, c []float32, ldc int)

// gemmPacked adds op(A)·op(B) to C with the given micro-kernel of size
// mr×nr. m, n, k are positive.
func gemmPacked(mr, nr int, kern microKernel, transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	mp := (m + mr - 1) / mr // A panels
	kc0 := min(k, gemmKC)
	abuf := getScratch(mp * mr * kc0)
	bbuf := getScratch(nr*kc0 + mr*nr)
	defer putScratch(abuf)
	defer putScratch(bbuf)
	gemmPackedBuf(mr, nr, kern, transA, transB, m, n, k, a, lda, b, ldb, c, ldc, abuf.s, bbuf.s)
}

// gemmPackedScratch is the scratch gemmPackedBuf needs for an m×k op(A)
// with micro-kernels of at most 4×8: the A panels, one B panel and a
// tile; at least 12·k + 32 values, what the WebAssembly SIMD build's
// unpacked GEMM (gemmDirect) needs for its ragged edges.
func gemmPackedScratch(m, k int) int {
	kc0 := min(k, gemmKC)
	return max((m+3)/4*4*kc0+8*kc0+32, 12*k+32)
}

// gemmPackedBuf is gemmPacked with the caller's packing buffers: abuf
// holds at least ⌈m/mr⌉·mr·min(k, gemmKC) values and bbuf
// nr·min(k, gemmKC) + mr·nr.
func gemmPackedBuf(mr, nr int, kern microKernel, transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, abuf, bbuf []float32) {
	mp := (m + mr - 1) / mr // A panels
	for p0 := 0; p0 < k; p0 += gemmKC {
		kc := min(gemmKC, k-p0)
		ap := abuf[:mp*mr*kc]
		for i := 0; i < mp; i++ {
			packA(transA, a, lda, i*mr, min(mr, m-i*mr), p0, kc, mr, ap[i*mr*kc:(i+1)*mr*kc])
		}
		bp := bbuf[:nr*kc]
		tile := bbuf[nr*kc : nr*kc+mr*nr]
		for j0 := 0; j0 < n; j0 += nr {
			nc := min(nr, n-j0)
			packB(transB, b, ldb, j0, nc, p0, kc, nr, bp)
			for i := 0; i < mp; i++ {
				i0 := i * mr
				mc := min(mr, m-i0)
				api := ap[i*mr*kc : (i+1)*mr*kc]
				if mc == mr && nc == nr {
					kern(kc, api, bp, c[i0*ldc+j0:], ldc)
					continue
				}
				// A ragged tile: compute it whole into tile, add the part
				// that exists.
				clear(tile)
				kern(kc, api, bp, tile, nr)
				for r := 0; r < mc; r++ {
					row := c[(i0+r)*ldc+j0 : (i0+r)*ldc+j0+nc]
					for q, v := range tile[r*nr : r*nr+nc] {
						row[q] += v
					}
				}
			}
		}
	}
}

// packA copies rows i0..i0+mc-1, columns p0..p0+kc-1 of op(A) into dst in
// the order dst[p·mr+r] = op(A)[i0+r, p0+p]; rows mc..mr-1 are zero.
func packA(trans bool, a []float32, lda, i0, mc, p0, kc, mr int, dst []float32) {
	dst = dst[:kc*mr]
	if mc < mr {
		clear(dst)
	}
	if trans { // op(A)[i, p] = a[p·lda + i]: rows of a are contiguous in i.
		for p := 0; p < kc; p++ {
			src := a[(p0+p)*lda+i0 : (p0+p)*lda+i0+mc]
			copy(dst[p*mr:p*mr+mc], src)
		}
		return
	}
	for r := 0; r < mc; r++ {
		src := a[(i0+r)*lda+p0 : (i0+r)*lda+p0+kc]
		for p, v := range src {
			dst[p*mr+r] = v
		}
	}
}

// packB copies rows p0..p0+kc-1, columns j0..j0+nc-1 of op(B) into dst in
// the order dst[p·nr+q] = op(B)[p0+p, j0+q]; columns nc..nr-1 are zero.
func packB(trans bool, b []float32, ldb, j0, nc, p0, kc, nr int, dst []float32) {
	dst = dst[:kc*nr]
	if nc < nr {
		clear(dst)
	}
	if trans { // op(B)[p, j] = b[j·ldb + p]
		for q := 0; q < nc; q++ {
			src := b[(j0+q)*ldb+p0 : (j0+q)*ldb+p0+kc]
			for p, v := range src {
				dst[p*nr+q] = v
			}
		}
		return
	}
	for p := 0; p < kc; p++ {
		copy(dst[p*nr:p*nr+nc], b[(p0+p)*ldb+j0:(p0+p)*ldb+j0+nc])
	}
}

// gemmPortable adds op(A)·op(B) to C with the scalar 4×4 micro-kernel. It
// is the reference for every faster path and what WebAssembly runs without
// SIMD.
func gemmPortable(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	gemmPacked(4, 4, kernel4x4, transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
}

// kernel4x4 is the scalar micro-kernel: a 4×4 tile of C in sixteen
// accumulators, one rank-1 update per step of k.
func kernel4x4(kc int, ap, bp, c []float32, ldc int) {
	var s00, s01, s02, s03, s10, s11, s12, s13, s20, s21, s22, s23, s30, s31, s32, s33 float32
	ap, bp = ap[:4*kc], bp[:4*kc]
	for len(ap) >= 4 && len(bp) >= 4 {
		av, bv := (*[4]float32)(ap), (*[4]float32)(bp)
		b0, b1, b2, b3 := bv[0], bv[1], bv[2], bv[3]
		x := av[0]
		s00 += x * b0
		s01 += x * b1
		s02 += x * b2
		s03 += x * b3
		x = av[1]
		s10 += x * b0
		s11 += x * b1
		s12 += x * b2
		s13 += x * b3
		x = av[2]
		s20 += x * b0
		s21 += x * b1
		s22 += x * b2
		s23 += x * b3
		x = av[3]
		s30 += x * b0
		s31 += x * b1
		s32 += x * b2
		s33 += x * b3
		ap, bp = ap[4:], bp[4:]
	}
	c0 := (*[4]float32)(c[0:4])
	c1 := (*[4]float32)(c[ldc : ldc+4])
	c2 := (*[4]float32)(c[2*ldc : 2*ldc+4])
	c3 := (*[4]float32)(c[3*ldc : 3*ldc+4])
	c0[0] += s00
	c0[1] += s01
	c0[2] += s02
	c0[3] += s03
	c1[0] += s10
	c1[1] += s11
	c1[2] += s12
	c1[3] += s13
	c2[0] += s20
	c2[1] += s21
	c2[2] += s22
	c2[3] += s23
	c3[0] += s30
	c3[1] += s31
	c3[2] += s32
	c3[3] += s33
}

// scratch is a reusable float32 buffer; a pool keeps kernels from
// allocating in steady state and stays safe when native tests run kernels
// in parallel.
type scratch struct{ s []float32 }

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

func getScratch(n int) *scratch {
	b := scratchPool.Get().(*scratch)
	if cap(b.s) < n {
		b.s = make([]float32, n)
	}
	b.s = b.s[:n]
	return b
}

func putScratch(b *scratch) { scratchPool.Put(b) }
