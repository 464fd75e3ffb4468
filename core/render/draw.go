package render

import (
	"image"
	"image/color"
)

// Background and Ink are the page colours the renderers use: a white
// background, dark grey text and axes.
var (
	Background = color.RGBA{255, 255, 255, 255}
	Ink        = color.RGBA{40, 40, 40, 255}
	Faint      = color.RGBA{200, 200, 200, 255}
)

// newImage returns a w×h image filled with bg.
func newImage(w, h int, bg color.RGBA) *image.RGBA {
	if w < 0 || h < 0 {
		panic("render: image size " + itoa(w) + "×" + itoa(h))
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	fillRect(img, img.Rect, bg)
	return img
}

// fillRect fills r ∩ img.Bounds() with c.
func fillRect(img *image.RGBA, r image.Rectangle, c color.RGBA) {
	r = r.Intersect(img.Rect)
	if r.Empty() {
		return
	}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		i := img.PixOffset(r.Min.X, y)
		for x := r.Min.X; x < r.Max.X; x++ {
			img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, c.A
			i += 4
		}
	}
}

// set colours one pixel if it is inside img.
func set(img *image.RGBA, x, y int, c color.RGBA) {
	if !(image.Point{x, y}).In(img.Rect) {
		return
	}
	i := img.PixOffset(x, y)
	img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, c.A
}

// line draws a one-pixel line from (x0, y0) to (x1, y1) inclusive with
// Bresenham's algorithm (integer only, so identical on every platform).
func line(img *image.RGBA, x0, y0, x1, y1 int, c color.RGBA) {
	dx, dy := abs(x1-x0), -abs(y1-y0)
	sx, sy := sign(x1-x0), sign(y1-y0)
	e := dx + dy
	for {
		set(img, x0, y0, c)
		if x0 == x1 && y0 == y1 {
			return
		}
		e2 := 2 * e
		if e2 >= dy {
			e += dy
			x0 += sx
		}
		if e2 <= dx {
			e += dx
			y0 += sy
		}
	}
}

// disc fills the pixels whose centres lie within radius r of (cx, cy).
func disc(img *image.RGBA, cx, cy, r int, c color.RGBA) {
	for y := -r; y <= r; y++ {
		for x := -r; x <= r; x++ {
			if x*x+y*y <= r*r+r { // r² + r rounds the outline to a fuller disc
				set(img, cx+x, cy+y, c)
			}
		}
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func sign(x int) int {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return 0
}
