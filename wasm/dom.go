//go:build js && wasm

package main

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io/fs"
	"log"
	"syscall/js"

	"github.com/hajimehoshi/ebiten/v2"
)

// uploadInputID is the id of the page's file input for uploads.
const uploadInputID = "cnnviz-upload"

// theGame is the running game, for DOM callbacks.
var theGame *game

// showError shows msg in the page's error banner (and the console).
func showError(msg string) {
	log.Print(msg)
	if f := js.Global().Get("cnnvizShowError"); f.Type() == js.TypeFunction {
		f.Invoke(msg)
	}
}

// announce tells the loader that window.cnnviz exists.
func announce() {
	if started := js.Global().Get("cnnvizStarted"); started.Type() == js.TypeFunction {
		started.Invoke()
	}
}

// markTiming records, in window.cnnvizTimings, the milliseconds since the
// navigation started at which a stage ended.
func markTiming(name string) {
	t := js.Global().Get("cnnvizTimings")
	perf := js.Global().Get("performance")
	if t.Type() == js.TypeObject && perf.Type() == js.TypeObject {
		t.Set(name, perf.Call("now").Float())
	}
}

func currentHash() string { return js.Global().Get("location").Get("hash").String() }

// replaceHash writes the URL fragment without adding a history entry.
func replaceHash(h string) {
	loc := js.Global().Get("location")
	u := h
	if h == "#" {
		u = loc.Get("pathname").String() + loc.Get("search").String()
	}
	js.Global().Get("history").Call("replaceState", js.Null(), "", u)
}

// await waits for a JavaScript promise. It must run on its own goroutine,
// never in a JS callback or in Update.
func await(p js.Value) (js.Value, error) {
	type result struct {
		v   js.Value
		err error
	}
	ch := make(chan result, 1)
	var then, catch js.Func
	then = js.FuncOf(func(_ js.Value, args []js.Value) any {
		v := js.Undefined()
		if len(args) > 0 {
			v = args[0]
		}
		ch <- result{v: v}
		return nil
	})
	catch = js.FuncOf(func(_ js.Value, args []js.Value) any {
		msg := "promise rejected"
		if len(args) > 0 {
			if m := args[0].Get("message"); m.Type() == js.TypeString {
				msg = m.String()
			} else {
				msg = args[0].String()
			}
		}
		ch <- result{err: errors.New(msg)}
		return nil
	})
	p.Call("then", then, catch)
	r := <-ch
	then.Release()
	catch.Release()
	return r.v, r.err
}

// bytesOf copies a Uint8Array or ArrayBuffer into Go.
func bytesOf(v js.Value) []byte {
	if v.InstanceOf(js.Global().Get("ArrayBuffer")) {
		v = js.Global().Get("Uint8Array").New(v)
	}
	b := make([]byte, v.Get("length").Int())
	js.CopyBytesToGo(b, v)
	return b
}

// newFilePicker adds a hidden file input to the page under id, for one
// file of the kinds accept lists (label names it for screen readers). The
// chosen file, if not larger than maxUploadBytes, is read and handed to
// use at the start of the next Update. It returns the input; a click on
// it opens the browser's file chooser.
func newFilePicker(g *game, id, accept, label string, use func(name string, b []byte)) js.Value {
	return newFilesPicker(g, id, accept, label, false, func(files map[string][]byte) {
		for name, b := range files {
			use(name, b)
		}
	})
}

// newFilesPicker is newFilePicker for several files at once when multiple
// is set: use gets all chosen files by name.
func newFilesPicker(g *game, id, accept, label string, multiple bool, use func(files map[string][]byte)) js.Value {
	doc := js.Global().Get("document")
	in := doc.Call("createElement", "input")
	in.Set("type", "file")
	in.Set("id", id)
	in.Set("accept", accept)
	in.Set("multiple", multiple)
	in.Set("hidden", true)
	in.Call("setAttribute", "aria-label", label)
	in.Call("addEventListener", "change", js.FuncOf(func(this js.Value, _ []js.Value) any {
		defer recoverJS(id)
		list := this.Get("files")
		var files []js.Value
		total := 0.0
		for i := range list.Get("length").Int() {
			files = append(files, list.Index(i))
			total += list.Index(i).Get("size").Float()
		}
		this.Set("value", "")
		if len(files) == 0 {
			return nil
		}
		if total > maxUploadBytes {
			showError(fmt.Sprintf("%s: the files take %.0f MB; at most %d MB are accepted", files[0].Get("name").String(), total/1e6, maxUploadBytes>>20))
			return nil
		}
		go func() {
			got := map[string][]byte{}
			for _, f := range files {
				name := f.Get("name").String()
				v, err := await(f.Call("arrayBuffer"))
				if err != nil {
					showError(fmt.Sprintf("%s: cannot read the file: %v", name, err))
					return
				}
				got[name] = bytesOf(v)
			}
			g.post(func() { use(got) })
		}()
		return nil
	}))
	doc.Get("body").Call("appendChild", in)
	return in
}

// installDOM adds the hidden file input that the Upload button opens, and
// follows changes of the URL fragment made by the user.
func installDOM(g *game) {
	theGame = g
	newFilesPicker(g, uploadInputID, "image/png,image/jpeg,.png,.jpg,.jpeg,.safetensors,.onnx,.json,.bin",
		"Upload a picture, or a model: a .safetensors or .onnx file, or a TF.js model.json with its .bin shards", true, g.loadedFiles)

	installTaps(g)
	js.Global().Call("addEventListener", "hashchange", js.FuncOf(func(js.Value, []js.Value) any {
		defer recoverJS("hashchange")
		h := currentHash()
		g.post(func() {
			if h == g.hashWritten {
				return
			}
			g.applyLink(h)
			g.app.HashChanged = false
		})
		return nil
	}))
}

// installTaps records the primary button's presses and releases on
// ebiten's canvas as they happen, in screen pixels, so that a click or tap
// shorter than a frame still reaches the controls (see pointer.update).
func installTaps(g *game) {
	doc := js.Global().Get("document")
	for _, typ := range []string{"pointerdown", "pointerup"} {
		down := typ == "pointerdown"
		js.Global().Call("addEventListener", typ, js.FuncOf(func(_ js.Value, args []js.Value) any {
			defer recoverJS(typ)
			e := args[0]
			if e.Get("button").Int() != 0 || !e.Get("isPrimary").Bool() {
				return nil
			}
			cv := doc.Call("querySelector", "canvas:not(#"+presentID+"):not(#"+penOverlayID+")")
			if !cv.Truthy() || (down && !e.Get("target").Equal(cv)) {
				return nil
			}
			b := cv.Call("getBoundingClientRect")
			at := image.Pt(int((e.Get("clientX").Float()-b.Get("left").Float())*g.dpr), int((e.Get("clientY").Float()-b.Get("top").Float())*g.dpr))
			p := &g.ui.ptr
			if len(p.taps) < 64 {
				p.taps = append(p.taps, tapEvent{down: down, at: at, touch: e.Get("pointerType").String() == "touch"})
			}
			return nil
		}), map[string]any{"capture": true})
	}
}

// maxUploadBytes bounds the files read into memory.
const maxUploadBytes = 64 << 20

// openFilePicker opens the browser's file chooser.
func openFilePicker() {
	in := js.Global().Get("document").Call("getElementById", uploadInputID)
	if in.Truthy() {
		in.Call("click")
	}
}

// dropped reads the files dropped on the canvas: one picture, or the
// files of one model.
func (g *game) dropped() {
	fsys := ebiten.DroppedFiles()
	if fsys == nil {
		return
	}
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil || len(entries) == 0 {
		return
	}
	var total int64
	for _, e := range entries {
		if e.IsDir() {
			showError(e.Name() + ": a folder; drop a PNG or JPEG picture, or a model's files (.safetensors, .onnx, or model.json with its .bin shards)")
			return
		}
		if info, err := e.Info(); err == nil {
			total += info.Size()
		}
	}
	if total > maxUploadBytes {
		showError(fmt.Sprintf("%s: the files take %d MB; at most %d MB are accepted", entries[0].Name(), total>>20, maxUploadBytes>>20))
		return
	}
	go func() {
		files := map[string][]byte{}
		for _, e := range entries {
			b, err := fs.ReadFile(fsys, e.Name())
			if err != nil {
				showError(fmt.Sprintf("%s: cannot read the file: %v", e.Name(), err))
				return
			}
			files[e.Name()] = b
		}
		g.post(func() { g.loadedFiles(files) })
	}()
}

// downloadPNG encodes img and lets the browser save it as name.
func downloadPNG(name string, img *image.RGBA) error {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return err
	}
	return download(name, "image/png", buf.Bytes())
}

// download saves b as a file through a Blob URL.
func download(name, mime string, b []byte) error {
	arr := js.Global().Get("Uint8Array").New(len(b))
	js.CopyBytesToJS(arr, b)
	opts := js.Global().Get("Object").New()
	opts.Set("type", mime)
	blob := js.Global().Get("Blob").New(js.Global().Get("Array").New(arr), opts)
	url := js.Global().Get("URL").Call("createObjectURL", blob)
	doc := js.Global().Get("document")
	a := doc.Call("createElement", "a")
	a.Set("href", url)
	a.Set("download", name)
	doc.Get("body").Call("appendChild", a)
	a.Call("click")
	a.Call("remove")
	// Keep the URL alive long enough for the download to start.
	var release js.Func
	release = js.FuncOf(func(js.Value, []js.Value) any {
		js.Global().Get("URL").Call("revokeObjectURL", url)
		release.Release()
		return nil
	})
	js.Global().Call("setTimeout", release, 10000)
	lastExport = exportRecord{name: name, size: len(b)}
	return nil
}

// lastExport remembers the last file downloaded, for the tests.
var lastExport exportRecord

type exportRecord struct {
	name string
	size int
}

// recoverJS turns a panic in a JS callback into a message.
func recoverJS(where string) {
	if r := recover(); r != nil {
		showError(fmt.Sprintf("cnnviz: internal error in %s: %v (the page keeps running)", where, r))
	}
}
