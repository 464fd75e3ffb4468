//go:build js

package models

// goldenTol is the tolerance of TestGoldenLogits under WebAssembly, whose
// GEMM and convolution kernels (scalar or SIMD) add the products of each
// dot product in another order than the native ones the golden file came
// from. A logit is a float32 sum of a few thousand products whose sizes
// far exceed the result's, so reordering moves it by up to about
// K·2⁻²⁴·Σ|terms| ≈ 1e-5; measured differences reach 6e-6.
const goldenTol = 2e-5
