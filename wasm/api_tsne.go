//go:build js && wasm

package main

import (
	"fmt"
	"image"
	"math"
	"strings"
	"syscall/js"
	"time"

	"cnnviz/core/explorer"
)

func init() {
	addAPI("tsne", apiTSNE)
	addAPI("embeddingStatus", apiEmbeddingStatus)
}

// apiTSNE is cnnviz.tsne({model, layer, n, perplexity, iterations, seed,
// theta, learningRate, exaggeration, method}): the embedding of the
// activations of layer ("pixels" or a layer name; default "gap" when the
// model has it) for the first n test images (default 1000). It runs as a
// stepper and resolves to {coords (Float32Array n×2), labels, predictions,
// kl, iterations, layer, n}.
func apiTSNE(g *game, args []js.Value) (any, error) {
	a := g.app
	o := js.Undefined()
	if len(args) > 0 {
		o = args[0]
	}
	if !o.IsUndefined() && !o.IsNull() && o.Type() != js.TypeObject {
		return nil, fmt.Errorf("options must be an object")
	}
	get := func(k string) js.Value {
		if o.IsUndefined() || o.IsNull() {
			return js.Undefined()
		}
		return o.Get(k)
	}
	m, err := modelOption(g, get("model"))
	if err != nil {
		return nil, err
	}
	layer := explorer.PixelsSource
	if explorer.DefaultEmbedSource(m.Net) == "gap" {
		layer = "gap"
	}
	if v := get("layer"); !v.IsUndefined() {
		if v.Type() != js.TypeString {
			return nil, fmt.Errorf("layer must be a string (%s)", strings.Join(explorer.EmbedSources(m.Net), ", "))
		}
		layer = v.String()
	}
	eo := explorer.DefaultEmbedOptions(layer, 1000)
	opt := &eo.TSNE
	whole := func(k string, dst *int, lo, hi int) {
		if v := get(k); err == nil && !v.IsUndefined() {
			*dst, err = intArg(v, "options."+k, lo, hi)
		}
	}
	num := func(k string, dst *float64, lo, hi float64) {
		if v := get(k); err == nil && !v.IsUndefined() {
			if v.Type() != js.TypeNumber || !(v.Float() >= lo && v.Float() <= hi) {
				err = fmt.Errorf("options.%s must be a number in %v..%v", k, lo, hi)
				return
			}
			*dst = v.Float()
		}
	}
	seed := 1
	whole("n", &eo.N, 4, 10000)
	whole("iterations", &opt.MaxIter, 1, 10000)
	whole("seed", &seed, 0, math.MaxInt32)
	num("perplexity", &opt.Perplexity, 1, 100)
	num("theta", &opt.Theta, 0, 1.5)
	num("learningRate", &opt.LearningRate, 0, 1e5)
	num("exaggeration", &opt.EarlyExaggeration, 1, 100)
	if v := get("method"); err == nil && !v.IsUndefined() {
		eo.Method = v.String()
	}
	if err != nil {
		return nil, err
	}
	opt.Seed = uint64(seed)
	opt.ExaggerationIters = min(opt.ExaggerationIters, opt.MaxIter)
	set, err := a.TestSet()
	if err != nil {
		return nil, err
	}
	e, err := explorer.NewEmbedding(m.Net, set, eo)
	if err != nil {
		return nil, err
	}
	return later{Stepper: e, Result: func() (any, error) {
		r := e.Result()
		return map[string]any{"coords": float32Array(r.Coords), "labels": intsToJS(r.Labels), "predictions": intsToJS(r.Pred),
			"kl": r.KL, "iterations": r.Iterations, "layer": e.Feat.Source, "n": e.Feat.N, "dims": e.Feat.D}, nil
	}}, nil
}

// apiEmbeddingStatus reports the embedding view's run, for tests.
func apiEmbeddingStatus(g *game, _ []js.Value) (any, error) {
	v, _ := viewByID("embedding").(*embeddingView)
	if v == nil {
		return nil, fmt.Errorf("no embedding view")
	}
	m := v.m
	out := map[string]any{"running": m.Running(g.app), "err": "", "hover": v.hover,
		"zoom": m.Zoom.Zoom, "centre": []any{m.Zoom.CX, m.Zoom.CY}}
	if m.Err != nil {
		out["err"] = m.Err.Error()
	}
	css := func(r image.Rectangle) []any {
		return []any{float64(r.Min.X) / g.dpr, float64(r.Min.Y) / g.dpr, float64(r.Max.X) / g.dpr, float64(r.Max.Y) / g.dpr}
	}
	if e := m.E; e != nil {
		out["phase"], out["iteration"], out["n"], out["layer"], out["ready"] = e.Phase(), e.Iteration(), e.Feat.N, e.Feat.Source, e.Ready()
		out["setupMs"] = float64(m.SetupAt.Microseconds()) / 1000
		out["elapsedMs"] = float64(time.Since(m.Started).Microseconds()) / 1000
		out["doneMs"] = float64(m.DoneAt.Microseconds()) / 1000
		if len(e.KL) > 0 {
			out["kl"] = e.KL[len(e.KL)-1]
		}
		out["busyMs"], out["steps"] = float64(m.Busy.Microseconds())/1000, m.Steps
		out["scatter"] = css(v.scatterRect)
	}
	legend := make([]any, len(v.legend))
	for i, l := range v.legend {
		legend[i] = map[string]any{"label": l.Label, "colour": l.Colour, "swatch": css(l.swatch),
			"text": []any{float64(l.tx) / g.dpr, float64(l.ty) / g.dpr}}
	}
	out["legend"] = legend
	fr := make([]any, len(v.frameMs))
	for i, f := range v.frameMs {
		fr[i] = f
	}
	out["frameMs"] = fr
	if mn := m.Meaning; mn != nil {
		out["meaning"] = map[string]any{"sources": mn.Sources, "oneNN": mn.OneNN, "kept": mn.Kept}
	}
	return out, nil
}

func modelNames(a *explorer.App) []string {
	var out []string
	for _, m := range a.Models() {
		out = append(out, m.Name)
	}
	return out
}

func intsToJS(v []int) []any {
	out := make([]any, len(v))
	for i, x := range v {
		out[i] = x
	}
	return out
}
