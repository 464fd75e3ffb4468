package render

import (
	"fmt"
	"image"
	"math"
)

// RGB draws a colour picture stored channel after channel, [3, h, w] (red,
// green, blue), as an h×w image: values lo..hi become 0..255, clamped. A
// colour model's input is RGB(x, h, w, 0, 1); a first-layer filter, whose
// weights are signed, is RGB(w, kh, kw, -m, m) with m its largest |weight|,
// so that a zero weight is mid-grey.
func RGB(data []float32, h, w int, lo, hi float32) *image.RGBA {
	if h < 0 || w < 0 || len(data) != 3*h*w {
		panic(fmt.Sprintf("render.RGB: %d values for [3, %d, %d]", len(data), h, w))
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	span := hi - lo
	n := h * w
	for i := range n {
		for c := range 3 {
			t := float32(0.5)
			if span > 0 {
				t = (data[c*n+i] - lo) / span
			}
			img.Pix[4*i+c] = uint8(math.Round(float64(max(0, min(1, t)) * 255)))
		}
		img.Pix[4*i+3] = 255
	}
	return img
}
