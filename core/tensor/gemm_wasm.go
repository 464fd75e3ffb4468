//go:build wasm

package tensor

// gemmFast adds op(A)·op(B) to C with the portable register-blocked kernel.
func gemmFast(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	gemmPortable(transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
}
