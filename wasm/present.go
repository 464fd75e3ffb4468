//go:build js && wasm

package main

import (
	"fmt"
	"image"
	"syscall/js"
	"time"

	"github.com/hajimehoshi/ebiten/v2"
)

// presenter shows the picture that Draw paints through a 2D canvas laid
// over ebiten's WebGL canvas, instead of letting ebiten copy it to the
// WebGL canvas.
//
// Why: after any frame that changes the screen, ebiten copies its whole
// offscreen image to the WebGL canvas in each of the next four frames
// (internal/ui's maxSkipCount), a textured quad the size of the canvas.
// Without a GPU (SwiftShader, as on this project's machine and many
// school laptops) one such copy of a 1280×800 canvas costs about 45 ms,
// so every change froze the page for some 200 ms: drawing a digit ran at
// 20 fps and the animated views at a few. The presenter reads back only
// the panels that Draw painted (Image.ReadPixels of their rectangles)
// and puts them into a 2D canvas with putImageData, which costs the
// browser little. Draw paints into an image of the presenter's, not into
// ebiten's screen: the screen never changes, so ebiten never copies it
// and the WebGL canvas (left transparent under the 2D canvas) is not
// composited again. On a machine with a GPU this is cheap as well: a
// read-back of the changed panels once per change.
//
// When the 2D canvas cannot be made, the presenter is off and ebiten
// presents as usual.
type presenter struct {
	el, ctx js.Value
	off     bool // no 2D canvas: ebiten draws the final screen itself
	w, h    int  // the canvas's size in device pixels
	cssRect [4]float64
	img     *ebiten.Image // what Draw paints, while the presenter is on
	pix     []byte
	data    map[image.Point]imageData // ImageData objects by size
	// reads counts read-backs and readMs smooths the time they take, for
	// state().perf.
	reads  int
	readMs float64
}

// imageData is a JS ImageData and a Uint8ClampedArray view of its pixels.
type imageData struct{ obj, buf js.Value }

const presentID = "cnnviz-present"

// active reports whether the presenter shows the screen.
func (p *presenter) active() bool { return !p.off }

// ensure makes the 2D canvas, w×h device pixels, and puts it exactly over
// ebiten's canvas. It reports whether the canvas is new or was resized
// (and so is blank).
func (p *presenter) ensure(w, h int) (blank bool) {
	if p.off {
		return false
	}
	doc := js.Global().Get("document")
	if !p.el.Truthy() {
		p.el = doc.Call("createElement", "canvas")
		p.el.Set("id", presentID)
		p.el.Set("ariaHidden", "true")
		st := p.el.Get("style")
		st.Set("position", "fixed")
		st.Set("pointerEvents", "none")
		st.Set("zIndex", "0")
		st.Set("display", "block")
		doc.Get("body").Call("appendChild", p.el)
		p.ctx = p.el.Call("getContext", "2d", map[string]any{"alpha": false})
		if !p.ctx.Truthy() {
			p.el.Call("remove")
			p.off = true
			return false
		}
		p.data = map[image.Point]imageData{}
		blank = true
	}
	if w != p.w || h != p.h {
		p.el.Set("width", w)
		p.el.Set("height", h)
		p.w, p.h = w, h
		blank = true
	}
	// Follow ebiten's canvas, wherever the page puts it.
	base := doc.Call("querySelector", "canvas:not(#"+presentID+"):not(#"+penOverlayID+")")
	if base.Truthy() {
		b := base.Call("getBoundingClientRect")
		r := [4]float64{b.Get("left").Float(), b.Get("top").Float(), b.Get("width").Float(), b.Get("height").Float()}
		if r != p.cssRect {
			st := p.el.Get("style")
			st.Set("left", fmt.Sprintf("%.2fpx", r[0]))
			st.Set("top", fmt.Sprintf("%.2fpx", r[1]))
			st.Set("width", fmt.Sprintf("%.2fpx", r[2]))
			st.Set("height", fmt.Sprintf("%.2fpx", r[3]))
			p.cssRect = r
		}
	}
	return blank
}

// image returns the w×h image that Draw paints while the presenter is
// on; a new one after a resize.
func (p *presenter) image(w, h int) *ebiten.Image {
	if p.img != nil && p.img.Bounds().Size() != image.Pt(w, h) {
		p.img.Deallocate()
		p.img = nil
	}
	if p.img == nil {
		p.img = ebiten.NewImage(w, h)
	}
	return p.img
}

// show copies the rectangles rs of screen (the image Draw painted) to the
// 2D canvas.
func (p *presenter) show(screen *ebiten.Image, rs []image.Rectangle) {
	if p.off || len(rs) == 0 {
		return
	}
	t0 := time.Now()
	defer func() { smooth(&p.readMs, time.Since(t0)) }()
	for _, r := range rs {
		r = r.Intersect(screen.Bounds())
		if r.Empty() {
			continue
		}
		n := 4 * r.Dx() * r.Dy()
		if cap(p.pix) < n {
			p.pix = make([]byte, n)
		}
		pix := p.pix[:n]
		screen.SubImage(r).(*ebiten.Image).ReadPixels(pix)
		d := p.imageData(r.Size())
		js.CopyBytesToJS(d.buf, pix)
		p.ctx.Call("putImageData", d.obj, r.Min.X, r.Min.Y)
		p.reads++
	}
}

// imageData returns an ImageData of size s, made once per size.
func (p *presenter) imageData(s image.Point) imageData {
	if d, ok := p.data[s]; ok {
		return d
	}
	if len(p.data) > 16 {
		clear(p.data) // sizes change with the layout; keep a few
	}
	obj := p.ctx.Call("createImageData", s.X, s.Y)
	d := imageData{obj: obj, buf: obj.Get("data")}
	p.data[s] = d
	return d
}

// DrawFinalScreen implements ebiten.FinalScreenDrawer: while the
// presenter shows the picture, the WebGL canvas is left as ebiten cleared
// it; otherwise the offscreen is copied as ebiten would.
func (g *game) DrawFinalScreen(screen ebiten.FinalScreen, offscreen *ebiten.Image, geoM ebiten.GeoM) {
	if g.present.active() && g.present.el.Truthy() {
		return // the screen is not used (see presenter)
	}
	op := &ebiten.DrawImageOptions{GeoM: geoM}
	screen.DrawImage(offscreen, op)
}
