//go:build js && wasm

package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"syscall/js"

	"cnnviz/core/explorer"
)

func init() {
	addAPI("attribute", apiAttribute)
	addAPI("attributionMetrics", apiAttributionMetrics)
	addAPI("attributionView", apiAttributionView)
}

// attributionView() describes what the Attribution view shows: the method,
// whether its map is done and how long it took in the page, the overlay's
// rectangle in CSS pixels and the size of its image in its own pixels
// (overlaySize: the photo's crop when onPhoto), whether the last frame drew that map finished
// with the current display options (drawn), and the progress of the grid
// and the metrics. Tests and scripts use it to wait for results.
func apiAttributionView(g *game, args []js.Value) (any, error) {
	if len(args) != 0 {
		return nil, fmt.Errorf("takes no arguments")
	}
	v, ok := viewByID("attribution").(*attrView)
	if !ok {
		return nil, fmt.Errorf("no attribution view")
	}
	m := &v.m
	out := map[string]any{"done": false, "error": m.Err, "updateMs": v.updMs, "drawMs": v.drawMs, "note": ""}
	if m.Job != nil {
		d, t := m.Job.Progress()
		out["done"], out["progress"], out["total"] = m.Job.Done(), d, t
		out["method"], out["elapsedMs"] = m.Job.Method.ID, float64(m.Elapsed.Microseconds())/1000
		if m.Job.Layer >= 0 {
			out["layer"] = g.app.Current().Net.Spec.Layers[m.Job.Layer].Name
		}
		out["note"] = m.Job.Note
	}
	r := v.overlayRect
	out["overlay"] = []any{float64(r.Min.X) / g.dpr, float64(r.Min.Y) / g.dpr, float64(r.Max.X) / g.dpr, float64(r.Max.Y) / g.dpr}
	out["drawn"] = v.drawnKey != "" && v.drawnKey == v.overlayKey(g.app) && g.drawnKey == g.frameKey
	out["overlaySize"], out["onPhoto"] = []any{v.overlaySize.X, v.overlaySize.Y}, v.onPhoto
	grid := map[string]any{}
	for id, res := range m.Grid {
		if res.Job != nil && res.Job.Done() {
			grid[id] = float64(res.Elapsed.Microseconds()) / 1000
		}
	}
	out["grid"] = grid
	out["metricsDone"], out["metricsError"] = m.EvalsDone(), m.EvalErr
	return out, nil
}

func methodIDs() string {
	var ids []string
	for _, m := range explorer.AttrMethods {
		ids = append(ids, m.ID)
	}
	return strings.Join(ids, ", ")
}

// attrArgs reads the options object shared by attribute and
// attributionMetrics: method, layer, target and the method options.
// Unknown keys are errors, so that a typo does not pass silently.
func attrArgs(m *explorer.Model, o js.Value, allowed ...string) (method string, layer int, target int, opt explorer.AttrOptions, err error) {
	net := m.Net
	opt = explorer.DefaultAttrOptions()
	opt.Batch = 1
	target = -1
	if o.Type() != js.TypeObject || o.InstanceOf(js.Global().Get("Array")) {
		return "", 0, 0, opt, fmt.Errorf("options must be an object such as {method: \"gradcam\"}, got %s", describe(o))
	}
	known := map[string]bool{"method": true, "layer": true, "target": true, "steps": true, "baseline": true,
		"samples": true, "noise": true, "seed": true, "patch": true, "stride": true}
	for _, k := range allowed {
		known[k] = true
	}
	keys := js.Global().Get("Object").Call("keys", o)
	for i := 0; i < keys.Length(); i++ {
		if k := keys.Index(i).String(); !known[k] {
			return "", 0, 0, opt, fmt.Errorf("unknown option %q", k)
		}
	}
	mv := o.Get("method")
	if mv.Type() != js.TypeString {
		return "", 0, 0, opt, fmt.Errorf("options.method must be a string (one of %s), got %s", methodIDs(), describe(mv))
	}
	me, ok := explorer.AttrMethodByID(mv.String())
	if !ok {
		return "", 0, 0, opt, fmt.Errorf("unknown method %q (have: %s)", mv.String(), methodIDs())
	}
	method = me.ID
	layer = explorer.AttrLayerOf(net, me, "")
	if lv := o.Get("layer"); !lv.IsUndefined() {
		if !me.Layer {
			return "", 0, 0, opt, fmt.Errorf("method %s takes no layer", method)
		}
		var s string
		switch lv.Type() {
		case js.TypeString:
			s = lv.String()
		case js.TypeNumber:
			n, err := intArg(lv, "options.layer", 0, len(net.Layers)-1)
			if err != nil {
				return "", 0, 0, opt, err
			}
			s = strconv.Itoa(n)
		default:
			return "", 0, 0, opt, fmt.Errorf("options.layer must be a layer name or index, got %s", describe(lv))
		}
		l, err := explorer.AttrLayerByName(net, s)
		if err != nil {
			return "", 0, 0, opt, err
		}
		layer = l
	}
	num := func(key string, dst *int, lo, hi int) error {
		if v := o.Get(key); !v.IsUndefined() {
			n, err := intArg(v, "options."+key, lo, hi)
			if err != nil {
				return err
			}
			*dst = n
		}
		return nil
	}
	if err := num("target", &target, 0, len(net.Spec.Classes)-1); err != nil {
		return "", 0, 0, opt, err
	}
	in := net.Spec.Input
	seed := 1
	for _, n := range []struct {
		key    string
		dst    *int
		lo, hi int
	}{{"steps", &opt.IGSteps, 1, explorer.MaxIGSteps}, {"samples", &opt.SGSamples, 1, explorer.MaxSGSamples},
		{"patch", &opt.OccPatch, 1, min(in[1], in[2])}, {"stride", &opt.OccStride, 1, max(in[1], in[2])}, {"seed", &seed, 1, math.MaxInt32}} {
		if err := num(n.key, n.dst, n.lo, n.hi); err != nil {
			return "", 0, 0, opt, err
		}
	}
	opt.Seed = uint64(seed)
	if v := o.Get("noise"); !v.IsUndefined() {
		if v.Type() != js.TypeNumber || !(v.Float() >= 0 && v.Float() <= 1) {
			return "", 0, 0, opt, fmt.Errorf("options.noise must be a number in 0..1 (a fraction of the input range), got %s", describe(v))
		}
		opt.SGNoise = v.Float()
	}
	if v := o.Get("baseline"); !v.IsUndefined() {
		found := false
		if v.Type() == js.TypeString {
			opt.IGBaseline, found = explorer.BaselineByName(v.String())
		}
		if !found {
			return "", 0, 0, opt, fmt.Errorf("options.baseline must be one of %v", explorer.Baselines)
		}
	}
	return method, layer, target, opt, nil
}

// attribute(model, pixels, {method, layer, target, ...}) → {shape, data,
// method, layer, target} with the raw map; integrated gradients add
// completenessError and delta.
func apiAttribute(g *game, args []js.Value) (any, error) {
	if len(args) != 3 {
		return nil, fmt.Errorf("takes 3 arguments (model, pixels, {method, layer, target, ...}), got %d", len(args))
	}
	m, pix, err := modelAndPixels(g, args[:2], 2)
	if err != nil {
		return nil, err
	}
	method, layer, target, opt, err := attrArgs(m, args[2])
	if err != nil {
		return nil, err
	}
	if target < 0 {
		_, p := explorer.Predict(m.Net, pix)
		target = explorer.ClassOrder(p)[0]
	}
	j, err := explorer.NewAttr(m.Net, pix, method, layer, target, opt)
	if err != nil {
		return nil, err
	}
	return later{Stepper: j, Result: func() (any, error) {
		if j.Err() != nil {
			return nil, j.Err()
		}
		r := j.Result()
		out := map[string]any{"shape": ints(r.Shape), "data": float32Array(r.Data), "method": method, "target": target}
		if j.Layer >= 0 {
			out["layer"] = m.Net.Spec.Layers[j.Layer].Name
		}
		if j.Note != "" {
			out["note"] = j.Note
		}
		if gap, delta, ok := j.Completeness(); ok {
			out["completenessError"], out["delta"] = gap, delta
		}
		return out, nil
	}}, nil
}

// attributionMetrics(model, {method, layer, metric, n, seed, ...}) measures
// a method over n seeded test images (scenes for "pointing"), each
// explained for the model's predicted class (the true label for scenes).
func apiAttributionMetrics(g *game, args []js.Value) (any, error) {
	if len(args) != 2 {
		return nil, fmt.Errorf("takes 2 arguments (model, {method, layer, metric, n, seed}), got %d", len(args))
	}
	if args[0].Type() != js.TypeString {
		return nil, fmt.Errorf("model must be a model name (a string), got %s", describe(args[0]))
	}
	m, err := g.modelNamed(args[0].String())
	if err != nil {
		return nil, err
	}
	if m == nil {
		return nil, fmt.Errorf("no model %q", args[0].String())
	}
	method, layer, target, opt, err := attrArgs(m, args[1], "metric", "n")
	if err != nil {
		return nil, err
	}
	if target >= 0 {
		return nil, fmt.Errorf("attributionMetrics takes no target: each image is explained for its predicted class")
	}
	o := args[1]
	mv := o.Get("metric")
	if mv.Type() != js.TypeString {
		return nil, fmt.Errorf("options.metric must be one of %v, got %s", explorer.AttrMetrics, describe(mv))
	}
	metric := mv.String()
	n := 8
	if v := o.Get("n"); !v.IsUndefined() {
		if n, err = intArg(v, "options.n", 1, 1000); err != nil {
			return nil, err
		}
	}
	set, err := g.app.TestSet()
	if err != nil {
		return nil, err
	}
	net, imgs, cls, boxes, err := explorer.AttrMetricImages(m.Net, set, metric, n, opt.Seed)
	if err != nil {
		return nil, err
	}
	e, err := explorer.NewAttrEval(net, metric, method, layer, opt, imgs, cls, boxes, opt.Seed)
	if err != nil {
		return nil, err
	}
	return later{Stepper: e, Result: func() (any, error) {
		if e.Err() != nil {
			return nil, e.Err()
		}
		out := map[string]any{"metric": metric, "method": method, "n": len(imgs)}
		switch metric {
		case "deletion", "insertion":
			c := e.MeanCurve()
			out["auc"], out["fractions"], out["scores"] = c.AUC, floats(c.Fractions), floats(c.Scores)
			var aucs []float64
			for _, c := range e.Curves() {
				aucs = append(aucs, c.AUC)
			}
			out["aucs"] = floats(aucs)
		case "confidence":
			c := e.Confidence()
			out["averageDrop"], out["increaseRate"] = c.AverageDrop, c.IncreaseRate
		case "pointing":
			l := e.Localization()
			out["hits"], out["accuracy"], out["energy"] = l.Hits, l.Accuracy, l.MeanEnergy
		case "sanity":
			var pts []any
			for _, p := range e.Sanity() {
				pts = append(pts, map[string]any{"layer": p.Layer, "spearman": p.Spearman, "spearmanAbs": p.SpearmanAbs,
					"pearson": p.Pearson, "ssim": p.SSIM})
			}
			out["points"] = pts
		}
		return out, nil
	}}, nil
}

func floats(x []float64) []any {
	out := make([]any, len(x))
	for i, v := range x {
		out[i] = v
	}
	return out
}
