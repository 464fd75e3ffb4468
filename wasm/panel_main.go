//go:build js && wasm

package main

import (
	"image"

	"github.com/hajimehoshi/ebiten/v2"
)

// The main area: the tabs of the views, the current view's explanation
// and the view itself, which scrolls when it is taller than its space.

// mainRects splits the main area into the tab bar, the explanation, the
// explanation's "more" toggle (empty when the whole text shows) and the
// part of the screen that shows the view.
func (g *game) mainRects() (tabs, explain, more, view image.Rectangle) {
	u := g.ui.u
	r := g.lay.main
	_, rows := g.tabRects()
	tabs = image.Rect(r.Min.X, r.Min.Y, r.Max.X, r.Min.Y+u(6)+rows*u(30))
	text := image.Rect(r.Min.X+u(12), tabs.Max.Y+u(6), r.Max.X-u(12), tabs.Max.Y+u(6))
	lines := g.explainLines(text.Dx())
	lh := g.ui.lineHeight(explainSize)
	// A long explanation folds to two lines, so that it never takes the
	// view's place on a small screen; "more" unfolds it.
	if !g.explainOpen && len(lines) > 2 && len(lines)*lh > r.Dy()/5 {
		text.Max.X -= u(64)
		lines = g.explainLines(text.Dx())
		text.Max.Y = text.Min.Y + 2*lh
		more = image.Rect(text.Max.X+u(8), text.Max.Y-u(24), r.Max.X-u(12), text.Max.Y)
	} else {
		text.Max.Y = text.Min.Y + len(lines)*lh
		if g.explainOpen && len(lines) > 2 {
			more = image.Rect(r.Max.X-u(68), text.Max.Y+u(2), r.Max.X-u(12), text.Max.Y+u(24))
			text.Max.Y = more.Max.Y
		}
	}
	explain = text
	view = image.Rect(r.Min.X+u(10), explain.Max.Y+u(8), r.Max.X-u(10), r.Max.Y-u(8))
	return
}

// explainSize is the text size of the views' explanations.
const explainSize = 12.5

// explainLines wraps the current view's explanation to width.
func (g *game) explainLines(width int) []string {
	return g.ui.wrap(g.currentView().Explain(), explainSize, width)
}

// viewArea returns where the view is laid out and the part of the screen
// that shows it. A view taller than the space it has (its MinHeight, or
// its controls' extent in the last frame) is laid out at its full height
// and scrolls: the shell clips it and shows a scroll bar.
func (g *game) viewArea() (area, visible image.Rectangle) {
	_, _, _, visible = g.mainRects()
	h := g.contentH
	if mh, ok := g.currentView().(MinHeighter); ok {
		h = max(h, g.ui.u(mh.MinHeight(g.ctx)))
	}
	if h <= visible.Dy() {
		g.scroll = 0
		return visible, visible
	}
	visible.Max.X -= g.ui.u(scrollBarW)
	g.scroll = max(0, min(g.scroll, h-visible.Dy()))
	area = image.Rect(visible.Min.X, visible.Min.Y-g.scroll, visible.Max.X, visible.Min.Y-g.scroll+h)
	return area, visible
}

// scrollBarW is the width of the view's scroll bar, in layout units.
const scrollBarW = 14

// scrollBar returns the scroll bar's track and thumb (empty when the view
// does not scroll).
func (g *game) scrollBar(area, visible image.Rectangle) (track, thumb image.Rectangle) {
	if area == visible {
		return
	}
	track = image.Rect(visible.Max.X, visible.Min.Y, visible.Max.X+g.ui.u(scrollBarW), visible.Max.Y)
	th := max(g.ui.u(24), track.Dy()*visible.Dy()/area.Dy())
	y := track.Min.Y + (track.Dy()-th)*g.scroll/max(1, area.Dy()-visible.Dy())
	thumb = image.Rect(track.Min.X+g.ui.u(3), y, track.Max.X-g.ui.u(3), y+th)
	return
}

// tabRects places one tab per view, left to right, wrapping onto another
// row where the next tab would run into the panel's PNG button; it returns
// the tabs and the number of rows.
func (g *game) tabRects() ([]image.Rectangle, int) {
	u := g.ui.u
	r := g.lay.main
	right := r.Max.X - u(56) // the export button's column
	x, row := r.Min.X+u(6), 0
	var out []image.Rectangle
	for _, v := range views() {
		w := u(22) + u(float64(len([]rune(v.Title())))*7.5)
		if x+w > right && x > r.Min.X+u(6) {
			x, row = r.Min.X+u(6), row+1
		}
		y := r.Min.Y + u(6) + row*u(30)
		out = append(out, image.Rect(x, y, x+w, y+u(28)))
		x += w + u(4)
	}
	return out, row + 1
}

func (g *game) updateMain() {
	g.ui.clip = g.lay.main
	_, _, more, _ := g.mainRects()
	rects, _ := g.tabRects()
	for i, v := range views() {
		id := v.ID()
		g.ui.button("tab-"+id, rects[i], v.Title(), g.currentView().ID() == id, func() {
			g.app.SetView(id)
			g.scroll = 0
		})
	}
	if !more.Empty() {
		label := "more…"
		if g.explainOpen {
			label = "less"
		}
		g.ui.button("explain-more", more, label, false, func() { g.explainOpen = !g.explainOpen })
	}
	g.exportButton("main", g.lay.main)
	area, visible := g.viewArea()
	g.updateScroll(area, visible)
	area, visible = g.viewArea()
	g.ctx.Area, g.ctx.Clip = area, image.Rectangle{}
	if area != visible {
		g.ctx.Clip = visible
	}
	g.ui.clip = visible
	first := len(g.ui.widgets)
	if !g.help {
		g.currentView().Update(g.ctx)
	}
	// The view's controls tell how tall it is: the next frame lays it
	// out at least that tall (and scrolls it if the screen is shorter).
	bottom := 0
	for _, w := range g.ui.widgets[first:] {
		bottom = max(bottom, w.r.Max.Y-area.Min.Y)
	}
	g.contentH = bottom
	g.ui.clip = image.Rectangle{}
}

// updateScroll moves a scrolling view: the wheel over it, or a drag of
// the scroll bar (mouse or touch).
func (g *game) updateScroll(area, visible image.Rectangle) {
	p := &g.ui.ptr
	track, thumb := g.scrollBar(area, visible)
	if track.Empty() || g.help {
		g.scrollDrag = false
		return
	}
	pt := image.Pt(p.X, p.Y)
	if p.Pressed && pt.In(track.Inset(-g.ui.u(4))) {
		if !pt.In(thumb) { // a press on the track jumps there
			g.scroll = (pt.Y - track.Min.Y - thumb.Dy()/2) * (area.Dy() - visible.Dy()) / max(1, track.Dy()-thumb.Dy())
		}
		g.scrollDrag, g.scrollFrom, g.scrollAt = true, pt.Y, g.scroll
		p.Pressed = false // the press belongs to the scroll bar
	}
	if g.scrollDrag {
		if !p.Down {
			g.scrollDrag = false
		} else {
			g.scroll = g.scrollAt + (pt.Y-g.scrollFrom)*(area.Dy()-visible.Dy())/max(1, track.Dy()-thumb.Dy())
		}
	}
	if p.wheel != 0 && pt.In(visible) && !g.wheelTaken() {
		g.scroll -= int(p.wheel * float64(g.ui.u(40)))
	}
}

// wheelTaken reports whether the view uses the wheel itself where the
// pointer is (the embedding's scatter zooms with it).
func (g *game) wheelTaken() bool {
	w, ok := g.currentView().(interface{ TakesWheel(c *Ctx) bool })
	return ok && w.TakesWheel(g.ctx)
}

func (g *game) drawMain(dst *ebiten.Image) {
	fillRect(dst, g.lay.main, colPanel)
	tabs, explain, _, _ := g.mainRects()
	fillRect(dst, image.Rect(tabs.Min.X, tabs.Max.Y-g.ui.u(2), tabs.Max.X, tabs.Max.Y), colAccent)
	v := g.currentView()
	lh := g.ui.lineHeight(explainSize)
	for i, line := range g.explainLines(explain.Dx()) {
		y := explain.Min.Y + i*lh
		if y+lh > explain.Max.Y {
			break
		}
		g.ui.text(dst, line, explain.Min.X, y, explainSize, colMuted)
	}
	area, visible := g.viewArea()
	g.ctx.Area = area
	sub := dst.SubImage(visible.Intersect(dst.Bounds())).(*ebiten.Image)
	v.Draw(sub, area, g.ctx)
	if track, thumb := g.scrollBar(area, visible); !track.Empty() {
		fillRect(dst, track, colBG)
		fillRect(dst, thumb, colHover)
	}
}

// scrollObject tells scripts how the view scrolls: the offset, the most
// it can scroll, and the scroll bar's track in CSS pixels (empty when the
// view fits its space).
func (g *game) scrollObject() map[string]any {
	area, visible := g.viewArea()
	track, _ := g.scrollBar(area, visible)
	return map[string]any{"offset": float64(g.scroll) / g.dpr, "max": float64(area.Dy()-visible.Dy()) / g.dpr,
		"track": rectCSS(g, track)}
}
