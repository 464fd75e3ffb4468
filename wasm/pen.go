//go:build js && wasm

package main

import (
	"fmt"
	"image"
	"syscall/js"
	"time"
)

// penOverlay shows the stroke being drawn at the display's frame rate.
//
// Any change to the ebiten canvas makes the browser composite the whole
// canvas again; in software WebGL (SwiftShader, a machine without a GPU)
// that costs as much as a 1280×800 WebGL canvas that changes one pixel,
// several frames' worth of time. So while the pen is down the shell
// leaves the canvas alone except every penRedraw, and shows the drawing
// in a small 2D canvas laid over the drawing surface instead: the same
// pixels (core/input's raster, as greyImage turns them into RGBA) that
// the input panel draws, scaled the same way. Changing a small canvas
// costs the browser little. When the pen is lifted the ebiten canvas
// catches up and the overlay is hidden one frame later, so nothing
// flickers.
type penOverlay struct {
	el      js.Value // the <canvas>, created on first use
	ctx     js.Value // its 2D context
	data    js.Value // an ImageData of the raster's size
	buf     js.Value // a Uint8Array view of data's pixels
	shown   bool
	rect    image.Rectangle // where it is, in screen device pixels
	version int             // strokes painted into it (a count of points)
}

// While a stroke is being drawn, the canvas (predictions, what the model
// sees, the view) is redrawn at most every penRedraw and every
// penRedrawTicks frames: when the machine is so slow that one redraw
// takes longer than penRedraw, the pen still gets most frames. (After a
// change ebiten presents the canvas in 4 frames, each one a full-canvas
// composite, so fewer than 8 frames would give the pen less than half.)
const (
	penRedraw      = 250 * time.Millisecond
	penRedrawTicks = 12
)

const penOverlayID = "cnnviz-pen"

// show puts the overlay over r (device pixels of the ebiten canvas) with
// pix, a w×h RGBA picture.
func (o *penOverlay) show(r image.Rectangle, dpr float64, pix []byte, w, h int, version int) {
	doc := js.Global().Get("document")
	if !o.el.Truthy() {
		o.el = doc.Call("createElement", "canvas")
		o.el.Set("id", penOverlayID)
		o.el.Set("ariaHidden", "true")
		o.el.Set("width", w)
		o.el.Set("height", h)
		st := o.el.Get("style")
		st.Set("position", "fixed")
		st.Set("pointerEvents", "none")
		st.Set("boxSizing", "border-box")
		st.Set("zIndex", "1")
		st.Set("display", "none")
		doc.Get("body").Call("appendChild", o.el)
		o.ctx = o.el.Call("getContext", "2d")
		o.data = o.ctx.Call("createImageData", w, h)
		o.buf = js.Global().Get("Uint8Array").New(o.data.Get("data").Get("buffer"))
	}
	if !o.shown || o.rect != r {
		// The ebiten canvas's place in the page, in CSS pixels.
		base := doc.Call("querySelector", "canvas:not(#"+penOverlayID+")")
		left, top := 0.0, 0.0
		if base.Truthy() {
			b := base.Call("getBoundingClientRect")
			left, top = b.Get("left").Float(), b.Get("top").Float()
		}
		st := o.el.Get("style")
		st.Set("left", fmt.Sprintf("%.2fpx", left+float64(r.Min.X)/dpr))
		st.Set("top", fmt.Sprintf("%.2fpx", top+float64(r.Min.Y)/dpr))
		st.Set("width", fmt.Sprintf("%.2fpx", float64(r.Dx())/dpr))
		st.Set("height", fmt.Sprintf("%.2fpx", float64(r.Dy())/dpr))
		// The input panel's outline (strokeRect, one layout unit).
		st.Set("border", "1px solid "+cssColour(colRaised))
		st.Set("display", "block")
		o.rect = r
		o.shown = true
	}
	if version != o.version {
		js.CopyBytesToJS(o.buf, pix)
		o.ctx.Call("putImageData", o.data, 0, 0)
		o.version = version
	}
}

// hide removes the overlay from view.
func (o *penOverlay) hide() {
	if o.shown {
		o.el.Get("style").Set("display", "none")
		o.shown = false
		o.version = -1
	}
}

func cssColour(c interface{ RGBA() (r, g, b, a uint32) }) string {
	r, g, b, _ := c.RGBA()
	return fmt.Sprintf("rgb(%d,%d,%d)", r>>8, g>>8, b>>8)
}
