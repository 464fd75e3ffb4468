//go:build wasm && !goexperiment.simd

package tensor

// Which kernels a build uses is decided here and in the sibling files for
// the other builds, and nowhere else: gemm_native.go (!wasm, gonum's
// assembly Sgemm), gemm_wasm.go (wasm without GOEXPERIMENT=simd, the
// scalar reference kernels) and gemm_simd_wasm.go (wasm with
// GOEXPERIMENT=simd). Each defines gemmFast, the GEMM behind Gemm, and
// haveDirect, whether stride-1 convolutions run as direct convolutions
// (convDirect).

// gemmFast adds op(A)·op(B) to C with the scalar reference kernel,
// gemmPortable.
func gemmFast(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	gemmPortable(transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
}

// haveDirect reports that convDirect exists in this build; without SIMD
// every convolution goes through im2col and Gemm.
const haveDirect = false

func convDirect(g Geom, n, oc int, x, w, y []float32) {
	panic("tensor: no direct convolution in this build")
}
