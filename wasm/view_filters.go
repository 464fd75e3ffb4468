//go:build js && wasm

package main

import (
	"fmt"
	"image"
	"strconv"

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
	hist      texture
	tileRects []image.Rectangle
}

// inSlice returns the input-channel slice the filters view shows for a
// layer with ch input channels (option "inch"), or -1 for all of them.
func inSlice(c *Ctx, ch int) int {
	ic, err := strconv.Atoi(c.App.State.Option("inch", "all"))
	if err != nil || ic < 0 || ic >= ch || ch == 1 {
		return -1
	}
	return ic
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
	if cur >= 0 {
		ch := net.Layers[cur].(*nn.Conv2D).W.Value.Shape[1]
		if ch > 1 {
			ic := inSlice(c, ch)
			x += c.U(12)
			y := c.Area.Min.Y
			c.Button("filters-inall", image.Rect(x, y, x+c.U(84), y+c.U(24)), "all slices", ic < 0, func() { a.SetOption("inch", "") })
			x += c.U(88)
			c.Button("filters-inprev", image.Rect(x, y, x+c.U(26), y+c.U(24)), "<", false, func() { a.SetOption("inch", strconv.Itoa((max(ic, 0)+ch-1)%ch)) })
			x += c.U(30)
			c.Button("filters-innext", image.Rect(x, y, x+c.U(26), y+c.U(24)), ">", false, func() { a.SetOption("inch", strconv.Itoa((ic+1)%ch)) })
		}
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
	rng := render.Fit(false, ws.Data) // the real range; sc is symmetric for the colours
	c.UI.text(dst, fmt.Sprintf("%s: %d filters of %d×%d×%d, weights in %s … %s (white = 0, full colour = ±%s)", net.Spec.Layers[li].Name, f, ch, kh, kw,
		render.FormatNumber(rng.Min), render.FormatNumber(rng.Max), render.FormatNumber(sc.Max)), area.Min.X, top, 12.5, colText)
	top += c.U(22)
	gridR := image.Rect(area.Min.X, top, area.Min.X+area.Dx()*62/100, area.Max.Y)
	// Tile layout: conv1 style (one input channel) in a square grid;
	// otherwise one row per filter, one column per input channel.
	cols, rows, per := 0, 0, 1
	ic := inSlice(c, ch)
	if ch == 1 || ic >= 0 {
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
	if ic >= 0 { // one slice of every filter
		maps = maps[:f]
		for i := range maps {
			maps[i] = ws.Data[(i*ch+ic)*k : (i*ch+ic+1)*k]
		}
	}
	scs := make([]render.Scale, len(maps))
	for i := range scs {
		scs[i] = sc
	}
	key := fmt.Sprint(a.State.Model, li, tile, a.Version, ic)
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
		if ch == 1 || ic >= 0 {
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
	show := max(ic, 0)
	c.UI.text(dst, fmt.Sprintf("filter %d, input channel %d, bias %s", sel, show, render.FormatNumber(float64(conv.B.Value.Data[sel]))), dr.Min.X, dr.Min.Y, 12, colText)
	// A histogram of all the layer's weights, at the bottom.
	fs := max(1, int(c.UI.s+0.5))
	hh := min(c.U(130), dr.Dy()/3)
	hr := image.Rect(dr.Min.X, dr.Max.Y-hh, dr.Max.X, dr.Max.Y)
	if hr.Dx()/fs >= 40 && hh/fs >= 40 {
		c.UI.text(dst, fmt.Sprintf("weights of %s: %d values", net.Spec.Layers[li].Name, len(ws.Data)), hr.Min.X, hr.Min.Y-c.U(16), 11, colMuted)
		himg := v.hist.get(fmt.Sprint(a.State.Model, li, a.Version, hr.Size()), func() *image.RGBA {
			return render.Histogram(ws.Data, 40, hr.Dx()/fs, hh/fs)
		})
		drawImageIn(dst, himg, hr, false)
	}
	side := min(dr.Dx(), dr.Dy()-c.U(60)-hh-c.U(24))
	if side < c.U(40) {
		return
	}
	big := image.Rect(dr.Min.X, dr.Min.Y+c.U(22), dr.Min.X+side, dr.Min.Y+c.U(22)+side)
	m := ws.Data[(sel*ch+show)*k : (sel*ch+show+1)*k]
	bimg := v.big.get(fmt.Sprint(key, sel, show), func() *image.RGBA {
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
