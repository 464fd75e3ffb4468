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
// haveFused, whether stride-1 convolutions run as fused direct
// convolutions (convFused).

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

// gemmFastTo is gemmFast without allocation. gonum's Sgemm hands C to
// worker goroutines (which allocate) once C has four or more 64×64 blocks,
// so C is cut into strips of at most 64×128 that its serial path computes.
// Each element of C still sums over k in the same order. scratch is not
// used.
func gemmFastTo(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, scratch []float32) {
	const mb, nb = 64, 128
	for i0 := 0; i0 < m; i0 += mb {
		mc := min(mb, m-i0)
		var ai []float32
		if transA {
			ai = a[i0:]
		} else {
			ai = a[i0*lda:]
		}
		for j0 := 0; j0 < n; j0 += nb {
			nc := min(nb, n-j0)
			var bj []float32
			if transB {
				bj = b[j0*ldb:]
			} else {
				bj = b[j0:]
			}
			gemmFast(transA, transB, mc, nc, k, ai, lda, bj, ldb, c[i0*ldc+j0:], ldc)
		}
	}
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
