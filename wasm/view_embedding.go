//go:build js && wasm

package main

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"strconv"
	"time"

	"cnnviz/core/explorer"
	"cnnviz/core/render"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/vector"
)

func init() { register(40, &embeddingView{m: explorer.NewEmbedView(), hover: -1}) }

// embedRedraw is how often, at most, the running embedding is drawn
// again: 15 pictures a second look smooth, and the frames between them
// go to the optimizer (a redraw of the scatter costs several frames'
// time in software WebGL).
const embedRedraw = time.Second / 15

// embeddingView shows a layer's activations for many test images placed in
// the plane by t-SNE (or PCA), animated while the optimizer runs. Its
// model, explorer.EmbedView, runs the computation and holds the zoom.
type embeddingView struct {
	m    *explorer.EmbedView
	opts explorer.EmbedViewOptions

	// Layout and what Update prepared for Draw.
	scatterRect image.Rectangle
	so          render.ScatterOptions
	labels      []embLabel
	legend      []legendItem
	status      []explorer.StatusLine
	progress    string   // in place of the scatter until it is ready
	summary     string   // the measured layers
	moving      throttle // the embedding's progress, redrawn at most every embedRedraw
	scatter     texture
	scatterRGBA *image.RGBA
	klTex, mTex texture
	thumb       texture

	more bool // the user asked for all controls on a short screen

	// Pointer: hover, drag, pinch.
	hover     int
	dragFrom  image.Point
	dragging  bool
	pressed   bool
	pressZoom explorer.ScatterZoom
	touches   []ebiten.TouchID
	pinch     pinch

	// Frame timing while the view runs, for the status API.
	lastFrame time.Time
	frameMs   []float64
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
		"its 10 nearest neighbours in pixel space are still its neighbours. The legend above the picture names the colours. Hover a dot to see the digit, click it to " +
		"make it the input of every other view. Layers wider than 512 values are first randomly projected to 512 " +
		"dimensions, which keeps distances within a few percent."
}

// embLabel is a text next to the controls.
type embLabel struct {
	s    string
	x, y int
}

// legendItem is one entry of the colour legend placed on the screen: its
// swatch and where its text starts.
type legendItem struct {
	explorer.LegendEntry
	swatch image.Rectangle
	tx, ty int
}

// legendText is the text size of the legend.
const legendText = 12.5

func (v *embeddingView) Update(c *Ctx) {
	a := c.App
	m := v.m
	// A colour model's note (the MNIST embedding needs a digits model)
	// is shown in the view, not as an error.
	if err := m.Sync(a); err != nil && !errors.Is(err, explorer.ErrNotDigits) {
		c.ShowError("Embedding: " + err.Error())
	}
	m.Observe(a)
	now := time.Now()
	running := m.Running(a)
	if running && !v.lastFrame.IsZero() {
		v.frameMs = append(v.frameMs, float64(now.Sub(v.lastFrame).Microseconds())/1000)
		if len(v.frameMs) > 600 {
			v.frameMs = v.frameMs[len(v.frameMs)-600:]
		}
	}
	v.lastFrame = now
	o := m.Options(a)
	v.opts = o
	// On a short screen the full controls would leave the scatter little
	// room: then a compact row shows the main ones and a settings button
	// the rest.
	full := v.controls(c, o, running, embedFull, true)
	squeezed := c.Area.Max.Y-full < c.U(180)
	mode := embedFull
	if squeezed && !v.more {
		mode = embedCompact
	}
	if squeezed {
		mode |= embedToggle
	}
	y := v.controls(c, o, running, mode, false)
	ar := c.Area
	top := v.layoutLegend(c, y)
	side := min(ar.Dy()-(top-ar.Min.Y), ar.Dx()*62/100)
	v.scatterRect = image.Rect(ar.Min.X, top, ar.Min.X+max(side, c.U(60)), top+max(side, c.U(60)))
	v.status, v.progress, v.summary = m.Status(running), "", ""
	if m.E != nil && !m.E.Ready() {
		v.progress = m.Progress()
	}
	if m.Meaning != nil && len(m.Meaning.OneNN) > 0 {
		v.summary = m.Meaning.Summary()
	}
	if m.E != nil && m.E.Ready() {
		m.Zoom.Fit(m.E.Positions())
	}
	v.so = v.scatterOptions(c)
	v.pointer(c)
}

// The control layouts of the embedding view: all controls, or a compact
// row for short screens; embedToggle adds the button that switches.
const (
	embedFull    = 0
	embedCompact = 1 << iota
	embedToggle
)

// controls lays out the view's controls from the top of the area in the
// given mode and returns the y below them; dry only measures.
func (v *embeddingView) controls(c *Ctx, o explorer.EmbedViewOptions, running bool, mode int, dry bool) int {
	a := c.App
	m := v.m
	if !dry {
		v.labels = v.labels[:0]
	}
	ar := c.Area
	h := c.U(24)
	x, y := ar.Min.X, ar.Min.Y
	btn := func(id, label string, on bool, action func()) {
		w := c.U(12) + c.U(float64(len([]rune(label)))*6.6)
		if x+w > ar.Max.X {
			x, y = ar.Min.X, y+h+c.U(4)
		}
		if !dry {
			c.Button("emb-"+id, image.Rect(x, y, x+w, y+h), label, on, action)
		}
		x += w + c.U(4)
	}
	label := func(s string) {
		w := c.U(float64(len([]rune(s)))*6.2) + c.U(4)
		if x+w > ar.Max.X {
			x, y = ar.Min.X, y+h+c.U(4)
		}
		if !dry {
			v.labels = append(v.labels, embLabel{s, x, y + c.U(5)})
		}
		x += w
	}
	newline := func() { x, y = ar.Min.X, y+h+c.U(4) }
	set := func(k, val string) func() { return func() { a.SetOption(k, val) } }
	show := func(err error) {
		if err != nil {
			c.ShowError("Embedding: " + err.Error())
		}
	}
	runLabel := "run"
	if running {
		runLabel = "pause"
	}
	btn("run", runLabel, running, func() { show(m.Toggle(a)) })
	if mode&embedCompact == 0 {
		btn("step", "step", false, func() { m.StepOnce(a) })
	}
	btn("restart", "restart", false, func() { show(m.Restart(a)) })
	if mode&embedCompact == 0 {
		btn("perturb", "perturb", false, func() { m.Perturb(a) })
		btn("m-tsne", "t-SNE", o.Method == "tsne", set(explorer.KeyEmbedMethod, ""))
		btn("m-pca", "PCA", o.Method == "pca", set(explorer.KeyEmbedMethod, "pca"))
	}
	btn("c-label", "label", o.Color == explorer.ColorLabel, set(explorer.KeyEmbedColor, ""))
	btn("c-pred", "predicted", o.Color == explorer.ColorPred, set(explorer.KeyEmbedColor, explorer.ColorPred))
	btn("c-correct", "right/wrong", o.Color == explorer.ColorCorrect, set(explorer.KeyEmbedColor, explorer.ColorCorrect))
	if mode&embedToggle != 0 {
		btn("more", "settings", v.more, func() { v.more = !v.more })
	}
	if mode&embedCompact != 0 {
		return y + h + c.U(8)
	}
	btn("csv", "CSV", false, func() { v.export(c, "csv") })
	btn("json", "JSON", false, func() { v.export(c, "json") })
	btn("png", "PNG", false, func() { v.export(c, "png") })
	newline()
	label("data:")
	btn("d-mnist", "MNIST", o.Data == "mnist", set(explorer.KeyEmbedData, ""))
	for _, s := range explorer.SynthNames {
		btn("d-"+s, s, o.Data == s, set(explorer.KeyEmbedData, s))
	}
	if o.Data == "mnist" {
		label("N:")
		for _, n := range explorer.EmbedSizes {
			val := strconv.Itoa(n)
			if n == explorer.DefaultEmbedViewOptions().N {
				val = ""
			}
			btn("n-"+strconv.Itoa(n), strconv.Itoa(n), o.N == n, set(explorer.KeyEmbedN, val))
		}
		newline()
		label("layer:")
		for _, s := range explorer.EmbedSources(a.Current().Net) {
			btn("l-"+s, s, o.Layer == s, set(explorer.KeyEmbedLayer, s))
		}
	}
	newline()
	stepper := func(id, name string, val float64, format string, lo, hi, factor float64, key string) {
		label(name + " " + fmt.Sprintf(format, val))
		nudge := func(up bool) func() {
			return set(key, strconv.FormatFloat(explorer.Nudge(val, factor, lo, hi, up), 'g', -1, 64))
		}
		btn(id+"-", "−", false, nudge(false))
		btn(id+"+", "+", false, nudge(true))
	}
	stepper("perp", "perplexity", o.Perplexity, "%.0f", explorer.MinEmbedPerp, explorer.MaxEmbedPerp, 1.5, explorer.KeyEmbedPerp)
	lr := o.LR
	if lr == 0 && m.E != nil && m.E.T != nil {
		lr = m.E.T.Options().LearningRate
	} else if lr == 0 {
		lr = o.AutoLR(o.N)
	}
	stepper("lr", "learning rate", lr, "%.0f", 1, explorer.MaxEmbedLR, 2, explorer.KeyEmbedLR)
	btn("lr-auto", "auto", o.LR == 0, set(explorer.KeyEmbedLR, ""))
	stepper("exag", "exagg.", o.Exaggeration, "%.1f", explorer.MinEmbedExag, explorer.MaxEmbedExag, 1.5, explorer.KeyEmbedExag)
	stepper("iters", "iterations", float64(o.Iterations), "%.0f", explorer.MinEmbedIters, explorer.MaxEmbedIters, 2, explorer.KeyEmbedIters)
	label(fmt.Sprintf("seed %d", o.Seed))
	btn("seed-", "−", false, set(explorer.KeyEmbedSeed, strconv.FormatUint(max(1, o.Seed)-1, 10)))
	btn("seed+", "+", false, set(explorer.KeyEmbedSeed, strconv.FormatUint(o.Seed+1, 10)))
	if o.Data == "mnist" {
		mLabel := "measure layers"
		if m.Meaning != nil && !m.Meaning.Done() {
			mLabel = fmt.Sprintf("measuring %.0f%%", 100*m.Meaning.Progress())
		}
		btn("meaning", mLabel, m.Meaning != nil, func() { show(m.Measure(a)) })
	}
	return y + h + c.U(8)
}

// layoutLegend places the colour legend in rows from y down and returns
// the y below it. Before there is an embedding it keeps a row free, so
// that the scatter does not move when the legend appears.
func (v *embeddingView) layoutLegend(c *Ctx, y int) int {
	v.legend = v.legend[:0]
	ar := c.Area
	row := c.U(18)
	if v.m.E == nil {
		return y + row + c.U(6)
	}
	sw := c.U(11)
	x := ar.Min.X
	for _, e := range explorer.Legend(v.m.E.Feat, v.opts.Color, c.App.Current().Net.Spec.Classes) {
		w := sw + c.U(5) + c.U(float64(len([]rune(e.Label)))*7.2) + c.U(12)
		if x+w > ar.Max.X && x > ar.Min.X {
			x, y = ar.Min.X, y+row
		}
		sy := y + (row-sw)/2
		v.legend = append(v.legend, legendItem{LegendEntry: e, swatch: image.Rect(x, sy, x+sw, sy+sw), tx: x + sw + c.U(5), ty: y + c.U(1)})
		x += w
	}
	return y + row + c.U(6)
}

// scatterOptions maps the data box to the scatter rectangle.
func (v *embeddingView) scatterOptions(c *Ctx) render.ScatterOptions {
	n := explorer.DefaultEmbedViewOptions().N
	if v.m.E != nil {
		n = v.m.E.Feat.N
	}
	return render.ScatterOptions{Width: v.scatterRect.Dx(), Height: v.scatterRect.Dy(), Radius: c.U(explorer.ScatterRadius(n)),
		Margin: c.U(6), Box: v.m.Zoom.Box()}
}

// Key makes the shell redraw the whole view when its message changes;
// the legend, the scatter and the column beside it are the animated part.
func (v *embeddingView) Key(c *Ctx) string { return fmt.Sprint(v.m.Err) }

// AnimKey makes the shell redraw the animated part when the embedding
// moves (at most every embedRedraw) or the pointer hovers another point,
// zooms or pans.
func (v *embeddingView) AnimKey(c *Ctx) string {
	var moving string
	m := v.m
	if m.E != nil {
		moving = fmt.Sprint(m.E.Version(), m.E.Phase(), int(100*m.E.Progress()), len(m.E.KL))
	}
	if m.Meaning != nil {
		moving += fmt.Sprint(len(m.Meaning.OneNN), int(100*m.Meaning.Progress()))
	}
	return fmt.Sprint(v.hover, m.Zoom.Zoom, m.Zoom.CX, m.Zoom.CY, len(v.legend)) + v.moving.key(moving, embedRedraw)
}

// AnimRect is the band of the view from the legend's top down.
func (v *embeddingView) AnimRect(c *Ctx) image.Rectangle {
	top := v.scatterRect.Min.Y
	if len(v.legend) > 0 {
		top = min(top, v.legend[0].swatch.Min.Y-c.U(4))
	}
	return image.Rect(c.Area.Min.X, top, c.Area.Max.X, c.Area.Max.Y)
}

func (v *embeddingView) Draw(dst *ebiten.Image, area image.Rectangle, c *Ctx) {
	for _, l := range v.labels {
		c.UI.text(dst, l.s, l.x, l.y, 12, colMuted)
	}
	v.DrawAnim(dst.SubImage(v.AnimRect(c)).(*ebiten.Image), c)
}

// DrawAnim draws the legend, the scatter and the column beside it.
func (v *embeddingView) DrawAnim(dst *ebiten.Image, c *Ctx) {
	area := c.Area
	r := v.scatterRect
	m := v.m
	fillRect(dst, r, color.RGBA{255, 255, 255, 255})
	if m.Err != nil {
		c.UI.paragraph(dst, m.Err.Error(), inset(r, c.U(10)), 13, colOnAcc)
		return
	}
	e := m.E
	if e == nil {
		c.UI.paragraph(dst, "Waiting for the test set…", inset(r, c.U(10)), 13, colOnAcc)
		return
	}
	for _, l := range v.legend {
		fillRect(dst, l.swatch, render.Categorical[l.Colour])
		c.UI.text(dst, l.Label, l.tx, l.ty, legendText, colText)
	}
	if e.Ready() {
		xy := e.Positions()
		so := v.so
		key := fmt.Sprint(e.Version(), so, v.opts.Color, fmt.Sprintf("%p", e))
		img := v.scatter.get(key, func() *image.RGBA {
			v.scatterRGBA = render.Scatter(xy, explorer.Colours(e.Feat, v.opts.Color), so)
			return v.scatterRGBA
		})
		op := &ebiten.DrawImageOptions{}
		op.GeoM.Translate(float64(r.Min.X), float64(r.Min.Y))
		dst.DrawImage(img, op)
		if v.hover >= 0 && v.hover < e.Feat.N {
			q := so.Project(so.Box, float64(xy[2*v.hover]), float64(xy[2*v.hover+1])).Add(r.Min)
			vector.StrokeCircle(dst, float32(q.X), float32(q.Y), float32(c.U(6)), float32(c.U(2)), colFocus, true)
		}
	} else {
		c.UI.paragraph(dst, v.progress, inset(r, c.U(10)), 13, colOnAcc)
	}
	// Right column: status, hover thumbnail, KL curve, measured meaning.
	col := image.Rect(r.Max.X+c.U(12), r.Min.Y, area.Max.X, area.Max.Y)
	y := col.Min.Y
	line := func(s string, clr color.Color) {
		c.UI.text(dst, s, col.Min.X, y, 12.5, clr)
		y += c.UI.lineHeight(12.5)
	}
	for _, l := range v.status {
		clr := color.Color(colText)
		if l.Muted {
			clr = colMuted
		}
		// Wrapped: on a narrow screen the column is narrow.
		y += c.UI.paragraph(dst, l.Text, image.Rect(col.Min.X, y, col.Max.X, area.Max.Y), 12.5, clr)
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
		img := v.klTex.get(fmt.Sprint(len(e.KL), cw, ch, fmt.Sprintf("%p", e)), func() *image.RGBA {
			xs, ys := m.KLSeries()
			return render.LineChart(cw, ch, render.Series{Label: "KL", X: xs, Y: ys, Color: render.Categorical[0]})
		})
		drawImageIn(dst, img, image.Rect(col.Min.X, y, col.Min.X+cw, y+ch), false)
		y += ch + c.U(8)
	}
	if mn := m.Meaning; mn != nil && len(mn.OneNN) > 0 && cw >= 60 && ch >= 40 {
		line(fmt.Sprintf("measured on %d images, by depth:", mn.N), colMuted)
		img := v.mTex.get(fmt.Sprint(len(mn.OneNN), cw, ch, fmt.Sprintf("%p", mn)), func() *image.RGBA {
			return render.LineChart(cw, ch,
				render.Series{Label: "1-NN accuracy", Y: mn.OneNN, Color: render.Categorical[0]},
				render.Series{Label: "10-NN kept from pixels", Y: mn.Kept, Color: render.Categorical[1]})
		})
		drawImageIn(dst, img, image.Rect(col.Min.X, y, col.Min.X+cw, y+ch), false)
		y += ch + c.U(4)
		c.UI.paragraph(dst, v.summary, image.Rect(col.Min.X, y, col.Max.X, area.Max.Y), 11, colMuted)
	}
}

// export downloads the coordinates (CSV, JSON) or the picture (PNG).
func (v *embeddingView) export(c *Ctx, kind string) {
	m := v.m
	if m.E == nil || !m.E.Ready() {
		c.ShowError("Embedding: nothing to export yet")
		return
	}
	name := m.ExportName(c.App.Current().Name)
	var b []byte
	var err error
	switch kind {
	case "csv":
		if b, err = m.CSV(); err == nil {
			err = download(name+".csv", "text/csv", b)
		}
	case "json":
		if b, err = m.JSON(c.App.Current().Name); err == nil {
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
