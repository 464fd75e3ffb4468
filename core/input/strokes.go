package input

import "math"

// Point is a position on the drawing surface.
type Point struct{ X, Y float64 }

// Stroke is one continuous line of the pen.
type Stroke []Point

// Rasterize draws strokes on a blank w×h surface with a round pen of the
// given width, anti-aliased over one pixel at the pen's edge.
func Rasterize(strokes []Stroke, w, h int, width float64) *Gray {
	g := NewGray(w, h)
	Paint(g, strokes, width)
	return g
}

// Paint draws strokes onto g as Rasterize does. Each pixel keeps the
// largest coverage of any stroke, so painting a drawing in parts (a stroke
// extended by its new segment as a two-point stroke) gives exactly the
// same image as painting it whole: a drawing can be updated incrementally
// while the pen moves.
func Paint(g *Gray, strokes []Stroke, width float64) {
	r := width / 2
	for _, s := range strokes {
		for i := range s {
			a, b := s[i], s[i]
			if i > 0 {
				a = s[i-1]
			}
			segment(g, a, b, r)
		}
	}
}

// segment paints the capsule of radius r around segment ab.
func segment(g *Gray, a, b Point, r float64) {
	x0 := max(0, int(math.Floor(math.Min(a.X, b.X)-r-1)))
	x1 := min(g.W-1, int(math.Ceil(math.Max(a.X, b.X)+r+1)))
	y0 := max(0, int(math.Floor(math.Min(a.Y, b.Y)-r-1)))
	y1 := min(g.H-1, int(math.Ceil(math.Max(a.Y, b.Y)+r+1)))
	dx, dy := b.X-a.X, b.Y-a.Y
	l2 := dx*dx + dy*dy
	for y := y0; y <= y1; y++ {
		for x := x0; x <= x1; x++ {
			px, py := float64(x)+0.5, float64(y)+0.5
			t := 0.0
			if l2 > 0 {
				t = math.Max(0, math.Min(1, ((px-a.X)*dx+(py-a.Y)*dy)/l2))
			}
			ex, ey := a.X+t*dx-px, a.Y+t*dy-py
			d := math.Sqrt(ex*ex + ey*ey)
			cover := float32(math.Max(0, math.Min(1, r-d+0.5)))
			if i := y*g.W + x; cover > g.Pix[i] {
				g.Pix[i] = cover
			}
		}
	}
}
