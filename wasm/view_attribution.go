//go:build js && wasm

package main

import (
	"fmt"
	"image"
	"image/color"
	"strconv"
	"time"

	"cnnviz/core/attribution"
	"cnnviz/core/explorer"
	"cnnviz/core/nn"
	"cnnviz/core/render"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/text/v2"
)

func init() { register(30, &attrView{gridRes: map[string]*attrResult{}}) }

// attrView shows attribution maps: one method's map over the input with
// its colour bar, and either a comparison grid of every method or the
// metrics panel. All computation runs in steppers.
type attrView struct {
	// The main map: the job, its key, and when it started and ended.
	key       string
	job       *explorer.AttrJob
	start     time.Time
	elapsed   time.Duration
	overlay   texture
	bar       texture
	chart     texture
	anim      texture
	gridTex   texture
	gridKey   string
	gridRes   map[string]*attrResult
	gridCur   string
	evalKey   string
	evals     []*explorer.AttrEval
	evalNames []string
	evalErr   string
	mainErr   string
	// hit areas of the sliders of the last frame
	layerTrack, alphaTrack image.Rectangle
	// updMs and drawMs are the smoothed times of the view's own Update
	// and Draw (without the steppers), for attributionView().
	updMs, drawMs float64
	lastKey       string
	lastKeyAt     time.Time
	// overlayRect is where the main overlay was last drawn.
	overlayRect image.Rectangle
}

// attrResult is a finished (or partial) map of the comparison grid.
type attrResult struct {
	job     *explorer.AttrJob
	elapsed time.Duration
	err     error
}

func (v *attrView) ID() string    { return "attribution" }
func (v *attrView) Title() string { return "Attribution" }
func (v *attrView) Explain() string {
	return "Which parts of the picture made the network choose a class? Each method answers differently. Class activation " +
		"maps (Grad-CAM and friends) weigh the channels of one layer: drag the layer slider to see that early layers give " +
		"sharp but unspecific maps and the last layers coarse maps that know about the class. Gradient methods ask how " +
		"the score would change if each pixel changed. Honest mode shows the raw numbers, negative (blue) and positive " +
		"(red), with their scale; ReLU and normalization are choices that hide information, so they are separate toggles. " +
		"The metrics test a map: deleting the pixels it ranks first should make the class probability fall fast; " +
		"randomizing the network's weights should change a trustworthy map (sanity check)."
}

// options of the view, with their defaults
func (v *attrView) opt(a *explorer.App, key, def string) string { return a.State.Option(key, def) }

func (v *attrView) post(a *explorer.App, m explorer.AttrMethod) attribution.Post {
	if v.opt(a, "honest", "0") == "1" {
		return attribution.Post{}
	}
	p := attribution.Post{ReLU: v.opt(a, "relu", "1") == "1"}
	switch v.opt(a, "norm", "minmax") {
	case "minmax":
		p.Norm = attribution.NormMinMax
	case "maxabs":
		p.Norm = attribution.NormMaxAbs
	}
	return p
}

// target returns the class the maps explain.
func (v *attrView) target(a *explorer.App) int { return max(a.Target(), 0) }

func (v *attrView) Update(c *Ctx) {
	t0 := time.Now()
	defer func() { smooth(&v.updMs, time.Since(t0)) }()
	a := c.App
	net := a.Current().Net
	me := explorer.AttrMethodOf(a.State)
	layer := explorer.AttrLayerOf(net, me, a.State.Layer)
	opts := explorer.AttrOptionsOf(a.State)
	opts.Batch = 1
	s := c.U(1)
	x0, y := c.Area.Min.X, c.Area.Min.Y
	row := func() { y += c.U(26) }
	bw := func(label string) int { return c.U(14) + c.U(float64(len([]rune(label)))*6.6) }
	// Methods, wrapping.
	x := x0
	for _, m := range explorer.AttrMethods {
		w := bw(m.Name)
		if x+w > c.Area.Max.X {
			x = x0
			row()
		}
		id := m.ID
		c.Button("attr-m-"+id, image.Rect(x, y, x+w, y+c.U(22)), m.Name, m.ID == me.ID, func() {
			if id == explorer.DefaultAttrMethod {
				id = ""
			}
			a.SetMethod(id)
		})
		x += w + 3*s
	}
	row()
	// Layer slider (layer methods) and target class.
	x = x0
	sp := attribution.SpatialLayers(net)
	v.layerTrack = image.Rectangle{}
	if me.Layer && len(sp) > 0 {
		cur := 0
		for i, l := range sp {
			if l == layer {
				cur = i
			}
		}
		set := func(i int) { a.SetLayer(net.Spec.Layers[sp[max(0, min(len(sp)-1, i))]].Name) }
		c.Button("attr-layer-prev", image.Rect(x, y, x+c.U(22), y+c.U(22)), "<", false, func() { set(cur - 1) })
		x += c.U(25)
		v.layerTrack = image.Rect(x, y, x+c.U(190), y+c.U(22))
		v.slide(c, v.layerTrack, len(sp), set)
		x = v.layerTrack.Max.X + c.U(3)
		c.Button("attr-layer-next", image.Rect(x, y, x+c.U(22), y+c.U(22)), ">", false, func() { set(cur + 1) })
		x += c.U(30) + c.U(110)
	}
	c.Button("attr-class-auto", image.Rect(x, y, x+bw("predicted"), y+c.U(22)), "predicted", a.State.Class < 0, func() { a.SetClass(-1) })
	x += bw("predicted") + 3*s
	for _, k := range classOrder(a.Probs) {
		lab := net.Spec.Classes[k]
		w := max(c.U(20), bw(lab))
		if x+w > c.Area.Max.X {
			break
		}
		kk := k
		c.Button("attr-class-"+strconv.Itoa(k), image.Rect(x, y, x+w, y+c.U(22)), lab, a.State.Class == k, func() { a.SetClass(kk) })
		x += w + 2*s
	}
	row()
	// Method options, then display options.
	x = x0
	toggle := func(id, label, key, val, def string) {
		w := bw(label)
		if x+w > c.Area.Max.X {
			x = x0
			row()
		}
		on := v.opt(a, key, def) == val
		c.Button("attr-"+id, image.Rect(x, y, x+w, y+c.U(22)), label, on, func() {
			nv := val
			if on && (val == "1" || val == "0") { // a toggle: flip
				nv = map[string]string{"1": "0", "0": "1"}[val]
			}
			if nv == def {
				nv = ""
			}
			a.SetOption(key, nv)
		})
		x += w + 3*s
	}
	stepper := func(id, label string, val, lo, hi int, key string, mul bool) {
		w := bw(label) + c.U(8)
		if x+w+c.U(50) > c.Area.Max.X {
			x = x0
			row()
		}
		c.UI.widgets = append(c.UI.widgets, widget{id: "attr-" + id + "-l", r: image.Rect(x, y, x+w, y+c.U(22)), label: label, small: true})
		x += w
		nv := func(d int) int {
			if mul {
				if d > 0 {
					return min(hi, val*2)
				}
				return max(lo, val/2)
			}
			return max(lo, min(hi, val+d))
		}
		c.Button("attr-"+id+"-dn", image.Rect(x, y, x+c.U(22), y+c.U(22)), "−", false, func() { a.SetOption(key, strconv.Itoa(nv(-1))) })
		c.Button("attr-"+id+"-up", image.Rect(x+c.U(24), y, x+c.U(46), y+c.U(22)), "+", false, func() { a.SetOption(key, strconv.Itoa(nv(1))) })
		x += c.U(52)
	}
	switch me.ID {
	case "ig":
		stepper("igsteps", fmt.Sprintf("steps %d", opts.IGSteps), opts.IGSteps, 1, explorer.MaxIGSteps, "igsteps", true)
		for _, b := range explorer.Baselines {
			toggle("igbase-"+b, "baseline "+b, "igbase", b, "black")
		}
	case "smoothgrad":
		stepper("sgn", fmt.Sprintf("samples %d", opts.SGSamples), opts.SGSamples, 1, explorer.MaxSGSamples, "sgn", true)
		noise := int(opts.SGNoise*100 + 0.5)
		w := bw("noise 100%") + c.U(8)
		c.UI.widgets = append(c.UI.widgets, widget{id: "attr-sgnoise-l", r: image.Rect(x, y, x+w, y+c.U(22)), label: fmt.Sprintf("noise %d%%", noise), small: true})
		x += w
		setN := func(n int) {
			a.SetOption("sgnoise", strconv.FormatFloat(float64(max(0, min(100, n)))/100, 'f', -1, 64))
		}
		c.Button("attr-sgnoise-dn", image.Rect(x, y, x+c.U(22), y+c.U(22)), "−", false, func() { setN(noise - 5) })
		c.Button("attr-sgnoise-up", image.Rect(x+c.U(24), y, x+c.U(46), y+c.U(22)), "+", false, func() { setN(noise + 5) })
		x += c.U(52)
	case "occlusion":
		stepper("occpatch", fmt.Sprintf("patch %d", opts.OccPatch), opts.OccPatch, 1, 28, "occpatch", false)
		stepper("occstride", fmt.Sprintf("stride %d", opts.OccStride), opts.OccStride, 1, 28, "occstride", false)
	}
	toggle("honest", "honest", "honest", "1", "0")
	if v.opt(a, "honest", "0") != "1" {
		toggle("relu", "ReLU", "relu", "1", "1")
		for _, n := range []string{"none", "minmax", "maxabs"} {
			toggle("norm-"+n, "norm "+n, "norm", n, "minmax")
		}
	}
	toggle("cmap-v", "viridis", "acmap", "viridis", "auto")
	toggle("cmap-d", "diverging", "acmap", "diverging", "auto")
	toggle("interp-n", "nearest", "interp", "nearest", "bilinear")
	toggle("interp-b", "bilinear", "interp", "bilinear", "bilinear")
	row()
	// Opacity slider and the right panel's choice.
	x = x0
	c.UI.widgets = append(c.UI.widgets, widget{id: "attr-alpha-l", r: image.Rect(x, y, x+c.U(60), y+c.U(22)), label: "opacity", small: true})
	v.alphaTrack = image.Rect(x+c.U(62), y, x+c.U(200), y+c.U(22))
	v.slide(c, v.alphaTrack, 11, func(i int) {
		val := strconv.Itoa(i * 10)
		if val == "60" {
			val = ""
		}
		a.SetOption("alpha", val)
	})
	x = v.alphaTrack.Max.X + c.U(20)
	toggle("panel-m", "metrics", "panel", "metrics", "metrics")
	toggle("panel-g", "compare all methods", "panel", "grid", "metrics")
	if v.opt(a, "panel", "metrics") == "metrics" {
		x += c.U(10)
		for _, m := range []string{"curves", "confidence", "pointing", "sanity"} {
			toggle("metric-"+m, m, "metric", m, "curves")
		}
	}
	// Keyboard: [ and ] scrub layers.
	v.schedule(c, net, me, layer, opts)
}

// slide handles a slider of n positions in r: a press or drag sets the
// position under the pointer.
func (v *attrView) slide(c *Ctx, r image.Rectangle, n int, set func(int)) {
	p := c.UI.ptr
	if n < 1 || !p.Down || !p.in(r) || c.UI.overlay {
		return
	}
	i := (p.X - r.Min.X) * n / max(1, r.Dx())
	set(max(0, min(n-1, i)))
}

func classOrder(probs []float32) []int {
	idx := make([]int, len(probs))
	for i := range idx {
		idx[i] = i
	}
	for i := 1; i < len(idx); i++ {
		for j := i; j > 0 && probs[idx[j]] > probs[idx[j-1]]; j-- {
			idx[j], idx[j-1] = idx[j-1], idx[j]
		}
	}
	return idx
}

// timedJob records when an AttrJob finished.
type timedJob struct {
	job   *explorer.AttrJob
	start time.Time
	done  func(time.Duration)
}

func (t *timedJob) Step() bool {
	if t.job.Step() {
		t.done(time.Since(t.start))
		return true
	}
	return false
}

// schedule starts the steppers whose inputs changed.
func (v *attrView) schedule(c *Ctx, net *nn.Sequential, me explorer.AttrMethod, layer int, opts explorer.AttrOptions) {
	a := c.App
	if len(a.Probs) == 0 {
		return
	}
	class := v.target(a)
	pix := a.ModelInput()
	base := fmt.Sprint(a.State.Model, a.Version, class, layer, opts)
	key := fmt.Sprint(base, me.ID)
	if key != v.key {
		v.key = key
		v.job, v.elapsed = nil, 0
		j, err := explorer.NewAttr(net, pix, me.ID, layer, class, opts)
		if err != nil {
			v.evalErr = ""
			c.App.Sched.Stop("attr:main")
			v.job = nil
			v.key = key
			v.mainErr = err.Error()
		} else {
			v.mainErr = ""
			v.job, v.start = j, time.Now()
			jj := j
			a.Sched.Start("attr:main", &timedJob{job: j, start: v.start, done: func(d time.Duration) {
				if v.job == jj {
					v.elapsed = d
				}
			}})
		}
	}
	panel := v.opt(a, "panel", "metrics")
	if panel == "grid" && v.gridKey != base {
		v.gridKey = base
		v.gridRes = map[string]*attrResult{}
		a.Sched.Start("attr:grid", &gridStepper{v: v, net: net, pix: pix, layer: layer, class: class, opts: opts})
	}
	if panel == "metrics" && v.job != nil && v.job.Done() && v.job.Err() == nil {
		// The metrics start once the map is done, and reuse it.
		metric := v.opt(a, "metric", "curves")
		ek := fmt.Sprint(key, metric)
		if ek != v.evalKey {
			v.evalKey = ek
			in := net.Spec.Input
			v.startEval(c, net, me, layer, class, opts, pix, metric, explorer.InputMap(v.job.Result(), in[1], in[2]))
		}
	}
}

// gridStepper computes every method's map in turn for the comparison grid.
type gridStepper struct {
	v     *attrView
	net   *nn.Sequential
	pix   []float32
	layer int
	class int
	opts  explorer.AttrOptions
	i     int
	cur   *attrResult
	start time.Time
}

func (g *gridStepper) Step() bool {
	ms := explorer.AttrMethods
	if g.i >= len(ms) {
		return true
	}
	m := ms[g.i]
	if g.cur == nil {
		g.cur = &attrResult{}
		g.v.gridRes[m.ID] = g.cur
		g.v.gridCur = m.ID
		g.start = time.Now()
		g.cur.job, g.cur.err = explorer.NewAttr(g.net, g.pix, m.ID, g.layer, g.class, g.opts)
		if g.cur.err != nil {
			g.cur, g.i = nil, g.i+1
			return g.i >= len(ms)
		}
	}
	if g.cur.job.Step() {
		g.cur.err = g.cur.job.Err()
		g.cur.elapsed = time.Since(g.start)
		g.cur, g.i = nil, g.i+1
		if g.i >= len(ms) {
			g.v.gridCur = ""
		}
	}
	return g.i >= len(ms)
}

// startEval starts the metric of the metrics panel.
func (v *attrView) startEval(c *Ctx, net *nn.Sequential, me explorer.AttrMethod, layer, class int, opts explorer.AttrOptions, pix []float32, metric string, mainMap []float32) {
	a := c.App
	v.evals, v.evalNames, v.evalErr = nil, nil, ""
	for _, n := range []string{"attr:eval0", "attr:eval1"} {
		a.Sched.Stop(n)
	}
	one := [][]float32{pix}
	add := func(e *explorer.AttrEval, err error, name string) {
		if err != nil {
			v.evalErr = err.Error()
			return
		}
		if len(one) == 1 && (metric == "curves" || metric == "sanity") {
			e.UseMaps([][]float32{mainMap})
		}
		a.Sched.Start(fmt.Sprintf("attr:eval%d", len(v.evals)), e)
		v.evals = append(v.evals, e)
		v.evalNames = append(v.evalNames, name)
	}
	switch metric {
	case "curves":
		e, err := explorer.NewAttrEval(net, "deletion", me.ID, layer, opts, one, []int{class}, nil, 1)
		add(e, err, "deletion")
		e, err = explorer.NewAttrEval(net, "insertion", me.ID, layer, opts, one, []int{class}, nil, 1)
		add(e, err, "insertion")
	case "sanity":
		e, err := explorer.NewAttrEval(net, "sanity", me.ID, layer, opts, one, []int{class}, nil, a.State.Seed)
		add(e, err, "sanity")
	case "confidence", "pointing":
		if a.Test == nil {
			v.evalErr = "the test set is still loading"
			return
		}
		if metric == "confidence" {
			idx, _ := explorer.TestSample(a.Test, 16, a.State.Seed)
			flat := explorer.SampleImages(a.Test, idx, net.Spec.Input)
			n := len(flat) / len(idx)
			var imgs [][]float32
			var cls []int
			for i := range idx {
				im := flat[i*n : (i+1)*n]
				imgs = append(imgs, im)
				_, p := explorer.Predict(net, im)
				cls = append(cls, classOrder(p)[0])
			}
			e, err := explorer.NewAttrEval(net, "confidence", me.ID, layer, opts, imgs, cls, nil, 1)
			add(e, err, "confidence")
			return
		}
		big, imgs, cls, boxes, err := explorer.Scenes(net, a.Test, 20, a.State.Seed)
		if err != nil {
			v.evalErr = err.Error() + ". The convnetjs model ends in a flatten + dense layer whose weights are sized for 28×28 inputs, so it cannot look at a larger scene; models ending in global average pooling (mnist) can."
			return
		}
		e, err := explorer.NewAttrEval(big, "pointing", me.ID, layer, opts, imgs, cls, boxes, 1)
		add(e, err, "pointing")
	}
}

// Key changes while steppers fill in results, at most every
// redrawEvery: a full redraw of the page costs far more than a tick, so
// the steppers get the ticks in between.
func (v *attrView) Key(c *Ctx) string {
	k := v.freshKey(c)
	if k != v.lastKey && time.Since(v.lastKeyAt) >= redrawEvery {
		v.lastKey, v.lastKeyAt = k, time.Now()
	}
	return v.lastKey
}

// redrawEvery is the least time between redraws caused by progress.
const redrawEvery = 250 * time.Millisecond

func (v *attrView) freshKey(c *Ctx) string {
	k := ""
	if v.job != nil {
		d, t := v.job.Progress()
		k = fmt.Sprint(bucket(d, t), v.job.Done(), v.elapsed)
	}
	for _, e := range v.evals {
		d, _ := e.Progress()
		k += fmt.Sprint(d, e.Err() != nil)
		if j := e.Job(); j != nil {
			jd, jt := j.Progress()
			k += fmt.Sprint("j", bucket(jd, jt))
		}
		if cv, ok := e.CurrentCurve(); ok {
			k += fmt.Sprint("c", len(cv.Scores))
		}
	}
	if res := v.gridRes[v.gridCur]; res != nil && res.job != nil {
		d, t := res.job.Progress()
		k += fmt.Sprint("g", bucket(d, t))
	}
	if a := c.App; a.State.Option("panel", "metrics") == "metrics" && a.State.Option("metric", "curves") == "curves" {
		k += fmt.Sprint("t", time.Now().UnixMilli()/animFrameMs) // the deletion animation
	}
	return k + fmt.Sprint(len(v.gridRes), v.gridCur)
}

func (v *attrView) scaleFor(a *explorer.App, m []float32) (render.Scale, render.Colormap) {
	cm := v.opt(a, "acmap", "auto")
	sg := false
	for _, x := range m {
		sg = sg || x < 0
	}
	if cm == "diverging" || (cm == "auto" && sg) {
		return render.Fit(true, m), render.Diverging
	}
	return render.Fit(false, m), render.Viridis
}

// baseImage is the input (one channel) enlarged by nearest neighbour.
func baseImage(pix []float32, h, w, k int) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, w*k, h*k))
	for y := 0; y < h*k; y++ {
		for x := 0; x < w*k; x++ {
			g.Pix[y*g.Stride+x] = uint8(max(0, min(1, pix[(y/k)*w+x/k]))*255 + 0.5)
		}
	}
	return g
}

func (v *attrView) overlayOf(a *explorer.App, pix []float32, m []float32, h, w, k int) (*image.RGBA, render.Scale, render.Colormap) {
	in := a.Current().Net.Spec.Input
	sc, cm := v.scaleFor(a, m)
	alpha := 0.6
	if n, err := strconv.Atoi(v.opt(a, "alpha", "60")); err == nil {
		alpha = float64(max(0, min(100, n))) / 100
	}
	img := render.Overlay(baseImage(pix, in[1], in[2], k), m, h, w, sc, cm, alpha, v.opt(a, "interp", "bilinear") == "bilinear")
	return img, sc, cm
}

func (v *attrView) Draw(dst *ebiten.Image, area image.Rectangle, c *Ctx) {
	t0 := time.Now()
	defer func() { smooth(&v.drawMs, time.Since(t0)) }()
	a := c.App
	net := a.Current().Net
	me := explorer.AttrMethodOf(a.State)
	layer := explorer.AttrLayerOf(net, me, a.State.Layer)
	pix := a.ModelInput()
	// The sliders.
	if sp := attribution.SpatialLayers(net); !v.layerTrack.Empty() {
		v.drawSlider(dst, c, v.layerTrack, len(sp), indexOf(sp, layer))
		lr := image.Rect(v.layerTrack.Max.X+c.U(30), v.layerTrack.Min.Y, v.layerTrack.Max.X+c.U(140), v.layerTrack.Max.Y)
		sh := net.OutShape(layer)
		c.UI.text(dst, fmt.Sprintf("%s %d×%d", net.Spec.Layers[layer].Name, sh[1], sh[2]), lr.Min.X, lr.Min.Y+c.U(3), 12, colText)
	}
	alpha, _ := strconv.Atoi(v.opt(a, "alpha", "60"))
	v.drawSlider(dst, c, v.alphaTrack, 11, alpha/10)
	top := v.alphaTrack.Max.Y + c.U(10)
	body := image.Rect(area.Min.X, top, area.Max.X, area.Max.Y)
	split := body.Min.X + body.Dx()*46/100
	left := image.Rect(body.Min.X, body.Min.Y, split-c.U(8), body.Max.Y)
	right := image.Rect(split+c.U(8), body.Min.Y, body.Max.X, body.Max.Y)
	// Title line.
	cls := v.target(a)
	title := fmt.Sprintf("%s for class %s", me.Name, net.Spec.Classes[cls])
	if layer >= 0 && (me.Layer || me.ID == "cam") {
		title += " on " + net.Spec.Layers[layer].Name
	}
	if !me.Class {
		title = me.Name + " (no class: the same map for every class)"
		if layer >= 0 {
			title += " on " + net.Spec.Layers[layer].Name
		}
	}
	c.UI.text(dst, title, left.Min.X, left.Min.Y, 13, colText)
	y := left.Min.Y + c.U(20)
	if v.mainErr != "" {
		c.UI.paragraph(dst, v.mainErr, image.Rect(left.Min.X, y, left.Max.X, y+c.U(80)), 12.5, colBad)
	} else if v.job != nil && v.job.Result() != nil {
		res := v.job.Result()
		m, h, w := explorer.DisplayMap(res, v.post(a, me))
		side := min(left.Dx()-c.U(80), left.Max.Y-y-c.U(70))
		if side > c.U(40) {
			d, t := v.job.Progress()
			key := fmt.Sprint(v.key, bucket(d, t), v.job.Done(), a.State.Options)
			img := v.overlay.get(key, func() *image.RGBA {
				im, _, _ := v.overlayOf(a, pix, m, h, w, 8)
				return im
			})
			sc, cm := v.scaleFor(a, m)
			r := image.Rect(left.Min.X, y, left.Min.X+side, y+side)
			drawImageIn(dst, img, r, false)
			v.overlayRect = r
			bimg := v.bar.get(fmt.Sprint(key, side), func() *image.RGBA {
				return render.ColorBar(sc, cm, max(40, side/c.U(1)/2), 12, 5)
			})
			if bimg != nil {
				bb := bimg.Bounds()
				k := max(1, side/max(1, bb.Dy()))
				drawImageIn(dst, bimg, image.Rect(r.Max.X+c.U(6), r.Min.Y, r.Max.X+c.U(6)+bb.Dx()*k, r.Min.Y+bb.Dy()*k), false)
			}
			ty := r.Max.Y + c.U(6)
			status := fmt.Sprintf("raw map %v, values %s … %s", res.Shape, render.FormatNumber(minOf(res.Data)), render.FormatNumber(maxOf(res.Data)))
			c.UI.text(dst, status, left.Min.X, ty, 11.5, colMuted)
			ty += c.U(16)
			if v.job.Done() {
				c.UI.text(dst, fmt.Sprintf("computed in %.0f ms", float64(v.elapsed.Microseconds())/1000), left.Min.X, ty, 11.5, colMuted)
			} else {
				c.UI.text(dst, fmt.Sprintf("computing… %d of %d", d, t), left.Min.X, ty, 11.5, colFocus)
			}
			if gap, delta, ok := v.job.Completeness(); ok && v.job.Done() {
				ty += c.U(16)
				c.UI.text(dst, fmt.Sprintf("completeness: Σ attributions − (f(x) − f(baseline)) = %s (f(x) − f(b) = %s)",
					render.FormatNumber(gap), render.FormatNumber(delta)), left.Min.X, ty, 11.5, colText)
			}
		}
	} else {
		c.UI.text(dst, "computing…", left.Min.X, y, 12, colMuted)
	}
	if v.opt(a, "panel", "metrics") == "grid" {
		v.drawGrid(dst, c, right, pix)
	} else {
		v.drawMetrics(dst, c, right, pix)
	}
}

// animFrameMs is the time each point of the deletion animation shows.
const animFrameMs = 350

// textWidth is the width in pixels of s at size.
func (u *ui) textWidth(s string, size float64) int { return int(text.Advance(s, u.face(size))) }

// bucket rounds progress to twentieths, so that a slow map is redrawn
// every 5% and not after every step.
func bucket(d, t int) int { return d * 20 / max(1, t) }

func indexOf(s []int, x int) int {
	for i, v := range s {
		if v == x {
			return i
		}
	}
	return 0
}

func minOf(d []float32) float64 {
	m := float32(0)
	for i, x := range d {
		if i == 0 || x < m {
			m = x
		}
	}
	return float64(m)
}

func maxOf(d []float32) float64 {
	m := float32(0)
	for i, x := range d {
		if i == 0 || x > m {
			m = x
		}
	}
	return float64(m)
}

func (v *attrView) drawSlider(dst *ebiten.Image, c *Ctx, r image.Rectangle, n, cur int) {
	if r.Empty() || n < 1 {
		return
	}
	mid := (r.Min.Y + r.Max.Y) / 2
	fillRect(dst, image.Rect(r.Min.X, mid-c.U(2), r.Max.X, mid+c.U(2)), colRaised)
	for i := 0; i < n; i++ {
		x := r.Min.X + (2*i+1)*r.Dx()/(2*n)
		fillRect(dst, image.Rect(x-c.U(1), mid-c.U(5), x+c.U(1), mid+c.U(5)), colMuted)
	}
	x := r.Min.X + (2*cur+1)*r.Dx()/(2*n)
	fillRect(dst, image.Rect(x-c.U(5), r.Min.Y+c.U(2), x+c.U(5), r.Max.Y-c.U(2)), colAccent)
}

func (v *attrView) drawGrid(dst *ebiten.Image, c *Ctx, r image.Rectangle, pix []float32) {
	a := c.App
	ms := explorer.AttrMethods
	cols := 5
	cell := min(r.Dx()/cols-c.U(6), (r.Dy()-c.U(20))/((len(ms)+cols-1)/cols)-c.U(18))
	if cell < c.U(20) {
		return
	}
	c.UI.text(dst, "Every method on this input (same class, same layer, same display options)", r.Min.X, r.Min.Y, 12, colText)
	done := 0
	for _, res := range v.gridRes {
		if res.job != nil && res.job.Done() {
			done++
		}
	}
	key := fmt.Sprint(v.gridKey, a.State.Options, cell, done, v.gridCur)
	img := v.gridTex.get(key, func() *image.RGBA {
		cw, ch := cols*(cell+c.U(6)), ((len(ms)+cols-1)/cols)*(cell+c.U(18))
		out := image.NewRGBA(image.Rect(0, 0, cw, ch))
		for i, m := range ms {
			res := v.gridRes[m.ID]
			if res == nil || res.job == nil || res.job.Result() == nil {
				continue
			}
			mp, h, w := explorer.DisplayMap(res.job.Result(), v.post(a, m))
			im, _, _ := v.overlayOf(a, pix, mp, h, w, 4)
			tile := scaleRGBA(im, cell)
			ox, oy := (i%cols)*(cell+c.U(6)), (i/cols)*(cell+c.U(18))+c.U(16)
			for yy := 0; yy < cell; yy++ {
				copy(out.Pix[out.PixOffset(ox, oy+yy):out.PixOffset(ox+cell, oy+yy)], tile.Pix[tile.PixOffset(0, yy):tile.PixOffset(cell, yy)])
			}
		}
		return out
	})
	o := image.Pt(r.Min.X, r.Min.Y+c.U(18))
	if img != nil {
		op := &ebiten.DrawImageOptions{}
		op.GeoM.Translate(float64(o.X), float64(o.Y))
		dst.DrawImage(img, op)
	}
	for i, m := range ms {
		x, y := o.X+(i%cols)*(cell+c.U(6)), o.Y+(i/cols)*(cell+c.U(18))
		lab := m.Name
		col := color.Color(colMuted)
		if res := v.gridRes[m.ID]; res != nil {
			switch {
			case res.err != nil:
				lab, col = m.Name+": n/a", colBad
			case res.job != nil && res.job.Done():
				col = colText
			case res.job != nil:
				d, t := res.job.Progress()
				lab, col = fmt.Sprintf("%s %d/%d", m.Name, d, t), colFocus
			}
		}
		// Keep the label within its tile's width.
		for len([]rune(lab)) > 3 && c.UI.textWidth(lab, 9.5) > cell+c.U(4) {
			r := []rune(lab)
			lab = string(r[:len(r)-2]) + "…"
		}
		c.UI.text(dst, lab, x, y, 9.5, col)
	}
}

// scaleRGBA resizes img to side×side by nearest neighbour.
func scaleRGBA(img *image.RGBA, side int) *image.RGBA {
	out := image.NewRGBA(image.Rect(0, 0, side, side))
	b := img.Bounds()
	for y := 0; y < side; y++ {
		for x := 0; x < side; x++ {
			so := img.PixOffset(x*b.Dx()/side, y*b.Dy()/side)
			copy(out.Pix[out.PixOffset(x, y):out.PixOffset(x, y)+4], img.Pix[so:so+4])
		}
	}
	return out
}

func (v *attrView) drawMetrics(dst *ebiten.Image, c *Ctx, r image.Rectangle, pix []float32) {
	a := c.App
	metric := v.opt(a, "metric", "curves")
	y := r.Min.Y
	if v.evalErr != "" {
		c.UI.paragraph(dst, v.evalErr, r, 12, colBad)
		return
	}
	for _, e := range v.evals {
		if e.Err() != nil {
			c.UI.paragraph(dst, e.Err().Error(), r, 12, colBad)
			return
		}
	}
	status := func(e *explorer.AttrEval) string {
		d, t := e.Progress()
		s := fmt.Sprintf("%d/%d images", d, t)
		if j := e.Job(); j != nil {
			jd, jt := j.Progress()
			s += fmt.Sprintf(", map %d/%d", jd, jt)
		}
		return s
	}
	chartW := max(60, r.Dx())
	chartH := max(40, min(r.Dy()/2, c.U(220)))
	switch metric {
	case "curves":
		c.UI.text(dst, "Deletion (fall fast = good, low AUC) and insertion (rise fast = good, high AUC)", r.Min.X, y, 12, colText)
		y += c.U(18)
		var series []render.Series
		key := ""
		cols := []color.RGBA{{0xf8, 0x71, 0x71, 255}, {0x4a, 0xde, 0x80, 255}}
		for i, e := range v.evals {
			cv := e.MeanCurve()
			if p, ok := e.CurrentCurve(); ok {
				cv = p
			}
			if len(cv.Scores) > 0 {
				series = append(series, render.Series{Label: fmt.Sprintf("%s AUC %.3f", v.evalNames[i], cv.AUC), X: cv.Fractions, Y: cv.Scores, Color: cols[i%2]})
			}
			key += fmt.Sprint(len(cv.Scores), cv.AUC)
			c.UI.text(dst, v.evalNames[i]+": "+status(e), r.Min.X+i*c.U(200), y, 11, colMuted)
		}
		y += c.U(16)
		if len(series) > 0 {
			img := v.chart.get(fmt.Sprint(v.evalKey, key, chartW, chartH), func() *image.RGBA {
				return render.LineChart(chartW/c.U(1)*c.U(1), chartH, series...)
			})
			drawImageIn(dst, img, image.Rect(r.Min.X, y, r.Min.X+chartW, y+chartH), false)
			y += chartH + c.U(8)
			// The image as the deletion curve's latest point leaves it.
			if len(v.evals) > 0 && v.job != nil && v.job.Result() != nil {
				cv := v.evals[0].MeanCurve()
				if p, ok := v.evals[0].CurrentCurve(); ok {
					cv = p
				}
				if n := len(cv.Fractions); n > 0 {
					in := a.Current().Net.Spec.Input
					f := cv.Fractions[n-1]
					if d, t := v.evals[0].Progress(); d == t {
						// Done: loop through the curve's points.
						f = cv.Fractions[int(time.Now().UnixMilli()/animFrameMs)%n]
					}
					side := min(c.U(110), r.Max.Y-y-c.U(20))
					if side > c.U(20) {
						im := v.anim.get(fmt.Sprint(v.evalKey, f), func() *image.RGBA {
							mp := explorer.InputMap(v.job.Result(), in[1], in[2])
							return greyImage(explorer.Removed(pix, mp, f, false), in[2], in[1])
						})
						drawImageIn(dst, im, image.Rect(r.Min.X, y, r.Min.X+side, y+side), false)
						c.UI.text(dst, fmt.Sprintf("%.0f%% of the pixels removed, most important first", 100*f), r.Min.X+side+c.U(8), y, 11.5, colText)
					}
				}
			}
		}
	case "confidence":
		c.UI.text(dst, "Average drop / increase in confidence over 16 test images", r.Min.X, y, 12, colText)
		y += c.U(18)
		for _, e := range v.evals {
			cf := e.Confidence()
			c.UI.text(dst, status(e), r.Min.X, y, 11, colMuted)
			y += c.U(18)
			c.UI.text(dst, fmt.Sprintf("average drop %.1f%% (lower is better)", cf.AverageDrop), r.Min.X, y, 13, colText)
			y += c.U(18)
			c.UI.text(dst, fmt.Sprintf("increase in confidence %.1f%% of images (higher is better), %d evaluated", cf.IncreaseRate, cf.N), r.Min.X, y, 13, colText)
		}
	case "pointing":
		c.UI.text(dst, fmt.Sprintf("Pointing game on 20 %d×%d scenes (tolerance %d px)", explorer.SceneSize, explorer.SceneSize, explorer.PointingTol), r.Min.X, y, 12, colText)
		y += c.U(18)
		for _, e := range v.evals {
			l := e.Localization()
			c.UI.text(dst, status(e), r.Min.X, y, 11, colMuted)
			y += c.U(18)
			c.UI.text(dst, fmt.Sprintf("pointing accuracy %d/%d = %.0f%%", l.Hits, l.N, 100*l.Accuracy), r.Min.X, y, 13, colText)
			y += c.U(18)
			c.UI.text(dst, fmt.Sprintf("energy inside the digit's box %.2f", l.MeanEnergy), r.Min.X, y, 13, colText)
		}
	case "sanity":
		y += c.UI.paragraph(dst, "Sanity check: the weights are randomized layer by layer from the top. A map that stays similar (Spearman near 1) does not depend on what the network learned.", image.Rect(r.Min.X, y, r.Max.X, y+c.U(60)), 11.5, colText) + c.U(4)
		for _, e := range v.evals {
			pts := e.Sanity()
			c.UI.text(dst, status(e), r.Min.X, y, 11, colMuted)
			y += c.U(16)
			if len(pts) == 0 {
				continue
			}
			sp, ss := make([]float64, len(pts)), make([]float64, len(pts))
			for i, p := range pts {
				sp[i], ss[i] = p.Spearman, p.SSIM
				lab := p.Layer
				if lab == "" {
					lab = "original"
				}
				c.UI.text(dst, fmt.Sprintf("%-9s Spearman %.2f  |Spearman| %.2f  SSIM %.2f", lab, p.Spearman, p.SpearmanAbs, p.SSIM), r.Min.X, y+chartH/2+c.U(8)+i*c.U(15), 10.5, colText)
			}
			img := v.chart.get(fmt.Sprint(v.evalKey, len(pts)), func() *image.RGBA {
				return render.LineChart(chartW, chartH/2, render.Series{Label: "Spearman", Y: sp, Color: color.RGBA{0x38, 0xbd, 0xf8, 255}},
					render.Series{Label: "SSIM", Y: ss, Color: color.RGBA{0xfa, 0xcc, 0x15, 255}})
			})
			drawImageIn(dst, img, image.Rect(r.Min.X, y, r.Min.X+chartW, y+chartH/2), false)
		}
	}
}
