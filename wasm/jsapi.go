//go:build js && wasm

package main

import (
	"encoding/binary"
	"fmt"
	"math"
	"runtime"
	"strings"
	"syscall/js"
	"time"

	"cnnviz/core/explorer"
	"cnnviz/core/nn"

	"github.com/hajimehoshi/ebiten/v2"
)

// installAPI defines window.cnnviz: functions that return Promises. Every
// argument is checked; a bad one rejects the promise with an Error that
// says what was wrong. A panic inside a call rejects it too, and the page
// keeps running.
func installAPI(g *game) {
	api := js.Global().Get("Object").New()
	def := func(name string, f func(args []js.Value) (any, error)) {
		api.Set(name, js.FuncOf(func(_ js.Value, args []js.Value) (res any) {
			defer func() {
				if r := recover(); r != nil {
					res = reject(fmt.Sprintf("cnnviz.%s: internal error: %v", name, r))
				}
			}()
			v, err := f(args)
			if err != nil {
				return reject("cnnviz." + name + ": " + err.Error())
			}
			return js.Global().Get("Promise").Call("resolve", v)
		}))
	}
	def("version", func([]js.Value) (any, error) { return "0.3", nil })
	def("models", func([]js.Value) (any, error) {
		var out []any
		for _, m := range g.app.Models() {
			out = append(out, modelInfo(m))
		}
		return out, nil
	})
	def("predict", func(args []js.Value) (any, error) {
		m, pix, err := modelAndPixels(g, args, 2)
		if err != nil {
			return nil, err
		}
		logits, probs := explorer.Predict(m.Net, pix)
		return map[string]any{"logits": float32Array(logits), "probs": float32Array(probs)}, nil
	})
	def("activations", func(args []js.Value) (any, error) {
		m, pix, err := modelAndPixels(g, args, 2)
		if err != nil {
			return nil, err
		}
		out := map[string]any{}
		for _, a := range explorer.Activations(m.Net, pix) {
			out[a.Name] = map[string]any{"shape": ints(a.Shape), "kind": a.Kind, "data": float32Array(a.Data)}
		}
		return out, nil
	})
	def("inputGradient", func(args []js.Value) (any, error) {
		m, pix, err := modelAndPixels(g, args, 3)
		if err != nil {
			return nil, err
		}
		k := len(m.Net.Spec.Classes)
		class, err := intArg(args[2], "classIndex", 0, k-1)
		if err != nil {
			return nil, err
		}
		grad := explorer.InputGradient(m.Net, pix, class)
		return map[string]any{"shape": ints(grad.Shape), "data": float32Array(grad.Data)}, nil
	})
	def("loadModel", func(args []js.Value) (any, error) {
		if len(args) != 1 {
			return nil, fmt.Errorf("takes 1 argument (the bytes of a .safetensors file), got %d", len(args))
		}
		b, err := bytesArg(args[0], "bytes")
		if err != nil {
			return nil, err
		}
		name, err := g.app.AddModel(b)
		if err != nil {
			return nil, err
		}
		return name, nil
	})
	def("bench", func(args []js.Value) (any, error) {
		if len(args) < 1 || args[0].Type() != js.TypeString {
			return nil, fmt.Errorf("the first argument must be a workload name (%s)", strings.Join(explorer.BenchWorkloads, ", "))
		}
		var o explorer.BenchOptions
		if len(args) > 1 && !args[1].IsUndefined() && !args[1].IsNull() {
			opt := args[1]
			if opt.Type() != js.TypeObject {
				return nil, fmt.Errorf("options must be an object")
			}
			if v := opt.Get("seed"); !v.IsUndefined() {
				n, err := intArg(v, "options.seed", 1, math.MaxInt32)
				if err != nil {
					return nil, err
				}
				o.Seed = uint64(n)
			}
			if v := opt.Get("blocks"); !v.IsUndefined() {
				n, err := intArg(v, "options.blocks", 1, 100)
				if err != nil {
					return nil, err
				}
				o.Blocks = n
			}
			if v := opt.Get("blockMs"); !v.IsUndefined() {
				n, err := intArg(v, "options.blockMs", 1, 2000)
				if err != nil {
					return nil, err
				}
				o.Block = time.Duration(n) * time.Millisecond
			}
			if v := opt.Get("batch"); !v.IsUndefined() {
				n, err := intArg(v, "options.batch", 1, 256)
				if err != nil {
					return nil, err
				}
				o.Batch = n
			}
			if v := opt.Get("n"); !v.IsUndefined() {
				n, err := intArg(v, "options.n", 20, 60000)
				if err != nil {
					return nil, err
				}
				o.N = n
			}
		}
		r, err := explorer.RunBench(args[0].String(), o)
		if err != nil {
			return nil, err
		}
		blocks := make([]any, len(r.Blocks))
		for i, b := range r.Blocks {
			blocks[i] = b
		}
		return map[string]any{"workload": r.Workload, "medianMs": r.Median, "minMs": r.Min,
			"blocksMs": blocks, "reps": r.Reps, "batch": r.Batch, "setupMs": r.SetupMs}, nil
	})
	def("state", func([]js.Value) (any, error) { return stateObject(g), nil })
	def("widgets", func([]js.Value) (any, error) { return g.widgetsObject(), nil })
	def("setState", func(args []js.Value) (any, error) {
		if len(args) != 1 || args[0].Type() != js.TypeObject {
			return nil, fmt.Errorf("takes one object, such as {view: \"filters\"} or {hash: \"#in=t5\"}")
		}
		if err := setState(g, args[0]); err != nil {
			return nil, err
		}
		g.app.Refresh()
		return stateObject(g), nil
	})
	// ready resolves when the test set is loaded and the first prediction
	// on it is made.
	api.Set("ready", js.FuncOf(func(js.Value, []js.Value) any {
		return js.Global().Get("Promise").New(js.FuncOf(func(_ js.Value, a []js.Value) any {
			resolve := a[0]
			go func() {
				for !g.firstPrediction {
					time.Sleep(20 * time.Millisecond)
				}
				resolve.Invoke(stateObject(g))
			}()
			return nil
		}))
	}))
	def("lastExport", func([]js.Value) (any, error) {
		return map[string]any{"name": lastExport.name, "size": lastExport.size}, nil
	})
	def("export", func(args []js.Value) (any, error) {
		if len(args) != 1 || args[0].Type() != js.TypeString {
			return nil, fmt.Errorf("takes a panel name: input, prediction or main")
		}
		p := args[0].String()
		if p != "input" && p != "prediction" && p != "main" {
			return nil, fmt.Errorf("unknown panel %q (input, prediction or main)", p)
		}
		g.exportReq = p
		return nil, nil
	})
	// Functions added by other files (addAPI). A function that returns a
	// later runs as a stepper; its promise settles when the stepper ends.
	for name, f := range apiFuncs {
		api.Set(name, js.FuncOf(func(_ js.Value, args []js.Value) (res any) {
			defer func() {
				if r := recover(); r != nil {
					res = reject(fmt.Sprintf("cnnviz.%s: internal error: %v", name, r))
				}
			}()
			v, err := f(g, args)
			if err != nil {
				return reject("cnnviz." + name + ": " + err.Error())
			}
			if l, ok := v.(later); ok {
				return promiseFor(g, name, l)
			}
			return js.Global().Get("Promise").Call("resolve", v)
		}))
	}
	js.Global().Set("cnnviz", api)
}

func reject(msg string) js.Value {
	return js.Global().Get("Promise").Call("reject", js.Global().Get("Error").New(msg))
}

func modelInfo(m *explorer.Model) map[string]any {
	var layers []any
	for i, l := range m.Net.Spec.Layers {
		layers = append(layers, map[string]any{"name": l.Name, "kind": l.Kind, "outShape": ints(m.Net.OutShape(i))})
	}
	var classes []any
	for _, c := range m.Net.Spec.Classes {
		classes = append(classes, c)
	}
	return map[string]any{"name": m.Name, "inputShape": ints(m.Net.Spec.Input), "classes": classes,
		"layers": layers, "builtin": m.Builtin, "params": m.Net.NumParams()}
}

// modelAndPixels checks the (model, pixels, ...) arguments.
func modelAndPixels(g *game, args []js.Value, n int) (*explorer.Model, []float32, error) {
	if len(args) != n {
		return nil, nil, fmt.Errorf("takes %d arguments, got %d", n, len(args))
	}
	if args[0].Type() != js.TypeString {
		return nil, nil, fmt.Errorf("model must be a model name (a string), got %s", args[0].Type())
	}
	m := g.app.Model(args[0].String())
	if m == nil {
		var names []string
		for _, mm := range g.app.Models() {
			names = append(names, mm.Name)
		}
		return nil, nil, fmt.Errorf("no model %q (have: %s)", args[0].String(), strings.Join(names, ", "))
	}
	pix, err := floatsArg(args[1], "pixels")
	if err != nil {
		return nil, nil, err
	}
	if err := explorer.CheckPixels(m.Net, pix); err != nil {
		return nil, nil, err
	}
	return m, pix, nil
}

// floatsArg reads a Float32Array, a Float64Array or an Array of numbers.
func floatsArg(v js.Value, name string) ([]float32, error) {
	g := js.Global()
	switch {
	case v.InstanceOf(g.Get("Float32Array")), v.InstanceOf(g.Get("Float64Array")):
		n := v.Get("length").Int()
		if n > nn.MaxActivation {
			return nil, fmt.Errorf("%s has %d values, too many", name, n)
		}
		u8 := g.Get("Uint8Array").New(v.Get("buffer"), v.Get("byteOffset"), v.Get("byteLength"))
		raw := make([]byte, v.Get("byteLength").Int())
		js.CopyBytesToGo(raw, u8)
		out := make([]float32, n)
		if v.InstanceOf(g.Get("Float32Array")) {
			for i := range out {
				out[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
			}
		} else {
			for i := range out {
				out[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(raw[8*i:])))
			}
		}
		return out, nil
	case g.Get("Array").Call("isArray", v).Bool():
		n := v.Length()
		if n > nn.MaxActivation {
			return nil, fmt.Errorf("%s has %d values, too many", name, n)
		}
		out := make([]float32, n)
		for i := range out {
			e := v.Index(i)
			if e.Type() != js.TypeNumber {
				return nil, fmt.Errorf("%s[%d] is a %s, not a number", name, i, e.Type())
			}
			out[i] = float32(e.Float())
		}
		return out, nil
	}
	return nil, fmt.Errorf("%s must be a Float32Array (or an array of numbers), got %s", name, describe(v))
}

// bytesArg reads a Uint8Array or an ArrayBuffer.
func bytesArg(v js.Value, name string) ([]byte, error) {
	if v.InstanceOf(js.Global().Get("Uint8Array")) || v.InstanceOf(js.Global().Get("ArrayBuffer")) {
		b := bytesOf(v)
		if len(b) == 0 {
			return nil, fmt.Errorf("%s is empty", name)
		}
		return b, nil
	}
	return nil, fmt.Errorf("%s must be a Uint8Array or an ArrayBuffer, got %s", name, describe(v))
}

// intArg reads a whole number in [lo, hi].
func intArg(v js.Value, name string, lo, hi int) (int, error) {
	if v.Type() != js.TypeNumber {
		return 0, fmt.Errorf("%s must be a number, got %s", name, describe(v))
	}
	f := v.Float()
	if f != math.Trunc(f) || f < float64(lo) || f > float64(hi) {
		return 0, fmt.Errorf("%s must be a whole number in %d..%d, got %v", name, lo, hi, f)
	}
	return int(f), nil
}

func describe(v js.Value) string {
	if v.Type() == js.TypeObject {
		if c := v.Get("constructor"); c.Truthy() {
			return "a " + c.Get("name").String()
		}
	}
	return v.Type().String()
}

func float32Array(d []float32) js.Value {
	a := js.Global().Get("Float32Array").New(len(d))
	if len(d) == 0 {
		return a
	}
	raw := make([]byte, 4*len(d))
	for i, v := range d {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
	}
	js.CopyBytesToJS(js.Global().Get("Uint8Array").New(a.Get("buffer")), raw)
	return a
}

func ints(s []int) []any {
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
		"testSetLoaded": a.Test != nil, "scan": map[string]any{"checked": scanned, "total": total, "wrong": wrong},
		"views": viewIDs(), "misclassifiedOnly": a.MisOnly,
		// The drawing surface in CSS pixels, for scripts that draw.
		"canvas": []any{float64(g.lay.canvas.Min.X) / g.dpr, float64(g.lay.canvas.Min.Y) / g.dpr,
			float64(g.lay.canvas.Max.X) / g.dpr, float64(g.lay.canvas.Max.Y) / g.dpr},
		"narrow": g.lay.narrow,
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
