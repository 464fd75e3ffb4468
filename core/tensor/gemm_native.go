//go:build !wasm

package tensor

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// Which kernels a build uses is decided here and in the sibling files for
// the other builds, and nowhere else: gemm_native.go (!wasm, gonum's
// assembly Sgemm), gemm_wasm.go (wasm without GOEXPERIMENT=simd, the
// scalar reference kernels) and gemm_simd_wasm.go (wasm with
// GOEXPERIMENT=simd). Each defines gemmFast, the GEMM behind Gemm, and
// haveDirect, whether stride-1 convolutions run as direct convolutions
// (convDirect).

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

// haveDirect reports that convDirect exists in this build; without SIMD
// every convolution goes through im2col and Gemm.
const haveDirect = false

func convDirect(g Geom, n, oc int, x, w, y []float32) {
	panic("tensor: no direct convolution in this build")
}
