//go:build js && wasm

package main

import (
	"fmt"
	"math"
	"runtime"
	"syscall/js"

	"cnnviz/core/explorer"

	"github.com/hajimehoshi/ebiten/v2"
)

func init() {
	// controls() lists the controls of the last frame: each one's id,
	// label, whether it is on, its panel, and the part of it that can be
	// seen and tapped, in CSS pixels. Scripts and tests use it to press a
	// control, and to check that no control hides under another or leaves
	// the screen.
	addAPI("controls", func(g *game, _ []js.Value) (any, error) {
		out := []any{}
		for _, w := range g.ui.widgets {
			out = append(out, map[string]any{"id": w.id, "label": w.label, "on": w.on,
				"panel": g.panelOf(w.r), "rect": rectCSS(g, w.visible())})
		}
		return out, nil
	})
}

// strs converts for js.ValueOf, which takes []any but not []string.
func strs(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// stateObject describes the app's state for state().
func stateObject(g *game) map[string]any {
	a := g.app
	s := a.State
	in := map[string]any{}
	switch s.Input.Kind {
	case explorer.InputTest:
		in["kind"], in["test"] = "test", s.Input.Test
	case explorer.InputDrawing:
		in["kind"], in["strokes"] = "drawing", len(s.Input.Strokes)
	case explorer.InputUpload:
		in["kind"] = "upload"
	case explorer.InputPhoto:
		in["kind"], in["photo"] = "photo", s.Input.Photo
	case explorer.InputCamera:
		in["kind"] = "camera"
	}
	opts := map[string]any{}
	for k, v := range s.Options {
		opts[k] = v
	}
	probs := make([]any, len(a.Probs))
	for i, p := range a.Probs {
		probs[i] = float64(p)
	}
	scanned, total, wrong := a.ScanProgress()
	return map[string]any{
		"model": s.Model, "view": g.currentView().ID(), "layer": s.Layer, "channel": s.Channel,
		"method": s.Method, "class": s.Class, "input": in, "seed": float64(s.Seed), "options": opts,
		"hash": explorer.EncodeHash(s), "predicted": a.Predicted(), "probs": probs, "label": a.Label(),
		"classes": strs(a.Current().Net.Spec.Classes), "inputShape": ints(a.Current().Net.Spec.Input), "status": g.status,
		"testSetLoaded": a.Test != nil, "scan": map[string]any{"checked": scanned, "total": total, "wrong": wrong},
		"views": viewIDs(), "misclassifiedOnly": a.MisOnly,
		// The drawing surface in CSS pixels, for scripts that draw.
		"canvas": []any{float64(g.lay.canvas.Min.X) / g.dpr, float64(g.lay.canvas.Min.Y) / g.dpr,
			float64(g.lay.canvas.Max.X) / g.dpr, float64(g.lay.canvas.Max.Y) / g.dpr},
		"narrow": g.lay.narrow,
		"upload": uploadObject(g),
		"scroll": g.scrollObject(),
		"camera": g.cam.object(g),
		"perf":   g.perf(),
	}
}

// perf sums up where the page's time goes: smoothed milliseconds per
// tick in Update, Draw and the steppers, ebiten's measured rates, and the
// garbage collector's work (its pauses stop the page).
func (g *game) perf() map[string]any {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return map[string]any{
		"updateMs": g.updateMs, "drawMs": g.drawMs, "stepsMs": g.tickMs,
		"budgetMs": float64(g.budget.Current().Microseconds()) / 1000,
		"tps":      ebiten.ActualTPS(), "fps": ebiten.ActualFPS(),
		"gcCount": float64(ms.NumGC), "gcPauseMs": float64(ms.PauseTotalNs) / 1e6,
		"heapMB": float64(ms.HeapAlloc) / 1e6, "allocMB": float64(ms.TotalAlloc) / 1e6,
		"readBacks": float64(g.present.reads), "readBackMs": g.present.readMs,
		"pacedFrames": float64(g.pacedFrames), "rests": float64(g.rests), "keyMs": g.keyMs,
		// drawn: the screen shows the current state (no redraw waits).
		"drawn": g.frameKey != "" && g.frameKey == g.drawnKey,
	}
}

func viewIDs() []any {
	var out []any
	for _, v := range views() {
		out = append(out, v.ID())
	}
	return out
}

// setState applies an object: {hash} restores a link; otherwise the
// fields model, view, layer, channel, method, class, test, seed and
// options change one by one.
func setState(g *game, o js.Value) error {
	a := g.app
	if h := o.Get("hash"); !h.IsUndefined() {
		if h.Type() != js.TypeString {
			return fmt.Errorf("hash must be a string")
		}
		s, err := explorer.DecodeHash(h.String())
		if err != nil {
			return err
		}
		if err := g.needsRobust(s); err != nil {
			return err
		}
		return a.Apply(s)
	}
	s := a.State
	str := func(key string, dst *string) error {
		v := o.Get(key)
		if v.IsUndefined() {
			return nil
		}
		if v.Type() != js.TypeString {
			return fmt.Errorf("%s must be a string, got %s", key, describe(v))
		}
		*dst = v.String()
		return nil
	}
	for key, dst := range map[string]*string{"model": &s.Model, "view": &s.View, "layer": &s.Layer, "method": &s.Method} {
		if err := str(key, dst); err != nil {
			return err
		}
	}
	if viewByID(s.View) == nil {
		return fmt.Errorf("no view %q (have: %v)", s.View, viewIDs())
	}
	num := func(key string, dst *int, lo, hi int) error {
		v := o.Get(key)
		if v.IsUndefined() {
			return nil
		}
		n, err := intArg(v, key, lo, hi)
		if err != nil {
			return err
		}
		*dst = n
		return nil
	}
	if err := num("channel", &s.Channel, -1, 1<<16); err != nil {
		return err
	}
	if err := num("class", &s.Class, -1, 1<<16); err != nil {
		return err
	}
	test := -1
	if err := num("test", &test, 0, 1<<20); err != nil {
		return err
	}
	if test >= 0 {
		s.Input = explorer.Input{Kind: explorer.InputTest, Test: test}
	}
	seed := -1
	if err := num("seed", &seed, 0, math.MaxInt32); err != nil {
		return err
	}
	if seed >= 0 {
		s.Seed = uint64(seed)
	}
	if v := o.Get("options"); !v.IsUndefined() {
		if v.Type() != js.TypeObject {
			return fmt.Errorf("options must be an object")
		}
		keys := js.Global().Get("Object").Call("keys", v)
		opts := map[string]string{}
		for k, val := range s.Options {
			opts[k] = val
		}
		for i := 0; i < keys.Length(); i++ {
			k := keys.Index(i).String()
			val := v.Get(k)
			if val.Type() != js.TypeString {
				return fmt.Errorf("options.%s must be a string", k)
			}
			opts[k] = val.String()
		}
		s.Options = opts
	}
	// Check the names through a link round trip, then apply.
	checked, err := explorer.DecodeHash(explorer.EncodeHash(s))
	if err != nil {
		return err
	}
	if err := g.needsRobust(checked); err != nil {
		return err
	}
	if s.Input.Kind == explorer.InputUpload {
		checked.Input = s.Input
		a.State = checked
		a.HashChanged = true
		return nil
	}
	if err := a.Apply(checked); err != nil {
		return err
	}
	a.HashChanged = true
	return nil
}

// uploadObject tells how far the reading of an uploaded picture is.
func uploadObject(g *game) map[string]any {
	active, p, decoding := g.app.UploadProgress()
	return map[string]any{"active": active, "progress": p, "decoding": decoding}
}
