//go:build js && wasm

package main

import (
	"fmt"
	"image"
	"math"
	"strings"
	"time"

	"cnnviz/core/explorer"
	"cnnviz/core/render"

	"github.com/hajimehoshi/ebiten/v2"
)

func init() { register(10, &layersView{}) }

// rowBudget is the time per frame the view spends re-rendering layer rows
// after a change; rows left over are rebuilt in the next frame.
const rowBudget = 8 * time.Millisecond

// layersView shows every channel of every layer's output for the current
// input, one band per layer from the input side (top) to the logits
// (bottom). Hovering a cell enlarges its channel, reads its value and
// outlines its receptive field on the input; clicking pins the channel
// (State.Layer, State.Channel), whose top test images are searched by a
// stepper. explorer.LayersView holds the options, the colour scales and
// the search.
type layersView struct {
	vm explorer.LayersView

	rows    []texture // per layer: its channels as a render.Grid, one pixel per value
	big     texture
	bar     texture
	in      texture
	tops    []texture
	legends [2]texture

	// hover is the cell under the pointer in the last Update; last is
	// the layout of the last Update, classes where the last Draw wrote
	// the output's class labels (for tests, through featuresPerf).
	hover   cellRef
	last    layerGeom
	classes []axisLabel

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

// layerGeom is the layout of the view; legend is the colour key, right of
// the controls where they leave room, else on top of the detail panel.
type layerGeom struct {
	controls, list, detail, legend image.Rectangle
	rows                           []rowPlace
}

// mapShape is explorer.MapShape.
func mapShape(shape []int) (n, h, w int) { return explorer.MapShape(shape) }

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
	g.legend = image.Rect(a.Max.X-c.U(legendW), g.controls.Min.Y, a.Max.X, g.controls.Max.Y)
	if g.legend.Min.X < a.Min.X+layersButtonsW(c)+c.U(10) {
		g.legend = image.Rect(split, g.detail.Min.Y, min(a.Max.X, split+c.U(legendW)), g.detail.Min.Y+c.U(26))
		g.detail.Min.Y = g.legend.Max.Y + c.U(6)
	}
	n := len(c.App.Acts)
	if n == 0 {
		return g
	}
	labelW := c.U(76)
	// The output's row, when it has class names under its units, is
	// taller by their line; the other rows share the rest.
	extra := make([]int, n)
	for i := range n {
		if explorer.ClassLabels(c.App.Current(), i) != nil {
			extra[i] = c.U(11)
		}
	}
	rowH := (g.list.Dy() - sum(extra)) / n
	y := g.list.Min.Y
	for i, act := range c.App.Acts {
		r := image.Rect(g.list.Min.X, y, g.list.Max.X, y+rowH+extra[i])
		y = r.Max.Y
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

func sum(v []int) int {
	s := 0
	for _, x := range v {
		s += x
	}
	return s
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

// optionWidth is the width of an option button labelled label.
func optionWidth(c *Ctx, label string) int { return c.U(16) + c.U(float64(len(label))*6.6) }

// The labels of the layers view's option buttons.
var (
	cmapLabels  = []string{"viridis", "grey"}
	scaleLabels = []string{"scale per channel", "per layer", "global"}
)

// layersButtonsW is the width of the layers view's option buttons.
func layersButtonsW(c *Ctx) int {
	w := c.U(10)
	for _, l := range append(append([]string{}, cmapLabels...), scaleLabels...) {
		w += optionWidth(c, l) + c.U(4)
	}
	return w
}

// optionButtons adds a row of buttons that set option key to one of vals
// (labels given); the first value is the default and stays out of links.
func optionButtons(c *Ctx, prefix string, x, y int, key string, vals, labels []string) int {
	cur := c.App.State.Option(key, vals[0])
	for i, val := range vals {
		w := optionWidth(c, labels[i])
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
	x := optionButtons(c, "layers", g.controls.Min.X, g.controls.Min.Y, "cmap", explorer.LayersCmaps, cmapLabels)
	optionButtons(c, "layers", x+c.U(10), g.controls.Min.Y, "scale", explorer.LayersScales, scaleLabels)
	// Channel stepping for the keyboard (Tab to the buttons, Enter).
	if li := a.PinnedLayer(); li >= 0 && li < len(a.Acts) {
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
	v.vm.Update(a)
}

// Key makes the frame redraw when the hovered cell or the search move on.
func (v *layersView) Key(c *Ctx) string {
	d := 0
	if top, _ := v.vm.Top(); top != nil {
		// Redraw at each tenth of the search (and at its end), not on
		// every step: a full redraw costs more than a step.
		done, n := top.Progress()
		d = done * 10 / max(n, 1)
	}
	return fmt.Sprint(v.hover, d, v.rebuilds, v.partial)
}

// target is the unit the detail panel shows: the hovered one, else the
// pinned channel at its maximum.
// It reports false when there is neither.
func (v *layersView) target(c *Ctx) (u explorer.Unit, hovered, ok bool) {
	a := c.App
	if h := v.hover; h.ok {
		// The hover was found on the last layout; the model may have
		// changed since, so check the unit still exists.
		if u := (explorer.Unit{Layer: h.layer, Ch: h.ch, Y: h.y, X: h.x}); u.Valid(a.Acts) {
			return u, true, true
		}
	}
	u, ok = explorer.PeakUnit(a.Acts, a.PinnedLayer(), a.State.Channel)
	return u, false, ok
}

// MinHeight keeps every band tall enough for its layer's name: on a
// shorter screen the view scrolls rather than print names over each other.
func (v *layersView) MinHeight(c *Ctx) float64 {
	return 32 + 16*float64(len(c.App.Acts)) + 11
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
	opt := v.vm.Options(a)
	scales := v.vm.Scales(a)
	key := fmt.Sprint(a.Version, a.State.Model, opt.Cmap, opt.Scale)
	t0 := time.Now()
	work := time.Duration(0)
	v.pending = false
	v.classes = v.classes[:0]
	pinned := a.PinnedLayer()
	for i, act := range a.Acts {
		r := g.rows[i]
		if i == pinned {
			fillRect(dst, r.Row, colRaised)
		}
		c.UI.text(dst, act.Name, r.Row.Min.X+c.U(4), r.Row.Min.Y+c.U(1), 12, colText)
		if r.Row.Dy() >= c.U(28) { // the shape only where it has a line of its own
			c.UI.text(dst, shapeText(act.Shape), r.Row.Min.X+c.U(4), r.Row.Min.Y+c.U(16), 9.5, colMuted)
		}
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
				return render.Grid(maps, r.Lay, scales[i], opt.Colormap(explorer.Signed(act.Data)), colPanel)
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
		v.drawClasses(dst, c, r, explorer.ClassLabels(a.Current(), i))
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
	v.drawLegend(dst, g.legend, c, opt, scales)
	v.drawDetail(dst, g.detail, c, opt)
}

// drawClasses writes the class names under the units of a row, one under
// each unit's tile, when the row is the model's output.
func (v *layersView) drawClasses(dst *ebiten.Image, c *Ctx, r rowPlace, labels []string) {
	for j, l := range labels {
		if j >= r.Lay.N {
			break
		}
		t := r.tileRect(j)
		// Centred under the tile, cut to the space between neighbours.
		room := t.Dx() + r.tileRect(min(j+1, r.Lay.N-1)).Min.X - t.Max.X
		for len(l) > 1 && c.UI.textWidth(l, 9) > max(room, t.Dx()) {
			l = l[:len(l)-1]
		}
		w := c.UI.textWidth(l, 9)
		x, y := (t.Min.X+t.Max.X-w)/2, t.Max.Y+c.U(1)
		c.UI.text(dst, l, x, y, 9, colText)
		v.classes = append(v.classes, axisLabel{l, image.Rect(x, y, x+w, y+c.U(10))})
	}
}

func shapeText(s []int) string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = fmt.Sprint(d)
	}
	return strings.Join(parts, "×")
}
