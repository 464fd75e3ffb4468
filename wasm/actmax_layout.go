//go:build js && wasm

package main

import "image"

// actmaxGeom is the layout of the view.
type actmaxGeom struct {
	rows        [3]image.Rectangle // control rows
	knobs, show image.Rectangle
}

func (v *actmaxView) geom(c *Ctx) actmaxGeom {
	r := c.Area
	var g actmaxGeom
	for i := range g.rows {
		y := r.Min.Y + i*c.U(28)
		g.rows[i] = image.Rect(r.Min.X, y, r.Max.X, y+c.U(24))
	}
	top := g.rows[2].Max.Y + c.U(8)
	if r.Dx() < c.U(narrowBelow) { // a phone: the picture above the knobs
		g.show = image.Rect(r.Min.X, top, r.Max.X, top+c.U(actmaxShowH))
		g.knobs = image.Rect(r.Min.X, g.show.Max.Y+c.U(12), r.Max.X, r.Max.Y)
		return g
	}
	split := r.Min.X + max(c.U(300), r.Dx()*42/100)
	g.knobs = image.Rect(r.Min.X, top, split, r.Max.Y)
	g.show = image.Rect(split+c.U(12), top, r.Max.X, r.Max.Y)
	return g
}

// actmaxShowH is the height (layout units) of the picture's part when it
// stands above the knobs.
const actmaxShowH = 330

// MinHeight makes room for the picture and the knobs below it on a
// narrow screen (the view then scrolls).
func (v *actmaxView) MinHeight(c *Ctx) float64 {
	if c.Area.Dx() >= c.U(narrowBelow) {
		return 0
	}
	return 3*28 + 8 + actmaxShowH + 12 + 400
}
