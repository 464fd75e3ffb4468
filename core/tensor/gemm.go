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

// gemmPortable adds op(A)·op(B) to C with the register-blocked Go kernel
// below. It is the reference for every faster path and the one WebAssembly
// runs.
func gemmPortable(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	if transA {
		buf := getScratch(m * k)
		transpose(buf.s, a, k, m, lda)
		a, lda = buf.s, k
		defer putScratch(buf)
	}
	if transB {
		buf := getScratch(k * n)
		transpose(buf.s, b, n, k, ldb)
		b, ldb = buf.s, n
		defer putScratch(buf)
	}
	gemmNN(m, n, k, a, lda, b, ldb, c, ldc)
}

func checkMatrix(name string, x []float32, rows, cols, ld int) {
	if ld < cols || (rows > 0 && len(x) < (rows-1)*ld+cols) {
		panic(fmt.Sprintf("tensor: Gemm: %s is %d×%d with leading dimension %d but has %d elements", name, rows, cols, ld, len(x)))
	}
}

// transpose writes the cols×rows transpose of the rows×cols matrix src
// (leading dimension ld) into dst, densely.
func transpose(dst, src []float32, rows, cols, ld int) {
	for i := 0; i < rows; i++ {
		row := src[i*ld : i*ld+cols]
		for j, v := range row {
			dst[j*rows+i] = v
		}
	}
}

// gemmNN adds A·B to C. It packs four columns of B at a time into a
// contiguous panel and computes 4×4 blocks of C in registers.
func gemmNN(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	buf := getScratch(4 * k)
	defer putScratch(buf)
	panel := buf.s[:4*k]
	m4, n4 := m&^3, n&^3
	for j := 0; j < n4; j += 4 {
		for p := 0; p < k; p++ {
			src := b[p*ldb+j : p*ldb+j+4 : p*ldb+j+4]
			dst := panel[p*4 : p*4+4 : p*4+4]
			dst[0], dst[1], dst[2], dst[3] = src[0], src[1], src[2], src[3]
		}
		for i := 0; i < m4; i += 4 {
			kernel4x4(k, a[i*lda:i*lda+k], a[(i+1)*lda:(i+1)*lda+k], a[(i+2)*lda:(i+2)*lda+k], a[(i+3)*lda:(i+3)*lda+k], panel,
				c[i*ldc+j:i*ldc+j+4], c[(i+1)*ldc+j:(i+1)*ldc+j+4], c[(i+2)*ldc+j:(i+2)*ldc+j+4], c[(i+3)*ldc+j:(i+3)*ldc+j+4])
		}
		for i := m4; i < m; i++ {
			kernel1x4(k, a[i*lda:i*lda+k], panel, c[i*ldc+j:i*ldc+j+4])
		}
	}
	for j := n4; j < n; j++ {
		for i := 0; i < m; i++ {
			row := a[i*lda : i*lda+k]
			var s float32
			for p, av := range row {
				s += av * b[p*ldb+j]
			}
			c[i*ldc+j] += s
		}
	}
}

func kernel4x4(k int, a0, a1, a2, a3, panel, c0, c1, c2, c3 []float32) {
	var s00, s01, s02, s03, s10, s11, s12, s13, s20, s21, s22, s23, s30, s31, s32, s33 float32
	a0, a1, a2, a3 = a0[:k], a1[:k], a2[:k], a3[:k]
	panel = panel[:4*k]
	for p := 0; p < k; p++ {
		bp := panel[p*4 : p*4+4 : p*4+4]
		b0, b1, b2, b3 := bp[0], bp[1], bp[2], bp[3]
		x := a0[p]
		s00 += x * b0
		s01 += x * b1
		s02 += x * b2
		s03 += x * b3
		x = a1[p]
		s10 += x * b0
		s11 += x * b1
		s12 += x * b2
		s13 += x * b3
		x = a2[p]
		s20 += x * b0
		s21 += x * b1
		s22 += x * b2
		s23 += x * b3
		x = a3[p]
		s30 += x * b0
		s31 += x * b1
		s32 += x * b2
		s33 += x * b3
	}
	c0, c1, c2, c3 = c0[:4], c1[:4], c2[:4], c3[:4]
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

func kernel1x4(k int, a0, panel, c0 []float32) {
	var s0, s1, s2, s3 float32
	a0 = a0[:k]
	panel = panel[:4*k]
	for p, x := range a0 {
		bp := panel[p*4 : p*4+4 : p*4+4]
		s0 += x * bp[0]
		s1 += x * bp[1]
		s2 += x * bp[2]
		s3 += x * bp[3]
	}
	c0 = c0[:4]
	c0[0] += s0
	c0[1] += s1
	c0[2] += s2
	c0[3] += s3
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
