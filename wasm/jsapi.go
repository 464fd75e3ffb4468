//go:build js && wasm

package main

import (
	"fmt"
	"math"
	"strings"
	"syscall/js"
	"time"

	"cnnviz/core/explorer"
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
			return settle(g, name, args, v, err, resolved)
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
		// An array, so that the layers keep their order in JavaScript.
		var out []any
		for _, a := range explorer.Activations(m.Net, pix) {
			out = append(out, map[string]any{"layer": a.Name, "shape": ints(a.Shape), "kind": a.Kind, "data": float32Array(a.Data)})
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
			return nil, fmt.Errorf("takes 1 argument (a model file's bytes, an object of file name to bytes, or an array of {name, bytes}), got %d", len(args))
		}
		if v := args[0]; v.InstanceOf(js.Global().Get("Uint8Array")) || v.InstanceOf(js.Global().Get("ArrayBuffer")) {
			b, err := bytesArg(v, "bytes")
			if err != nil {
				return nil, err
			}
			name, note, err := g.app.AddModel(b)
			if err != nil {
				return nil, err
			}
			if note != "" {
				g.say("loaded model %s; %s", name, note)
			}
			return name, nil
		}
		files, err := filesArg(args[0], "files")
		if err != nil {
			return nil, err
		}
		name, note, err := g.app.AddModelFiles(files)
		if err != nil {
			return nil, err
		}
		if note != "" {
			g.say("loaded model %s; %s", name, note)
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
			if v := opt.Get("model"); !v.IsUndefined() {
				m, err := modelOption(g, v)
				if err != nil {
					return nil, err
				}
				o.Net = m.Net
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
	// ready asks for the test set and resolves when it is loaded and the
	// first prediction on it is made.
	api.Set("ready", js.FuncOf(func(js.Value, []js.Value) any {
		return js.Global().Get("Promise").New(js.FuncOf(func(_ js.Value, a []js.Value) any {
			resolve := a[0]
			g.post(func() { g.whenTest(nil) })
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
			return settle(g, name, args, v, err, func(v any) js.Value {
				if l, ok := v.(later); ok {
					return promiseFor(g, name, l)
				}
				return resolved(v)
			})
		}))
	}
	js.Global().Set("cnnviz", api)
}

func resolved(v any) js.Value { return js.Global().Get("Promise").Call("resolve", v) }

func reject(msg string) js.Value {
	return js.Global().Get("Promise").Call("reject", js.Global().Get("Error").New(msg))
}

func modelInfo(m *explorer.Model) map[string]any {
	var layers []any
	spec := m.Net.Spec
	for i, l := range spec.Layers {
		// inputs names the layers each one reads ("input" for the
		// image): the edges of a graph model, the previous layer in a
		// chain.
		var inputs []any
		for _, name := range m.LayerInputs(i) {
			inputs = append(inputs, name)
		}
		layers = append(layers, map[string]any{"name": l.Name, "kind": l.Kind, "outShape": ints(m.Net.OutShape(i)), "inputs": inputs})
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
	m, err := g.modelNamed(args[0].String())
	if err != nil {
		return nil, nil, err
	}
	if m == nil {
		return nil, nil, fmt.Errorf("no model %q (have: %s)", args[0].String(), strings.Join(modelNames(g.app), ", "))
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
