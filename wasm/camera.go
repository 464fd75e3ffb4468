//go:build js && wasm

package main

import (
	"fmt"
	"image"
	"syscall/js"
	"time"

	"cnnviz/core/explorer"
)

// cameraSide is the short side, in pixels, of the frames read back from
// the webcam: twice the shipped colour model's 64, so that input.Colour
// still averages several camera pixels into each input pixel.
const cameraSide = 128

// cameraEvery is the least time between two frames given to the model:
// about ten predictions a second, each a few milliseconds.
const cameraEvery = 100 * time.Millisecond

// camera feeds webcam frames (getUserMedia) to a colour model. The browser
// scales each frame down on a canvas; the model gets its pixels.
type camera struct {
	state  string // "off", "starting" or "on"
	err    string
	video  js.Value
	canvas js.Value
	stream js.Value
	last   time.Time
	fed    bool // a frame of this session became the input
}

// start asks for the webcam; the frames start once the user allows it.
func (c *camera) start(g *game) error {
	if !explorer.IsColour(g.app.Current().Net) {
		return fmt.Errorf("the camera feeds colour models, and %s takes grey digits: select a model of photos such as tinyvgg", g.app.Current().Name)
	}
	if c.state != "" && c.state != "off" {
		return nil
	}
	md := js.Global().Get("navigator").Get("mediaDevices")
	if !md.Truthy() || !md.Get("getUserMedia").Truthy() {
		return fmt.Errorf("this browser gives no access to a camera (it needs a secure page: https or localhost)")
	}
	c.state, c.err, c.fed = "starting", "", false
	p := md.Call("getUserMedia", map[string]any{"video": map[string]any{"width": 320, "height": 240}, "audio": false})
	go func() {
		stream, err := await(p)
		g.post(func() {
			if err != nil {
				c.state, c.err = "off", fmt.Sprintf("the camera is not available: %v", err)
				showError(c.err)
				return
			}
			if c.state != "starting" { // stopped meanwhile
				stopTracks(stream)
				return
			}
			doc := js.Global().Get("document")
			c.video = doc.Call("createElement", "video")
			c.video.Set("muted", true)
			c.video.Set("playsInline", true)
			c.video.Set("srcObject", stream)
			c.video.Call("play")
			c.canvas = doc.Call("createElement", "canvas")
			c.stream, c.state = stream, "on"
			g.say("camera on")
		})
	}()
	return nil
}

// stop releases the webcam.
func (c *camera) stop() {
	if c.stream.Truthy() {
		stopTracks(c.stream)
	}
	c.stream, c.video, c.canvas = js.Undefined(), js.Undefined(), js.Undefined()
	c.state = "off"
}

func stopTracks(stream js.Value) {
	tracks := stream.Call("getTracks")
	for i := range tracks.Length() {
		tracks.Index(i).Call("stop")
	}
}

// frame gives the model the webcam's current frame, at most every
// cameraEvery; called once per Update. It stops the camera when the input
// or the model changed to something else.
func (c *camera) frame(g *game) {
	if c.state != "on" {
		return
	}
	a := g.app
	if !explorer.IsColour(a.Current().Net) || (c.fed && a.State.Input.Kind != explorer.InputCamera) {
		c.stop()
		g.say("camera off")
		return
	}
	if time.Since(c.last) < cameraEvery || c.video.Get("readyState").Int() < 2 {
		return
	}
	vw, vh := c.video.Get("videoWidth").Int(), c.video.Get("videoHeight").Int()
	if vw < 1 || vh < 1 {
		return
	}
	c.last = time.Now()
	s := float64(cameraSide) / float64(min(vw, vh))
	w, h := max(1, int(float64(vw)*s+0.5)), max(1, int(float64(vh)*s+0.5))
	c.canvas.Set("width", w)
	c.canvas.Set("height", h)
	ctx := c.canvas.Call("getContext", "2d", map[string]any{"willReadFrequently": true})
	ctx.Call("drawImage", c.video, 0, 0, w, h)
	data := ctx.Call("getImageData", 0, 0, w, h).Get("data")
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	js.CopyBytesToGo(img.Pix, js.Global().Get("Uint8Array").New(data.Get("buffer")))
	if err := a.UseFrame(img); err != nil {
		c.stop()
		g.say("%v", err)
		return
	}
	c.fed = true
}

// object describes the camera for state().
func (c *camera) object(g *game) map[string]any {
	st := c.state
	if st == "" {
		st = "off"
	}
	return map[string]any{"state": st, "frames": g.app.Frames, "error": c.err}
}

func init() {
	addAPI("camera", func(g *game, args []js.Value) (any, error) {
		if len(args) != 1 || args[0].Type() != js.TypeBoolean {
			return nil, fmt.Errorf("takes 1 argument: true to start the camera, false to stop it")
		}
		if !args[0].Bool() {
			g.cam.stop()
			return g.cam.object(g), nil
		}
		if err := g.cam.start(g); err != nil {
			return nil, err
		}
		return g.cam.object(g), nil
	})
}
