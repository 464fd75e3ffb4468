package tensor

import "fmt"

// The kernels in this file work in the caller's memory (a precompiled
// network, nn.Plan): they never allocate, so a forward or backward pass
// repeated on the same shapes leaves no work for the garbage collector.

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

// ReLU6 writes y = min(max(x, 0), 6) elementwise, as Go's min and max
// compute it (NaN stays NaN, −0 gives +0). It panics when the lengths
// differ.
func ReLU6(x, y []float32) {
	if len(x) != len(y) {
		panic(fmt.Sprintf("tensor: ReLU6 of %d values into %d", len(x), len(y)))
	}
	relu6Fast(x, y)
}

// relu6Portable is ReLU6's scalar loop.
func relu6Portable(x, y []float32) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] = min(max(v, 0), 6)
	}
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
