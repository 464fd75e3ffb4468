package actmax

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestWarpAdjoint checks <A x, y> = <x, Aᵀ y> for the linear part of the
// warp (PadValue 0) under random transforms, resizes and padding.
func TestWarpAdjoint(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	cases := []struct {
		name         string
		h, w, oh, ow int
		g            geometry
	}{
		{"identity", 9, 9, 9, 9, geometry{}},
		{"shift", 9, 9, 9, 9, geometry{DY: 2, DX: -3}},
		{"rotate", 12, 10, 12, 10, geometry{Angle: 0.3}},
		{"scale", 12, 12, 12, 12, geometry{Scale: 1.15}},
		{"all+pad", 11, 13, 11, 13, geometry{DY: -1, DX: 2, Scale: 0.9, Angle: -0.2, Pad: 3}},
		{"upscale", 7, 7, 28, 28, geometry{Angle: 0.1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wp := newWarp(c.h, c.w, c.oh, c.ow, c.g)
			x := randVec(r, 2*c.h*c.w)
			y := randVec(r, 2*c.oh*c.ow)
			ax := make([]float32, len(y))
			wp.apply(2, x, ax)
			aty := make([]float32, len(x))
			wp.adjoint(2, y, aty)
			if lhs, rhs := dot64(ax, y), dot64(x, aty); math.Abs(lhs-rhs) > 1e-4*(1+math.Abs(lhs)) {
				t.Errorf("<A x, y> = %v, <x, Aᵀ y> = %v", lhs, rhs)
			}
		})
	}
}

// TestWarpKnownAnswers checks transforms whose result is known exactly.
func TestWarpKnownAnswers(t *testing.T) {
	const n = 6
	src := make([]float32, n*n)
	for i := range src {
		src[i] = float32(i)
	}
	at := func(img []float32, y, x int) float32 { return img[y*n+x] }
	run := func(g geometry) []float32 {
		dst := make([]float32, n*n)
		newWarp(n, n, n, n, g).apply(1, src, dst)
		return dst
	}
	t.Run("shift", func(t *testing.T) {
		d := run(geometry{DY: 1, DX: 2})
		// Content moves down 1 and right 2; what enters repeats the edge.
		for y := range n {
			for x := range n {
				want := at(src, max(y-1, 0), max(x-2, 0))
				if got := at(d, y, x); got != want {
					t.Fatalf("shift(1,2)[%d,%d] = %v, want %v", y, x, got, want)
				}
			}
		}
	})
	t.Run("shift+pad", func(t *testing.T) {
		g := geometry{DY: -2, Pad: 2, PadValue: -1}
		d := run(g)
		for x := range n {
			if got := at(d, n-1, x); got != -1 {
				t.Fatalf("padded shift[%d,%d] = %v, want the pad value -1", n-1, x, got)
			}
			if got, want := at(d, 0, x), at(src, 2, x); got != want {
				t.Fatalf("padded shift[0,%d] = %v, want %v", x, got, want)
			}
		}
	})
	t.Run("rotate180", func(t *testing.T) {
		d := run(geometry{Angle: math.Pi})
		for y := range n {
			for x := range n {
				if got, want := at(d, y, x), at(src, n-1-y, n-1-x); math.Abs(float64(got-want)) > 1e-4 {
					t.Fatalf("rotate180[%d,%d] = %v, want %v", y, x, got, want)
				}
			}
		}
	})
	t.Run("upscale2", func(t *testing.T) {
		// Half-pixel centres: output pixel 1 of 2n sits at source 0.25.
		d := make([]float32, 4*n*n)
		newWarp(n, n, 2*n, 2*n, geometry{}).apply(1, src, d)
		if got, want := d[1*(2*n)+1], at(src, 0, 0)*0.5625+at(src, 0, 1)*0.1875+at(src, 1, 0)*0.1875+at(src, 1, 1)*0.0625; math.Abs(float64(got-want)) > 1e-5 {
			t.Errorf("upscale[1,1] = %v, want %v", got, want)
		}
	})
}

// tv64 is the smoothed total variation in float64 for finite differences.
func tvFD(c, h, w int, img []float32, i int, step float32) float64 {
	old := img[i]
	img[i] = old + step
	p := totalVariation(c, h, w, img, nil, 0)
	img[i] = old - step
	m := totalVariation(c, h, w, img, nil, 0)
	img[i] = old
	return (p - m) / (2 * float64(step))
}

// TestTotalVariationGradient checks the TV gradient against central
// differences, and that a wrong gradient (missing the neighbour term)
// fails the same check.
func TestTotalVariationGradient(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	c, h, w := 2, 5, 6
	img := randVec(r, c*h*w)
	g := make([]float32, len(img))
	totalVariation(c, h, w, img, g, 1)
	worst := 0.0
	for i := range img {
		fd := tvFD(c, h, w, img, i, 1e-3)
		worst = max(worst, math.Abs(fd-float64(g[i])))
	}
	if worst > 1e-4 {
		t.Errorf("max |TV gradient − finite difference| = %v, want < 1e-4", worst)
	}
	// Negative control: the check must catch a gradient that is off on one pixel.
	g[7] *= 0.5
	if fd := tvFD(c, h, w, img, 7, 1e-3); math.Abs(fd-float64(g[7])) <= 1e-4 {
		t.Errorf("a halved gradient %v passed against %v", g[7], fd)
	}
}

func TestTotalVariationKnown(t *testing.T) {
	flat := []float32{0.3, 0.3, 0.3, 0.3}
	if got := totalVariation(1, 2, 2, flat, nil, 0); got != 0 {
		t.Errorf("TV(flat) = %v, want 0", got)
	}
	// One vertical edge: 0 1 / 0 1. Pixels (0,0) and (1,0) have |dx| = 1.
	edge := []float32{0, 1, 0, 1}
	want := 2 * (math.Sqrt(1+tvEps*tvEps) - tvEps) / 4
	if got := totalVariation(1, 2, 2, edge, nil, 0); math.Abs(got-want) > 1e-12 {
		t.Errorf("TV(edge) = %v, want %v", got, want)
	}
}

func TestSumSquaresGradient(t *testing.T) {
	x := []float32{1, -2, 0.5}
	g := make([]float32, 3)
	if got, want := sumSquares(x, g, 1), (1+4+0.25)/3.0; math.Abs(got-want) > 1e-6 {
		t.Errorf("mean x² = %v, want %v", got, want)
	}
	for i, v := range x {
		if want := 2 * v / 3; math.Abs(float64(g[i]-want)) > 1e-6 {
			t.Errorf("gradient[%d] = %v, want %v", i, g[i], want)
		}
	}
}

// TestBlurPixels checks that the blur keeps constants, keeps the mean of
// an interior impulse, and spreads it with the requested variance.
func TestBlurPixels(t *testing.T) {
	for _, sigma := range []float64{0.5, 1, 2} {
		t.Run(fmt.Sprint(sigma), func(t *testing.T) {
			const n = 21
			img := make([]float32, n*n)
			img[10*n+10] = 1
			blurPixels(1, n, n, img, sigma)
			var sum, vx float64
			for y := range n {
				for x := range n {
					v := float64(img[y*n+x])
					sum += v
					vx += v * float64((x-10)*(x-10))
				}
			}
			if math.Abs(sum-1) > 1e-5 {
				t.Errorf("sum after blur = %v, want 1", sum)
			}
			// A sampled, truncated Gaussian has nearly σ² variance once σ ≥ 1
			// (at σ = 0.5 sampling alone gives 0.21 instead of 0.25).
			if sigma >= 1 && math.Abs(vx-sigma*sigma) > 0.05*sigma*sigma {
				t.Errorf("variance along x = %v, want %v", vx, sigma*sigma)
			}
			flat := []float32{0.7, 0.7, 0.7, 0.7, 0.7, 0.7}
			blurPixels(1, 2, 3, flat, sigma)
			for i, v := range flat {
				if math.Abs(float64(v)-0.7) > 1e-6 {
					t.Errorf("blur(constant)[%d] = %v, want 0.7", i, v)
				}
			}
		})
	}
}
