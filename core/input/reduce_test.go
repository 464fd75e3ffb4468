package input

import (
	"image"
	"image/color"
	"testing"
)

func TestReduce(t *testing.T) {
	for _, tc := range []struct {
		w, h, minSide, k int
	}{
		{9, 7, 3, 2},    // 2×2 blocks, the last column and row dropped
		{40, 30, 10, 3}, // 3×3
		{20, 20, 11, 1}, // under twice minSide: unchanged
		{900, 1200, 100, 9},
	} {
		src := image.NewNRGBA(image.Rect(5, 3, 5+tc.w, 3+tc.h)) // an offset origin
		for y := range tc.h {
			for x := range tc.w {
				src.SetNRGBA(5+x, 3+y, color.NRGBA{uint8(x * 7), uint8(y * 5), uint8(x + y), 255})
			}
		}
		r := NewReduce(src, tc.minSide)
		if r.Factor() != tc.k {
			t.Fatalf("%d×%d, min side %d: factor %d, want %d", tc.w, tc.h, tc.minSide, r.Factor(), tc.k)
		}
		steps := 1
		for ; !r.Step(); steps++ {
		}
		got := r.Result()
		if tc.k == 1 {
			if got != image.Image(src) {
				t.Errorf("factor 1: got a copy, want the picture itself")
			}
			continue
		}
		if b := got.Bounds(); b.Dx() != tc.w/tc.k || b.Dy() != tc.h/tc.k {
			t.Fatalf("size %v, want %d×%d", b, tc.w/tc.k, tc.h/tc.k)
		}
		if n := tc.w * tc.h / reduceStepPixels; steps < n {
			t.Errorf("%d steps for %d pixels, want at least %d", steps, tc.w*tc.h, n)
		}
		// Every output pixel is the rounded mean of its block.
		for oy := range tc.h / tc.k {
			for ox := range tc.w / tc.k {
				var sum [3]int
				for y := oy * tc.k; y < (oy+1)*tc.k; y++ {
					for x := ox * tc.k; x < (ox+1)*tc.k; x++ {
						c := src.NRGBAAt(5+x, 3+y)
						sum[0], sum[1], sum[2] = sum[0]+int(c.R), sum[1]+int(c.G), sum[2]+int(c.B)
					}
				}
				a := tc.k * tc.k
				c := got.(*image.RGBA).RGBAAt(ox, oy)
				want := [3]uint8{uint8((sum[0] + a/2) / a), uint8((sum[1] + a/2) / a), uint8((sum[2] + a/2) / a)}
				if g := [3]uint8{c.R, c.G, c.B}; g != want {
					t.Fatalf("%d×%d k=%d pixel (%d, %d): got %v, want %v", tc.w, tc.h, tc.k, ox, oy, g, want)
				}
			}
		}
	}
}
