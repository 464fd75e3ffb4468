//go:build js && wasm

package main

import (
	"fmt"
	"image"
	"math"
	"syscall/js"

	"cnnviz/core/explorer"
)

func init() {
	addAPI("layerStats", apiLayerStats)
	// featuresPerf(reset) reports the layers view's timings (and resets
	// the maxima when reset is true) and the screen places of its tiles.
	addAPI("featuresPerf", func(g *game, args []js.Value) (any, error) {
		lv, _ := viewByID("layers").(*layersView)
		if lv != nil && len(args) > 0 && args[0].Truthy() {
			lv.rebuildMax, lv.frameMax = 0, 0
		}
		out := map[string]any{}
		if lv != nil {
			out["rebuildMs"], out["rebuildMaxMs"], out["rebuilds"] = lv.rebuildMs, lv.rebuildMax, lv.rebuilds
			out["rebuildFrames"], out["frameMaxMs"] = lv.rebuildFrames, lv.frameMax
			if lv.hover.ok && lv.hover.layer < len(g.app.Acts) {
				h := lv.hover
				out["hover"] = map[string]any{"layer": g.app.Acts[h.layer].Name, "channel": h.ch, "y": h.y, "x": h.x}
			}
			// Screen rectangles (CSS pixels) of the first channels of
			// every layer, so that tests can point at them.
			tiles := map[string]any{}
			for i, r := range lv.last.rows {
				if i >= len(g.app.Acts) {
					break
				}
				var list []any
				for ch := 0; ch < min(8, r.Lay.N); ch++ {
					list = append(list, rectCSS(g, r.tileRect(ch)))
				}
				tiles[g.app.Acts[i].Name] = list
			}
			out["tiles"] = tiles
			if top, ms := lv.vm.Top(); top != nil && top.Layer < len(g.app.Acts) {
				d, n := top.Progress()
				out["top"] = map[string]any{"done": d, "total": n, "ms": ms, "layer": g.app.Acts[top.Layer].Name}
			}
			out["legend"] = rectCSS(g, lv.last.legend)
			out["classes"] = labelsCSS(g, lv.classes)
		}
		// Where the stats chart's layer names and the filters' row and
		// column labels were last drawn.
		if sv, _ := viewByID("stats").(*statsView); sv != nil {
			out["statsAxis"] = labelsCSS(g, sv.axis)
		}
		if fv, _ := viewByID("filters").(*filtersView); fv != nil {
			out["filterLabels"] = labelsCSS(g, fv.labels)
		}
		return out, nil
	})
}

// apiLayerStats is cnnviz.layerStats(model, {sample, seed}): the
// statistics of every layer of the model (featuremaps.Stats) for the
// current input, or with sample = n over n test images drawn with seed
// (default: the state's seed). The sample pass runs as a stepper, so the
// page keeps drawing.
func apiLayerStats(g *game, args []js.Value) (any, error) {
	a := g.app
	if len(args) < 1 || args[0].Type() != js.TypeString {
		return nil, fmt.Errorf("the first argument must be a model name")
	}
	m, err := g.modelNamed(args[0].String())
	if err != nil {
		return nil, err
	}
	if m == nil {
		return nil, fmt.Errorf("no model %q", args[0].String())
	}
	sample, seed := 0, int(a.State.Seed)
	if len(args) > 1 && !args[1].IsUndefined() && !args[1].IsNull() {
		o := args[1]
		if o.Type() != js.TypeObject {
			return nil, fmt.Errorf("options must be an object")
		}
		var err error
		if v := o.Get("sample"); !v.IsUndefined() {
			if sample, err = intArg(v, "options.sample", 0, 1<<20); err != nil {
				return nil, err
			}
		}
		if v := o.Get("seed"); !v.IsUndefined() {
			if seed, err = intArg(v, "options.seed", 0, math.MaxInt32); err != nil {
				return nil, err
			}
		}
	}
	if sample == 0 {
		acts := explorer.Activations(m.Net, explorer.FitInput(a.Pixels, m.Net.Spec.Input))
		return statsJS(explorer.CurrentStats(m, acts)), nil
	}
	set, err := a.TestSet()
	if err != nil {
		return nil, err
	}
	idx, err := explorer.TestSample(set, sample, uint64(seed))
	if err != nil {
		return nil, err
	}
	job := explorer.NewStatsJob(m, a.Test, idx)
	return later{Stepper: job, Result: func() (any, error) { return statsJS(job.Stats()), nil }}, nil
}

// rectCSS is r in CSS pixels, [x0, y0, x1, y1].
func rectCSS(g *game, r image.Rectangle) []any {
	return []any{float64(r.Min.X) / g.dpr, float64(r.Min.Y) / g.dpr, float64(r.Max.X) / g.dpr, float64(r.Max.Y) / g.dpr}
}

// labelsCSS lists labels as {text, rect} with rectangles in CSS pixels.
func labelsCSS(g *game, ls []axisLabel) []any {
	out := []any{}
	for _, l := range ls {
		out = append(out, map[string]any{"text": l.name, "rect": rectCSS(g, l.r)})
	}
	return out
}

// statsJS converts statistics to plain JS objects (NaN stays NaN).
func statsJS(st []explorer.LayerStats) []any {
	out := make([]any, len(st))
	for i, s := range st {
		out[i] = map[string]any{"name": s.Name, "kind": s.Kind, "shape": ints(s.Shape), "images": s.Images,
			"min": s.Min, "max": s.Max, "mean": s.Mean, "std": s.Std, "sparsity": s.Sparsity, "blank": s.Blank,
			"deadUnits": s.DeadUnits, "deadChannels": s.DeadChannels}
	}
	return out
}
