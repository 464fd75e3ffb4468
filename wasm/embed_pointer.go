//go:build js && wasm

package main

import (
	"image"
	"math"

	"cnnviz/core/explorer"

	"github.com/hajimehoshi/ebiten/v2"
)

// pointer handles hover, click, drag, pinch, wheel and keys on the scatter.
func (v *embeddingView) pointer(c *Ctx) {
	a := c.App
	p := &c.UI.ptr
	r := v.scatterRect
	z := &v.m.Zoom
	e := v.m.E
	if e == nil || !e.Ready() {
		v.hover = -1
		return
	}
	so := v.so
	local := func(pt image.Point) image.Point { return pt.Sub(r.Min) }
	if pt, ok := c.Hover(r); ok && p.wheel != 0 && !c.UI.overlay {
		// Zoom about the pointer: the data point under it stays put.
		dx, dy := z.DataAt(so, local(pt))
		z.ZoomAbout(so, local(pt), dx, dy, explorer.ClampZoom(z.Zoom*math.Pow(1.15, p.wheel)))
	}
	// Pinch with two fingers: the distance between them sets the zoom
	// and the data point first between them follows their midpoint.
	v.touches = ebiten.AppendTouchIDs(v.touches[:0])
	if len(v.touches) >= 2 && !c.UI.overlay {
		x0, y0 := ebiten.TouchPosition(v.touches[0])
		x1, y1 := ebiten.TouchPosition(v.touches[1])
		mid := image.Pt((x0+x1)/2, (y0+y1)/2)
		d := math.Hypot(float64(x1-x0), float64(y1-y0))
		switch {
		case v.pinch.dist == 0 && mid.In(r) && d > 0:
			dx, dy := z.DataAt(so, local(mid))
			v.pinch = pinch{dist: d, zoom: z.Zoom, dx: dx, dy: dy}
		case v.pinch.dist > 0:
			z.ZoomAbout(so, local(mid), v.pinch.dx, v.pinch.dy, explorer.ClampZoom(v.pinch.zoom*d/v.pinch.dist))
		}
		v.pressed, v.dragging = false, false // no drag or click from a pinch
	} else if v.pinch.dist > 0 {
		v.pinch = pinch{}
		v.pressed = false // the finger left behind starts no drag
	}
	if pt, ok := c.Pressed(r); ok && v.pinch.dist == 0 {
		v.pressed, v.dragging, v.dragFrom, v.pressZoom = true, false, pt, *z
	}
	if v.pressed && p.Down {
		d := image.Pt(p.X, p.Y).Sub(v.dragFrom)
		if iabs(d.X)+iabs(d.Y) > c.U(5) {
			v.dragging = true
		}
		if v.dragging {
			z.Pan(so, v.pressZoom, d)
		}
	}
	so.Box = z.Box()
	v.so = so
	// Hover: the nearest point within a few pixels.
	v.hover = -1
	if pt, ok := c.Hover(r); ok && !v.dragging {
		v.hover = explorer.Nearest(e.Positions(), so, local(pt), c.U(8))
	}
	if v.pressed && p.Released {
		if !v.dragging && v.hover >= 0 && v.opts.Data == "mnist" {
			if err := a.ShowTest(v.hover); err != nil {
				c.ShowError(err.Error())
			}
		}
		v.pressed, v.dragging = false, false
	}
	if !p.Down {
		v.pressed = false
	}
	if c.UI.focus == "" && v.hover < 0 {
		if ebiten.IsKeyPressed(ebiten.KeyEqual) {
			z.Zoom = explorer.ClampZoom(z.Zoom * 1.02)
		}
		if ebiten.IsKeyPressed(ebiten.KeyMinus) {
			z.Zoom = explorer.ClampZoom(z.Zoom / 1.02)
		}
		if ebiten.IsKeyPressed(ebiten.Key0) {
			z.Reset()
		}
		v.so.Box = z.Box()
	}
}

// pinch is a two-finger zoom in progress: the fingers' distance and the
// zoom when it began, and the data point that was between them.
type pinch struct{ dist, zoom, dx, dy float64 }

func iabs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// TakesWheel reports whether the wheel zooms the scatter (the pointer is
// over it) rather than scrolling the view.
func (v *embeddingView) TakesWheel(c *Ctx) bool {
	_, over := c.Hover(v.scatterRect)
	return over && v.m.E != nil && v.m.E.Ready()
}
