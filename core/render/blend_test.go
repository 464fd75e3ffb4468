package render

import (
	"image"
	"math"
	"math/rand/v2"
	"testing"
)

// TestBlendOver checks BlendOver against the mix (1−α)·base + α·colour
// rounded in floating point, with a 2×3 colour image stretched over a
// 7×5 base by nearest neighbour.
func TestBlendOver(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	random := func(w, h int) *image.RGBA {
		img := image.NewRGBA(image.Rect(0, 0, w, h))
		for i := range img.Pix {
			img.Pix[i] = uint8(r.IntN(256))
		}
		return img
	}
	base, colours := random(7, 5), random(2, 3)
	for _, alpha := range []int{0, 1, 37, 60, 99, 100} {
		out := BlendOver(base, colours, alpha)
		if out.Rect != base.Rect {
			t.Fatalf("alpha %d: bounds %v, want %v", alpha, out.Rect, base.Rect)
		}
		a := float64(alpha) / 100
		for y := range 5 {
			for x := range 7 {
				b, c, o := base.PixOffset(x, y), colours.PixOffset(x*2/7, y*3/5), out.PixOffset(x, y)
				for ch := range 3 {
					want := uint8(math.Floor((1-a)*float64(base.Pix[b+ch]) + a*float64(colours.Pix[c+ch]) + 0.5))
					if got := out.Pix[o+ch]; got != want {
						t.Fatalf("alpha %d, pixel (%d, %d) channel %d = %d, want %d", alpha, x, y, ch, got, want)
					}
				}
				if out.Pix[o+3] != 255 {
					t.Fatalf("alpha %d, pixel (%d, %d) is not opaque", alpha, x, y)
				}
			}
		}
	}
}
