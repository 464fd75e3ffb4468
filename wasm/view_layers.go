//go:build js && wasm

package main

import (
	"fmt"
	"image"
	"math"
	"strings"
	"time"

	"cnnviz/core/explorer"
	"cnnviz/core/featuremaps"
	"cnnviz/core/render"

	"github.com/hajimehoshi/ebiten/v2"
)

func init() { register(10, &layersView{}) }

// topK is how many top images the view finds per channel.
const topK = 6

// rowBudget is the time per frame the view spends re-rendering layer rows
// after a change; rows left over are rebuilt in the next frame.
const rowBudget = 8 * time.Millisecond

// layersView shows every channel of every layer's output for the current
// input, one band per layer from the input side (top) to the logits
// (bottom). Hovering a cell enlarges its channel, reads its value and
// outlines its receptive field on the input; clicking pins the channel
// (State.Layer, State.Channel), whose top test images are searched by a
// stepper.
type layersView struct {
	rows []texture // per layer: its channels as a render.Grid, one pixel per value
	big  texture
	bar  texture
	in   texture
	tops []texture

	// hover is the cell under the pointer in the last Update; last is
	// the layout of the last Update (for tests, through featuresPerf).
	hover cellRef
	last  layerGeom

	// top is the running or finished top-images search for the pinned
	// layer; topKey names its model and layer.
	top    *explorer.TopJob
	topKey string
	topT0  time.Time
	topMs  float64

	// scales caches explorer.FeatureScales for scalesKey.
	scales    [][]render.Scale
	scalesKey string

	// pending is set when a change left rows to rebuild in the next frame
	// (each frame rebuilds rows for at most rowBudget).
	pending bool
	partial int // frames drawn with rows pending

	// perf: work (ms) to rebuild all rows after the last change, in how
	// many frames; the largest work of one change and of one frame.
	rebuildMs, rebuildMax, frameMax float64
	rebuilds, rebuildFrames         int
	cycle                           bool
	cycleWork                       time.Duration
	cycleFrames                     int
}

// cellRef names one unit of one layer.
type cellRef struct {
	ok              bool
	layer, ch, y, x int
}

func (v *layersView) ID() string    { return "layers" }
func (v *layersView) Title() string { return "Layers" }
func (v *layersView) Explain() string {
	return "Each band is one layer's output for the picture on the left, from the input side (top) to the class scores (bottom); " +
		"each small square is one channel. Early convolution channels still look like the digit, because each responds to a " +
		"simple pattern such as an edge; deeper ones are smaller, sparser and more abstract. Colours follow the bar on the " +
		"right, which gives the real numbers; signed outputs (before ReLU, the scores) use blue for negative and red for " +
		"positive. Point at a square to enlarge it and see, on the input, the window of pixels that unit can see (its " +
		"receptive field); click to pin the channel and find the test images that excite it most. ↑ ↓ change the layer."
}

// rowPlace is where a layer's grid image is drawn: at Origin, scaled by S.
type rowPlace struct {
	Row    image.Rectangle // the whole band, label included
	Origin image.Point
	S      float64
	Lay    render.GridLayout
}

// layerGeom is the layout of the view.
type layerGeom struct {
	controls, list, detail image.Rectangle
	rows                   []rowPlace
}

// mapShape returns the channels of an output and each map's size; a flat
// output is one 1×1 map per unit.
func mapShape(shape []int) (n, h, w int) {
	if len(shape) == 3 {
		return shape[0], shape[1], shape[2]
	}
	n = 1
	for _, d := range shape {
		n *= d
	}
	return n, 1, 1
}

// fitGrid chooses the columns of a grid of n h×w tiles (one pixel per
// value, gap 1) that makes it largest inside W×H, and its scale.
func fitGrid(n, h, w, W, H int) (render.GridLayout, float64) {
	best, bs := render.Layout(n, h, w, 1, 1, 1), 0.0
	for cols := 1; cols <= n; cols++ {
		l := render.Layout(n, h, w, cols, 1, 1)
		gw, gh := l.Size()
		s := math.Min(float64(W)/float64(gw), float64(H)/float64(gh))
		if s > bs {
			best, bs = l, s
		}
	}
	return best, bs
}

func (v *layersView) geom(c *Ctx) layerGeom {
	a := c.Area
	var g layerGeom
	g.controls = image.Rect(a.Min.X, a.Min.Y, a.Max.X, a.Min.Y+c.U(26))
	split := a.Min.X + a.Dx()*56/100
	g.list = image.Rect(a.Min.X, g.controls.Max.Y+c.U(6), split-c.U(8), a.Max.Y)
	g.detail = image.Rect(split, g.controls.Max.Y+c.U(6), a.Max.X, a.Max.Y)
	n := len(c.App.Acts)
	if n == 0 {
		return g
	}
	labelW := c.U(76)
	rowH := g.list.Dy() / n
	for i, act := range c.App.Acts {
		r := image.Rect(g.list.Min.X, g.list.Min.Y+i*rowH, g.list.Max.X, g.list.Min.Y+(i+1)*rowH)
		cn, h, w := mapShape(act.Shape)
		W, H := r.Dx()-labelW-c.U(4), rowH-c.U(4)
		lay, s := fitGrid(cn, h, w, max(W, 1), max(H, 1))
		if s > 1 {
			s = math.Floor(s) // whole pixels per value where there is room
		}
		g.rows = append(g.rows, rowPlace{Row: r, Origin: image.Pt(r.Min.X+labelW, r.Min.Y+c.U(2)), S: s, Lay: lay})
	}
	return g
}

// at returns the cell of a row placement under screen point p.
func (r rowPlace) at(p image.Point) (ch, y, x int, ok bool) {
	if r.S <= 0 {
		return 0, 0, 0, false
	}
	q := image.Pt(int(math.Floor(float64(p.X-r.Origin.X)/r.S)), int(math.Floor(float64(p.Y-r.Origin.Y)/r.S)))
	return r.Lay.At(q)
}

// tileRect returns tile i of a placement on the screen.
func (r rowPlace) tileRect(i int) image.Rectangle {
	t := r.Lay.Tile(i)
	f := func(v int) float64 { return float64(v) * r.S }
	return image.Rect(r.Origin.X+int(f(t.Min.X)), r.Origin.Y+int(f(t.Min.Y)), r.Origin.X+int(math.Ceil(f(t.Max.X))), r.Origin.Y+int(math.Ceil(f(t.Max.Y))))
}

// optionButtons adds a row of buttons that set option key to one of vals
// (labels given); the first value is the default and stays out of links.
func optionButtons(c *Ctx, prefix string, x, y int, key string, vals, labels []string) int {
	cur := c.App.State.Option(key, vals[0])
	for i, val := range vals {
		w := c.U(16) + c.U(float64(len(labels[i]))*6.6)
		val := val
		c.Button(prefix+"-"+key+"-"+val, image.Rect(x, y, x+w, y+c.U(24)), labels[i], cur == val, func() {
			if val == vals[0] {
				val = ""
			}
			c.App.SetOption(key, val)
		})
		x += w + c.U(4)
	}
	return x
}

func (v *layersView) Update(c *Ctx) {
	a := c.App
	g := v.geom(c)
	v.last = g
	x := optionButtons(c, "layers", g.controls.Min.X, g.controls.Min.Y, "cmap", []string{"viridis", "grey"}, []string{"viridis", "grey"})
	optionButtons(c, "layers", x+c.U(10), g.controls.Min.Y, "scale",
		[]string{explorer.ScaleChannel, explorer.ScaleLayer, explorer.ScaleGlobal},
		[]string{"scale per channel", "per layer", "global"})
	// Channel stepping for the keyboard (Tab to the buttons, Enter).
	net := a.Current().Net
	if li := net.Index(a.State.Layer); li >= 0 && li < len(a.Acts) {
		n, _, _ := mapShape(a.Acts[li].Shape)
		y := g.detail.Max.Y - c.U(26)
		ch := a.State.Channel
		c.Button("layers-prev", image.Rect(g.detail.Max.X-c.U(150), y, g.detail.Max.X-c.U(78), y+c.U(24)), "< channel", false,
			func() { a.SetChannel(a.State.Layer, (max(ch, 0)+n-1)%n) })
		c.Button("layers-next", image.Rect(g.detail.Max.X-c.U(74), y, g.detail.Max.X, y+c.U(24)), "channel >", false,
			func() { a.SetChannel(a.State.Layer, (ch+1)%n) })
	}
	// Hover and pin.
	v.hover = cellRef{}
	p, in := c.Hover(g.list)
	if in {
		for i, r := range g.rows {
			if !p.In(r.Row) {
				continue
			}
			if ch, y, x, ok := r.at(p); ok {
				v.hover = cellRef{true, i, ch, y, x}
			}
		}
	}
	if pt, ok := c.Pressed(g.list); ok {
		for i, r := range g.rows {
			if !pt.In(r.Row) {
				continue
			}
			if ch, _, _, ok := r.at(pt); ok {
				a.SetChannel(a.Acts[i].Name, ch)
			} else {
				a.SetLayer(a.Acts[i].Name)
			}
		}
	}
	v.updateTop(c)
}

// updateTop starts the top-images search for the pinned layer when the
// pinned layer, the model or the test set change.
func (v *layersView) updateTop(c *Ctx) {
	a := c.App
	li := a.Current().Net.Index(a.State.Layer)
	if a.Test == nil || li < 0 {
		return
	}
	key := fmt.Sprintf("%s %d %p", a.State.Model, li, a.Current().Net)
	if key == v.topKey {
		if v.top != nil && v.topMs == 0 {
			if d, n := v.top.Progress(); d == n {
				v.topMs = float64(time.Since(v.topT0).Microseconds()) / 1000
			}
		}
		return
	}
	idx, _ := explorer.TestSample(a.Test, a.Test.Count, 0)
	v.top = explorer.NewTopJob(a.Current(), li, a.Test, idx, topK)
	v.topKey, v.topT0, v.topMs = key, time.Now(), 0
	a.Sched.Start("layers-top", v.top)
}

// Key makes the frame redraw when the hovered cell or the search move on.
func (v *layersView) Key(c *Ctx) string {
	d := 0
	if v.top != nil {
		// Redraw at each tenth of the search (and at its end), not on
		// every step: a full redraw costs more than a step.
		done, n := v.top.Progress()
		d = done * 10 / max(n, 1)
	}
	return fmt.Sprint(v.hover, d, v.rebuilds, v.partial)
}

// target is the unit the detail panel shows: the hovered one, else the
// pinned channel at its maximum.
func (v *layersView) target(c *Ctx) (cellRef, bool) {
	a := c.App
	if h := v.hover; h.ok && h.layer < len(a.Acts) {
		// The hover was found on the last layout; the model may have
		// changed since, so check the unit still exists.
		n, mh, mw := mapShape(a.Acts[h.layer].Shape)
		if h.ch < n && h.y < mh && h.x < mw {
			return h, true
		}
	}
	li := a.Current().Net.Index(a.State.Layer)
	if li < 0 || li >= len(a.Acts) {
		return cellRef{}, false
	}
	n, h, w := mapShape(a.Acts[li].Shape)
	ch := a.State.Channel
	if ch < 0 || ch >= n {
		return cellRef{}, false
	}
	if h*w == 1 {
		return cellRef{true, li, ch, 0, 0}, false
	}
	m := a.Acts[li].Data[ch*h*w : (ch+1)*h*w]
	best := 0
	for i, x := range m {
		if x > m[best] {
			best = i
		}
	}
	return cellRef{true, li, ch, best / w, best % w}, false
}

func (v *layersView) colormap(c *Ctx, signed bool) render.Colormap {
	if signed {
		return render.Diverging
	}
	if c.App.State.Option("cmap", "viridis") == "grey" {
		return render.Grey
	}
	return render.Viridis
}

func (v *layersView) Draw(dst *ebiten.Image, area image.Rectangle, c *Ctx) {
	a := c.App
	n := len(a.Acts)
	if n == 0 {
		return
	}
	g := v.geom(c)
	if len(v.rows) != n {
		v.rows = make([]texture, n)
	}
	mode := explorer.ScaleMode(a.State)
	cmName := a.State.Option("cmap", "viridis")
	key := fmt.Sprint(a.Version, a.State.Model, cmName, mode)
	t0 := time.Now()
	work := time.Duration(0)
	v.pending = false
	pinned := a.Current().Net.Index(a.State.Layer)
	for i, act := range a.Acts {
		r := g.rows[i]
		if i == pinned {
			fillRect(dst, r.Row, colRaised)
		}
		c.UI.text(dst, act.Name, r.Row.Min.X+c.U(4), r.Row.Min.Y+c.U(1), 12, colText)
		c.UI.text(dst, shapeText(act.Shape), r.Row.Min.X+c.U(4), r.Row.Min.Y+c.U(16), 9.5, colMuted)
		var img *ebiten.Image
		if v.rows[i].key != key && work > 0 && time.Since(t0) > rowBudget {
			// Out of this frame's budget: keep the old picture of this
			// row for a frame if it has the right size, and finish next
			// frame.
			v.pending = true
			if old := v.rows[i].img; old != nil {
				if w, h := r.Lay.Size(); old.Bounds().Size() == image.Pt(w, h) {
					img = old
				}
			}
		} else {
			img = v.rows[i].get(key, func() *image.RGBA {
				t1 := time.Now()
				defer func() { work += time.Since(t1) }()
				cn, h, w := mapShape(act.Shape)
				maps := render.Channels(act.Data, cn, h*w)
				return render.Grid(maps, r.Lay, v.scalesFor(c, mode)[i], v.colormap(c, explorer.Signed(act.Data)), colPanel)
			})
		}
		if img != nil {
			op := &ebiten.DrawImageOptions{}
			op.GeoM.Scale(r.S, r.S)
			op.GeoM.Translate(float64(r.Origin.X), float64(r.Origin.Y))
			dst.DrawImage(img, op)
		}
		if i == pinned && a.State.Channel >= 0 && a.State.Channel < r.Lay.N {
			strokeRect(dst, inset(r.tileRect(a.State.Channel), -c.U(2)), float32(c.U(2)), colFocus)
		}
		if v.hover.ok && v.hover.layer == i {
			strokeRect(dst, inset(r.tileRect(v.hover.ch), -c.U(1)), float32(c.U(1)), colText)
		}
	}
	if work > 0 {
		if !v.cycle {
			v.cycle, v.cycleWork, v.cycleFrames = true, 0, 0
		}
		v.cycleWork += work
		v.cycleFrames++
		v.frameMax = max(v.frameMax, float64(work.Microseconds())/1000)
	}
	if v.pending {
		v.partial++ // changes the Key, so the next frame draws (and rebuilds) again
	}
	if v.cycle && !v.pending {
		ms := float64(v.cycleWork.Microseconds()) / 1000
		v.rebuildMs, v.rebuildMax, v.rebuilds, v.rebuildFrames = ms, max(v.rebuildMax, ms), v.rebuilds+1, v.cycleFrames
		v.cycle = false
	}
	v.drawDetail(dst, g.detail, c, mode)
}

func shapeText(s []int) string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = fmt.Sprint(d)
	}
	return strings.Join(parts, "×")
}

// drawDetail draws the hovered (or pinned) channel enlarged with its
// colour bar and numbers, the input with the unit's receptive field, and
// the pinned channel's top images.
func (v *layersView) drawDetail(dst *ebiten.Image, r image.Rectangle, c *Ctx, mode string) {
	a := c.App
	t, hovered := v.target(c)
	if !t.ok {
		c.UI.paragraph(dst, "Point at a square on the left to enlarge it; click to pin a channel.", r, 13, colMuted)
		return
	}
	act := a.Acts[t.layer]
	n, h, w := mapShape(act.Shape)
	how := "pinned"
	if hovered {
		how = "under the pointer"
	}
	c.UI.text(dst, fmt.Sprintf("%s (%s), channel %d of %d, %s", act.Name, act.Kind, t.ch, n, how), r.Min.X, r.Min.Y, 12.5, colText)
	y := r.Min.Y + c.U(22)
	sc := v.scalesFor(c, mode)[t.layer][t.ch]
	cm := v.colormap(c, explorer.Signed(act.Data))
	m := act.Data[t.ch*h*w : (t.ch+1)*h*w]
	side := min(r.Dx()*45/100, r.Dy()*38/100)
	// The channel, large, with the unit marked; a flat layer shows its
	// whole vector as a strip instead.
	big := image.Rect(r.Min.X, y, r.Min.X+side, y+side)
	if h*w > 1 {
		img := v.big.get(fmt.Sprint(a.Version, a.State.Model, t.layer, t.ch, mode, cm.Name), func() *image.RGBA { return render.Heatmap(m, h, w, sc, cm, 1) })
		drawImageIn(dst, img, big, false)
		cw, ch := float64(side)/float64(w), float64(side)/float64(h)
		strokeRect(dst, image.Rect(big.Min.X+int(float64(t.x)*cw), big.Min.Y+int(float64(t.y)*ch),
			big.Min.X+int(float64(t.x+1)*cw), big.Min.Y+int(float64(t.y+1)*ch)), float32(c.U(1.5)), colFocus)
	} else {
		big = image.Rect(r.Min.X, y, r.Min.X+side, y+c.U(24))
		img := v.big.get(fmt.Sprint(a.Version, a.State.Model, t.layer, "vec", mode, cm.Name), func() *image.RGBA { return render.Heatmap(act.Data, 1, n, sc, cm, 1) })
		drawImageIn(dst, img, big, false)
		cw := float64(side) / float64(n)
		strokeRect(dst, image.Rect(big.Min.X+int(float64(t.ch)*cw), big.Min.Y, big.Min.X+int(float64(t.ch+1)*cw), big.Max.Y), float32(c.U(1.5)), colFocus)
	}
	// Colour bar with the real numbers.
	barW := v.drawBar(dst, image.Rect(big.Max.X+c.U(8), y, big.Max.X+c.U(20), y+max(side, c.U(80))), c, sc, cm)
	// Numbers.
	lo, hi, sum, zeros := m[0], m[0], 0.0, 0
	for _, x := range m {
		lo, hi = min(lo, x), max(hi, x)
		sum += float64(x)
		if x == 0 {
			zeros++
		}
	}
	val := m[t.y*w+t.x]
	if h*w == 1 {
		val = act.Data[t.ch]
	}
	tx := big.Max.X + c.U(14) + barW
	lines := []string{
		fmt.Sprintf("value at (%d, %d): %s", t.y, t.x, render.FormatNumber(float64(val))),
		fmt.Sprintf("%d×%d map", h, w),
		"min " + render.FormatNumber(float64(lo)),
		"max " + render.FormatNumber(float64(hi)),
		"mean " + render.FormatNumber(sum/float64(len(m))),
		fmt.Sprintf("zeros %.0f%%", 100*float64(zeros)/float64(len(m))),
		"scale: " + mode,
	}
	if h*w == 1 {
		lines[0] = fmt.Sprintf("unit %d: %s", t.ch, render.FormatNumber(float64(val)))
		lines[1] = fmt.Sprintf("vector of %d", n)
	}
	for i, l := range lines {
		if tx+c.U(60) < r.Max.X {
			c.UI.text(dst, l, tx, y+i*c.U(17), 11.5, colText)
		}
	}
	y = max(big.Max.Y, y+len(lines)*c.U(17)) + c.U(10)
	// The input with the unit's receptive field.
	spec := a.Current().Net.Spec
	rf := featuremaps.ReceptiveField(spec, t.layer, t.y, t.x)
	if h*w == 1 && len(act.Shape) == 1 {
		rf = featuremaps.ReceptiveField(spec, t.layer, 0, t.ch)
	}
	in := spec.Input
	ps := min(c.U(120), r.Dy()/4)
	pr := image.Rect(r.Min.X, y, r.Min.X+ps, y+ps)
	x0 := a.ModelInput()
	inImg := v.in.get(fmt.Sprint(a.Version, a.State.Model), func() *image.RGBA { return greyImage(x0, in[2], in[1]) })
	drawImageIn(dst, inImg, pr, false)
	sx, sy := float64(ps)/float64(in[2]), float64(ps)/float64(in[1])
	rr := image.Rect(pr.Min.X+int(float64(rf.Min.X)*sx), pr.Min.Y+int(float64(rf.Min.Y)*sy), pr.Min.X+int(float64(rf.Max.X)*sx), pr.Min.Y+int(float64(rf.Max.Y)*sy))
	strokeRect(dst, rr, float32(c.U(2)), colFocus)
	c.UI.paragraph(dst, fmt.Sprintf("Receptive field: input rows %d–%d, columns %d–%d (%d×%d pixels). Only these pixels can change this unit.",
		rf.Min.Y, rf.Max.Y-1, rf.Min.X, rf.Max.X-1, rf.Dy(), rf.Dx()), image.Rect(pr.Max.X+c.U(10), y, r.Max.X, y+ps), 11.5, colMuted)
	y = pr.Max.Y + c.U(10)
	v.drawTop(dst, image.Rect(r.Min.X, y, r.Max.X, r.Max.Y-c.U(30)), c)
}

// drawTop draws the pinned channel's top test images as receptive-field
// crops with their values, and the search's progress.
func (v *layersView) drawTop(dst *ebiten.Image, r image.Rectangle, c *Ctx) {
	a := c.App
	li := a.Current().Net.Index(a.State.Layer)
	if r.Dy() < c.U(40) {
		return
	}
	if li < 0 || a.State.Channel < 0 {
		c.UI.text(dst, "Pin a channel to find the test images that excite it most.", r.Min.X, r.Min.Y, 11.5, colMuted)
		return
	}
	if a.Test == nil || v.top == nil || v.top.Layer != li {
		c.UI.text(dst, "Top images: waiting for the test set…", r.Min.X, r.Min.Y, 11.5, colMuted)
		return
	}
	done, total := v.top.Progress()
	status := fmt.Sprintf("Top %d test images, %s channel %d (%d/%d)", topK, a.State.Layer, a.State.Channel, done, total)
	if done == total && v.topMs > 0 {
		status = fmt.Sprintf("Top %d of %d test images, %s channel %d (%.1f s)", topK, total, a.State.Layer, a.State.Channel, v.topMs/1000)
	}
	c.UI.text(dst, status, r.Min.X, r.Min.Y, 11.5, colText)
	res := v.top.Result()
	if a.State.Channel >= len(res) {
		return
	}
	tops := res[a.State.Channel]
	if len(v.tops) < topK {
		v.tops = make([]texture, topK)
	}
	spec := a.Current().Net.Spec
	in := spec.Input
	side := min((r.Dx()-(topK-1)*c.U(6))/topK, r.Dy()-c.U(40))
	y := r.Min.Y + c.U(20)
	for i, tp := range tops {
		test := v.top.TestIndex(tp.Image)
		rf := featuremaps.ReceptiveField(spec, li, tp.Y, tp.X)
		img := v.tops[i].get(fmt.Sprint(a.State.Model, li, test, rf), func() *image.RGBA {
			full := explorer.FitInput(a.Test.Float(test, nil), in)
			crop := make([]float32, 0, rf.Dx()*rf.Dy())
			for yy := rf.Min.Y; yy < rf.Max.Y; yy++ {
				crop = append(crop, full[yy*in[2]+rf.Min.X:yy*in[2]+rf.Max.X]...)
			}
			return greyImage(crop, rf.Dx(), rf.Dy())
		})
		x := r.Min.X + i*(side+c.U(6))
		drawImageIn(dst, img, image.Rect(x, y, x+side, y+side), false)
		c.UI.text(dst, fmt.Sprintf("#%d", test), x, y+side+c.U(2), 10, colMuted)
		c.UI.text(dst, render.FormatNumber(float64(tp.Value)), x, y+side+c.U(14), 10, colText)
	}
}

// drawBar draws a vertical colour bar for sc in r (highest value at the
// top) with five ticks labelled with their values, and returns the width
// used right of r. The gradient comes from render.Heatmap of a ramp, so it
// is the same mapping as the maps; the labels use the page's font.
func (v *layersView) drawBar(dst *ebiten.Image, r image.Rectangle, c *Ctx, sc render.Scale, cm render.Colormap) int {
	lo, hi := sc.Min, sc.Max
	if sc.Signed {
		hi = math.Max(math.Abs(lo), math.Abs(hi))
		lo = -hi
	}
	const n = 128
	img := v.bar.get(fmt.Sprint(lo, hi, sc.Signed, cm.Name), func() *image.RGBA {
		ramp := make([]float32, n)
		for i := range ramp {
			ramp[i] = float32(hi - (hi-lo)*float64(i)/(n-1))
		}
		return render.Heatmap(ramp, n, 1, sc, cm, 1)
	})
	drawImageIn(dst, img, r, false)
	w := 0
	for i := range 5 {
		val := lo + (hi-lo)*float64(i)/4
		if i == 4 {
			val = hi
		}
		if !(hi > lo) && i > 0 {
			break
		}
		ty := r.Max.Y - 1 - int(math.Round(float64(i)/4*float64(r.Dy()-1)))
		fillRect(dst, image.Rect(r.Max.X, ty, r.Max.X+c.U(4), ty+max(1, c.U(1))), colText)
		w = max(w, c.U(6)+c.UI.text(dst, render.FormatNumber(val), r.Max.X+c.U(6), ty-c.U(7), 10.5, colText))
	}
	return r.Dx() + w
}

// scalesFor returns the colour scales of the current activations in mode,
// computed once per input, model and mode.
func (v *layersView) scalesFor(c *Ctx, mode string) [][]render.Scale {
	a := c.App
	key := fmt.Sprint(a.Version, a.State.Model, mode)
	if key != v.scalesKey || len(v.scales) != len(a.Acts) {
		v.scales, v.scalesKey = explorer.FeatureScales(a.Acts, mode), key
	}
	return v.scales
}
