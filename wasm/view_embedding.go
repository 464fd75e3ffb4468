//go:build js && wasm

package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"math"
	"strconv"
	"time"

	"cnnviz/core/explorer"
	"cnnviz/core/nn"
	"cnnviz/core/render"
	"cnnviz/core/tsne"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/vector"
)

func init() { register(40, &embeddingView{zoom: 1}) }

// embedRedraw is how often, at most, the running embedding is drawn
// again: 15 pictures a second look smooth, and the frames between them
// go to the optimizer (a redraw of the scatter costs several frames'
// time in software WebGL).
const embedRedraw = time.Second / 15

// embedRunner runs an Embedding for up to Budget per scheduler Step, so
// that the optimizer makes progress each frame; each inner Step of the
// embedding is bounded (a few ms), so a frame overruns by at most one.
type embedRunner struct {
	e      *explorer.Embedding
	budget time.Duration
	busy   time.Duration // total time spent stepping
	steps  int
}

func (r *embedRunner) Step() bool {
	t0 := time.Now()
	defer func() { r.busy += time.Since(t0) }()
	for {
		r.steps++
		if r.e.Step() {
			return true
		}
		if time.Since(t0) >= r.budget {
			return false
		}
	}
}

// embeddingView shows a layer's activations for many test images placed in
// the plane by t-SNE (or PCA), animated while the optimizer runs.
type embeddingView struct {
	e       *explorer.Embedding
	runner  *embedRunner
	want    string // key of the options e was made for
	net     *nn.Sequential
	err     string
	started time.Time
	setupAt time.Duration // time from start to the first iteration
	doneAt  time.Duration
	setIter int // iteration count when the setup ended (0)

	// The picture: the auto box grows with the embedding; zoom and the
	// centre offset (fractions of the box) apply on top.
	auto         render.Box
	zoom, cx, cy float64
	scatterRect  image.Rectangle
	moving       throttle // the embedding's progress, redrawn at most every embedRedraw
	scatter      texture
	scatterRGBA  *image.RGBA
	scatterKey   string
	klTex, mTex  texture
	thumb        texture
	hover        int
	dragFrom     image.Point
	dragging     bool
	touches      []ebiten.TouchID
	pinch        pinch
	pressed      bool
	pressBox     [3]float64

	meaning *explorer.Meaning
	paused  bool // by the user: option changes do not start a run

	// Frame timing while the view runs, for the status API.
	lastFrame time.Time
	frameMs   []float64
	labels    []embLabel
}

func (v *embeddingView) ID() string    { return "embedding" }
func (v *embeddingView) Title() string { return "Embedding" }
func (v *embeddingView) Explain() string {
	return "Each dot is one test image, placed by t-SNE so that images whose activations at the chosen layer are close " +
		"stay close in the picture. t-SNE turns distances into \"who is my neighbour\" probabilities and moves the dots " +
		"until the picture's neighbours match the layer's. At the raw pixels the digits overlap; deeper layers pull each " +
		"class into its own island, because the network has learned what matters for the label. Sizes of islands and " +
		"distances between far-apart islands mean little in t-SNE; neighbours are what it keeps. The chart \"measured\" " +
		"checks this without t-SNE: per layer, how often an image's nearest neighbour has the same label, and how many of " +
		"its 10 nearest neighbours in pixel space are still its neighbours. Hover a dot to see the digit, click it to " +
		"make it the input of every other view. Layers wider than 512 values are first randomly projected to 512 " +
		"dimensions, which keeps distances within a few percent."
}

// embLabel is a text next to the controls.
type embLabel struct {
	s    string
	x, y int
}

// embedOpts are the view's options, read from the URL state.
type embedOpts struct {
	data   string // "mnist" or a synth name
	layer  string
	n      int
	method string
	perp   float64
	lr     float64 // 0 = auto
	exag   float64
	seed   uint64
	iters  int
	color  string // label, pred, correct
	init   string // pca or random (perturb switches to random)
}

func (v *embeddingView) opts(c *Ctx) embedOpts {
	s := c.App.State
	num := func(k string, def float64) float64 {
		f, err := strconv.ParseFloat(s.Option(k, ""), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return def
		}
		return f
	}
	net := c.App.Current().Net
	o := embedOpts{data: s.Option("e-data", "mnist"), layer: s.Option("e-layer", ""), method: s.Option("e-method", "tsne"),
		perp: max(2, min(100, num("e-perp", 30))), lr: max(0, min(1e5, num("e-lr", 0))), exag: max(1, min(50, num("e-exag", 12))),
		seed: uint64(max(0, min(1e6, num("e-seed", 1)))), iters: int(max(10, min(5000, num("e-iters", 1000)))),
		color: s.Option("e-color", "label"), init: s.Option("e-init", "pca"), n: int(num("e-n", 2000))}
	if o.layer == "" || (net.Index(o.layer) < 0 && o.layer != explorer.PixelsSource) {
		o.layer = explorer.PixelsSource
		if net.Index("gap") >= 0 {
			o.layer = "gap"
		} else if k := len(net.Spec.Layers); k > 1 {
			o.layer = net.Spec.Layers[k-2].Name
		}
	}
	okN := false
	for _, n := range explorer.EmbedSizes {
		okN = okN || n == o.n
	}
	if !okN {
		o.n = 2000
	}
	if o.method != "pca" {
		o.method = "tsne"
	}
	if o.init != "random" {
		o.init = "pca"
	}
	return o
}

func (o embedOpts) key(model string) string { return fmt.Sprintf("%s|%+v", model, o) }

func (o embedOpts) embed(limit int) explorer.EmbedOptions {
	t := tsne.DefaultOptions()
	t.Perplexity, t.LearningRate, t.EarlyExaggeration, t.Seed, t.MaxIter, t.Init = o.perp, o.lr, o.exag, o.seed, o.iters, o.init
	t.ExaggerationIters = min(t.ExaggerationIters, o.iters)
	return explorer.EmbedOptions{Source: o.layer, N: min(o.n, limit), Method: o.method, TSNE: t}
}

// sync (re)starts the computation when the options, the model or the test
// set changed.
func (v *embeddingView) sync(c *Ctx) {
	a := c.App
	o := v.opts(c)
	key := o.key(a.Current().Name)
	if key == v.want && v.net == a.Current().Net {
		return
	}
	if o.data == "mnist" && a.Test == nil {
		return // wait for the test set
	}
	var e *explorer.Embedding
	var err error
	switch {
	case o.data != "mnist":
		ds, derr := explorer.SynthData(o.data, o.seed)
		if derr != nil {
			err = derr
			break
		}
		eo := o.embed(ds.N)
		if v.e != nil && v.e.Feat.Net == nil && v.e.Opt.Source == ds.Name && v.want != "" && o.seed == v.e.Opt.TSNE.Seed {
			e, err = v.e.Restart(eo)
		} else {
			e, err = explorer.NewSynthEmbedding(ds, eo)
		}
	default:
		eo := o.embed(a.Test.Count)
		if v.e != nil && v.net == a.Current().Net && v.e.Feat.Net != nil {
			e, err = v.e.Restart(eo)
		} else if err = explorer.DigitsModel(a.Current().Net, "the embedding"); err == nil {
			e, err = explorer.NewEmbedding(a.Current().Net, a.Test, eo)
		}
	}
	v.want, v.net = key, a.Current().Net
	if err != nil {
		v.err = err.Error()
		if !errors.Is(err, explorer.ErrNotDigits) {
			c.ShowError("Embedding: " + v.err)
		}
		a.Sched.Stop(explorer.EmbedJob)
		v.e, v.runner = nil, nil
		return
	}
	v.err = ""
	if v.e == nil || v.e.Feat != e.Feat {
		v.zoom, v.cx, v.cy = 1, 0, 0
	}
	v.e = e
	v.auto = render.Box{}
	// Budget 0: one step of the embedding per scheduler step, so that
	// the shell's adaptive budget decides how much runs in a frame.
	v.runner = &embedRunner{e: e, budget: 0}
	v.started, v.setupAt, v.doneAt = time.Now(), 0, 0
	v.frameMs = v.frameMs[:0]
	v.hover = -1
	if !v.paused {
		a.Sched.Start(explorer.EmbedJob, v.runner)
	} else {
		a.Sched.Stop(explorer.EmbedJob)
	}
}

func (v *embeddingView) running(c *Ctx) bool { return c.App.Sched.Running(explorer.EmbedJob) }

func (v *embeddingView) Update(c *Ctx) {
	a := c.App
	v.sync(c)
	now := time.Now()
	if v.running(c) && !v.lastFrame.IsZero() {
		v.frameMs = append(v.frameMs, float64(now.Sub(v.lastFrame).Microseconds())/1000)
		if len(v.frameMs) > 600 {
			v.frameMs = v.frameMs[len(v.frameMs)-600:]
		}
	}
	v.lastFrame = now
	if v.e != nil && v.setupAt == 0 && v.e.Ready() {
		v.setupAt = time.Since(v.started)
	}
	if v.e != nil && v.doneAt == 0 && v.e.Ready() && !v.running(c) && v.e.Iteration() >= v.e.Opt.TSNE.MaxIter {
		v.doneAt = time.Since(v.started)
	}
	o := v.opts(c)
	v.labels = v.labels[:0]
	ar := c.Area
	h := c.U(24)
	x, y := ar.Min.X, ar.Min.Y
	btn := func(id, label string, on bool, action func()) {
		w := c.U(12) + c.U(float64(len([]rune(label)))*6.6)
		if x+w > ar.Max.X {
			x, y = ar.Min.X, y+h+c.U(4)
		}
		c.Button("emb-"+id, image.Rect(x, y, x+w, y+h), label, on, action)
		x += w + c.U(4)
	}
	label := func(s string) {
		w := c.U(float64(len([]rune(s)))*6.2) + c.U(4)
		if x+w > ar.Max.X {
			x, y = ar.Min.X, y+h+c.U(4)
		}
		v.labels = append(v.labels, embLabel{s, x, y + c.U(5)})
		x += w
	}
	newline := func() { x, y = ar.Min.X, y+h+c.U(4) }
	set := func(k, val string) func() { return func() { a.SetOption(k, val) } }
	running := v.running(c)
	runLabel := "run"
	if running {
		runLabel = "pause"
	}
	btn("run", runLabel, running, func() {
		if v.runner == nil {
			return
		}
		v.paused = running
		switch {
		case running:
			a.Sched.Stop(explorer.EmbedJob)
		case v.e != nil && v.e.Iteration() >= v.e.Opt.TSNE.MaxIter && v.e.Opt.Method == "tsne":
			v.want = "" // finished: run again from the start
			v.sync(c)
		case v.e != nil:
			v.e.Until = 0
			a.Sched.Start(explorer.EmbedJob, v.runner)
		}
	})
	btn("step", "step", false, func() {
		if v.e == nil || running {
			return
		}
		v.paused = true
		v.e.Until = v.e.Iteration() + 1
		a.Sched.Start(explorer.EmbedJob, &embedRunner{e: v.e, budget: 0})
	})
	btn("restart", "restart", false, func() {
		v.want, v.paused = "", false
		v.sync(c)
		a.Sched.Start(explorer.EmbedJob, v.runner)
	})
	btn("perturb", "perturb", false, func() {
		a.SetOption("e-init", "random")
		a.SetOption("e-seed", strconv.FormatUint(o.seed+1, 10))
	})
	btn("m-tsne", "t-SNE", o.method == "tsne", set("e-method", ""))
	btn("m-pca", "PCA", o.method == "pca", set("e-method", "pca"))
	btn("c-label", "label", o.color == "label", set("e-color", ""))
	btn("c-pred", "predicted", o.color == "pred", set("e-color", "pred"))
	btn("c-correct", "right/wrong", o.color == "correct", set("e-color", "correct"))
	btn("csv", "CSV", false, func() { v.export(c, "csv") })
	btn("json", "JSON", false, func() { v.export(c, "json") })
	btn("png", "PNG", false, func() { v.export(c, "png") })
	newline()
	label("data:")
	btn("d-mnist", "MNIST", o.data == "mnist", set("e-data", ""))
	for _, s := range explorer.SynthNames {
		btn("d-"+s, s, o.data == s, set("e-data", s))
	}
	if o.data == "mnist" {
		label("N:")
		for _, n := range explorer.EmbedSizes {
			val := strconv.Itoa(n)
			if n == 2000 {
				val = ""
			}
			btn("n-"+strconv.Itoa(n), strconv.Itoa(n), o.n == n, set("e-n", val))
		}
		newline()
		label("layer:")
		for _, s := range explorer.EmbedSources(a.Current().Net) {
			btn("l-"+s, s, o.layer == s, set("e-layer", s))
		}
	}
	newline()
	stepper := func(id, name string, val float64, format string, lo, hi, factor float64, key string) {
		label(name + " " + fmt.Sprintf(format, val))
		btn(id+"-", "−", false, func() { a.SetOption(key, strconv.FormatFloat(max(lo, math.Round(val/factor*100)/100), 'g', -1, 64)) })
		btn(id+"+", "+", false, func() { a.SetOption(key, strconv.FormatFloat(min(hi, math.Round(val*factor*100)/100), 'g', -1, 64)) })
	}
	stepper("perp", "perplexity", o.perp, "%.0f", 2, 100, 1.5, "e-perp")
	lr := o.lr
	if lr == 0 && v.e != nil && v.e.T != nil {
		lr = v.e.T.Options().LearningRate
	} else if lr == 0 {
		lr = max(float64(o.n)/o.exag/4, 50)
	}
	lrName := "learning rate"
	stepper("lr", lrName, lr, "%.0f", 1, 1e5, 2, "e-lr")
	btn("lr-auto", "auto", o.lr == 0, set("e-lr", ""))
	stepper("exag", "exagg.", o.exag, "%.1f", 1, 50, 1.5, "e-exag")
	stepper("iters", "iterations", float64(o.iters), "%.0f", 10, 5000, 2, "e-iters")
	label(fmt.Sprintf("seed %d", o.seed))
	btn("seed-", "−", false, set("e-seed", strconv.FormatUint(max(1, o.seed)-1, 10)))
	btn("seed+", "+", false, set("e-seed", strconv.FormatUint(o.seed+1, 10)))
	if o.data == "mnist" {
		mLabel := "measure layers"
		if v.meaning != nil && !v.meaning.Done() {
			mLabel = fmt.Sprintf("measuring %.0f%%", 100*v.meaning.Progress())
		}
		btn("meaning", mLabel, v.meaning != nil, func() {
			if a.Test == nil {
				return
			}
			m, err := explorer.NewMeaning(a.Current().Net, a.Test, min(1000, a.Test.Count), 1)
			if err != nil {
				c.ShowError(err.Error())
				return
			}
			v.meaning = m
			a.Sched.Start(explorer.MeaningJob, m)
		})
	}
	top := y + h + c.U(8)
	side := min(ar.Dy()-(top-ar.Min.Y), ar.Dx()*62/100)
	v.scatterRect = image.Rect(ar.Min.X, top, ar.Min.X+max(side, c.U(60)), top+max(side, c.U(60)))
	v.pointer(c, o)
}

// box returns the data box shown: the automatic box, zoomed and panned.
func (v *embeddingView) box() render.Box {
	b := v.auto
	w, h := (b.X1-b.X0)/v.zoom, (b.Y1-b.Y0)/v.zoom
	mx, my := (b.X0+b.X1)/2+v.cx*(b.X1-b.X0), (b.Y0+b.Y1)/2+v.cy*(b.Y1-b.Y0)
	return render.Box{X0: mx - w/2, X1: mx + w/2, Y0: my - h/2, Y1: my + h/2}
}

// updateAuto grows the automatic box to hold the points (with a margin),
// and shrinks it only when the points fill less than a third of it, so
// the picture does not jump every frame.
func (v *embeddingView) updateAuto(xy []float32) {
	f := render.FitBox(xy)
	// Square box around the points, 8% margin.
	cx, cy := (f.X0+f.X1)/2, (f.Y0+f.Y1)/2
	r := max(f.X1-f.X0, f.Y1-f.Y0) / 2 * 1.08
	b := v.auto
	if b == (render.Box{}) || f.X0 < b.X0 || f.X1 > b.X1 || f.Y0 < b.Y0 || f.Y1 > b.Y1 || 2*r*3 < (b.X1-b.X0) {
		// Grow with headroom so a growing embedding does not rescale
		// every frame.
		r *= 1.25
		v.auto = render.Box{X0: cx - r, X1: cx + r, Y0: cy - r, Y1: cy + r}
	}
}

// scatterOptions maps the data box to the scatter rectangle.
func (v *embeddingView) scatterOptions(c *Ctx) render.ScatterOptions {
	n := 2000
	if v.e != nil {
		n = v.e.Feat.N
	}
	rad := 2
	if n <= 1000 {
		rad = 3
	}
	if n > 5000 {
		rad = 1
	}
	return render.ScatterOptions{Width: v.scatterRect.Dx(), Height: v.scatterRect.Dy(), Radius: c.U(float64(rad) * 0.8), Margin: c.U(6), Box: v.box()}
}

// pointer handles hover, click, drag and wheel on the scatter.
func (v *embeddingView) pointer(c *Ctx, o embedOpts) {
	a := c.App
	p := &c.UI.ptr
	r := v.scatterRect
	if v.e == nil || !v.e.Ready() {
		v.hover = -1
		return
	}
	xy := v.e.Positions()
	if v.auto == (render.Box{}) {
		v.updateAuto(xy)
	}
	so := v.scatterOptions(c)
	b := so.Box
	toData := func(pt image.Point) (float64, float64) {
		w := float64(so.Width - 2*so.Margin - 1)
		h := float64(so.Height - 2*so.Margin - 1)
		x := b.X0 + float64(pt.X-r.Min.X-so.Margin)/w*(b.X1-b.X0)
		y := b.Y0 + float64(so.Height-1-so.Margin-(pt.Y-r.Min.Y))/h*(b.Y1-b.Y0)
		return x, y
	}
	// placeAt zooms to nz and pans so that the data point (dx, dy) is
	// drawn at the screen point pt.
	placeAt := func(dx, dy float64, pt image.Point, nz float64) {
		w := float64(so.Width - 2*so.Margin - 1)
		h := float64(so.Height - 2*so.Margin - 1)
		fx := float64(pt.X-r.Min.X-so.Margin) / w
		fy := float64(so.Height-1-so.Margin-(pt.Y-r.Min.Y)) / h
		bw, bh := v.auto.X1-v.auto.X0, v.auto.Y1-v.auto.Y0
		x0, y0 := dx-fx*bw/nz, dy-fy*bh/nz
		v.zoom = nz
		v.cx = (x0 + bw/nz/2 - (v.auto.X0+v.auto.X1)/2) / bw
		v.cy = (y0 + bh/nz/2 - (v.auto.Y0+v.auto.Y1)/2) / bh
	}
	if pt, ok := c.Hover(r); ok && p.wheel != 0 && !c.UI.overlay {
		// Zoom about the pointer: the data point under it stays put.
		dx, dy := toData(pt)
		placeAt(dx, dy, pt, clampZoom(v.zoom*math.Pow(1.15, p.wheel)))
	}
	// Pinch with two fingers: the distance between them sets the zoom
	// and the data point first between them follows their midpoint.
	v.touches = ebiten.AppendTouchIDs(v.touches[:0])
	if len(v.touches) >= 2 && !c.UI.overlay {
		x0, y0 := ebiten.TouchPosition(v.touches[0])
		x1, y1 := ebiten.TouchPosition(v.touches[1])
		mid := image.Pt((x0+x1)/2, (y0+y1)/2)
		d := math.Hypot(float64(x1-x0), float64(y1-y0))
		switch {
		case v.pinch.dist == 0 && mid.In(r) && d > 0:
			dx, dy := toData(mid)
			v.pinch = pinch{dist: d, zoom: v.zoom, dx: dx, dy: dy}
		case v.pinch.dist > 0:
			placeAt(v.pinch.dx, v.pinch.dy, mid, clampZoom(v.pinch.zoom*d/v.pinch.dist))
		}
		v.pressed, v.dragging = false, false // no drag or click from a pinch
	} else if v.pinch.dist > 0 {
		v.pinch = pinch{}
		v.pressed = false // the finger left behind starts no drag
	}
	if pt, ok := c.Pressed(r); ok && v.pinch.dist == 0 {
		v.pressed, v.dragging, v.dragFrom = true, false, pt
		v.pressBox = [3]float64{v.cx, v.cy, v.zoom}
	}
	if v.pressed && p.Down {
		d := image.Pt(p.X, p.Y).Sub(v.dragFrom)
		if iabs(d.X)+iabs(d.Y) > c.U(5) {
			v.dragging = true
		}
		if v.dragging {
			w := float64(so.Width - 2*so.Margin - 1)
			v.cx = v.pressBox[0] - float64(d.X)/w/v.zoom
			v.cy = v.pressBox[1] + float64(d.Y)/w/v.zoom
		}
	}
	// Hover: the nearest point within a few pixels.
	v.hover = -1
	if pt, ok := c.Hover(r); ok && !v.dragging {
		best := float64(c.U(8) * c.U(8))
		for i := 0; i < len(xy)/2; i++ {
			q := so.Project(b, float64(xy[2*i]), float64(xy[2*i+1]))
			dx, dy := float64(q.X+r.Min.X-pt.X), float64(q.Y+r.Min.Y-pt.Y)
			if d := dx*dx + dy*dy; d < best {
				best, v.hover = d, i
			}
		}
	}
	if v.pressed && p.Released {
		if !v.dragging && v.hover >= 0 && o.data == "mnist" {
			if err := a.ShowTest(v.hover); err != nil {
				c.ShowError(err.Error())
			}
		}
		v.pressed, v.dragging = false, false
	}
	if !p.Down {
		v.pressed = false
	}
	if c.UI.focus == "" && v.hover < 0 {
		if ebiten.IsKeyPressed(ebiten.KeyEqual) {
			v.zoom = clampZoom(v.zoom * 1.02)
		}
		if ebiten.IsKeyPressed(ebiten.KeyMinus) {
			v.zoom = clampZoom(v.zoom / 1.02)
		}
		if ebiten.IsKeyPressed(ebiten.Key0) {
			v.zoom, v.cx, v.cy = 1, 0, 0
		}
	}
}

// clampZoom keeps a zoom factor between showing twice the embedding's
// box and a 200th of it.
func clampZoom(z float64) float64 { return max(0.5, min(200, z)) }

// pinch is a two-finger zoom in progress: the fingers' distance and the
// zoom when it began, and the data point that was between them.
type pinch struct{ dist, zoom, dx, dy float64 }

func iabs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// colours returns the label per point for the chosen colouring: class,
// predicted class, or 0/1 for right/wrong (drawn as blue and red).
func (v *embeddingView) colours(o embedOpts) []int {
	f := v.e.Feat
	switch o.color {
	case "pred":
		return f.Pred
	case "correct":
		out := make([]int, f.N)
		for i := range out {
			if f.Pred[i] != f.Labels[i] {
				out[i] = 3 // Categorical red
			}
		}
		return out
	}
	return f.Labels
}

// Key makes the shell redraw the whole view when its message changes;
// the scatter and the column beside it are the animated part.
func (v *embeddingView) Key(c *Ctx) string { return v.err }

// AnimKey makes the shell redraw the scatter and its column when the
// embedding moves (at most every embedRedraw) or the pointer hovers
// another point, zooms or pans.
func (v *embeddingView) AnimKey(c *Ctx) string {
	var moving string
	if v.e != nil {
		moving = fmt.Sprint(v.e.Version(), v.e.Phase(), int(100*v.e.Progress()), len(v.e.KL))
	}
	if v.meaning != nil {
		moving += fmt.Sprint(len(v.meaning.OneNN), int(100*v.meaning.Progress()))
	}
	return fmt.Sprint(v.hover, v.zoom, v.cx, v.cy) + v.moving.key(moving, embedRedraw)
}

// AnimRect is the band of the view from the scatter's top down.
func (v *embeddingView) AnimRect(c *Ctx) image.Rectangle {
	return image.Rect(c.Area.Min.X, v.scatterRect.Min.Y, c.Area.Max.X, c.Area.Max.Y)
}

func (v *embeddingView) Draw(dst *ebiten.Image, area image.Rectangle, c *Ctx) {
	for _, l := range v.labels {
		c.UI.text(dst, l.s, l.x, l.y, 12, colMuted)
	}
	v.DrawAnim(dst.SubImage(v.AnimRect(c)).(*ebiten.Image), c)
}

// DrawAnim draws the scatter and the column beside it.
func (v *embeddingView) DrawAnim(dst *ebiten.Image, c *Ctx) {
	area := c.Area
	r := v.scatterRect
	fillRect(dst, r, color.RGBA{255, 255, 255, 255})
	if v.err != "" {
		c.UI.paragraph(dst, v.err, inset(r, c.U(10)), 13, colOnAcc)
		return
	}
	if v.e == nil {
		c.UI.paragraph(dst, "Waiting for the test set…", inset(r, c.U(10)), 13, colOnAcc)
		return
	}
	o := v.opts(c)
	e := v.e
	if e.Ready() {
		xy := e.Positions()
		v.updateAuto(xy)
		so := v.scatterOptions(c)
		key := fmt.Sprint(e.Version(), so, o.color, fmt.Sprintf("%p", e))
		img := v.scatter.get(key, func() *image.RGBA {
			v.scatterRGBA = render.Scatter(xy, v.colours(o), so)
			return v.scatterRGBA
		})
		op := &ebiten.DrawImageOptions{}
		op.GeoM.Translate(float64(r.Min.X), float64(r.Min.Y))
		dst.DrawImage(img, op)
		if v.hover >= 0 && v.hover < e.Feat.N {
			q := so.Project(so.Box, float64(xy[2*v.hover]), float64(xy[2*v.hover+1]))
			q = q.Add(r.Min)
			vector.StrokeCircle(dst, float32(q.X), float32(q.Y), float32(c.U(6)), float32(c.U(2)), colFocus, true)
		}
	} else {
		msg := fmt.Sprintf("%s… %.0f%%", e.Phase(), 100*e.Progress())
		if e.Phase() == "activations" {
			msg = fmt.Sprintf("computing %s activations of %d test images… %.0f%%", e.Feat.Source, e.Feat.N, 100*e.Progress())
		}
		c.UI.paragraph(dst, msg, inset(r, c.U(10)), 13, colOnAcc)
	}
	// Right column: status, hover thumbnail, KL curve, measured meaning.
	col := image.Rect(r.Max.X+c.U(12), r.Min.Y, area.Max.X, area.Max.Y)
	y := col.Min.Y
	line := func(s string, clr color.Color) {
		c.UI.text(dst, s, col.Min.X, y, 12.5, clr)
		y += c.UI.lineHeight(12.5)
	}
	src := e.Feat.Source
	if e.Feat.D != e.Feat.Full {
		src += fmt.Sprintf(" (%d values → %d)", e.Feat.Full, e.Feat.D)
	} else {
		src += fmt.Sprintf(" (%d values)", e.Feat.D)
	}
	line(fmt.Sprintf("%d points, %s", e.Feat.N, src), colText)
	state := "paused"
	if v.running(c) {
		state = "running"
	}
	if e.Opt.Method == "pca" {
		line("PCA: first two principal components, "+e.Phase(), colText)
	} else {
		kl := "–"
		if len(e.KL) > 0 {
			kl = fmt.Sprintf("%.3f", e.KL[len(e.KL)-1])
		}
		line(fmt.Sprintf("iteration %d / %d · KL %s · %s · %s", e.Iteration(), e.Opt.TSNE.MaxIter, kl, e.Phase(), state), colText)
		if v.setupAt > 0 {
			s := fmt.Sprintf("setup %.1f s", v.setupAt.Seconds())
			if v.runner != nil && e.Iteration() > 0 {
				s += fmt.Sprintf(" · %.0f ms of work per iteration", float64(v.runner.busy.Milliseconds())/float64(e.Iteration()+1))
			}
			line(s, colMuted)
		}
	}
	y += c.U(6)
	// Hover: thumbnail and label.
	if v.hover >= 0 && e.Feat.Net != nil && c.App.Test != nil {
		i := v.hover
		ts := c.U(64)
		img := v.thumb.get(strconv.Itoa(i), func() *image.RGBA { return greyImage(c.App.Test.Float(i, nil), 28, 28) })
		drawImageIn(dst, img, image.Rect(col.Min.X, y, col.Min.X+ts, y+ts), false)
		c.UI.text(dst, fmt.Sprintf("test image %d", i), col.Min.X+ts+c.U(8), y, 12.5, colText)
		clr := colText
		if e.Feat.Pred[i] != e.Feat.Labels[i] {
			clr = color.RGBA{0xf8, 0x71, 0x71, 0xff}
		}
		c.UI.text(dst, fmt.Sprintf("label %d, predicted %d", e.Feat.Labels[i], e.Feat.Pred[i]), col.Min.X+ts+c.U(8), y+c.U(18), 12.5, clr)
		c.UI.text(dst, "click: show in every view", col.Min.X+ts+c.U(8), y+c.U(36), 11.5, colMuted)
		y += ts + c.U(8)
	} else if v.hover >= 0 {
		line(fmt.Sprintf("point %d, label %d", v.hover, e.Feat.Labels[v.hover]), colText)
	}
	cw := col.Dx()
	ch := min(c.U(130), max(0, (area.Max.Y-y)/2-c.U(20)))
	if len(e.KL) > 1 && cw >= 60 && ch >= 40 {
		line("KL divergence over iterations", colMuted)
		xs := make([]float64, len(e.KLIter))
		for i, it := range e.KLIter {
			xs[i] = float64(it)
		}
		img := v.klTex.get(fmt.Sprint(len(e.KL), cw, ch, fmt.Sprintf("%p", e)), func() *image.RGBA {
			return render.LineChart(cw, ch, render.Series{Label: "KL", X: xs, Y: e.KL, Color: render.Categorical[0]})
		})
		drawImageIn(dst, img, image.Rect(col.Min.X, y, col.Min.X+cw, y+ch), false)
		y += ch + c.U(8)
	}
	if m := v.meaning; m != nil && len(m.OneNN) > 0 && cw >= 60 && ch >= 40 {
		line(fmt.Sprintf("measured on %d images, by depth:", m.N), colMuted)
		img := v.mTex.get(fmt.Sprint(len(m.OneNN), cw, ch, fmt.Sprintf("%p", m)), func() *image.RGBA {
			return render.LineChart(cw, ch,
				render.Series{Label: "1-NN accuracy", Y: m.OneNN, Color: render.Categorical[0]},
				render.Series{Label: "10-NN kept from pixels", Y: m.Kept, Color: render.Categorical[1]})
		})
		drawImageIn(dst, img, image.Rect(col.Min.X, y, col.Min.X+cw, y+ch), false)
		y += ch + c.U(4)
		s := ""
		for i, name := range m.Sources[:len(m.OneNN)] {
			s += fmt.Sprintf("%d %s %.0f%%/%.0f%%  ", i, name, 100*m.OneNN[i], 100*m.Kept[i])
		}
		c.UI.paragraph(dst, s, image.Rect(col.Min.X, y, col.Max.X, area.Max.Y), 11, colMuted)
	}
}

// export downloads the coordinates (CSV, JSON) or the picture (PNG).
func (v *embeddingView) export(c *Ctx, kind string) {
	if v.e == nil || !v.e.Ready() {
		c.ShowError("Embedding: nothing to export yet")
		return
	}
	xy := v.e.Positions()
	f := v.e.Feat
	name := fmt.Sprintf("embedding-%s-%s-%d", c.App.Current().Name, f.Source, f.N)
	var err error
	switch kind {
	case "csv":
		var b bytes.Buffer
		b.WriteString("index,x,y,label,prediction\n")
		for i := 0; i < f.N; i++ {
			fmt.Fprintf(&b, "%d,%g,%g,%d,%d\n", i, xy[2*i], xy[2*i+1], f.Labels[i], f.Pred[i])
		}
		err = download(name+".csv", "text/csv", b.Bytes())
	case "json":
		out := map[string]any{"model": c.App.Current().Name, "source": f.Source, "n": f.N, "method": v.e.Opt.Method,
			"iterations": v.e.Iteration(), "coords": xy, "labels": f.Labels, "predictions": f.Pred}
		if v.e.Opt.Method == "tsne" {
			out["perplexity"] = v.e.Opt.TSNE.Perplexity
			out["seed"] = v.e.Opt.TSNE.Seed
		}
		var b []byte
		if b, err = json.Marshal(out); err == nil {
			err = download(name+".json", "application/json", b)
		}
	case "png":
		if v.scatterRGBA == nil {
			err = fmt.Errorf("no picture yet")
		} else {
			err = downloadPNG(name+".png", v.scatterRGBA)
		}
	}
	if err != nil {
		c.ShowError("Export: " + err.Error())
	}
}

// status reports the run for the tests.
func (v *embeddingView) status(g *game) map[string]any {
	out := map[string]any{"running": g.app.Sched.Running(explorer.EmbedJob), "err": v.err, "hover": v.hover,
		"zoom": v.zoom, "centre": []any{v.cx, v.cy}}
	if e := v.e; e != nil {
		out["phase"], out["iteration"], out["n"], out["layer"], out["ready"] = e.Phase(), e.Iteration(), e.Feat.N, e.Feat.Source, e.Ready()
		out["setupMs"] = float64(v.setupAt.Microseconds()) / 1000
		out["elapsedMs"] = float64(time.Since(v.started).Microseconds()) / 1000
		out["doneMs"] = float64(v.doneAt.Microseconds()) / 1000
		if len(e.KL) > 0 {
			out["kl"] = e.KL[len(e.KL)-1]
		}
		if v.runner != nil {
			out["busyMs"], out["steps"] = float64(v.runner.busy.Microseconds())/1000, v.runner.steps
		}
		r := v.scatterRect
		out["scatter"] = []any{float64(r.Min.X) / g.dpr, float64(r.Min.Y) / g.dpr, float64(r.Max.X) / g.dpr, float64(r.Max.Y) / g.dpr}
	}
	fr := make([]any, len(v.frameMs))
	for i, f := range v.frameMs {
		fr[i] = f
	}
	out["frameMs"] = fr
	if m := v.meaning; m != nil {
		out["meaning"] = map[string]any{"sources": m.Sources, "oneNN": m.OneNN, "kept": m.Kept}
	}
	return out
}
