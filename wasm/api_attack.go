//go:build js && wasm

package main

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"syscall/js"

	"cnnviz/core/explorer"
)

func init() {
	addAPI("attack", apiAttack)
	addAPI("robustness", apiRobustness)
	addAPI("attackView", apiAttackView)
}

// apiAttackView reports the attack view's run, for tests: {error, done,
// ms, method, cleanPred, advPred, linf, l2, success, pictures} with
// pictures the CSS rectangles [x0, y0, x1, y1] of the clean image, the
// amplified change and the attacked image.
func apiAttackView(g *game, _ []js.Value) (any, error) {
	v, _ := viewByID("attack").(*attackView)
	if v == nil {
		return nil, fmt.Errorf("no attack view")
	}
	out := map[string]any{"error": v.err, "done": false}
	if v.job != nil {
		r := v.job.Result()
		out["done"], out["ms"], out["method"] = v.job.Run.Done(), float64(v.took.Microseconds())/1000, r.Method.String()
		out["cleanPred"], out["advPred"], out["linf"], out["l2"], out["success"] = r.CleanPred, r.AdvPred, r.LInf, r.L2, r.Success
	}
	var pics []any
	for _, r := range v.rects {
		pics = append(pics, []any{float64(r.Min.X) / g.dpr, float64(r.Min.Y) / g.dpr, float64(r.Max.X) / g.dpr, float64(r.Max.Y) / g.dpr})
	}
	out["pictures"] = pics
	return out, nil
}

// optionsObject checks that args[0] is an object (or undefined) whose
// keys are among known, and returns a getter of its fields.
func optionsObject(args []js.Value, known ...string) (func(string) js.Value, error) {
	o := js.Undefined()
	if len(args) > 0 {
		o = args[0]
	}
	if !o.IsUndefined() && !o.IsNull() && (o.Type() != js.TypeObject || js.Global().Get("Array").Call("isArray", o).Bool()) {
		return nil, fmt.Errorf("options must be an object, got %s", describe(o))
	}
	if o.Type() == js.TypeObject {
		keys := js.Global().Get("Object").Call("keys", o)
		for i := 0; i < keys.Length(); i++ {
			if k := keys.Index(i).String(); !slices.Contains(known, k) {
				return nil, fmt.Errorf("unknown option %q (known: %s)", k, strings.Join(known, ", "))
			}
		}
	}
	return func(k string) js.Value {
		if o.IsUndefined() || o.IsNull() {
			return js.Undefined()
		}
		return o.Get(k)
	}, nil
}

// modelOption returns the model named by v, or the current one when v is
// undefined; naming the robust model fetches it (errRobustPending until
// it is there).
func modelOption(g *game, v js.Value) (*explorer.Model, error) {
	a := g.app
	if v.IsUndefined() {
		return a.Current(), nil
	}
	if v.Type() != js.TypeString {
		return nil, fmt.Errorf("options.model must be one of %s", strings.Join(modelNames(a), ", "))
	}
	m, err := g.modelNamed(v.String())
	if err == nil && m == nil {
		err = fmt.Errorf("options.model must be one of %s", strings.Join(modelNames(a), ", "))
	}
	return m, err
}

// apiAttack is cnnviz.attack({model, pixels, label, method, norm, eps,
// steps, alpha, randomStart, seed, target, population, overshoot}): an
// attack on pixels (default: the current input, with its test label if
// any) as a stepper. method is pgd (default), fgsm, deepfool, onepixel or
// fooling; norm linf (default) or l2; eps a number or "free" (no ball);
// target a class (default: untargeted). It resolves to {method, clean,
// adversarial, perturbation (Float32Arrays), label, target, cleanPred,
// advPred, cleanProbs, advProbs, linf, l2, success, curve, forwards,
// backwards, steps, ms}.
func apiAttack(g *game, args []js.Value) (any, error) {
	a := g.app
	get, err := optionsObject(args, "model", "pixels", "label", "method", "norm", "eps", "steps", "alpha",
		"randomStart", "seed", "target", "population", "overshoot")
	if err != nil {
		return nil, err
	}
	m, err := modelOption(g, get("model"))
	if err != nil {
		return nil, err
	}
	pix, label := a.ModelInput(), a.Label()
	if m != a.Current() {
		pix = explorer.FitInput(a.Pixels, m.Net.Spec.Input)
	}
	if v := get("pixels"); !v.IsUndefined() {
		if pix, err = floatsArg(v, "options.pixels"); err != nil {
			return nil, err
		}
		if err := explorer.CheckPixels(m.Net, pix); err != nil {
			return nil, err
		}
		label = -1
	}
	q := explorer.AttackRequest{Method: "pgd", Norm: "linf", Target: -1}
	str := func(k string, dst *string) {
		if v := get(k); err == nil && !v.IsUndefined() {
			if v.Type() != js.TypeString {
				err = fmt.Errorf("options.%s must be a string", k)
				return
			}
			*dst = v.String()
		}
	}
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
	classes := len(m.Net.Spec.Classes)
	str("method", &q.Method)
	str("norm", &q.Norm)
	if v := get("eps"); v.Type() == js.TypeString && v.String() == explorer.AttackFree {
		q.Free = true
	} else {
		num("eps", &q.Eps, 1e-9, 100)
	}
	whole("label", &label, -1, classes-1)
	whole("steps", &q.Steps, 1, 100000)
	num("alpha", &q.Alpha, 1e-9, 100)
	whole("target", &q.Target, -1, classes-1)
	whole("population", &q.Population, 4, 10000)
	num("overshoot", &q.Overshoot, 0, 1)
	seed := int(a.State.Seed)
	whole("seed", &seed, 0, math.MaxInt32)
	if v := get("randomStart"); err == nil && !v.IsUndefined() {
		if v.Type() != js.TypeBoolean {
			err = fmt.Errorf("options.randomStart must be true or false")
		}
		q.RandomStart = v.Truthy()
	}
	if err != nil {
		return nil, err
	}
	q.Seed = uint64(seed)
	opt, err := q.Options()
	if err != nil {
		return nil, err
	}
	job, err := explorer.NewAttackJob(m.Net, pix, label, opt)
	if err != nil {
		return nil, err
	}
	start := js.Global().Get("performance").Call("now").Float()
	return later{Stepper: job, Result: func() (any, error) {
		ms := js.Global().Get("performance").Call("now").Float() - start
		r := job.Result()
		steps, _ := job.Run.Progress()
		return map[string]any{
			"method": r.Method.String(), "clean": float32Array(r.Clean), "adversarial": float32Array(r.Adversarial),
			"perturbation": float32Array(r.Perturbation), "label": r.Label, "target": r.Target,
			"cleanPred": r.CleanPred, "advPred": r.AdvPred, "cleanProbs": float32Array(r.CleanProbs), "advProbs": float32Array(r.AdvProbs),
			"linf": r.LInf, "l2": r.L2, "success": r.Success, "curve": floats(r.Curve),
			"forwards": r.Forwards, "backwards": r.Backwards, "steps": steps, "ms": ms,
		}, nil
	}}, nil
}

// apiRobustness is cnnviz.robustness({model, n, norm, steps, seed}):
// robust accuracy against PGD (steps moves, default 20, random start) at
// the radii of the norm (linf: 0..0.3, l2: 0..3) on n seeded test images
// (default 100). It resolves to {eps, accuracy, n, ms}.
func apiRobustness(g *game, args []js.Value) (any, error) {
	a := g.app
	get, err := optionsObject(args, "model", "n", "norm", "steps", "seed")
	if err != nil {
		return nil, err
	}
	m, err := modelOption(g, get("model"))
	if err != nil {
		return nil, err
	}
	n, steps, seed := 100, 20, int(a.State.Seed)
	norm := "linf"
	if v := get("n"); !v.IsUndefined() {
		n, err = intArg(v, "options.n", 1, 10000)
	}
	if v := get("steps"); err == nil && !v.IsUndefined() {
		steps, err = intArg(v, "options.steps", 1, 1000)
	}
	if v := get("seed"); err == nil && !v.IsUndefined() {
		seed, err = intArg(v, "options.seed", 0, math.MaxInt32)
	}
	if v := get("norm"); err == nil && !v.IsUndefined() {
		if v.Type() != js.TypeString {
			err = fmt.Errorf("options.norm must be linf or l2")
		}
		norm = v.String()
	}
	if err != nil {
		return nil, err
	}
	opt, err := explorer.AttackRequest{Method: "pgd", Norm: norm}.Options()
	if err != nil {
		return nil, err
	}
	set, err := a.TestSet()
	if err != nil {
		return nil, err
	}
	j, err := explorer.NewRobustnessJob(m.Net, set, n, uint64(seed), opt.Norm, steps)
	if err != nil {
		return nil, err
	}
	start := js.Global().Get("performance").Call("now").Float()
	return later{Stepper: j, Result: func() (any, error) {
		return map[string]any{"eps": floats(j.Eps()), "accuracy": floats(j.Accuracy()), "n": j.N,
			"ms": js.Global().Get("performance").Call("now").Float() - start}, nil
	}}, nil
}
