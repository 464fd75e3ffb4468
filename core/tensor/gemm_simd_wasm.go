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
	na := (m + 3) / 4 * 4 * min(k, gemmKC)
	gemmPackedBuf(4, 8, kernelSIMD4x8, transA, transB, m, n, k, a, lda, b, ldb, c, ldc, scratch[:na], scratch[na:])
}

// gemmSIMD adds op(A)·op(B) to C with a 4×8 micro-kernel on 128-bit
// vectors.
func gemmSIMD(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	gemmPacked(4, 8, kernelSIMD4x8, transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
}

// kernelSIMD4x8 keeps a 4×8 tile of C in eight Float32x4 accumulators
// (two per row); each step of k loads eight values of B as two vectors,
// broadcasts each of the four values of A and does eight multiply-adds.
// WebAssembly has sixteen vector "registers" in Go's backend, so eight
// accumulators, two B vectors and one broadcast fit without spilling.
func kernelSIMD4x8(kc int, ap, bp, c []float32, ldc int) {
	c0 := (*[8]float32)(c[0:8])
	c1 := (*[8]float32)(c[ldc : ldc+8])
	c2 := (*[8]float32)(c[2*ldc : 2*ldc+8])
	c3 := (*[8]float32)(c[3*ldc : 3*ldc+8])
	s00 := archsimd.LoadFloat32x4Array((*[4]float32)(c0[0:4]))
	s01 := archsimd.LoadFloat32x4Array((*[4]float32)(c0[4:8]))
	s10 := archsimd.LoadFloat32x4Array((*[4]float32)(c1[0:4]))
	s11 := archsimd.LoadFloat32x4Array((*[4]float32)(c1[4:8]))
	s20 := archsimd.LoadFloat32x4Array((*[4]float32)(c2[0:4]))
	s21 := archsimd.LoadFloat32x4Array((*[4]float32)(c2[4:8]))
	s30 := archsimd.LoadFloat32x4Array((*[4]float32)(c3[0:4]))
	s31 := archsimd.LoadFloat32x4Array((*[4]float32)(c3[4:8]))
	ap, bp = ap[:4*kc], bp[:8*kc]
	for len(ap) >= 4 && len(bp) >= 8 {
		av, bv := (*[4]float32)(ap), (*[8]float32)(bp)
		b0 := archsimd.LoadFloat32x4Array((*[4]float32)(bv[0:4]))
		b1 := archsimd.LoadFloat32x4Array((*[4]float32)(bv[4:8]))
		x := archsimd.BroadcastFloat32x4(av[0])
		s00 = s00.Add(x.Mul(b0))
		s01 = s01.Add(x.Mul(b1))
		x = archsimd.BroadcastFloat32x4(av[1])
		s10 = s10.Add(x.Mul(b0))
		s11 = s11.Add(x.Mul(b1))
		x = archsimd.BroadcastFloat32x4(av[2])
		s20 = s20.Add(x.Mul(b0))
		s21 = s21.Add(x.Mul(b1))
		x = archsimd.BroadcastFloat32x4(av[3])
		s30 = s30.Add(x.Mul(b0))
		s31 = s31.Add(x.Mul(b1))
		ap, bp = ap[4:], bp[8:]
	}
	s00.StoreArray((*[4]float32)(c0[0:4]))
	s01.StoreArray((*[4]float32)(c0[4:8]))
	s10.StoreArray((*[4]float32)(c1[0:4]))
	s11.StoreArray((*[4]float32)(c1[4:8]))
	s20.StoreArray((*[4]float32)(c2[0:4]))
	s21.StoreArray((*[4]float32)(c2[4:8]))
	s30.StoreArray((*[4]float32)(c3[0:4]))
	s31.StoreArray((*[4]float32)(c3[4:8]))
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
