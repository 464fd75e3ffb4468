//go:build js && wasm

package main

import (
	"fmt"
	"image"

	"cnnviz/core/nn"
	"cnnviz/core/render"

	"github.com/hajimehoshi/ebiten/v2"
)

func init() { register(20, &filtersView{}) }

// filtersView shows the kernels of a convolution layer as images: for the
// first layer one tile per filter; for deeper layers one row per filter
// with one tile per input channel. The selected filter is shown with its
// numbers.
type filtersView struct {
	grid      texture
	big       texture
	tileRects []image.Rectangle
}

func (v *filtersView) ID() string    { return "filters" }
func (v *filtersView) Title() string { return "Filters" }
func (v *filtersView) Explain() string {
	return "A convolution layer slides small grids of learned weights, its filters (kernels), over its input and adds up " +
		"weight × pixel under each. Here each small square is one filter: red weights add to the output where the " +
		"input is bright, blue weights subtract. A filter with red on one side and blue on the other responds to an edge " +
		"in that direction. All tiles of a layer share one colour scale, so you can compare their strengths. For deeper " +
		"layers each row is one filter and each column the part of it that looks at one input channel. Click a filter to " +
		"read its numbers."
}

// convLayers returns the indices of the model's conv2d layers.
func convLayers(net *nn.Sequential) []int {
	var out []int
	for i, l := range net.Spec.Layers {
		if l.Kind == nn.KindConv2D {
			out = append(out, i)
		}
	}
	return out
}

// selectedConv returns the selected layer if it is a convolution, else
// the first convolution, or -1.
func selectedConv(c *Ctx) int {
	net := c.App.Current().Net
	convs := convLayers(net)
	if len(convs) == 0 {
		return -1
	}
	if i := net.Index(c.App.State.Layer); i >= 0 && net.Spec.Layers[i].Kind == nn.KindConv2D {
		return i
	}
	return convs[0]
}

func (v *filtersView) Update(c *Ctx) {
	a := c.App
	net := a.Current().Net
	x := c.Area.Min.X
	cur := selectedConv(c)
	for _, i := range convLayers(net) {
		name := net.Spec.Layers[i].Name
		w := c.U(20) + c.U(float64(len(name))*7.5)
		c.Button("filters-"+name, image.Rect(x, c.Area.Min.Y, x+w, c.Area.Min.Y+c.U(24)), name, i == cur, func() { a.SetLayer(name) })
		x += w + c.U(4)
	}
	if pt, ok := c.Pressed(c.Area); ok {
		for f, r := range v.tileRects {
			if pt.In(r) {
				a.SetChannel(net.Spec.Layers[cur].Name, f)
			}
		}
	}
}

func (v *filtersView) Draw(dst *ebiten.Image, area image.Rectangle, c *Ctx) {
	a := c.App
	li := selectedConv(c)
	v.tileRects = v.tileRects[:0]
	if li < 0 {
		c.UI.paragraph(dst, "This model has no convolution layer.", area, 13, colMuted)
		return
	}
	net := a.Current().Net
	conv := net.Layers[li].(*nn.Conv2D)
	ws := conv.W.Value // [F, C, kh, kw]
	f, ch, kh, kw := ws.Shape[0], ws.Shape[1], ws.Shape[2], ws.Shape[3]
	k := kh * kw
	sc := render.Fit(true, ws.Data)
	top := area.Min.Y + c.U(34)
	c.UI.text(dst, fmt.Sprintf("%s: %d filters of %d×%d×%d, weights in %s … %s", net.Spec.Layers[li].Name, f, ch, kh, kw,
		render.FormatNumber(sc.Min), render.FormatNumber(sc.Max)), area.Min.X, top, 12.5, colText)
	top += c.U(22)
	gridR := image.Rect(area.Min.X, top, area.Min.X+area.Dx()*62/100, area.Max.Y)
	// Tile layout: conv1 style (one input channel) in a square grid;
	// otherwise one row per filter, one column per input channel.
	cols, rows, per := 0, 0, 1
	if ch == 1 {
		for cols*cols < f {
			cols++
		}
		rows = (f + cols - 1) / cols
	} else {
		cols, rows, per = ch, f, ch
	}
	gap := c.U(2)
	if ch > 1 {
		gap = c.U(1)
	}
	tile := min((gridR.Dx()-cols*gap)/cols, (gridR.Dy()-rows*gap)/rows)
	tile = max(tile, 2)
	maps := make([][]float32, f*ch)
	for i := range maps {
		maps[i] = ws.Data[i*k : (i+1)*k]
	}
	scs := make([]render.Scale, len(maps))
	for i := range scs {
		scs[i] = sc
	}
	key := fmt.Sprint(a.State.Model, li, tile, a.Version)
	img := v.grid.get(key, func() *image.RGBA {
		return tileStrip(maps, kh, kw, scs, render.Diverging, tile, tile, gap, cols)
	})
	if img != nil {
		op := &ebiten.DrawImageOptions{}
		op.GeoM.Translate(float64(gridR.Min.X), float64(gridR.Min.Y))
		dst.DrawImage(img, op)
	}
	for fi := 0; fi < f; fi++ {
		var r image.Rectangle
		if ch == 1 {
			x, y := gridR.Min.X+(fi%cols)*(tile+gap), gridR.Min.Y+(fi/cols)*(tile+gap)
			r = image.Rect(x, y, x+tile, y+tile)
		} else {
			y := gridR.Min.Y + fi*(tile+gap)
			r = image.Rect(gridR.Min.X, y, gridR.Min.X+per*(tile+gap)-gap, y+tile)
		}
		v.tileRects = append(v.tileRects, r)
		if a.State.Channel == fi && a.State.Layer == net.Spec.Layers[li].Name {
			strokeRect(dst, inset(r, -c.U(2)), float32(c.U(2)), colFocus)
		}
	}
	// The selected filter (of the first input channel) with its numbers.
	sel := a.State.Channel
	if a.State.Layer != net.Spec.Layers[li].Name || sel < 0 || sel >= f {
		sel = 0
	}
	dr := image.Rect(gridR.Max.X+c.U(14), top, area.Max.X, area.Max.Y)
	c.UI.text(dst, fmt.Sprintf("filter %d, input channel 0, bias %s", sel, render.FormatNumber(float64(conv.B.Value.Data[sel]))), dr.Min.X, dr.Min.Y, 12, colText)
	side := min(dr.Dx(), dr.Dy()-c.U(60))
	if side < c.U(40) {
		return
	}
	big := image.Rect(dr.Min.X, dr.Min.Y+c.U(22), dr.Min.X+side, dr.Min.Y+c.U(22)+side)
	m := ws.Data[sel*ch*k : sel*ch*k+k]
	bimg := v.big.get(fmt.Sprint(key, sel), func() *image.RGBA {
		return tileStrip([][]float32{m}, kh, kw, []render.Scale{sc}, render.Diverging, kw, kh, 0, 1)
	})
	drawImageIn(dst, bimg, big, false)
	cell := side / max(kh, kw)
	size := min(13, float64(cell)/c.UI.s/3.2)
	if size >= 7 {
		for y := 0; y < kh; y++ {
			for x := 0; x < kw; x++ {
				r := image.Rect(big.Min.X+x*cell, big.Min.Y+y*cell, big.Min.X+(x+1)*cell, big.Min.Y+(y+1)*cell)
				c.UI.textCentred(dst, fmt.Sprintf("%.2f", m[y*kw+x]), r, size, colOnAcc)
			}
		}
	}
}
