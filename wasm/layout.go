//go:build js && wasm

package main

import "image"

// layout places the panels on a screen of W×H device pixels.
type layout struct {
	s      float64 // device pixels per layout unit
	narrow bool    // stacked layout for tablets and portrait screens
	phone  bool    // a phone: everything in one column, compact panels
	top    image.Rectangle
	input  image.Rectangle
	pred   image.Rectangle
	main   image.Rectangle
	canvas image.Rectangle // the drawing surface inside input
}

// computeLayout arranges the panels. On a wide screen (at least 1000 CSS
// pixels and landscape) the input panel is a column on the left and the
// prediction panel one on the right, both slimmer below 1200 CSS pixels
// (a 1024×768 projector) so that the view keeps its width. On a narrower
// one (a 768×1024 tablet) they share a row above the main area. On a
// phone (below 600 CSS pixels) the input panel, a strip of the
// prediction and the main area are stacked in one column.
func computeLayout(w, h int, dpr float64) layout {
	l := layout{s: dpr}
	cw, ch := float64(w)/dpr, float64(h)/dpr
	l.narrow = cw < 1000 || ch > cw
	l.phone = cw < 600
	u := func(v float64) int { return int(v * dpr) }
	gap := u(8)
	l.top = image.Rect(0, 0, w, u(44))
	y0 := l.top.Max.Y + gap
	switch {
	case l.phone:
		inH := u(min(220, ch*0.3))
		l.input = image.Rect(gap, y0, w-gap, y0+inH)
		y := l.input.Max.Y + gap
		l.pred = image.Rect(gap, y, w-gap, y+u(84))
		l.main = image.Rect(gap, l.pred.Max.Y+gap, w-gap, h-gap)
	case l.narrow:
		predW := u(210)
		// A landscape screen (800×600) gives the main area more of its
		// little height.
		share := 0.42
		if ch < cw {
			share = 0.3
		}
		rowH := u(min(380, ch*share))
		l.input = image.Rect(gap, y0, w-predW-2*gap, y0+rowH)
		l.pred = image.Rect(w-predW-gap, y0, w-gap, y0+rowH)
		l.main = image.Rect(gap, y0+rowH+gap, w-gap, h-gap)
	default:
		inW, predW := u(300), u(210)
		if cw < 1200 {
			inW, predW = u(250), u(170)
		}
		l.input = image.Rect(gap, y0, gap+inW, h-gap)
		l.pred = image.Rect(w-predW-gap, y0, w-gap, h-gap)
		l.main = image.Rect(l.input.Max.X+gap, y0, l.pred.Min.X-gap, h-gap)
	}
	return l
}
