//go:build js && wasm

package main

import (
	"fmt"
	"image"
	"image/draw"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"cnnviz/core/actmax"
	"cnnviz/core/explorer"
	"cnnviz/core/featuremaps"
	"cnnviz/core/nn"
	"cnnviz/core/render"

	"github.com/hajimehoshi/ebiten/v2"
)

func init() { register(30, &actmaxView{}) }

// Scheduler names of the view's steppers.
const (
	actmaxJob    = "actmax"
	actmaxTopJob = "actmax-top"
	// actmaxTopImages is the size of the test-set sample searched for each
	// channel's strongest images (a sample keeps it to a second or two).
	actmaxTopImages = 400
)

// actmaxView is "Optimized inputs": gradient ascent on the input to make a
// channel, a unit or a class as large as possible, live, with every
// regularizer as a toggle; and the filter atlas, one optimized image per
// channel of a layer.
type actmaxView struct {
	key   string // what the running stepper was started for
	err   string
	run   *actmax.Run
	atlas *actmax.Atlas
	gen   int // counts restarts, for texture keys
	start time.Time
	took  time.Duration // time to finish, 0 while running
	layer int           // layer of the run or atlas
	net   *nn.Sequential

	// The atlas grid is painted tile by tile into gridImg.
	gridImg   *image.RGBA
	gridLay   render.GridLayout
	painted   []bool
	gridRect  image.Rectangle
	tileRects []image.Rectangle

	top     *featuremaps.TopSearch
	topIdx  []int
	topKey  string
	image   texture
	curve   texture
	snapTex []texture
	grid    texture
	big     texture
	weights texture
	topTex  texture
	// labels are the texts next to the controls, placed by Update.
	labels []labelAt
	// Smoothed milliseconds in Update and Draw, for actmaxStatus.
	updMs, drawMs float64
	lastDraw      time.Duration
	knobImg       *ebiten.Image
	knobKey       string
}

func (v *actmaxView) ID() string    { return "actmax" }
func (v *actmaxView) Title() string { return "Optimized inputs" }
func (v *actmaxView) Explain() string {
	return "What input makes a filter fire most? Start from noise and nudge every pixel uphill along the gradient of the " +
		"filter's mean activation, again and again (gradient ascent). Done naively this finds speckled high-frequency noise: " +
		"the network reacts to tiny pixel patterns no real digit has, and nothing stops the ascent from using them. The " +
		"toggles fight that: L2 decay and total variation penalize bright and jagged images, blur wipes out pixel noise, " +
		"jitter, scale and rotation keep only patterns that survive being moved, the Fourier parameterization lets coarse " +
		"shapes change faster than fine ones, and upscaling grows the picture from a small one. The curve shows the " +
		"objective rising. Atlas: one picture per channel of the layer."
}

// actmaxTarget is the mode and parameters the view shows.
func (v *actmaxView) params(c *Ctx) (explorer.ActmaxParams, bool, error) {
	a := c.App
	p, err := explorer.ActmaxState(a.State, a.Current().Net, a.Target())
	return p, a.State.Option("am.mode", "") == "atlas", err
}

// ensure starts the run or the atlas the state asks for, unless it runs
// already.
func (v *actmaxView) ensure(c *Ctx) {
	a := c.App
	net := a.Current().Net
	p, atlas, err := v.params(c)
	key := fmt.Sprintf("%s|%v|%+v", a.State.Model, atlas, p)
	if atlas {
		q := p
		q.Objective, q.Channel, q.Y, q.X, q.Class, q.Weights, q.SnapEvery = "", 0, 0, 0, 0, nil, 0
		key = fmt.Sprintf("%s|atlas|%+v", a.State.Model, q)
	} else if p.Objective == "deepdream" {
		key += fmt.Sprint("|", a.Version)
	}
	if key == v.key {
		return
	}
	v.key, v.err, v.run, v.atlas, v.took = key, "", nil, nil, 0
	v.gen++
	v.net = net
	a.Sched.Stop(actmaxJob)
	if err != nil {
		v.err = err.Error()
		return
	}
	if atlas {
		p.Objective = "channel"
		p.Channel, p.SnapEvery = 0, 0
	}
	opt, err := p.Options(net, a.ModelInput())
	if err != nil {
		v.err = err.Error()
		return
	}
	v.start = time.Now()
	if atlas {
		at, err := actmax.NewAtlas(net, p.Layer, opt)
		if err != nil {
			v.err = err.Error()
			return
		}
		v.atlas, v.layer = at, net.Index(p.Layer)
		v.gridImg, v.painted = nil, make([]bool, at.Channels())
		a.Sched.Start(actmaxJob, &actmaxStepper{v: v, s: at, app: a, key: key})
		v.startTop(c)
		return
	}
	r, err := actmax.New(net, opt)
	if err != nil {
		v.err = err.Error()
		return
	}
	v.run = r
	v.layer = len(net.Layers) - 1
	if opt.Objective.Kind != actmax.Class {
		v.layer = net.Index(p.Layer)
	}
	a.Sched.Start(actmaxJob, &actmaxStepper{v: v, s: r, app: a, key: key})
}

// actmaxStepper runs the view's run or atlas; it stops (and lets the view
// start afresh on return) when the user leaves the view, so that a long
// atlas does not slow the other views down.
type actmaxStepper struct {
	v   *actmaxView
	s   explorer.Stepper
	app *explorer.App
	key string
}

func (s *actmaxStepper) Step() bool {
	if s.app.State.View != "actmax" {
		if s.v.key == s.key {
			s.v.key = ""
		}
		return true
	}
	done := s.s.Step()
	if done && s.v.key == s.key {
		s.v.took = time.Since(s.v.start)
	}
	return done
}

// startTop searches a sample of the test set for each channel's strongest
// images, for the atlas's detail.
func (v *actmaxView) startTop(c *Ctx) {
	a := c.App
	key := fmt.Sprint(a.State.Model, v.layer, a.Test != nil)
	if key == v.topKey || a.Test == nil {
		return
	}
	v.topKey = key
	net := a.Current().Net
	n := min(actmaxTopImages, a.Test.Count)
	v.topIdx = featuremaps.Sample(rand.New(rand.NewPCG(1, 0x70b)), a.Test.Count, n)
	size := 1
	for _, d := range net.Spec.Input {
		size *= d
	}
	imgs := make([]float32, 0, n*size)
	one := make([]float32, 28*28)
	for _, i := range v.topIdx {
		a.Test.Float(i, one)
		imgs = append(imgs, explorer.FitInput(one, net.Spec.Input)...)
	}
	v.top = featuremaps.NewTopSearch(net, v.layer, imgs, n, 5)
	a.Sched.Start(actmaxTopJob, v.top)
}

// redraw returns how often the view is drawn again while it optimizes:
// four times a second, so that the atlas visibly fills in, or less often
// when the view's drawing is slow, leaving most frames to the
// optimization and the rest of the page. (Each redraw repaints the main
// panel, which software WebGL pays for by the pixel.)
func (v *actmaxView) redraw() time.Duration {
	return min(2*time.Second, max(time.Second/4, 10*v.lastDraw))
}

// tick changes every redraw interval.
func (v *actmaxView) tick() int64 { return time.Now().UnixMilli() / v.redraw().Milliseconds() }

// Key redraws a few times a second while a stepper runs.
func (v *actmaxView) Key(c *Ctx) string {
	if c.App.Sched.Running(actmaxJob) || c.App.Sched.Running(actmaxTopJob) {
		return strconv.FormatInt(v.tick(), 10)
	}
	return fmt.Sprint(v.gen, v.took)
}

// actmaxGeom is the layout of the view.
type actmaxGeom struct {
	rows        [3]image.Rectangle // control rows
	knobs, show image.Rectangle
}

func (v *actmaxView) geom(c *Ctx) actmaxGeom {
	r := c.Area
	var g actmaxGeom
	for i := range g.rows {
		y := r.Min.Y + i*c.U(28)
		g.rows[i] = image.Rect(r.Min.X, y, r.Max.X, y+c.U(24))
	}
	top := g.rows[2].Max.Y + c.U(8)
	split := r.Min.X + max(c.U(300), r.Dx()*42/100)
	g.knobs = image.Rect(r.Min.X, top, split, r.Max.Y)
	g.show = image.Rect(split+c.U(12), top, r.Max.X, r.Max.Y)
	return g
}

// buttons lays out labelled buttons from x on row r and returns the next x.
func (v *actmaxView) btn(c *Ctx, id string, r image.Rectangle, x int, label string, on bool, f func()) int {
	w := c.U(14) + c.U(float64(len([]rune(label)))*6.6)
	c.Button("actmax-"+id, image.Rect(x, r.Min.Y, x+w, r.Max.Y), label, on, f)
	return x + w + c.U(3)
}

func (v *actmaxView) Update(c *Ctx) {
	t0 := time.Now()
	defer func() { smooth(&v.updMs, time.Since(t0)) }()
	a := c.App
	net := a.Current().Net
	g := v.geom(c)
	p, atlas, _ := v.params(c)
	set := func(k, val string) func() { return func() { a.SetOption(k, val) } }

	// Row 1: mode, objective, negate.
	r := g.rows[0]
	x := v.btn(c, "single", r, r.Min.X, "one image", !atlas, set("am.mode", ""))
	x = v.btn(c, "atlas", r, x, "atlas", atlas, set("am.mode", "atlas")) + c.U(10)
	if !atlas {
		for _, o := range explorer.ActmaxObjectives {
			val := o
			if o == "channel" {
				val = ""
			}
			label := o
			if o == "deepdream" {
				label = "deep dream"
			}
			x = v.btn(c, "obj-"+o, r, x, label, p.Objective == o, set("am.obj", val))
		}
	}
	x += c.U(10)
	v.btn(c, "neg", r, x, "negate", p.Negate, func() {
		if p.Negate {
			a.SetOption("am.neg", "")
		} else {
			a.SetOption("am.neg", "1")
		}
	})

	// Row 2: layer, then channel, unit, class or second channel.
	r = g.rows[1]
	x = r.Min.X
	classObj := !atlas && p.Objective == "class"
	if !classObj {
		for _, l := range net.Spec.Layers {
			if l.Kind != nn.KindConv2D && l.Kind != nn.KindDense {
				continue
			}
			name := l.Name
			x = v.btn(c, "layer-"+name, r, x, name, p.Layer == name, func() { a.SetChannel(name, 0) })
		}
		x += c.U(10)
	}
	li := net.Index(p.Layer)
	chans := 1
	if li >= 0 {
		chans = net.OutShape(li)[0]
	}
	step := func(id, label string, cur, n int, f func(int)) {
		x = v.btn(c, id+"-", r, x, "−", false, func() { f((cur - 1 + n) % n) })
		lw := c.U(float64(len([]rune(label)))*6.5) + c.U(8)
		v.labels = append(v.labels, labelAt{label, image.Pt(x+c.U(4), r.Min.Y+c.U(5))})
		x += lw
		x = v.btn(c, id+"+", r, x, "+", false, func() { f((cur + 1) % n) })
	}
	v.labels = v.labels[:0]
	switch {
	case classObj:
		k := len(net.Spec.Classes)
		step("class", fmt.Sprintf("class %s", net.Spec.Classes[p.Class%k]), p.Class%k, k, func(i int) { a.SetClass(i) })
	case atlas || p.Objective == "deepdream":
		if atlas {
			sel := max(a.State.Channel, 0) % chans
			step("ch", fmt.Sprintf("channel %d of %d", sel, chans), sel, chans, func(i int) { a.SetChannel(p.Layer, i) })
		}
	default:
		step("ch", fmt.Sprintf("channel %d of %d", p.Channel, chans), p.Channel%chans, chans, func(i int) { a.SetChannel(p.Layer, i) })
		if p.Objective == "direction" {
			second := 0
			for i, w := range p.Weights {
				if w > 0 && (i != p.Channel || w > 1) {
					second = i
				}
			}
			x += c.U(8)
			step("ch2", fmt.Sprintf("+ channel %d", second), second, chans, func(i int) { a.SetOption("am.ch2", strconv.Itoa(i)) })
		}
		if p.Objective == "unit" && li >= 0 && len(net.OutShape(li)) == 3 {
			sh := net.OutShape(li)
			y, xx := p.Y, p.X
			if y < 0 {
				y = sh[1] / 2
			}
			if xx < 0 {
				xx = sh[2] / 2
			}
			x += c.U(8)
			step("uy", fmt.Sprintf("row %d", y), y, sh[1], func(i int) { a.SetOption("am.y", strconv.Itoa(i)) })
			step("ux", fmt.Sprintf("col %d", xx), xx, sh[2], func(i int) { a.SetOption("am.x", strconv.Itoa(i)) })
		}
	}

	// Row 3: seed, steps, snapshots.
	r = g.rows[2]
	x = r.Min.X
	seed := a.State.Seed
	setSeed := func(s uint64) func() { return func() { a.State.Seed = s; a.HashChanged = true } }
	x = v.btn(c, "seed-", r, x, "−", false, setSeed(max(seed, 2)-1))
	v.labels = append(v.labels, labelAt{fmt.Sprintf("seed %d", seed), image.Pt(x+c.U(4), r.Min.Y+c.U(5))})
	x += c.U(float64(len(fmt.Sprint(seed)))*6.5) + c.U(44)
	x = v.btn(c, "seed+", r, x, "+", false, setSeed(seed+1)) + c.U(10)
	steps := p.Steps
	if steps == 0 {
		steps = 100
	}
	v.labels = append(v.labels, labelAt{"steps", image.Pt(x, r.Min.Y+c.U(5))})
	x += c.U(38)
	for _, s := range []int{50, 100, 200, 500} {
		val := strconv.Itoa(s)
		if s == 100 {
			val = ""
		}
		x = v.btn(c, "steps"+strconv.Itoa(s), r, x, strconv.Itoa(s), steps == s, set("am.steps", val))
	}
	if !atlas {
		x += c.U(10)
		v.labels = append(v.labels, labelAt{"snapshot every", image.Pt(x, r.Min.Y+c.U(5))})
		x += c.U(92)
		for _, s := range []int{0, 5, 10, 25} {
			label, val := strconv.Itoa(s), strconv.Itoa(s)
			if s == 0 {
				label, val = "off", ""
			}
			x = v.btn(c, "snap"+label, r, x, label, p.SnapEvery == s, set("am.snap", val))
		}
	}

	// The knobs: one row each with a button that cycles through off and
	// three strengths.
	y := g.knobs.Min.Y
	for _, k := range explorer.ActmaxKnobs {
		cur := a.State.Option(k.Key, "")
		levels := append([]string{""}, k.Levels...)
		next := levels[(slices.Index(levels, cur)+1)%len(levels)]
		label := cur
		if cur == "" {
			label = "off"
		}
		br := image.Rect(g.knobs.Min.X+knobLabelW(c), y, g.knobs.Min.X+knobLabelW(c)+c.U(52), y+c.U(19))
		c.Button("actmax-k-"+k.Key, br, label, cur != "", set(k.Key, next))
		y += knobRowH(c)
	}

	// Export, and clicks on the atlas.
	eb := image.Rect(g.show.Max.X-c.U(118), g.show.Min.Y, g.show.Max.X, g.show.Min.Y+c.U(22))
	c.Button("actmax-png", image.Rect(eb.Min.X, eb.Min.Y, eb.Min.X+c.U(56), eb.Max.Y), "PNG", false, func() { v.exportPNG(c) })
	if !atlas {
		c.Button("actmax-gif", image.Rect(eb.Min.X+c.U(62), eb.Min.Y, eb.Max.X, eb.Max.Y), "GIF", false, func() { v.exportGIF(c) })
	}
	if pt, ok := c.Pressed(v.gridRect); ok && atlas {
		for i, tr := range v.tileRects {
			if pt.In(tr) {
				a.SetChannel(p.Layer, i)
			}
		}
	}
	v.ensure(c)
	if v.atlas != nil && v.top == nil && a.Test != nil {
		v.startTop(c) // the test set arrived after the atlas started
	}
}

// knobLabelW and knobRowH place the rows of regularizer toggles.
func knobLabelW(c *Ctx) int { return c.U(96) }
func knobRowH(c *Ctx) int   { return c.U(19) + c.UI.lineHeight(10.5) + c.U(2) }

// labelAt is text drawn next to the controls.
type labelAt struct {
	s  string
	at image.Point
}

func (v *actmaxView) exportPNG(c *Ctx) {
	var b []byte
	var err error
	name := fmt.Sprintf("cnnviz-actmax-%s.png", c.App.State.Model)
	switch {
	case v.atlas != nil && v.gridImg != nil:
		if err := downloadPNG(fmt.Sprintf("cnnviz-atlas-%s-%s.png", c.App.State.Model, v.net.Spec.Layers[v.layer].Name), v.gridImg); err != nil {
			c.ShowError("export: " + err.Error())
		}
		return
	case v.run != nil:
		b, err = actmax.PNG(v.run.Image(), actmax.Gray, 8)
	default:
		c.ShowError("export: nothing optimized yet")
		return
	}
	if err == nil {
		err = download(name, "image/png", b)
	}
	if err != nil {
		c.ShowError("export: " + err.Error())
	}
}

func (v *actmaxView) exportGIF(c *Ctx) {
	if v.run == nil || len(v.run.Snapshots()) == 0 {
		c.ShowError("export: no snapshots; choose “snapshot every” and let the run finish")
		return
	}
	b, err := actmax.GIF(actmax.Frames(v.run.Snapshots()), actmax.Gray, 8, 20)
	if err == nil {
		err = download(fmt.Sprintf("cnnviz-actmax-%s.gif", c.App.State.Model), "image/gif", b)
	}
	if err != nil {
		c.ShowError("export: " + err.Error())
	}
}

func (v *actmaxView) Draw(dst *ebiten.Image, area image.Rectangle, c *Ctx) {
	t0 := time.Now()
	defer func() { v.lastDraw = time.Since(t0); smooth(&v.drawMs, v.lastDraw) }()
	a := c.App
	g := v.geom(c)
	for _, l := range v.labels {
		c.UI.text(dst, l.s, l.at.X, l.at.Y, 12, colText)
	}
	// Knob labels, their strengths and one-line explanations, drawn into
	// a cached image (text is the costly part of a redraw).
	var on []string
	for _, k := range explorer.ActmaxKnobs {
		on = append(on, a.State.Option(k.Key, ""))
	}
	kr := image.Rect(0, 0, g.knobs.Dx(), len(explorer.ActmaxKnobs)*knobRowH(c))
	if key := fmt.Sprint(kr, c.UI.s, on); key != v.knobKey || v.knobImg == nil {
		if v.knobImg != nil {
			v.knobImg.Deallocate()
		}
		v.knobImg, v.knobKey = ebiten.NewImage(max(1, kr.Dx()), max(1, kr.Dy())), key
		v.knobImg.Fill(colPanel)
		y := 0
		for i, k := range explorer.ActmaxKnobs {
			col := colMuted
			if on[i] != "" {
				col = colText
			}
			c.UI.text(v.knobImg, k.Label, 0, y+c.U(2), 12, col)
			c.UI.text(v.knobImg, "off, "+strings.Join(k.Levels, ", "), knobLabelW(c)+c.U(58), y+c.U(3), 10.5, colMuted)
			c.UI.text(v.knobImg, k.Help, 0, y+c.U(20), 10.5, colMuted)
			y += knobRowH(c)
		}
	}
	op := &ebiten.DrawImageOptions{}
	op.GeoM.Translate(float64(g.knobs.Min.X), float64(g.knobs.Min.Y))
	dst.DrawImage(v.knobImg, op)
	s := g.show
	if v.err != "" {
		c.UI.paragraph(dst, v.err, image.Rect(s.Min.X, s.Min.Y+c.U(30), s.Max.X, s.Max.Y), 13, colBad)
		return
	}
	switch {
	case v.atlas != nil:
		v.drawAtlas(dst, s, c)
	case v.run != nil:
		v.drawRun(dst, s, c)
	}
}

// drawRun draws the image being optimized, its objective curve and the
// snapshots.
func (v *actmaxView) drawRun(dst *ebiten.Image, s image.Rectangle, c *Ctx) {
	r := v.run
	done, total := r.Steps()
	status := fmt.Sprintf("step %d of %d", done, total)
	if v.took > 0 {
		status = fmt.Sprintf("%d steps in %.2f s", total, v.took.Seconds())
	}
	c.UI.text(dst, status, s.Min.X, s.Min.Y+c.U(3), 12.5, colText)
	side := min(s.Dx()/2, s.Dy()*38/100)
	ir := image.Rect(s.Min.X, s.Min.Y+c.U(28), s.Min.X+side, s.Min.Y+c.U(28)+side)
	img := v.image.get(fmt.Sprint(v.gen, done), func() *image.RGBA { return explorer.ActmaxImage(r.Image()) })
	drawImageIn(dst, img, ir, false)
	curve := r.Objective()
	cy := ir.Max.Y + c.U(10)
	if len(curve) > 0 && s.Dx() >= c.U(60) {
		cr := image.Rect(s.Min.X, cy, s.Max.X, cy+c.U(96))
		w, h := max(60, cr.Dx()/2), max(40, cr.Dy()/2)
		cimg := v.curve.get(fmt.Sprint(v.gen, len(curve), w, h), func() *image.RGBA {
			return render.LineChart(w, h, render.Series{Label: "objective", Y: slices.Clone(curve), Color: render.Categorical[0]})
		})
		drawImageIn(dst, cimg, cr, false)
		cy = cr.Max.Y + c.U(8)
	}
	snaps := r.Snapshots()
	if len(snaps) > 0 && cy+c.U(40) < s.Max.Y {
		c.UI.text(dst, "snapshots (steps "+snapSteps(snaps)+")", s.Min.X, cy, 11, colMuted)
		cy += c.U(16)
		th := min(c.U(44), (s.Dx()-c.U(2)*len(snaps))/len(snaps), s.Max.Y-cy)
		for i, sn := range snaps {
			tr := image.Rect(s.Min.X+i*(th+c.U(2)), cy, s.Min.X+i*(th+c.U(2))+th, cy+th)
			if tr.Max.X > s.Max.X || th < 4 {
				break
			}
			var t texture
			if i < len(v.snapTex) {
				t = v.snapTex[i]
			}
			im := t.get(fmt.Sprint(v.gen, sn.Step), func() *image.RGBA { return explorer.ActmaxImage(sn.Image) })
			if i >= len(v.snapTex) {
				v.snapTex = append(v.snapTex, t)
			} else {
				v.snapTex[i] = t
			}
			drawImageIn(dst, im, tr, false)
		}
	}
}

func snapSteps(snaps []actmax.Snapshot) string {
	if len(snaps) <= 6 {
		out := ""
		for i, s := range snaps {
			if i > 0 {
				out += ", "
			}
			out += strconv.Itoa(s.Step)
		}
		return out
	}
	return fmt.Sprintf("%d … %d", snaps[0].Step, snaps[len(snaps)-1].Step)
}

// drawAtlas draws the grid of channel images, filling in as channels
// finish, and the selected channel's image, weights and top test images.
func (v *actmaxView) drawAtlas(dst *ebiten.Image, s image.Rectangle, c *Ctx) {
	a := c.App
	at := v.atlas
	n := at.Channels()
	status := fmt.Sprintf("%s: channel %d of %d", v.net.Spec.Layers[v.layer].Name, min(at.Channel()+1, n), n)
	if v.took > 0 {
		status = fmt.Sprintf("%s: %d channels in %.1f s", v.net.Spec.Layers[v.layer].Name, n, v.took.Seconds())
	}
	c.UI.text(dst, status, s.Min.X, s.Min.Y+c.U(3), 12.5, colText)
	in := v.net.Spec.Input
	h, w := in[1], in[2]
	cols := 1
	for cols*cols < n {
		cols++
	}
	detailH := c.U(112)
	gr := image.Rect(s.Min.X, s.Min.Y+c.U(28), s.Max.X, max(s.Min.Y+c.U(60), s.Max.Y-detailH))
	// The grid is painted one image pixel per pixel, 1 pixel apart, and
	// drawn scaled to fit.
	lay := render.Layout(n, h, w, cols, 1, 1)
	if v.gridImg == nil || v.gridLay != lay || len(v.painted) != n {
		gw, gh := lay.Size()
		v.gridImg = image.NewRGBA(image.Rect(0, 0, gw, gh))
		draw.Draw(v.gridImg, v.gridImg.Rect, image.NewUniform(colPanel), image.Point{}, draw.Src)
		v.gridLay = lay
		v.painted = make([]bool, n)
	}
	cur := at.Channel()
	for ch := 0; ch < n && ch <= cur; ch++ {
		if v.painted[ch] {
			continue
		}
		if t := at.Image(ch); t != nil {
			draw.Draw(v.gridImg, lay.Tile(ch), explorer.ActmaxImage(t), image.Point{}, draw.Src)
			v.painted[ch] = ch < cur
		}
	}
	gimg := v.grid.get(fmt.Sprint(v.gen, cur, v.tick(), v.took), func() *image.RGBA { return v.gridImg })
	gw, gh := lay.Size()
	f := min(float64(gr.Dx())/float64(gw), float64(gr.Dy())/float64(gh))
	scale := func(r image.Rectangle) image.Rectangle {
		return image.Rect(gr.Min.X+int(float64(r.Min.X)*f), gr.Min.Y+int(float64(r.Min.Y)*f),
			gr.Min.X+int(float64(r.Max.X)*f), gr.Min.Y+int(float64(r.Max.Y)*f))
	}
	v.gridRect = scale(image.Rect(0, 0, gw, gh))
	drawImageIn(dst, gimg, v.gridRect, false)
	v.tileRects = v.tileRects[:0]
	sel := a.State.Channel
	for ch := 0; ch < n; ch++ {
		tr := scale(lay.Tile(ch))
		v.tileRects = append(v.tileRects, tr)
		if ch == sel {
			strokeRect(dst, inset(tr, -c.U(2)), float32(c.U(2)), colFocus)
		}
	}
	// The selected channel: its picture, its filter's weights and the
	// test images it responds to most.
	y := v.gridRect.Max.Y + c.U(8)
	if sel < 0 || sel >= n {
		c.UI.text(dst, "Click a picture to see its channel's weights and strongest test images.", s.Min.X, y, 12, colMuted)
		return
	}
	side := min(c.U(80), s.Max.Y-y-c.U(18))
	if side < c.U(24) {
		return
	}
	c.UI.text(dst, fmt.Sprintf("channel %d", sel), s.Min.X, y, 12, colText)
	y += c.U(18)
	br := image.Rect(s.Min.X, y, s.Min.X+side, y+side)
	if t := at.Image(sel); t != nil {
		done := sel < cur
		bimg := v.big.get(fmt.Sprint(v.gen, sel, done, v.tick()), func() *image.RGBA { return explorer.ActmaxImage(t) })
		drawImageIn(dst, bimg, br, false)
	} else {
		strokeRect(dst, br, 1, colRaised)
		c.UI.textCentred(dst, "waiting", br, 11, colMuted)
	}
	x := br.Max.X + c.U(14)
	ci := convAtOrBefore(v.net, v.layer)
	if ci < 0 {
		v.drawTop(dst, c, x, y-c.U(18), s.Max.X, s.Max.Y, sel)
		return
	}
	conv := v.net.Layers[ci].(*nn.Conv2D)
	ws := conv.W.Value
	nf, chn, kh, kw := ws.Shape[0], ws.Shape[1], ws.Shape[2], ws.Shape[3]
	if sel >= nf {
		v.drawTop(dst, c, x, y-c.U(18), s.Max.X, s.Max.Y, sel)
		return
	}
	k := kh * kw
	show := min(chn, 16)
	maps := make([][]float32, show)
	for i := range maps {
		maps[i] = ws.Data[(sel*chn+i)*k : (sel*chn+i+1)*k]
	}
	sc := render.Fit(true, ws.Data[sel*chn*k:(sel+1)*chn*k])
	scs := make([]render.Scale, show)
	for i := range scs {
		scs[i] = sc
	}
	wcols := min(show, 8)
	t := max(2, min(c.U(144)/wcols, c.U(40), (s.Max.X-x)/wcols-2))
	wimg := v.weights.get(fmt.Sprint(a.State.Model, a.Version, ci, sel, t), func() *image.RGBA {
		return tileStrip(maps, kh, kw, scs, render.Diverging, t, t, 2, wcols)
	})
	label := fmt.Sprintf("weights of %s filter %d (%d×%d", v.net.Spec.Layers[ci].Name, sel, kh, kw)
	if show < chn {
		label += fmt.Sprintf(", %d of %d inputs", show, chn)
	}
	c.UI.text(dst, label+"; red +, blue −)", x, y-c.U(18), 11, colMuted)
	if wimg != nil {
		drawImageIn(dst, wimg, image.Rect(x, y, x+wimg.Bounds().Dx(), y+wimg.Bounds().Dy()), false)
		y += wimg.Bounds().Dy() + c.U(6)
	}
	v.drawTop(dst, c, x, y, s.Max.X, s.Max.Y, sel)
}

// drawTop draws the test images (of a sample) that excite channel sel most.
func (v *actmaxView) drawTop(dst *ebiten.Image, c *Ctx, x, y, x1, y1, sel int) {
	a := c.App
	if v.top == nil || a.Test == nil || y+c.U(30) > y1 {
		return
	}
	done, total := v.top.Progress()
	res := v.top.Result()
	if sel >= len(res) {
		return
	}
	c.UI.text(dst, fmt.Sprintf("strongest of %d test images (%d searched)", total, done), x, y, 11, colMuted)
	y += c.U(16)
	t := min(c.U(40), y1-y, (x1-x)/5-c.U(3))
	if t < c.U(12) {
		return
	}
	k := len(res[sel])
	if k == 0 {
		return
	}
	key := fmt.Sprint(v.topKey, sel, done, k)
	img := v.topTex.get(key, func() *image.RGBA {
		var pix []float32
		for _, tp := range res[sel] {
			pix = append(pix, a.Test.Float(v.topIdx[tp.Image], make([]float32, 28*28))...)
		}
		return greyImage(pix, 28, 28*k)
	})
	for i := 0; i < k; i++ {
		tr := image.Rect(x+i*(t+c.U(3)), y, x+i*(t+c.U(3))+t, y+t)
		if img != nil {
			sub := img.SubImage(image.Rect(0, 28*i, 28, 28*(i+1))).(*ebiten.Image)
			drawImageIn(dst, sub, tr, false)
		}
	}
}

// convAtOrBefore returns the last convolution at or before layer i, or -1.
func convAtOrBefore(net *nn.Sequential, i int) int {
	for ; i >= 0; i-- {
		if net.Spec.Layers[i].Kind == nn.KindConv2D {
			return i
		}
	}
	return -1
}
