//go:build wasm && goexperiment.simd

package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func init() {
	// TestGemm also runs the SIMD kernel against the float64 definition.
	gemms["simd"] = func(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, accumulate bool) {
		if !accumulate {
			for i := 0; i < m; i++ {
				clear(c[i*ldc : i*ldc+n])
			}
		}
		if k > 0 && m > 0 && n > 0 {
			gemmSIMD(transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
		}
	}
}

// TestGemmSIMDMatchesScalar compares the SIMD GEMM with the scalar
// reference on random shapes around the tile sizes (4×8 and 4×4) and the
// k-block (gemmKC), so that every ragged edge is exercised.
//
// Tolerance: each path sums k products in float32 in its own order, so by
// the standard bound each is within γ_k·Σ_p |a_ip·b_pj| of the exact sum,
// γ_k = k·u/(1−k·u), u = 2⁻²⁴; the two paths then differ by at most
// 2·γ_k·Σ_p |a_ip·b_pj|.
func TestGemmSIMDMatchesScalar(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	dims := []int{1, 3, 4, 5, 7, 8, 9, 13, 16, 17}
	ks := []int{1, 2, 7, 25, gemmKC - 1, gemmKC, gemmKC + 3, 2*gemmKC + 5}
	for trial := 0; trial < 60; trial++ {
		m, n, k := dims[r.IntN(len(dims))], dims[r.IntN(len(dims))]+8*r.IntN(3), ks[r.IntN(len(ks))]
		tA, tB := r.IntN(2) == 1, r.IntN(2) == 1
		t.Run(fmt.Sprintf("%dx%dx%d/tA=%v/tB=%v", m, n, k, tA, tB), func(t *testing.T) {
			ar, ac, br, bc := m, k, k, n
			if tA {
				ar, ac = k, m
			}
			if tB {
				br, bc = n, k
			}
			lda, ldb, ldc := ac+r.IntN(3), bc+r.IntN(3), n+r.IntN(3)
			a, b := randSlice(r, ar*lda), randSlice(r, br*ldb)
			c0 := randSlice(r, m*ldc)
			got, want := append([]float32(nil), c0...), append([]float32(nil), c0...)
			gemmSIMD(tA, tB, m, n, k, a, lda, b, ldb, got, ldc)
			gemmPortable(tA, tB, m, n, k, a, lda, b, ldb, want, ldc)
			u := math.Ldexp(1, -24)
			gamma := float64(k+1) * u / (1 - float64(k+1)*u) // k products plus the initial C
			for i := 0; i < m; i++ {
				for j := 0; j < ldc; j++ {
					g, w := got[i*ldc+j], want[i*ldc+j]
					if j >= n {
						if g != c0[i*ldc+j] {
							t.Fatalf("C[%d,%d] beyond n = %v, want it untouched %v", i, j, g, c0[i*ldc+j])
						}
						continue
					}
					mag := math.Abs(float64(c0[i*ldc+j]))
					for p := 0; p < k; p++ {
						var av, bv float32
						if tA {
							av = a[p*lda+i]
						} else {
							av = a[i*lda+p]
						}
						if tB {
							bv = b[j*ldb+p]
						} else {
							bv = b[p*ldb+j]
						}
						mag += math.Abs(float64(av) * float64(bv))
					}
					if d := math.Abs(float64(g - w)); d > 2*gamma*mag {
						t.Fatalf("simd C[%d,%d] = %v, scalar %v: differ by %.3g > %.3g", i, j, g, w, d, 2*gamma*mag)
					}
				}
			}
		})
	}
}

// TestGemmDirect checks the unpacked GEMM against the float64 definition
// on shapes around its 4×8 tile, with leading dimensions wider than the
// matrices, in both modes: adding to C, and overwriting C with the
// product plus a bias per row. Values of C beyond n must stay.
func TestGemmDirect(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for _, m := range []int{1, 3, 4, 5, 8, 13} {
		for _, n := range []int{1, 3, 4, 7, 8, 9, 11, 17, 26, 49} {
			for _, k := range []int{1, 2, 7, 16, 300} {
				for _, withBias := range []bool{false, true} {
					lda, ldb, ldc := k+r.IntN(3), n+r.IntN(3), n+r.IntN(3)
					a, b := randSlice(r, m*lda), randSlice(r, k*ldb)
					c := randSlice(r, m*ldc)
					c0 := append([]float32(nil), c...)
					var bias []float32
					if withBias {
						bias = randSlice(r, m)
					}
					gemmDirect(m, n, k, a, lda, b, ldb, c, ldc, bias, randSlice(r, gemmDirectScratch(k)))
					for i := 0; i < m; i++ {
						for j := 0; j < ldc; j++ {
							if j >= n {
								if c[i*ldc+j] != c0[i*ldc+j] {
									t.Fatalf("%dx%dx%d bias %v: C[%d,%d] beyond n changed", m, n, k, withBias, i, j)
								}
								continue
							}
							want, mag := float64(c0[i*ldc+j]), math.Abs(float64(c0[i*ldc+j]))
							if withBias {
								want, mag = float64(bias[i]), math.Abs(float64(bias[i]))
							}
							for p := 0; p < k; p++ {
								v := float64(a[i*lda+p]) * float64(b[p*ldb+j])
								want += v
								mag += math.Abs(v)
							}
							if d := math.Abs(float64(c[i*ldc+j]) - want); d > 1e-6*mag*float64(k+1) {
								t.Fatalf("%dx%dx%d bias %v: C[%d,%d] = %v, want %v", m, n, k, withBias, i, j, c[i*ldc+j], want)
							}
						}
					}
				}
			}
		}
	}
}
