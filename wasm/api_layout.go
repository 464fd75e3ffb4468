//go:build js && wasm

package main

import "image"

// widgetsObject lists the controls of the last frame for cnnviz.widgets():
// each one's id, label, whether it is on, its panel, and the part of it
// that can be seen and tapped, in CSS pixels. Tests use it to tap a
// control, and to check that no control hides under another or leaves
// the screen.
func (g *game) widgetsObject() []any {
	css := func(v int) float64 { return float64(v) / g.dpr }
	var out []any
	for _, w := range g.ui.widgets {
		r := w.visible()
		out = append(out, map[string]any{
			"id": w.id, "label": w.label, "on": w.on, "panel": g.panelOf(w.r),
			"x": css(r.Min.X), "y": css(r.Min.Y), "w": css(r.Dx()), "h": css(r.Dy()),
		})
	}
	return out
}

// panelOf names the panel that holds most of r.
func (g *game) panelOf(r image.Rectangle) string {
	best, area := "", 0
	for _, p := range []struct {
		name string
		r    image.Rectangle
	}{{"top", g.lay.top}, {"input", g.lay.input}, {"prediction", g.lay.pred}, {"main", g.lay.main}} {
		in := r.Intersect(p.r)
		if a := in.Dx() * in.Dy(); a > area {
			best, area = p.name, a
		}
	}
	return best
}
