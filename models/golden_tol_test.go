//go:build !js

package models

// goldenTol is the tolerance of TestGoldenLogits natively, where the
// golden file was written with the same kernels: 1e-6 relative to the
// logit's size (at least 1) leaves room only for a change of compiler.
const goldenTol = 1e-6
