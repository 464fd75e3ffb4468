//go:build js && wasm

package main

import "image"

// layout places the panels on a screen of W×H device pixels.
type layout struct {
	s      float64 // device pixels per layout unit
	narrow bool    // stacked layout for tablets and portrait screens
	top    image.Rectangle
	input  image.Rectangle
	pred   image.Rectangle
	main   image.Rectangle
	canvas image.Rectangle // the drawing surface inside input
}

// computeLayout arranges the panels. On a wide screen (at least 1000 CSS
// pixels and landscape) the input panel is a column on the left and the
// prediction panel one on the right; on a narrower one (a 768×1024 tablet)
// they share a row above the main area.
func computeLayout(w, h int, dpr float64) layout {
	l := layout{s: dpr}
	cw, ch := float64(w)/dpr, float64(h)/dpr
	l.narrow = cw < 1000 || ch > cw
	u := func(v float64) int { return int(v * dpr) }
	gap := u(8)
	l.top = image.Rect(0, 0, w, u(44))
	y0 := l.top.Max.Y + gap
	predW := u(210)
	if l.narrow {
		rowH := u(min(380, ch*0.42))
		l.input = image.Rect(gap, y0, w-predW-2*gap, y0+rowH)
		l.pred = image.Rect(w-predW-gap, y0, w-gap, y0+rowH)
		l.main = image.Rect(gap, y0+rowH+gap, w-gap, h-gap)
	} else {
		inW := u(300)
		l.input = image.Rect(gap, y0, gap+inW, h-gap)
		l.pred = image.Rect(w-predW-gap, y0, w-gap, h-gap)
		l.main = image.Rect(l.input.Max.X+gap, y0, l.pred.Min.X-gap, h-gap)
	}
	return l
}
