package explorer

import (
	"fmt"
	"image"
	"slices"
	"strconv"
	"strings"
	"time"

	"cnnviz/core/attribution"
	"cnnviz/core/attribution/metrics"
	"cnnviz/core/nn"
	"cnnviz/core/render"
	"cnnviz/models/mnist"
)

// AttrDisplay are the display choices of the Attribution view, each with
// its option key in the link (o.<key>) and a default that a link leaves
// out.
type AttrDisplay struct {
	Honest   bool   // "honest" = "1": raw values, no ReLU, no normalization
	ReLU     bool   // "relu" = "1" (default) or "0"
	Norm     string // "norm": AttrNorms, default "minmax"
	Colormap string // "acmap": AttrColormaps, default "auto" (diverging when a value is negative)
	Interp   string // "interp": "bilinear" (default) or "nearest"
	Alpha    int    // "alpha": overlay opacity in percent, 0..100, default 60
	Panel    string // "panel": "metrics" (default) or "grid"
	Metric   string // "metric": AttrPanelMetrics, default "curves"
	// Base is what a colour model's map is drawn on: "photo" (default),
	// the part of the photo the model sees at the photo's resolution, or
	// "input", the model's input enlarged (see OverlayOn).
	Base string // "base": AttrBases
}

// The values the Attribution view's display choices take, defaults first.
var (
	AttrNorms        = []string{"minmax", "none", "maxabs"}
	AttrColormaps    = []string{"auto", "viridis", "diverging"}
	AttrInterps      = []string{"bilinear", "nearest"}
	AttrPanels       = []string{"metrics", "grid"}
	AttrPanelMetrics = []string{"curves", "confidence", "pointing", "sanity"}
	AttrBases        = []string{"photo", "input"}
)

// DefaultAttrDisplay returns the display choices of a fresh page.
func DefaultAttrDisplay() AttrDisplay {
	return AttrDisplay{ReLU: true, Norm: "minmax", Colormap: "auto", Interp: "bilinear", Alpha: 60, Panel: "metrics", Metric: "curves", Base: "photo"}
}

// AttrDisplayOf reads the display choices of s over the defaults. A value
// that is not one of its key's keeps the default and is named in the
// error.
func AttrDisplayOf(s State) (AttrDisplay, error) {
	d := DefaultAttrDisplay()
	var errs []string
	flag := func(key string, dst *bool) {
		switch v, ok := s.Options[key]; {
		case !ok:
		case v == "1" || v == "0":
			*dst = v == "1"
		default:
			errs = append(errs, fmt.Sprintf("%s: %q is not 0 or 1", key, v))
		}
	}
	choice := func(key string, dst *string, vals []string) {
		if v, ok := s.Options[key]; ok {
			if !slices.Contains(vals, v) {
				errs = append(errs, fmt.Sprintf("%s: %q is not one of %s", key, v, strings.Join(vals, ", ")))
				return
			}
			*dst = v
		}
	}
	flag("honest", &d.Honest)
	flag("relu", &d.ReLU)
	choice("norm", &d.Norm, AttrNorms)
	choice("acmap", &d.Colormap, AttrColormaps)
	choice("interp", &d.Interp, AttrInterps)
	choice("panel", &d.Panel, AttrPanels)
	choice("metric", &d.Metric, AttrPanelMetrics)
	choice("base", &d.Base, AttrBases)
	if v, ok := s.Options["alpha"]; ok {
		if n, err := strconv.Atoi(v); err == nil && n >= 0 && n <= 100 {
			d.Alpha = n
		} else {
			errs = append(errs, fmt.Sprintf("alpha: %q is not a whole percentage 0..100", v))
		}
	}
	if len(errs) > 0 {
		return d, fmt.Errorf("attribution: %s", strings.Join(errs, "; "))
	}
	return d, nil
}

// Options returns d as link options: the keys whose values differ from
// the defaults. AttrDisplayOf of a state with these options gives d back.
func (d AttrDisplay) Options() map[string]string {
	def := DefaultAttrDisplay()
	out := map[string]string{}
	bit := map[bool]string{false: "0", true: "1"}
	add := func(key string, v, dv string) {
		if v != dv {
			out[key] = v
		}
	}
	add("honest", bit[d.Honest], bit[def.Honest])
	add("relu", bit[d.ReLU], bit[def.ReLU])
	add("norm", d.Norm, def.Norm)
	add("acmap", d.Colormap, def.Colormap)
	add("interp", d.Interp, def.Interp)
	add("alpha", strconv.Itoa(d.Alpha), strconv.Itoa(def.Alpha))
	add("panel", d.Panel, def.Panel)
	add("metric", d.Metric, def.Metric)
	add("base", d.Base, def.Base)
	return out
}

// Post returns the post-processing of the maps: none in honest mode.
func (d AttrDisplay) Post() attribution.Post {
	if d.Honest {
		return attribution.Post{}
	}
	p := attribution.Post{ReLU: d.ReLU}
	switch d.Norm {
	case "minmax":
		p.Norm = attribution.NormMinMax
	case "maxabs":
		p.Norm = attribution.NormMaxAbs
	}
	return p
}

// Scale returns the colour scale and colormap of map m: a symmetric
// diverging scale when the choice is "diverging", or "auto" and a value
// is negative; viridis over [min, max] otherwise.
func (d AttrDisplay) Scale(m []float32) (render.Scale, render.Colormap) {
	signed := slices.ContainsFunc(m, func(x float32) bool { return x < 0 })
	if d.Colormap == "diverging" || (d.Colormap == "auto" && signed) {
		return render.Fit(true, m), render.Diverging
	}
	return render.Fit(false, m), render.Viridis
}

// Overlay renders map m (h×w) over the input pix (h0×w0: the model's
// first channel, or a colour picture when pix holds three channels)
// enlarged k times, with d's scale, opacity and interpolation.
func (d AttrDisplay) Overlay(pix []float32, h0, w0, k int, m []float32, h, w int) *image.RGBA {
	sc, cm := d.Scale(m)
	if len(pix) == 3*h0*w0 {
		base := enlarge(render.RGB(pix, h0, w0, 0, 1), k)
		return render.OverlayOn(base, m, h, w, sc, cm, float64(d.Alpha)/100, d.Interp == "bilinear")
	}
	base := image.NewGray(image.Rect(0, 0, w0*k, h0*k))
	for y := 0; y < h0*k; y++ {
		for x := 0; x < w0*k; x++ {
			base.Pix[y*base.Stride+x] = uint8(max(0, min(1, pix[(y/k)*w0+x/k]))*255 + 0.5)
		}
	}
	return render.Overlay(base, m, h, w, sc, cm, float64(d.Alpha)/100, d.Interp == "bilinear")
}

// minOverlaySide is the least side of an overlay drawn on a photo: a
// smaller crop is enlarged by a whole factor (nearest neighbour) so that
// the interpolated map over it stays smooth.
const minOverlaySide = 512

// OverlayOn renders map m (h×w) for the current input of a: over the part
// of the photo the model sees at the photo's resolution (App.PhotoCrop,
// enlarged by a whole factor to at least minOverlaySide) when d.Base is
// "photo" and the crop is larger than the model's input; otherwise over
// the model's input enlarged k times (Overlay). onPhoto tells which.
func (d AttrDisplay) OverlayOn(a *App, k int, m []float32, h, w int) (img *image.RGBA, onPhoto bool) {
	in := a.Current().Net.Spec.Input
	crop := a.PhotoCrop()
	if d.Base != "photo" || crop == nil || crop.Rect.Dx()*crop.Rect.Dy() <= in[1]*in[2] {
		return d.Overlay(a.ModelInput(), in[1], in[2], k, m, h, w), false
	}
	side := max(crop.Rect.Dx(), crop.Rect.Dy())
	base := enlarge(crop, (minOverlaySide+side-1)/side)
	// The map's colours at no more than minOverlaySide a side, blended
	// over every pixel of the photo: colouring each pixel of a 1023×1023
	// crop (render.OverlayOn) took 0.3 s in wasm, the blend takes a tenth.
	bw, bh := base.Rect.Dx(), base.Rect.Dy()
	hw, hh := bw, bh
	if s := max(bw, bh); s > minOverlaySide {
		hw, hh = max(1, bw*minOverlaySide/s), max(1, bh*minOverlaySide/s)
	}
	sc, cm := d.Scale(m)
	colours := render.OverlayOn(image.NewRGBA(image.Rect(0, 0, hw, hh)), m, h, w, sc, cm, 1, d.Interp == "bilinear")
	return render.BlendOver(base, colours, d.Alpha), true
}

// enlarge returns img enlarged k times by repeating pixels (img itself
// when k is 1); img's bounds start at (0, 0).
func enlarge(img *image.RGBA, k int) *image.RGBA {
	if k <= 1 {
		return img
	}
	out := image.NewRGBA(image.Rect(0, 0, img.Rect.Dx()*k, img.Rect.Dy()*k))
	for y := range out.Rect.Dy() {
		for x := range out.Rect.Dx() {
			copy(out.Pix[out.PixOffset(x, y):][:4], img.Pix[img.PixOffset(x/k, y/k):][:4])
		}
	}
	return out
}

// ClassOrder returns the class indices by falling probability (ties in
// index order).
func ClassOrder(probs []float32) []int {
	idx := make([]int, len(probs))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case probs[a] > probs[b]:
			return -1
		case probs[a] < probs[b]:
			return 1
		}
		return 0
	})
	return idx
}

// AttrLayers returns the layers a layer method can use: those with a
// [C, H, W] output.
func AttrLayers(net *nn.Sequential) []int { return attribution.SpatialLayers(net) }

// AttrLayerByName returns the layer named (or numbered) s for a layer
// method, or an error that names the problem: no such layer, or one
// without a spatial output.
func AttrLayerByName(net *nn.Sequential, s string) (int, error) {
	l, err := attribution.LayerIndex(net, s)
	if err != nil {
		return 0, err
	}
	if sh := net.OutShape(l); len(sh) != 3 {
		return 0, fmt.Errorf("layer %s has no spatial output (%v); use a conv, relu or pool layer", net.Spec.Layers[l].Name, sh)
	}
	return l, nil
}

// BaselineByName returns the integrated-gradients baseline named (one of
// Baselines) and whether there is one.
func BaselineByName(name string) (attribution.Baseline, bool) {
	i := slices.Index(Baselines, name)
	return attribution.Baseline(i), i >= 0
}

// PredictedSample returns n seeded test images (see TestSample) in net's
// input shape, each with the class net predicts for it: the images and
// targets of the metrics that explain predictions.
func PredictedSample(net *nn.Sequential, set *mnist.Set, n int, seed uint64) ([][]float32, []int, error) {
	idx, err := TestSample(set, n, seed)
	if err != nil {
		return nil, nil, err
	}
	flat := SampleImages(set, idx, net.Spec.Input)
	k := len(flat) / len(idx)
	imgs := make([][]float32, len(idx))
	cls := make([]int, len(idx))
	for i := range idx {
		imgs[i] = flat[i*k : (i+1)*k]
		_, p := Predict(net, imgs[i])
		cls[i] = ClassOrder(p)[0]
	}
	return imgs, cls, nil
}

// Scheduler names of the Attribution view's steppers.
const (
	AttrMainJob = "attr:main"
	AttrGridJob = "attr:grid"
)

// AttrView is the view-model of the Attribution view: the map of the
// chosen method, the comparison grid of every method and the metrics
// panel, each a stepper started when its inputs change. The shell calls
// Sync once per tick and draws what the fields give.
type AttrView struct {
	// Key names the inputs of the main map (model, input, class, layer,
	// options, method).
	Key     string
	Job     *AttrJob      // the main map; nil after an error
	Err     string        // why the main map could not start
	Start   time.Time     // when Job started
	Elapsed time.Duration // how long Job took, once done

	GridKey string
	Grid    map[string]*AttrGridResult // by method id
	GridCur string                     // the method being computed

	EvalKey   string
	Evals     []*AttrEval
	EvalNames []string
	EvalErr   string
}

// AttrGridResult is one method's map in the comparison grid.
type AttrGridResult struct {
	Job     *AttrJob
	Elapsed time.Duration
	Err     error
}

// AttrEvalTestImages is the number of test images the confidence metric
// of the view averages over, and AttrEvalScenes the pointing game's
// scenes.
const (
	AttrEvalTestImages = 16
	AttrEvalScenes     = 20
)

// AttrTarget returns the class a's maps explain: the selected one, else the
// predicted one (0 before any prediction).
func AttrTarget(a *App) int { return max(a.Target(), 0) }

// Sync starts the steppers whose inputs changed in a's state: the main
// map, then, once it is done, the metrics panel's metric (which reuses
// it), or the comparison grid. Nothing starts before the first
// prediction.
func (v *AttrView) Sync(a *App) {
	if len(a.Probs) == 0 {
		return
	}
	net := a.Current().Net
	me := AttrMethodOf(a.State)
	layer := AttrLayerOf(net, me, a.State.Layer)
	opts, _ := AttrOptionsOf(a.State) // the view shows the error
	opts.Batch = 1
	d, _ := AttrDisplayOf(a.State)
	class := AttrTarget(a)
	pix := a.ModelInput()
	base := fmt.Sprint(a.State.Model, a.Version, class, layer, opts)
	if key := fmt.Sprint(base, me.ID); key != v.Key {
		v.Key = key
		v.Job, v.Elapsed, v.Err = nil, 0, ""
		j, err := NewAttr(net, pix, me.ID, layer, class, opts)
		if err != nil {
			a.Sched.Stop(AttrMainJob)
			v.Err = err.Error()
		} else {
			v.Job, v.Start = j, time.Now()
			a.Sched.Start(AttrMainJob, &timedAttr{v: v, job: j})
		}
	}
	if d.Panel == "grid" && v.GridKey != base {
		v.GridKey = base
		v.Grid = map[string]*AttrGridResult{}
		a.Sched.Start(AttrGridJob, &attrGrid{v: v, net: net, pix: pix, layer: layer, class: class, opts: opts})
	}
	if d.Panel == "metrics" && v.Job != nil && v.Job.Done() && v.Job.Err() == nil {
		if ek := fmt.Sprint(v.Key, d.Metric); ek != v.EvalKey {
			v.EvalKey = ek
			in := net.Spec.Input
			v.startEval(a, net, me, layer, class, opts, pix, d.Metric, InputMap(v.Job.Result(), in[1], in[2]))
		}
	}
}

// timedAttr steps the main map and records how long it took.
type timedAttr struct {
	v   *AttrView
	job *AttrJob
}

func (t *timedAttr) Step() bool {
	if !t.job.Step() {
		return false
	}
	if t.v.Job == t.job {
		t.v.Elapsed = time.Since(t.v.Start)
	}
	return true
}

// attrGrid computes every method's map in turn for the comparison grid.
type attrGrid struct {
	v     *AttrView
	net   *nn.Sequential
	pix   []float32
	layer int
	class int
	opts  AttrOptions
	i     int
	cur   *AttrGridResult
	start time.Time
}

func (g *attrGrid) Step() bool {
	ms := AttrMethods
	if g.i >= len(ms) {
		return true
	}
	m := ms[g.i]
	if g.cur == nil {
		g.cur = &AttrGridResult{}
		g.v.Grid[m.ID] = g.cur
		g.v.GridCur = m.ID
		g.start = time.Now()
		g.cur.Job, g.cur.Err = NewAttr(g.net, g.pix, m.ID, g.layer, g.class, g.opts)
		if g.cur.Err != nil {
			g.cur, g.i = nil, g.i+1
			return g.i >= len(ms)
		}
	}
	if g.cur.Job.Step() {
		g.cur.Err = g.cur.Job.Err()
		g.cur.Elapsed = time.Since(g.start)
		g.cur, g.i = nil, g.i+1
		if g.i >= len(ms) {
			g.v.GridCur = ""
		}
	}
	return g.i >= len(ms)
}

// GridDone returns the number of the grid's finished maps.
func (v *AttrView) GridDone() int {
	n := 0
	for _, r := range v.Grid {
		if r.Job != nil && r.Job.Done() {
			n++
		}
	}
	return n
}

// startEval starts the metric of the metrics panel; mainMap is the main
// map at input resolution, which the one-image metrics reuse.
func (v *AttrView) startEval(a *App, net *nn.Sequential, me AttrMethod, layer, class int, opts AttrOptions, pix []float32, metric string, mainMap []float32) {
	v.Evals, v.EvalNames, v.EvalErr = nil, nil, ""
	for i := range 2 {
		a.Sched.Stop(fmt.Sprintf("attr:eval%d", i))
	}
	one := [][]float32{pix}
	add := func(e *AttrEval, err error, name string) {
		if err != nil {
			v.EvalErr = err.Error()
			return
		}
		if metric == "curves" || metric == "sanity" {
			e.UseMaps([][]float32{mainMap})
		}
		a.Sched.Start(fmt.Sprintf("attr:eval%d", len(v.Evals)), e)
		v.Evals = append(v.Evals, e)
		v.EvalNames = append(v.EvalNames, name)
	}
	switch metric {
	case "curves":
		for _, m := range []string{"deletion", "insertion"} {
			e, err := NewAttrEval(net, m, me.ID, layer, opts, one, []int{class}, nil, 1)
			add(e, err, m)
		}
	case "sanity":
		e, err := NewAttrEval(net, "sanity", me.ID, layer, opts, one, []int{class}, nil, a.State.Seed)
		add(e, err, "sanity")
	case "confidence", "pointing":
		if err := a.needTest(); err != nil {
			v.EvalErr = err.Error()
			return
		}
		if metric == "confidence" {
			imgs, cls, err := PredictedSample(net, a.Test, AttrEvalTestImages, a.State.Seed)
			if err == nil {
				var e *AttrEval
				e, err = NewAttrEval(net, "confidence", me.ID, layer, opts, imgs, cls, nil, 1)
				add(e, err, "confidence")
			} else {
				v.EvalErr = err.Error()
			}
			return
		}
		big, imgs, cls, boxes, err := Scenes(net, a.Test, AttrEvalScenes, a.State.Seed)
		if err != nil {
			v.EvalErr = err.Error() + ". The convnetjs model ends in a flatten + dense layer whose weights are sized for 28×28 inputs, so it cannot look at a larger scene; models ending in global average pooling (mnist) can."
			return
		}
		e, err := NewAttrEval(big, "pointing", me.ID, layer, opts, imgs, cls, boxes, 1)
		add(e, err, "pointing")
	}
}

// EvalsDone reports whether the metrics panel has results for every
// metric it started.
func (v *AttrView) EvalsDone() bool {
	done := len(v.Evals) > 0
	for _, e := range v.Evals {
		d, t := e.Progress()
		done = done && d == t
	}
	return done
}

// AttrTitle returns the heading of the main map: method, class and
// layer; the layer j used when j is the map of the chosen method (it may
// differ from the chosen one: see AttrJob.Note).
func AttrTitle(a *App, j *AttrJob) string {
	net := a.Current().Net
	me := AttrMethodOf(a.State)
	layer := AttrLayerOf(net, me, a.State.Layer)
	if j != nil && j.Method.ID == me.ID {
		layer = j.Layer
	}
	title := fmt.Sprintf("%s for class %s", me.Name, net.Spec.Classes[AttrTarget(a)])
	if !me.Class {
		title = me.Name + " (no class: the same map for every class)"
	}
	if layer >= 0 && (me.Layer || me.ID == "cam" || !me.Class) {
		title += " on " + net.Spec.Layers[layer].Name
	}
	return title
}

// AttrRange returns the raw map's least and greatest values as the view
// prints them ("raw map [7 7], values −0.12 … 3.4").
func AttrRange(raw []float32, shape []int) string {
	if len(raw) == 0 {
		return fmt.Sprintf("raw map %v", shape)
	}
	lo, hi := slices.Min(raw), slices.Max(raw)
	return fmt.Sprintf("raw map %v, values %s … %s", shape, render.FormatNumber(float64(lo)), render.FormatNumber(float64(hi)))
}

// ShownCurve returns the curve that the metrics panel draws for e: the
// one being computed, else the mean of the finished ones.
func (e *AttrEval) ShownCurve() metrics.Curve {
	if c, ok := e.CurrentCurve(); ok {
		return c
	}
	return e.MeanCurve()
}

// GridImage renders the comparison grid's finished (and partial) maps
// as overlays on pix (the model's input, first channel h0×w0): cols
// tiles of cell×cell pixels a row, in AttrMethods order, dx and dy
// pixels apart, each dy−gap pixels below its row's top (room for a
// label).
func (v *AttrView) GridImage(pix []float32, h0, w0 int, d AttrDisplay, cols, cell, dx, dy, label int) *image.RGBA {
	ms := AttrMethods
	rows := (len(ms) + cols - 1) / cols
	out := image.NewRGBA(image.Rect(0, 0, cols*(cell+dx), rows*(cell+dy)))
	for i, m := range ms {
		res := v.Grid[m.ID]
		if res == nil || res.Job == nil || res.Job.Result() == nil {
			continue
		}
		mp, h, w := DisplayMap(res.Job.Result(), d.Post())
		im := d.Overlay(pix, h0, w0, 4, mp, h, w)
		ox, oy := (i%cols)*(cell+dx), (i/cols)*(cell+dy)+label
		b := im.Bounds()
		for y := range cell {
			for x := range cell {
				so := im.PixOffset(x*b.Dx()/cell, y*b.Dy()/cell)
				o := out.PixOffset(ox+x, oy+y)
				copy(out.Pix[o:o+4], im.Pix[so:so+4])
			}
		}
	}
	return out
}

// Status returns e's progress as the metrics panel prints it: "3/16
// images", with the current image's map while it is computed.
func (e *AttrEval) Status() string {
	d, t := e.Progress()
	s := fmt.Sprintf("%d/%d images", d, t)
	if j := e.Job(); j != nil {
		jd, jt := j.Progress()
		s += fmt.Sprintf(", map %d/%d", jd, jt)
	}
	return s
}

// AttrMetricImages returns what cnnviz.attributionMetrics measures metric
// on: for "pointing", n seeded scenes with their digits' labels and
// boxes and the model adapted to their size (see Scenes); otherwise n
// seeded test images with the classes net predicts, and net itself.
func AttrMetricImages(net *nn.Sequential, set *mnist.Set, metric string, n int, seed uint64) (*nn.Sequential, [][]float32, []int, []metrics.Box, error) {
	if metric == "pointing" {
		return Scenes(net, set, n, seed)
	}
	imgs, cls, err := PredictedSample(net, set, n, seed)
	return net, imgs, cls, nil, err
}

// Deleted returns the input pix (in the model's input shape in) with the
// fraction frac of its pixels that the main map ranks highest removed, as
// the deletion curve sees it at frac (see Removed); nil before the map
// has a result.
func (v *AttrView) Deleted(pix []float32, in []int, frac float64) []float32 {
	if v.Job == nil || v.Job.Result() == nil {
		return nil
	}
	return Removed(pix, InputMap(v.Job.Result(), in[1], in[2]), frac, false)
}
