//go:build js && wasm

package main

import (
	"fmt"
	"image"
	"strconv"

	"cnnviz/core/explorer"
	"cnnviz/core/render"

	"github.com/hajimehoshi/ebiten/v2"
)

func init() { register(20, &filtersView{}) }

// filtersView shows the kernels of a convolution layer as images: for the
// first layer one tile per filter; for deeper layers one row per filter
// with one tile per input channel, the rows and columns labelled. The
// selected filter is shown with its numbers. explorer.FiltersOf gives the
// numbers.
type filtersView struct {
	grid      texture
	big       texture
	hist      texture
	tileRects []image.Rectangle
	// labels are the row and column labels of the last Draw (for tests,
	// through featuresPerf).
	labels []axisLabel
}

func (v *filtersView) ID() string    { return "filters" }
func (v *filtersView) Title() string { return "Filters" }
func (v *filtersView) Explain() string {
	return "A convolution layer slides small grids of learned weights, its filters (kernels), over its input and adds up " +
		"weight × pixel under each. Here each small square is one filter: red weights add to the output where the " +
		"input is bright, blue weights subtract. A filter with red on one side and blue on the other responds to an edge " +
		"in that direction. All tiles of a layer share one colour scale, so you can compare their strengths. For deeper " +
		"layers each row is one filter and each column the part of it that looks at one input channel; pick one input " +
		"channel (< >) to see that slice of every filter as a square grid. Click a filter to read its numbers. The " +
		"histogram shows how all the layer's weights are spread."
}

func (v *filtersView) Update(c *Ctx) {
	a := c.App
	net := a.Current().Net
	x := c.Area.Min.X
	cur := explorer.SelectedConv(a)
	for _, i := range explorer.ConvLayers(a.Current()) {
		name := net.Spec.Layers[i].Name
		w := c.U(20) + c.U(float64(len(name))*7.5)
		c.Button("filters-"+name, image.Rect(x, c.Area.Min.Y, x+w, c.Area.Min.Y+c.U(24)), name, i == cur, func() { a.SetLayer(name) })
		x += w + c.U(4)
	}
	if cur < 0 {
		return
	}
	f := explorer.FiltersOf(a, cur)
	if ch := f.C; ch > 1 {
		ic := f.InCh
		set := func(o explorer.FiltersOptions) { a.StoreOptions(o.Store) }
		x += c.U(12)
		y := c.Area.Min.Y
		c.Button("filters-inall", image.Rect(x, y, x+c.U(84), y+c.U(24)), "all slices", ic < 0, func() { set(explorer.FiltersOptions{InCh: -1}) })
		x += c.U(88)
		c.Button("filters-inprev", image.Rect(x, y, x+c.U(26), y+c.U(24)), "<", false, func() { set(explorer.FiltersOptions{InCh: (max(ic, 0) + ch - 1) % ch}) })
		x += c.U(30)
		c.Button("filters-innext", image.Rect(x, y, x+c.U(26), y+c.U(24)), ">", false, func() { set(explorer.FiltersOptions{InCh: (ic + 1) % ch}) })
	}
	if pt, ok := c.Pressed(c.Area); ok {
		for i, r := range v.tileRects {
			if pt.In(r) {
				a.SetChannel(f.Name, i)
			}
		}
	}
}

func (v *filtersView) Draw(dst *ebiten.Image, area image.Rectangle, c *Ctx) {
	a := c.App
	li := explorer.SelectedConv(a)
	v.tileRects, v.labels = v.tileRects[:0], v.labels[:0]
	if li < 0 {
		c.UI.paragraph(dst, "This model has no convolution layer.", area, 13, colMuted)
		return
	}
	f := explorer.FiltersOf(a, li)
	sc := f.Scale
	top := area.Min.Y + c.U(34)
	c.UI.text(dst, fmt.Sprintf("%s: %d filters of %d×%d×%d, weights in %s … %s (white = 0, full colour = ±%s)", f.Name, f.F, f.C, f.KH, f.KW,
		render.FormatNumber(f.Min), render.FormatNumber(f.Max), render.FormatNumber(sc.Max)), area.Min.X, top, 12.5, colText)
	top += c.U(22)
	gridR := image.Rect(area.Min.X, top, area.Min.X+area.Dx()*62/100, area.Max.Y)
	// Tile layout: one tile per filter in a square grid, or one row per
	// filter and one column per input channel, with labels left and above.
	cols, rows := f.GridSize()
	gap := c.U(2)
	if f.C > 1 {
		gap = c.U(1)
	}
	inner := gridR
	if !f.Square() {
		c.UI.text(dst, "rows: filters (output channels); columns: input channels", gridR.Min.X, gridR.Min.Y, 10.5, colMuted)
		inner = image.Rect(gridR.Min.X+c.U(28), gridR.Min.Y+c.U(30), gridR.Max.X, gridR.Max.Y)
	}
	tile := min((inner.Dx()-cols*gap)/cols, (inner.Dy()-rows*gap)/rows)
	tile = max(tile, 2)
	maps := f.Tiles()
	scs := make([]render.Scale, len(maps))
	for i := range scs {
		scs[i] = sc
	}
	key := fmt.Sprint(a.State.Model, li, tile, a.Version, f.InCh)
	img := v.grid.get(key, func() *image.RGBA {
		return tileStrip(maps, f.KH, f.KW, scs, render.Diverging, tile, tile, gap, cols)
	})
	if img != nil {
		op := &ebiten.DrawImageOptions{}
		op.GeoM.Translate(float64(inner.Min.X), float64(inner.Min.Y))
		dst.DrawImage(img, op)
	}
	if !f.Square() {
		v.drawAxes(dst, inner, c, cols, rows, tile+gap)
	}
	for fi := 0; fi < f.F; fi++ {
		var r image.Rectangle
		if f.Square() {
			x, y := inner.Min.X+(fi%cols)*(tile+gap), inner.Min.Y+(fi/cols)*(tile+gap)
			r = image.Rect(x, y, x+tile, y+tile)
			if tile >= c.U(26) {
				c.UI.text(dst, strconv.Itoa(fi), r.Min.X+c.U(2), r.Min.Y, 9.5, colOnAcc)
			}
		} else {
			y := inner.Min.Y + fi*(tile+gap)
			r = image.Rect(inner.Min.X, y, inner.Min.X+cols*(tile+gap)-gap, y+tile)
		}
		v.tileRects = append(v.tileRects, r)
		if a.State.Channel == fi && a.State.Layer == f.Name {
			strokeRect(dst, inset(r, -c.U(2)), float32(c.U(2)), colFocus)
		}
	}
	// The selected filter (of the first input channel) with its numbers.
	sel := f.Selected()
	dr := image.Rect(gridR.Max.X+c.U(14), top, area.Max.X, area.Max.Y)
	show := max(f.InCh, 0)
	c.UI.text(dst, fmt.Sprintf("filter %d, input channel %d, bias %s", sel, show, render.FormatNumber(float64(f.Bias[sel]))), dr.Min.X, dr.Min.Y, 12, colText)
	// A histogram of all the layer's weights, at the bottom.
	fs := max(1, int(c.UI.s+0.5))
	hh := min(c.U(130), dr.Dy()/3)
	hr := image.Rect(dr.Min.X, dr.Max.Y-hh, dr.Max.X, dr.Max.Y)
	if hr.Dx()/fs >= 40 && hh/fs >= 40 {
		c.UI.text(dst, fmt.Sprintf("weights of %s: %d values", f.Name, len(f.Weights)), hr.Min.X, hr.Min.Y-c.U(16), 11, colMuted)
		himg := v.hist.get(fmt.Sprint(a.State.Model, li, a.Version, hr.Size()), func() *image.RGBA {
			return render.Histogram(f.Weights, 40, hr.Dx()/fs, hh/fs)
		})
		drawImageIn(dst, himg, hr, false)
	}
	side := min(dr.Dx(), dr.Dy()-c.U(60)-hh-c.U(24))
	if side < c.U(40) {
		return
	}
	big := image.Rect(dr.Min.X, dr.Min.Y+c.U(22), dr.Min.X+side, dr.Min.Y+c.U(22)+side)
	m := f.Kernel(sel, show)
	bimg := v.big.get(fmt.Sprint(key, sel, show), func() *image.RGBA {
		return tileStrip([][]float32{m}, f.KH, f.KW, []render.Scale{sc}, render.Diverging, f.KW, f.KH, 0, 1)
	})
	drawImageIn(dst, bimg, big, false)
	cell := side / max(f.KH, f.KW)
	size := min(13, float64(cell)/c.UI.s/3.2)
	if size >= 7 {
		for y := 0; y < f.KH; y++ {
			for x := 0; x < f.KW; x++ {
				r := image.Rect(big.Min.X+x*cell, big.Min.Y+y*cell, big.Min.X+(x+1)*cell, big.Min.Y+(y+1)*cell)
				c.UI.textCentred(dst, fmt.Sprintf("%.2f", m[y*f.KW+x]), r, size, colOnAcc)
			}
		}
	}
}

// drawAxes labels the rows (filters) left of the grid at r and the
// columns (input channels) above it, every step-th one where they would
// crowd; pitch is a tile and its gap.
func (v *filtersView) drawAxes(dst *ebiten.Image, r image.Rectangle, c *Ctx, cols, rows, pitch int) {
	const size = 9.5
	lh := c.U(11)
	every := func(space int) int {
		step := 1
		for step*pitch < space {
			step *= 2
		}
		return step
	}
	rs := every(lh)
	for i := 0; i < rows; i += rs {
		s := strconv.Itoa(i)
		w := c.UI.textWidth(s, size)
		x, y := r.Min.X-c.U(4)-w, r.Min.Y+i*pitch+(pitch-lh)/2
		c.UI.text(dst, s, x, y, size, colMuted)
		v.labels = append(v.labels, axisLabel{"row " + s, image.Rect(x, y, x+w, y+lh)})
	}
	cs := every(c.UI.textWidth(strconv.Itoa(cols-1), size) + c.U(3))
	for j := 0; j < cols; j += cs {
		s := strconv.Itoa(j)
		w := c.UI.textWidth(s, size)
		x, y := r.Min.X+j*pitch+(pitch-w)/2, r.Min.Y-lh-c.U(1)
		c.UI.text(dst, s, x, y, size, colMuted)
		v.labels = append(v.labels, axisLabel{"column " + s, image.Rect(x, y, x+w, y+lh)})
	}
}

// tileStrip draws the maps side by side, each scaled to fill a tile of
// tileW×tileH pixels (nearest neighbour), with gap pixels between.
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
