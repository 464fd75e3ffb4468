//go:build js && wasm

package main

import (
	"fmt"
	"image"
	"image/color"
	"slices"
	"strconv"
	"time"

	"cnnviz/core/explorer"
	"cnnviz/core/render"

	"github.com/hajimehoshi/ebiten/v2"
)

func init() { register(30, &attrView{}) }

// attrView shows attribution maps: one method's map over the input with
// its colour bar, and either a comparison grid of every method or the
// metrics panel. The view-model (explorer.AttrView) starts and holds the
// steppers; the view lays out, handles input and draws.
type attrView struct {
	m       explorer.AttrView
	overlay texture
	bar     texture
	chart   texture
	anim    texture
	gridTex texture
	// hit areas of the sliders of the last frame
	layerTrack, alphaTrack image.Rectangle
	// ctrlBottom is where the controls end (set by Update).
	ctrlBottom int
	// updMs and drawMs are the smoothed times of the view's own Update
	// and Draw (without the steppers), for attributionView().
	updMs, drawMs float64
	progress      throttle
	// overlayRect is where the main overlay was last drawn (empty when
	// the last Draw showed none), and drawnKey which finished map with
	// which options it showed ("" for a partial one): attributionView()
	// reports whether that is the current map.
	overlayRect image.Rectangle
	drawnKey    string
	// overlaySize is the size in pixels of the overlay image last drawn,
	// and onPhoto whether it is drawn on the photo (AttrDisplay.OverlayOn).
	overlaySize image.Point
	onPhoto     bool
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

// opt returns the view option key, or def.
func (v *attrView) opt(a *explorer.App, key, def string) string { return a.State.Option(key, def) }

func (v *attrView) Update(c *Ctx) {
	t0 := time.Now()
	defer func() { smooth(&v.updMs, time.Since(t0)) }()
	a := c.App
	net := a.Current().Net
	me := explorer.AttrMethodOf(a.State)
	layer := explorer.AttrLayerOf(net, me, a.State.Layer)
	opts, _ := explorer.AttrOptionsOf(a.State) // Draw shows the error
	disp, _ := explorer.AttrDisplayOf(a.State)
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
	sp := explorer.AttrLayers(net)
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
	for _, k := range explorer.ClassOrder(a.Probs) {
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
	if !disp.Honest {
		toggle("relu", "ReLU", "relu", "1", "1")
		for _, n := range []string{"none", "minmax", "maxabs"} {
			toggle("norm-"+n, "norm "+n, "norm", n, "minmax")
		}
	}
	toggle("cmap-v", "viridis", "acmap", "viridis", "auto")
	toggle("cmap-d", "diverging", "acmap", "diverging", "auto")
	toggle("interp-n", "nearest", "interp", "nearest", "bilinear")
	toggle("interp-b", "bilinear", "interp", "bilinear", "bilinear")
	if a.PhotoCrop() != nil {
		toggle("base-p", "on photo", "base", "photo", "photo")
		toggle("base-i", "on model input", "base", "input", "photo")
	}
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
	if disp.Panel == "metrics" {
		x += c.U(10)
		for _, m := range explorer.AttrPanelMetrics {
			toggle("metric-"+m, m, "metric", m, "curves")
		}
	}
	v.ctrlBottom = y + c.U(22)
	v.m.Sync(a)
}

// narrowBelow is the view width (layout units) under which the map and
// the right panel are stacked rather than side by side.
const narrowBelow = 600

// attrMapH is the height (layout units) of the map's column when stacked.
const attrMapH = 430

// MinHeight makes room for the map and the panel below it when they are
// stacked on a narrow screen (the view then scrolls).
func (v *attrView) MinHeight(c *Ctx) float64 {
	if c.Area.Dx() >= c.U(narrowBelow) {
		return 0
	}
	return float64(v.ctrlBottom-c.Area.Min.Y)/c.UI.s + 10 + attrMapH + 8 + 320
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

// Key changes while steppers fill in results, at most every
// redrawEvery: a full redraw of the page costs far more than a tick, so
// the steppers get the ticks in between. A map that becomes done, or new
// metric results, are drawn at once.
func (v *attrView) Key(c *Ctx) string {
	m := &v.m
	done := m.Job != nil && m.Job.Done()
	return fmt.Sprint(m.Key, done, m.Elapsed, m.EvalKey, m.EvalsDone(), m.GridDone(), "|", v.progress.key(v.freshKey(c), redrawEvery))
}

// redrawEvery is the least time between redraws caused by progress.
const redrawEvery = 250 * time.Millisecond

func (v *attrView) freshKey(c *Ctx) string {
	m := &v.m
	k := ""
	if m.Job != nil {
		d, t := m.Job.Progress()
		k = fmt.Sprint(bucket(d, t))
	}
	for _, e := range m.Evals {
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
	if res := m.Grid[m.GridCur]; res != nil && res.Job != nil {
		d, t := res.Job.Progress()
		k += fmt.Sprint("g", bucket(d, t))
	}
	if a := c.App; a.State.Option("panel", "metrics") == "metrics" && a.State.Option("metric", "curves") == "curves" {
		k += fmt.Sprint("t", time.Now().UnixMilli()/animFrameMs) // the deletion animation
	}
	return k + fmt.Sprint(len(m.Grid), m.GridCur)
}

// overlayKey names the finished main map with the display options: what
// attributionView() reports as drawn.
func (v *attrView) overlayKey(a *explorer.App) string {
	if v.m.Job == nil || !v.m.Job.Done() {
		return ""
	}
	return fmt.Sprint(v.m.Key, a.State.Options)
}

func (v *attrView) Draw(dst *ebiten.Image, area image.Rectangle, c *Ctx) {
	t0 := time.Now()
	defer func() { smooth(&v.drawMs, time.Since(t0)) }()
	a := c.App
	net := a.Current().Net
	me := explorer.AttrMethodOf(a.State)
	layer := explorer.AttrLayerOf(net, me, a.State.Layer)
	disp, dispErr := explorer.AttrDisplayOf(a.State)
	_, optErr := explorer.AttrOptionsOf(a.State)
	pix := a.ModelInput()
	// The sliders.
	if sp := explorer.AttrLayers(net); !v.layerTrack.Empty() {
		v.drawSlider(dst, c, v.layerTrack, len(sp), max(0, slices.Index(sp, layer)))
		lr := image.Rect(v.layerTrack.Max.X+c.U(30), v.layerTrack.Min.Y, v.layerTrack.Max.X+c.U(140), v.layerTrack.Max.Y)
		sh := net.OutShape(layer)
		c.UI.text(dst, fmt.Sprintf("%s %d×%d", net.Spec.Layers[layer].Name, sh[1], sh[2]), lr.Min.X, lr.Min.Y+c.U(3), 12, colText)
	}
	v.drawSlider(dst, c, v.alphaTrack, 11, disp.Alpha/10)
	top := v.ctrlBottom + c.U(10)
	body := image.Rect(area.Min.X, top, area.Max.X, area.Max.Y)
	split := body.Min.X + body.Dx()*46/100
	left := image.Rect(body.Min.X, body.Min.Y, split-c.U(8), body.Max.Y)
	right := image.Rect(split+c.U(8), body.Min.Y, body.Max.X, body.Max.Y)
	if body.Dx() < c.U(narrowBelow) { // a phone: the map above, the panel below
		left = image.Rect(body.Min.X, body.Min.Y, body.Max.X, body.Min.Y+c.U(attrMapH))
		right = image.Rect(body.Min.X, left.Max.Y+c.U(8), body.Max.X, body.Max.Y)
	}
	job := v.m.Job
	c.UI.text(dst, explorer.AttrTitle(a, job), left.Min.X, left.Min.Y, 13, colText)
	y := left.Min.Y + c.U(20)
	for _, note := range []string{noteOf(job), errText(dispErr), errText(optErr)} {
		if note != "" {
			y += c.UI.paragraph(dst, note, image.Rect(left.Min.X, y, left.Max.X, left.Max.Y), 11.5, colFocus) + c.U(3)
		}
	}
	v.overlayRect, v.drawnKey = image.Rectangle{}, ""
	side := min(left.Dx()-c.U(80), left.Max.Y-y-c.U(70))
	switch {
	case v.m.Err != "":
		c.UI.paragraph(dst, v.m.Err, image.Rect(left.Min.X, y, left.Max.X, y+c.U(80)), 12.5, colBad)
	case job == nil || job.Result() == nil || side <= c.U(40):
		c.UI.text(dst, "computing…", left.Min.X, y, 12, colMuted)
	default:
		res := job.Result()
		d, t := job.Progress()
		key := fmt.Sprintf("%v %v %v %v %p", v.m.Key, bucket(d, t), job.Done(), a.State.Options, a.PhotoCrop())
		mp, h, w := explorer.DisplayMap(res, disp.Post())
		img := v.overlay.get(key, func() *image.RGBA {
			im, onPhoto := disp.OverlayOn(a, 8, mp, h, w)
			v.onPhoto = onPhoto
			return im
		})
		v.overlaySize = img.Bounds().Size()
		r := image.Rect(left.Min.X, y, left.Min.X+side, y+side)
		drawImageIn(dst, img, r, v.onPhoto) // a photo shrinks smoothly
		v.overlayRect, v.drawnKey = r, v.overlayKey(a)
		bimg := v.bar.get(fmt.Sprint(key, side), func() *image.RGBA {
			sc, cm := disp.Scale(mp)
			return render.ColorBar(sc, cm, max(40, side/c.U(1)/2), 12, 5)
		})
		if bimg != nil {
			bb := bimg.Bounds()
			k := max(1, side/max(1, bb.Dy()))
			drawImageIn(dst, bimg, image.Rect(r.Max.X+c.U(6), r.Min.Y, r.Max.X+c.U(6)+bb.Dx()*k, r.Min.Y+bb.Dy()*k), false)
		}
		ty := r.Max.Y + c.U(6)
		c.UI.text(dst, explorer.AttrRange(res.Data, res.Shape), left.Min.X, ty, 11.5, colMuted)
		ty += c.U(16)
		if job.Done() {
			c.UI.text(dst, fmt.Sprintf("computed in %.0f ms", float64(v.m.Elapsed.Microseconds())/1000), left.Min.X, ty, 11.5, colMuted)
		} else {
			c.UI.text(dst, fmt.Sprintf("computing… %d of %d", d, t), left.Min.X, ty, 11.5, colFocus)
		}
		if gap, delta, ok := job.Completeness(); ok && job.Done() {
			ty += c.U(16)
			c.UI.text(dst, fmt.Sprintf("completeness: Σ attributions − (f(x) − f(baseline)) = %s (f(x) − f(b) = %s)",
				render.FormatNumber(gap), render.FormatNumber(delta)), left.Min.X, ty, 11.5, colText)
		}
	}
	if disp.Panel == "grid" {
		v.drawGrid(dst, c, right, pix, disp)
	} else {
		v.drawMetrics(dst, c, right, pix, disp)
	}
}

// noteOf returns the job's note, if any.
func noteOf(j *explorer.AttrJob) string {
	if j == nil {
		return ""
	}
	return j.Note
}

// errText returns err's message, or "".
func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// animFrameMs is the time each point of the deletion animation shows.
const animFrameMs = 350

// textWidth is the width in pixels of s at size.
func (u *ui) textWidth(s string, size float64) int { return int(u.face(size).advance(s)) }

// bucket rounds progress to twentieths, so that a slow map is redrawn
// every 5% and not after every step.
func bucket(d, t int) int { return d * 20 / max(1, t) }

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

func (v *attrView) drawGrid(dst *ebiten.Image, c *Ctx, r image.Rectangle, pix []float32, disp explorer.AttrDisplay) {
	a := c.App
	m := &v.m
	ms := explorer.AttrMethods
	cols := 5
	cell := min(r.Dx()/cols-c.U(6), (r.Dy()-c.U(20))/((len(ms)+cols-1)/cols)-c.U(18))
	if cell < c.U(20) {
		return
	}
	c.UI.text(dst, "Every method on this input (same class, same layer, same display options)", r.Min.X, r.Min.Y, 12, colText)
	key := fmt.Sprint(m.GridKey, a.State.Options, cell, m.GridDone(), m.GridCur)
	img := v.gridTex.get(key, func() *image.RGBA {
		in := a.Current().Net.Spec.Input
		return m.GridImage(pix, in[1], in[2], disp, cols, cell, c.U(6), c.U(18), c.U(16))
	})
	o := image.Pt(r.Min.X, r.Min.Y+c.U(18))
	if img != nil {
		op := &ebiten.DrawImageOptions{}
		op.GeoM.Translate(float64(o.X), float64(o.Y))
		dst.DrawImage(img, op)
	}
	for i, me := range ms {
		x, y := o.X+(i%cols)*(cell+c.U(6)), o.Y+(i/cols)*(cell+c.U(18))
		lab := me.Name
		col := color.Color(colMuted)
		if res := m.Grid[me.ID]; res != nil {
			switch {
			case res.Err != nil:
				lab, col = me.Name+": n/a", colBad
			case res.Job != nil && res.Job.Done():
				col = colText
			case res.Job != nil:
				d, t := res.Job.Progress()
				lab, col = fmt.Sprintf("%s %d/%d", me.Name, d, t), colFocus
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
