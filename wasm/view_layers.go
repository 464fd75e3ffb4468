//go:build js && wasm

package main

import (
	"fmt"
	"image"
	"strings"

	"cnnviz/core/explorer"
	"cnnviz/core/render"

	"github.com/hajimehoshi/ebiten/v2"
)

func init() { register(10, &layersView{}) }

// layersView shows every layer's output for the current input: one row of
// small tiles per layer (one tile per channel), and the selected layer's
// channels large, with the selected channel and its colour scale.
type layersView struct {
	rows   []texture
	detail texture
	big    texture
	bar    texture
	// rowRects and tileRects are the hit areas of the last layout.
	rowRects  []image.Rectangle
	tileRects []image.Rectangle
}

func (v *layersView) ID() string    { return "layers" }
func (v *layersView) Title() string { return "Layers" }
func (v *layersView) Explain() string {
	return "Each row is one layer of the network, from the input side (top) to the output (bottom); each small square is one " +
		"channel of that layer's output for the picture on the left. Early convolution channels still look like the digit, " +
		"because each one responds to a simple pattern such as an edge in one direction; deeper channels are smaller, " +
		"sparser and more abstract. Bright means a large value. Signed outputs (before ReLU) use blue for negative, red for " +
		"positive. Click a row to enlarge its channels, and a channel to inspect it. Keys: ↑ ↓ change the layer."
}

// layerGeom is the layout of the view for an area.
type layerGeom struct {
	list, detail image.Rectangle
	rowH, labelW int
}

func (v *layersView) geom(c *Ctx) layerGeom {
	a := c.Area
	n := len(c.App.Acts)
	var g layerGeom
	split := a.Min.X + a.Dx()*58/100
	g.list = image.Rect(a.Min.X, a.Min.Y+c.U(30), split-c.U(10), a.Max.Y)
	g.detail = image.Rect(split, a.Min.Y+c.U(30), a.Max.X, a.Max.Y)
	if n > 0 {
		g.rowH = min(c.U(64), g.list.Dy()/n)
	}
	g.labelW = c.U(132)
	return g
}

func (v *layersView) Update(c *Ctx) {
	a := c.App
	gm := v.geom(c)
	// Options: colormap and scale.
	x, y := c.Area.Min.X, c.Area.Min.Y
	cm := a.State.Option("cmap", "viridis")
	sc := a.State.Option("scale", "channel")
	for _, o := range []struct{ id, label, key, val string }{
		{"viridis", "viridis", "cmap", "viridis"}, {"grey", "grey", "cmap", "grey"},
		{"channel", "scale per channel", "scale", "channel"}, {"layer", "scale per layer", "scale", "layer"},
	} {
		w := c.U(18) + c.U(float64(len(o.label))*7)
		on := (o.key == "cmap" && cm == o.val) || (o.key == "scale" && sc == o.val)
		key, val := o.key, o.val
		c.Button("layers-"+o.id, image.Rect(x, y, x+w, y+c.U(24)), o.label, on, func() {
			if (key == "cmap" && val == "viridis") || (key == "scale" && val == "channel") {
				val = "" // the default stays out of the link
			}
			a.SetOption(key, val)
		})
		x += w + c.U(4)
	}
	if pt, ok := c.Pressed(gm.list); ok {
		for i, r := range v.rowRects {
			if pt.In(r) {
				a.SetLayer(a.Acts[i].Name)
			}
		}
	}
	if pt, ok := c.Pressed(gm.detail); ok {
		for ch, r := range v.tileRects {
			if pt.In(r) {
				a.SetChannel(a.State.Layer, ch)
			}
		}
	}
}

// channels splits an activation into maps: [C, H, W] gives C maps of H×W;
// a vector [N] gives one 1×N map.
func channels(act explorer.Activation) (maps [][]float32, h, w int) {
	if len(act.Shape) == 3 {
		h, w = act.Shape[1], act.Shape[2]
		return render.Channels(act.Data, act.Shape[0], h*w), h, w
	}
	return [][]float32{act.Data}, 1, len(act.Data)
}

// signed reports whether any value is negative.
func signed(d []float32) bool {
	for _, v := range d {
		if v < 0 {
			return true
		}
	}
	return false
}

// scales returns one colour scale per map: per channel, or one for the
// whole layer; signed data get symmetric scales.
func scales(maps [][]float32, perLayer bool) []render.Scale {
	sg := false
	for _, m := range maps {
		sg = sg || signed(m)
	}
	out := make([]render.Scale, len(maps))
	layer := render.Fit(sg, maps...)
	for i, m := range maps {
		if perLayer {
			out[i] = layer
		} else {
			out[i] = render.Fit(sg, m)
		}
	}
	return out
}

func colormap(name string, sg bool) render.Colormap {
	if sg {
		return render.Diverging
	}
	if name == "grey" {
		return render.Grey
	}
	return render.Viridis
}

// tileStrip draws the maps side by side, each scaled to fill a tile of
// tile×tile pixels (nearest neighbour), with gap pixels between.
func tileStrip(maps [][]float32, h, w int, sc []render.Scale, cm render.Colormap, tileW, tileH, gap, cols int) *image.RGBA {
	rows := (len(maps) + cols - 1) / cols
	img := image.NewRGBA(image.Rect(0, 0, cols*(tileW+gap), rows*(tileH+gap)))
	for i, m := range maps {
		ox, oy := (i%cols)*(tileW+gap), (i/cols)*(tileH+gap)
		for y := 0; y < tileH; y++ {
			sy := y * h / tileH
			for x := 0; x < tileW; x++ {
				sx := x * w / tileW
				c := cm.At(sc[i].T(float64(m[sy*w+sx])))
				o := img.PixOffset(ox+x, oy+y)
				img.Pix[o], img.Pix[o+1], img.Pix[o+2], img.Pix[o+3] = c.R, c.G, c.B, 255
			}
		}
	}
	return img
}

func (v *layersView) Draw(dst *ebiten.Image, area image.Rectangle, c *Ctx) {
	a := c.App
	gm := v.geom(c)
	n := len(a.Acts)
	if n == 0 {
		return
	}
	if len(v.rows) != n {
		v.rows = make([]texture, n)
	}
	cmName := a.State.Option("cmap", "viridis")
	perLayer := a.State.Option("scale", "channel") == "layer"
	v.rowRects = v.rowRects[:0]
	sel := a.Current().Net.Index(a.State.Layer)
	for i, act := range a.Acts {
		r := image.Rect(gm.list.Min.X, gm.list.Min.Y+i*gm.rowH, gm.list.Max.X, gm.list.Min.Y+(i+1)*gm.rowH)
		v.rowRects = append(v.rowRects, r)
		if i == sel {
			fillRect(dst, r, colRaised)
		}
		c.UI.text(dst, act.Name, r.Min.X+c.U(4), r.Min.Y+c.U(2), 12.5, colText)
		c.UI.text(dst, shapeText(act.Shape), r.Min.X+c.U(4), r.Min.Y+c.U(18), 10.5, colMuted)
		maps, h, w := channels(act)
		avail := r.Dx() - gm.labelW
		th := gm.rowH - c.U(6)
		tw := th
		rowPerLayer := perLayer
		if h == 1 { // a vector: one cell per unit, one scale for all
			maps, h, w = splitVector(act.Data)
			tw = max(1, min(avail/len(maps)-1, th))
			rowPerLayer = true
		} else {
			tw = max(2, min(th, avail/len(maps)-1))
			th = tw
		}
		key := fmt.Sprint(a.Version, a.State.Model, cmName, perLayer, tw, th)
		img := v.rows[i].get(key, func() *image.RGBA {
			sc := scales(maps, rowPerLayer)
			return tileStrip(maps, h, w, sc, colormap(cmName, sc[0].Signed), tw, th, 1, len(maps))
		})
		if img != nil {
			op := &ebiten.DrawImageOptions{}
			op.GeoM.Translate(float64(r.Min.X+gm.labelW), float64(r.Min.Y+(gm.rowH-th)/2))
			dst.DrawImage(img, op)
		}
	}
	v.drawDetail(dst, gm.detail, c, sel, cmName, perLayer)
}

// splitVector turns a vector into one 1×1 map per unit, so that each unit
// gets its own cell and (with a per-channel scale) the layer's scale.
func splitVector(d []float32) ([][]float32, int, int) {
	maps := make([][]float32, len(d))
	for i := range d {
		maps[i] = d[i : i+1]
	}
	return maps, 1, 1
}

func shapeText(s []int) string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = fmt.Sprint(d)
	}
	return strings.Join(parts, "×")
}

// drawDetail draws the selected layer's channels large, the selected
// channel enlarged, and its colour scale.
func (v *layersView) drawDetail(dst *ebiten.Image, r image.Rectangle, c *Ctx, sel int, cmName string, perLayer bool) {
	a := c.App
	v.tileRects = v.tileRects[:0]
	if sel < 0 {
		c.UI.paragraph(dst, "Click a layer on the left (or press ↓) to see its channels here.", r, 13, colMuted)
		return
	}
	act := a.Acts[sel]
	maps, h, w := channels(act)
	vector := h == 1
	if vector {
		maps, h, w = splitVector(act.Data)
	}
	sc := scales(maps, perLayer || vector)
	cm := colormap(cmName, sc[0].Signed)
	c.UI.text(dst, fmt.Sprintf("%s (%s): %d channels", act.Name, act.Kind, len(maps)), r.Min.X, r.Min.Y, 13, colText)
	grid := image.Rect(r.Min.X, r.Min.Y+c.U(22), r.Max.X, r.Min.Y+c.U(22)+r.Dy()*55/100)
	cols := 1
	for cols*cols < len(maps) {
		cols++
	}
	if vector {
		cols = min(len(maps), 16)
	}
	tile := max(2, min(grid.Dx()/cols-c.U(2), grid.Dy()/((len(maps)+cols-1)/cols)-c.U(2)))
	gap := c.U(2)
	key := fmt.Sprint(a.Version, a.State.Model, sel, cmName, perLayer, tile)
	img := v.detail.get(key, func() *image.RGBA { return tileStrip(maps, h, w, sc, cm, tile, tile, gap, cols) })
	if img != nil {
		op := &ebiten.DrawImageOptions{}
		op.GeoM.Translate(float64(grid.Min.X), float64(grid.Min.Y))
		dst.DrawImage(img, op)
	}
	for i := range maps {
		x, y := grid.Min.X+(i%cols)*(tile+gap), grid.Min.Y+(i/cols)*(tile+gap)
		tr := image.Rect(x, y, x+tile, y+tile)
		v.tileRects = append(v.tileRects, tr)
		if i == a.State.Channel {
			strokeRect(dst, inset(tr, -c.U(2)), float32(c.U(2)), colFocus)
		}
	}
	// The selected channel, enlarged, with its numbers.
	ch := a.State.Channel
	y := grid.Min.Y + ((len(maps)+cols-1)/cols)*(tile+gap) + c.U(10)
	if ch < 0 || ch >= len(maps) {
		c.UI.text(dst, "Click a channel to enlarge it.", r.Min.X, y, 12, colMuted)
		return
	}
	m := maps[ch]
	lo, hi := m[0], m[0]
	var sum float64
	zeros := 0
	for _, x := range m {
		lo, hi = min(lo, x), max(hi, x)
		sum += float64(x)
		if x == 0 {
			zeros++
		}
	}
	side := min(r.Max.Y-y-c.U(50), r.Dx()/2)
	if side > c.U(20) && !vector {
		big := image.Rect(r.Min.X, y, r.Min.X+side, y+side)
		bimg := v.big.get(fmt.Sprint(key, ch), func() *image.RGBA { return tileStrip([][]float32{m}, h, w, sc[ch:ch+1], cm, w, h, 0, 1) })
		drawImageIn(dst, bimg, big, false)
		tx := big.Max.X + c.U(10)
		lines := []string{fmt.Sprintf("channel %d", ch), fmt.Sprintf("%d×%d values", h, w),
			"min " + render.FormatNumber(float64(lo)), "max " + render.FormatNumber(float64(hi)),
			"mean " + render.FormatNumber(sum/float64(len(m))), fmt.Sprintf("zeros %.0f%%", 100*float64(zeros)/float64(len(m)))}
		for i, l := range lines {
			c.UI.text(dst, l, tx, y+i*c.U(18), 12, colText)
		}
		v.drawColourBar(dst, image.Rect(tx, y+len(lines)*c.U(18)+c.U(8), r.Max.X-c.U(4), y+len(lines)*c.U(18)+c.U(22)), c, sc[ch], cm)
	} else {
		c.UI.text(dst, fmt.Sprintf("unit %d = %s", ch, render.FormatNumber(float64(m[0]))), r.Min.X, y, 13, colText)
	}
}

// drawColourBar draws a horizontal colour bar for scale with its end values.
func (v *layersView) drawColourBar(dst *ebiten.Image, r image.Rectangle, c *Ctx, sc render.Scale, cm render.Colormap) {
	if r.Dx() < c.U(40) {
		return
	}
	img := v.bar.get(cm.Name, func() *image.RGBA {
		b := image.NewRGBA(image.Rect(0, 0, 256, 1))
		for x := 0; x < 256; x++ {
			b.Set(x, 0, cm.At(float64(x)/255))
		}
		return b
	})
	drawImageIn(dst, img, r, true)
	lo, hi := sc.Min, sc.Max
	if sc.Signed {
		m := max(-lo, hi)
		lo, hi = -m, m
	}
	c.UI.text(dst, render.FormatNumber(lo), r.Min.X, r.Max.Y+c.U(2), 11, colMuted)
	c.UI.textRight(dst, render.FormatNumber(hi), r.Max.X, r.Max.Y+c.U(2), 11, colMuted)
}
