//go:build !wasm

package tensor

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// gemmFast adds op(A)·op(B) to C. Natively gonum's Sgemm, with its assembly
// inner loops, runs about three times faster than the portable kernel, so
// the native trainer and tests use it; under WebAssembly gonum falls back
// to plain loops and gemm_wasm.go takes over.
func gemmFast(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	ta, tb := blas.NoTrans, blas.NoTrans
	if transA {
		ta = blas.Trans
	}
	if transB {
		tb = blas.Trans
	}
	gonum.Implementation{}.Sgemm(ta, tb, m, n, k, 1, a, lda, b, ldb, 1, c, ldc)
}
