//go:build js && wasm

package main

import (
	"fmt"
	"image"
	"slices"
	"strconv"
	"strings"
	"time"

	"cnnviz/core/explorer"
	"cnnviz/core/render"

	"github.com/hajimehoshi/ebiten/v2"
)

func init() { register(30, &actmaxView{m: explorer.ActmaxView{GridBG: colPanel}}) }

// actmaxView is "Optimized inputs": gradient ascent on the input to make a
// channel, a unit or a class as large as possible, live, with every
// regularizer as a toggle; and the filter atlas, one optimized image per
// channel of a layer. What runs and what it found is the view-model's
// (explorer.ActmaxView); the view lays out, handles input and draws.
type actmaxView struct {
	m explorer.ActmaxView

	// The atlas grid is painted tile by tile into gridImg, for the atlas
	// of generation paintedGen.
	paintedGen int
	gridImg    *image.RGBA
	gridLay    render.GridLayout
	painted    []bool
	gridRect   image.Rectangle
	tileRects  []image.Rectangle

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
		"shapes change faster than fine ones, and upscaling grows the picture from a small one. For a colour model the " +
		"colour space (on by default) learns brightness apart from colour contrast, the way colours vary in photos. The curve shows the " +
		"objective rising. Atlas: one picture per channel of the layer."
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
	if c.App.Sched.Running(explorer.ActmaxJob) || c.App.Sched.Running(explorer.ActmaxTopJob) {
		return strconv.FormatInt(v.tick(), 10)
	}
	return fmt.Sprint(v.m.Gen, v.m.Took)
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
	p, atlas, _ := v.m.Params(a)
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
		for _, name := range explorer.OptimizableLayers(net) {
			x = v.btn(c, "layer-"+name, r, x, name, p.Layer == name, func() { a.SetChannel(name, 0) })
		}
		x += c.U(10)
	}
	chans := explorer.Channels(net, p.Layer)
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
			second := p.SecondChannel()
			x += c.U(8)
			step("ch2", fmt.Sprintf("+ channel %d", second), second, chans, func(i int) { a.SetOption("am.ch2", strconv.Itoa(i)) })
		}
		if y, xx, ok := p.UnitAt(net); ok && p.Objective == "unit" {
			sh := net.OutShape(net.Index(p.Layer))
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
	steps := p.StepsShown()
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
	for _, k := range explorer.ActmaxKnobsFor(net) {
		cur := k.Value(a.State)
		label := cur
		if cur == "" {
			label = "off"
		}
		br := image.Rect(g.knobs.Min.X+knobLabelW(c), y, g.knobs.Min.X+knobLabelW(c)+c.U(52), y+c.U(19))
		c.Button("actmax-k-"+k.Key, br, label, cur != "", set(k.Key, k.Next(a.State)))
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
	v.m.Sync(a)
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
	model := c.App.State.Model
	if v.m.Atlas != nil {
		if v.m.Grid == nil {
			c.ShowError("export: nothing optimized yet")
		} else if err := downloadPNG(v.m.AtlasName(model), v.m.Grid); err != nil {
			c.ShowError("export: " + err.Error())
		}
		return
	}
	name, b, err := v.m.PNG(model)
	if err == nil {
		err = download(name, "image/png", b)
	}
	if err != nil {
		c.ShowError("export: " + err.Error())
	}
}

func (v *actmaxView) exportGIF(c *Ctx) {
	name, b, err := v.m.GIF(c.App.State.Model)
	if err == nil {
		err = download(name, "image/gif", b)
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
	knobs := explorer.ActmaxKnobsFor(a.Current().Net)
	for _, k := range knobs {
		on = append(on, k.Value(a.State))
	}
	kr := image.Rect(0, 0, g.knobs.Dx(), len(knobs)*knobRowH(c))
	if key := fmt.Sprint(kr, c.UI.s, on); key != v.knobKey || v.knobImg == nil {
		if v.knobImg != nil {
			v.knobImg.Deallocate()
		}
		v.knobImg, v.knobKey = ebiten.NewImage(max(1, kr.Dx()), max(1, kr.Dy())), key
		v.knobImg.Fill(colPanel)
		y := 0
		for i, k := range knobs {
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
	if v.m.Err != "" {
		c.UI.paragraph(dst, v.m.Err, image.Rect(s.Min.X, s.Min.Y+c.U(30), s.Max.X, s.Max.Y), 13, colBad)
		return
	}
	switch {
	case v.m.Atlas != nil:
		v.drawAtlas(dst, s, c)
	case v.m.Run != nil:
		v.drawRun(dst, s, c)
	}
}

// drawRun draws the image being optimized, its objective curve and the
// snapshots.
func (v *actmaxView) drawRun(dst *ebiten.Image, s image.Rectangle, c *Ctx) {
	r := v.m.Run
	done, _ := r.Steps()
	c.UI.text(dst, v.m.Status(), s.Min.X, s.Min.Y+c.U(3), 12.5, colText)
	side := min(s.Dx()/2, s.Dy()*38/100)
	ir := image.Rect(s.Min.X, s.Min.Y+c.U(28), s.Min.X+side, s.Min.Y+c.U(28)+side)
	img := v.image.get(fmt.Sprint(v.m.Gen, done), func() *image.RGBA { return explorer.ActmaxImage(r.Image()) })
	drawImageIn(dst, img, ir, false)
	curve := r.Objective()
	cy := ir.Max.Y + c.U(10)
	if len(curve) > 0 && s.Dx() >= c.U(60) {
		cr := image.Rect(s.Min.X, cy, s.Max.X, cy+c.U(96))
		w, h := max(60, cr.Dx()/2), max(40, cr.Dy()/2)
		cimg := v.curve.get(fmt.Sprint(v.m.Gen, len(curve), w, h), func() *image.RGBA {
			return render.LineChart(w, h, render.Series{Label: "objective", Y: slices.Clone(curve), Color: render.Categorical[0]})
		})
		drawImageIn(dst, cimg, cr, false)
		cy = cr.Max.Y + c.U(8)
	}
	snaps := r.Snapshots()
	if len(snaps) > 0 && cy+c.U(40) < s.Max.Y {
		c.UI.text(dst, "snapshots (steps "+explorer.SnapSteps(snaps)+")", s.Min.X, cy, 11, colMuted)
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
			im := t.get(fmt.Sprint(v.m.Gen, sn.Step), func() *image.RGBA { return explorer.ActmaxImage(sn.Image) })
			if i >= len(v.snapTex) {
				v.snapTex = append(v.snapTex, t)
			} else {
				v.snapTex[i] = t
			}
			drawImageIn(dst, im, tr, false)
		}
	}
}

// drawAtlas draws the grid of channel images, filling in as channels
// finish, and the selected channel's image, weights and top test images.
func (v *actmaxView) drawAtlas(dst *ebiten.Image, s image.Rectangle, c *Ctx) {
	a := c.App
	at := v.m.Atlas
	n := at.Channels()
	c.UI.text(dst, v.m.Status(), s.Min.X, s.Min.Y+c.U(3), 12.5, colText)
	detailH := c.U(112)
	gr := image.Rect(s.Min.X, s.Min.Y+c.U(28), s.Max.X, max(s.Min.Y+c.U(60), s.Max.Y-detailH))
	// The grid, painted by the view-model, is drawn scaled to fit.
	lay, cur := v.m.GridLayout, at.Channel()
	gimg := v.grid.get(fmt.Sprint(v.m.Gen, cur, v.tick(), v.m.Took), func() *image.RGBA { return v.m.Grid })
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
		bimg := v.big.get(fmt.Sprint(v.m.Gen, sel, done, v.tick()), func() *image.RGBA { return explorer.ActmaxImage(t) })
		drawImageIn(dst, bimg, br, false)
	} else {
		strokeRect(dst, br, 1, colRaised)
		c.UI.textCentred(dst, "waiting", br, 11, colMuted)
	}
	x := br.Max.X + c.U(14)
	fw, ok := explorer.AtlasWeights(v.m.Net, v.m.Layer, sel, 16)
	if !ok {
		v.drawTop(dst, c, x, y-c.U(18), s.Max.X, s.Max.Y, sel)
		return
	}
	scs := make([]render.Scale, fw.Show)
	for i := range scs {
		scs[i] = fw.Scale
	}
	wcols := min(fw.Show, 8)
	t := max(2, min(c.U(144)/wcols, c.U(40), (s.Max.X-x)/wcols-2))
	wimg := v.weights.get(fmt.Sprint(a.State.Model, a.Version, fw.Layer, sel, t), func() *image.RGBA {
		return tileStrip(fw.Maps, fw.KH, fw.KW, scs, render.Diverging, t, t, 2, wcols)
	})
	label := fmt.Sprintf("weights of %s filter %d (%d×%d", fw.Layer, sel, fw.KH, fw.KW)
	if fw.Show < fw.Inputs {
		label += fmt.Sprintf(", %d of %d inputs", fw.Show, fw.Inputs)
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
	top := v.m.Top
	if top == nil || a.Test == nil || y+c.U(30) > y1 {
		return
	}
	done, total := top.Progress()
	c.UI.text(dst, fmt.Sprintf("strongest of %d test images (%d searched)", total, done), x, y, 11, colMuted)
	y += c.U(16)
	t := min(c.U(40), y1-y, (x1-x)/5-c.U(3))
	if t < c.U(12) {
		return
	}
	k := 0
	if res := top.Result(); sel < len(res) {
		k = len(res[sel])
	}
	if k == 0 {
		return
	}
	img := v.topTex.get(fmt.Sprint(v.m.TopKey, sel, done, k), func() *image.RGBA {
		return greyImage(v.m.TopImages(a, sel), 28, 28*k)
	})
	for i := 0; i < k; i++ {
		tr := image.Rect(x+i*(t+c.U(3)), y, x+i*(t+c.U(3))+t, y+t)
		if img != nil {
			sub := img.SubImage(image.Rect(0, 28*i, 28, 28*(i+1))).(*ebiten.Image)
			drawImageIn(dst, sub, tr, false)
		}
	}
}
