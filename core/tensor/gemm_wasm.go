//go:build wasm && !goexperiment.simd

package tensor

// Which kernels a build uses is decided here and in the sibling files for
// the other builds, and nowhere else: gemm_native.go (!wasm, gonum's
// assembly Sgemm), gemm_wasm.go (wasm without GOEXPERIMENT=simd, the
// scalar reference kernels) and gemm_simd_wasm.go (wasm with
// GOEXPERIMENT=simd). Each defines gemmFast, the GEMM behind Gemm, and
// haveFused, whether stride-1 convolutions run as fused direct
// convolutions (convFused).

// gemmFast adds op(A)·op(B) to C with the scalar reference kernel,
// gemmPortable.
func gemmFast(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	gemmPortable(transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
}

// gemmFastTo is gemmFast with the caller's packing buffers in scratch
// (gemmPackedScratch(m, k) values).
func gemmFastTo(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, scratch []float32) {
	na := (m + 3) / 4 * 4 * min(k, gemmKC)
	gemmPackedBuf(4, 4, kernel4x4, transA, transB, m, n, k, a, lda, b, ldb, c, ldc, scratch[:na], scratch[na:])
}

// gemmBiasFast sets C = A·B + bias, a convolution's product
// (gemmBiasPortable).
func gemmBiasFast(m, n, k int, a, b, c, bias, scratch []float32) {
	gemmBiasPortable(m, n, k, a, b, c, bias, scratch)
}

// haveFused reports that convFused, the fused direct convolution of
// ConvForward and ConvBackward, does not exist in this build: every
// convolution goes through im2col and GEMM.
const haveFused = false

func convFused(g Geom, n, oc int, x, w, b, y, relu, scratch []float32) {
	panic("tensor: no fused direct convolution in this build")
}

// reluFast, reluBackwardFast, dotFast and axpyFast are the loops of ReLU,
// ReLUBackward, Dot and Axpy.
func reluFast(x, y []float32) { reluPortable(x, y) }

func reluBackwardFast(x, dy, dx []float32, gateX, gateG bool) {
	reluBackwardPortable(x, dy, dx, gateX, gateG)
}

func dotFast(a, b []float32) float32 { return dotPortable(a, b) }

func relu6Fast(x, y []float32) { relu6Portable(x, y) }

func depthwiseFast(g Geom, x, k []float32, bias float32, out, scratch []float32) bool {
	return false
}

func depthwiseFastScratch(g Geom) int { return 0 }

func depthwiseFastPrepare(g Geom, scratch []float32) {}

func axpyFast(alpha float32, x, y []float32) { axpyPortable(alpha, x, y) }
