//go:build js && wasm

package main

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"syscall/js"

	"cnnviz/core/explorer"
)

func init() {
	addAPI("maximize", apiMaximize)
	addAPI("actmaxStatus", apiActmaxStatus)
}

// maximizeKeys are the option names cnnviz.maximize accepts, each with
// what it reads.
var maximizeKeys = map[string]string{
	"layer": "layer name", "channel": "channel number", "unit": "[channel, y, x]", "class": "class number",
	"direction": "one weight per channel", "objective": "objective name", "negate": "boolean",
	"steps": "number of steps", "seed": "seed", "lr": "step size", "fourier": "boolean or decay power",
	"colour": "boolean: decorrelated colours (default for colour models) or plain RGB",
	"l2":     "L2 strength", "tv": "total variation strength", "blurEvery": "steps between blurs",
	"blurSigma": "blur width in pixels", "jitter": "pixels", "scale": "fraction", "rotate": "degrees",
	"pad": "pixels", "octaves": "upscaling octaves 0..3", "snapEvery": "steps between snapshots",
	"pixels": "starting image for deep dream",
}

// apiMaximize is cnnviz.maximize(model, options): activation maximization
// run as a stepper (the page keeps drawing); it resolves to {shape, data,
// objective, snapshots}.
func apiMaximize(g *game, args []js.Value) (any, error) {
	if len(args) != 2 {
		return nil, fmt.Errorf("takes 2 arguments (model name, options object), got %d", len(args))
	}
	if args[0].Type() != js.TypeString {
		return nil, fmt.Errorf("model must be a model name (a string), got %s", describe(args[0]))
	}
	m, err := g.modelNamed(args[0].String())
	if err != nil {
		return nil, err
	}
	if m == nil {
		return nil, fmt.Errorf("no model %q (have: %s)", args[0].String(), strings.Join(modelNames(g.app), ", "))
	}
	o := args[1]
	if o.Type() != js.TypeObject || js.Global().Get("Array").Call("isArray", o).Bool() {
		return nil, fmt.Errorf("options must be an object such as {layer: \"conv2\", channel: 0}, got %s", describe(o))
	}
	keys := js.Global().Get("Object").Call("keys", o)
	for i := 0; i < keys.Length(); i++ {
		k := keys.Index(i).String()
		if _, ok := maximizeKeys[k]; !ok {
			known := make([]string, 0, len(maximizeKeys))
			for n := range maximizeKeys {
				known = append(known, n)
			}
			sort.Strings(known)
			return nil, fmt.Errorf("unknown option %q (known: %s)", k, strings.Join(known, ", "))
		}
	}
	net := m.Net
	p := explorer.ActmaxParams{Y: -1, X: -1, Seed: 1}
	has := func(k string) bool { v := o.Get(k); return !v.IsUndefined() && !v.IsNull() }
	str := func(k string, dst *string) {
		if err == nil && has(k) {
			if v := o.Get(k); v.Type() != js.TypeString {
				err = fmt.Errorf("%s must be a string, got %s", k, describe(v))
			} else {
				*dst = v.String()
			}
		}
	}
	whole := func(k string, dst *int, lo, hi int) {
		if err == nil && has(k) {
			*dst, err = intArg(o.Get(k), k, lo, hi)
		}
	}
	num := func(k string, dst *float64) {
		if err == nil && has(k) {
			v := o.Get(k)
			if v.Type() != js.TypeNumber || math.IsNaN(v.Float()) || math.IsInf(v.Float(), 0) {
				err = fmt.Errorf("%s must be a finite number, got %s", k, describe(v))
				return
			}
			*dst = v.Float()
		}
	}
	boolean := func(k string, dst *bool) {
		if err == nil && has(k) {
			if v := o.Get(k); v.Type() != js.TypeBoolean {
				err = fmt.Errorf("%s must be true or false, got %s", k, describe(v))
			} else {
				*dst = v.Bool()
			}
		}
	}
	str("objective", &p.Objective)
	str("layer", &p.Layer)
	whole("channel", &p.Channel, 0, 1<<16)
	whole("class", &p.Class, 0, 1<<16)
	if err == nil && has("unit") {
		u := o.Get("unit")
		if !js.Global().Get("Array").Call("isArray", u).Bool() || u.Length() != 3 {
			err = fmt.Errorf("unit must be [channel, y, x], got %s", describe(u))
		} else {
			for i, dst := range []*int{&p.Channel, &p.Y, &p.X} {
				if err == nil {
					*dst, err = intArg(u.Index(i), fmt.Sprintf("unit[%d]", i), 0, 1<<16)
				}
			}
		}
	}
	if err == nil && has("direction") {
		p.Weights, err = floatsArg(o.Get("direction"), "direction")
	}
	boolean("negate", &p.Negate)
	whole("steps", &p.Steps, 1, explorer.MaxActmaxSteps)
	seed := 1
	whole("seed", &seed, 0, math.MaxInt32)
	p.Seed = uint64(seed)
	num("lr", &p.LR)
	if err == nil && has("fourier") {
		switch v := o.Get("fourier"); v.Type() {
		case js.TypeBoolean:
			p.Fourier = v.Bool()
		case js.TypeNumber:
			num("fourier", &p.Decay)
			p.Fourier = true
		default:
			err = fmt.Errorf("fourier must be true, false or a decay power, got %s", describe(v))
		}
	}
	if err == nil && has("colour") {
		var dec bool
		boolean("colour", &dec)
		p.Decorrelate = explorer.ColourSpace(dec)
	}
	num("l2", &p.L2)
	num("tv", &p.TV)
	whole("blurEvery", &p.BlurEvery, 0, explorer.MaxActmaxSteps)
	num("blurSigma", &p.BlurSigma)
	whole("jitter", &p.Jitter, 0, 1<<10)
	num("scale", &p.Scale)
	num("rotate", &p.Rotate)
	whole("pad", &p.Pad, 0, 1<<10)
	whole("octaves", &p.Octaves, 0, 3)
	whole("snapEvery", &p.SnapEvery, 0, explorer.MaxActmaxSteps)
	if err != nil {
		return nil, err
	}
	// Infer the objective from the fields given.
	given := 0
	for _, k := range []string{"unit", "class", "direction"} {
		if has(k) {
			given++
			if p.Objective == "" {
				p.Objective = k
			}
		}
	}
	if given > 1 {
		return nil, fmt.Errorf("give at most one of unit, class and direction")
	}
	if p.Objective == "" {
		p.Objective = "channel"
	}
	if p.Objective != "class" && p.Layer == "" {
		return nil, fmt.Errorf("layer is required for objective %q (layers: %s)", p.Objective, strings.Join(layerList(m), ", "))
	}
	start := g.app.ModelInput()
	if m != g.app.Current() {
		start = explorer.FitInput(g.app.Pixels, net.Spec.Input)
	}
	if has("pixels") {
		pix, err := floatsArg(o.Get("pixels"), "pixels")
		if err != nil {
			return nil, err
		}
		if err := explorer.CheckPixels(net, pix); err != nil {
			return nil, err
		}
		start = pix
	}
	r, err := explorer.Maximize(net, p, start)
	if err != nil {
		return nil, err
	}
	return later{Stepper: r, Result: func() (any, error) {
		res := r.Result()
		curve := make([]any, len(res.Objective))
		for i, v := range res.Objective {
			curve[i] = v
		}
		snaps := make([]any, len(res.Snapshots))
		for i, s := range res.Snapshots {
			snaps[i] = map[string]any{"step": s.Step, "data": float32Array(s.Image.Data)}
		}
		return map[string]any{"shape": ints(res.Image.Shape), "data": float32Array(res.Image.Data),
			"objective": curve, "snapshots": snaps}, nil
	}}, nil
}

func layerList(m *explorer.Model) []string {
	out := make([]string, len(m.Net.Spec.Layers))
	for i, l := range m.Net.Spec.Layers {
		out[i] = l.Name
	}
	return out
}

// apiActmaxStatus is cnnviz.actmaxStatus(): what the optimized-inputs view
// is computing, for tests and timing: {mode, running, layer, step, steps,
// channel, channels, ms} (ms is the time to finish, 0 while running).
func apiActmaxStatus(g *game, _ []js.Value) (any, error) {
	v, _ := viewByID("actmax").(*actmaxView)
	out := map[string]any{"mode": "none", "running": g.app.Sched.Running(explorer.ActmaxJob), "ms": 0.0, "error": ""}
	if v == nil {
		return out, nil
	}
	m := &v.m
	out["error"] = m.Err
	out["updateMs"], out["drawMs"] = v.updMs, v.drawMs
	out["ms"] = float64(m.Took.Microseconds()) / 1000
	switch {
	case m.Atlas != nil:
		out["mode"], out["channel"], out["channels"] = "atlas", m.Atlas.Channel(), m.Atlas.Channels()
		out["layer"] = m.Net.Spec.Layers[m.Layer].Name
	case m.Run != nil:
		done, total := m.Run.Steps()
		out["mode"], out["step"], out["steps"] = "single", done, total
		out["layer"] = m.Net.Spec.Layers[m.Layer].Name
		curve := m.Run.Objective()
		if len(curve) > 0 {
			out["first"], out["last"] = curve[0], curve[len(curve)-1]
		}
	}
	return out, nil
}
