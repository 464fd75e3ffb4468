//go:build js && wasm

package main

import "image"

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
