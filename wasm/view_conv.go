//go:build js && wasm

package main

import (
	"fmt"
	"image"
	"math"
	"strconv"

	"cnnviz/core/explorer"
	"cnnviz/core/featuremaps"
	"cnnviz/core/render"

	"github.com/hajimehoshi/ebiten/v2"
)

func init() { register(15, &convView{playing: true}) }

// maxSpeed is the fastest animation, in kernel positions per second.
const maxSpeed = 30

// convView steps through one convolution: the kernel of one output
// channel over the layer's input, the patch under it, the elementwise
// products, their sum, the bias, the ReLU and the output, animated across
// the output positions at a speed the student sets.
type convView struct {
	playing bool
	step    int     // animation position, kernel positions since the start
	acc     float64 // fractional positions not yet taken
	pinY    int     // the position shown when paused
	pinX    int
	unit    featuremaps.ConvUnit
	unitKey string

	inTex, outTex, patchTex, kerTex, prodTex texture

	inRect, outRect, track image.Rectangle
	outH, outW             int
}

func (v *convView) ID() string    { return "conv" }
func (v *convView) Title() string { return "Conv" }
func (v *convView) Explain() string {
	return "How one number of a feature map is made. The kernel (a small grid of learned weights) sits on a patch of the " +
		"layer's input (yellow square, left); each input value is multiplied by the weight above it (products, right), " +
		"the products are added up, the filter's bias is added, and ReLU turns a negative total into zero. That is the " +
		"value at the marked position of the output map. The kernel then slides one step and does the same again: set the " +
		"speed, pause, or click a position of the output map. For a deeper layer the kernel has one slice per input " +
		"channel; pick the slice to show with < >, and the sum adds all of them."
}

// convSpeed reads the option "speed" (positions per second, default 3).
func convSpeed(a *explorer.App) float64 {
	s, err := strconv.ParseFloat(a.State.Option("speed", "3"), 64)
	if err != nil || s < 0 {
		return 3
	}
	return math.Min(s, maxSpeed)
}

// convTarget returns the conv layer and output channel shown.
func convTarget(c *Ctx) (layer, o int) {
	a := c.App
	layer = selectedConv(c)
	if layer < 0 {
		return -1, 0
	}
	o = 0
	if a.State.Layer == a.Current().Net.Spec.Layers[layer].Name && a.State.Channel >= 0 && a.State.Channel < a.Current().Net.OutShape(layer)[0] {
		o = a.State.Channel
	}
	return layer, o
}

func (v *convView) Update(c *Ctx) {
	a := c.App
	net := a.Current().Net
	layer, o := convTarget(c)
	x, y := c.Area.Min.X, c.Area.Min.Y
	for _, i := range convLayers(net) {
		name := net.Spec.Layers[i].Name
		w := c.U(18) + c.U(float64(len(name))*7)
		c.Button("conv-"+name, image.Rect(x, y, x+w, y+c.U(24)), name, i == layer, func() { a.SetChannel(name, 0) })
		x += w + c.U(4)
	}
	if layer < 0 {
		return
	}
	out := net.OutShape(layer)
	name := net.Spec.Layers[layer].Name
	x += c.U(8)
	c.Button("conv-fprev", image.Rect(x, y, x+c.U(80), y+c.U(24)), "< filter", false, func() { a.SetChannel(name, (o+out[0]-1)%out[0]) })
	x += c.U(84)
	c.Button("conv-fnext", image.Rect(x, y, x+c.U(80), y+c.U(24)), "filter >", false, func() { a.SetChannel(name, (o+1)%out[0]) })
	// Second row: play/pause, speed, input-channel slice.
	y += c.U(30)
	x = c.Area.Min.X
	label := "pause"
	if !v.playing {
		label = "play"
	}
	c.Button("conv-play", image.Rect(x, y, x+c.U(76), y+c.U(24)), label, v.playing, func() {
		v.playing = !v.playing
		if !v.playing {
			v.pinY, v.pinX = explorer.ConvScanPosition(v.step, out[1], out[2])
		}
	})
	x += c.U(84)
	sp := convSpeed(a)
	setSpeed := func(s float64) {
		a.SetOption("speed", strconv.FormatFloat(math.Round(math.Max(0.5, math.Min(maxSpeed, s))*2)/2, 'f', -1, 64))
	}
	c.Button("conv-slower", image.Rect(x, y, x+c.U(26), y+c.U(24)), "-", false, func() { setSpeed(sp / 1.5) })
	x += c.U(30)
	v.track = image.Rect(x, y+c.U(8), x+c.U(160), y+c.U(16))
	if p := &c.UI.ptr; p.Down && p.in(inset(v.track, -c.U(8))) {
		setSpeed(float64(p.X-v.track.Min.X) / float64(v.track.Dx()) * maxSpeed)
	}
	x += c.U(166)
	c.Button("conv-faster", image.Rect(x, y, x+c.U(26), y+c.U(24)), "+", false, func() { setSpeed(sp * 1.5) })
	x += c.U(36)
	inC := v.unit.C
	if inC > 1 {
		ic := v.inChannel(c)
		c.Button("conv-cprev", image.Rect(x, y, x+c.U(26), y+c.U(24)), "<", false, func() { a.SetOption("inch", strconv.Itoa((ic+inC-1)%inC)) })
		c.Button("conv-cnext", image.Rect(x+c.U(120), y, x+c.U(146), y+c.U(24)), ">", false, func() { a.SetOption("inch", strconv.Itoa((ic+1)%inC)) })
	}
	// Animation.
	if v.playing {
		v.acc += sp / 60
		for v.acc >= 1 {
			v.acc--
			v.step++
		}
	}
	// A click on the output map picks the position and pauses.
	if pt, ok := c.Pressed(v.outRect); ok && v.outW > 0 {
		v.pinX = min(v.outW-1, (pt.X-v.outRect.Min.X)*v.outW/v.outRect.Dx())
		v.pinY = min(v.outH-1, (pt.Y-v.outRect.Min.Y)*v.outH/v.outRect.Dy())
		v.playing = false
	}
}

// inChannel returns the input-channel slice shown (option "inch").
func (v *convView) inChannel(c *Ctx) int {
	ic, err := strconv.Atoi(c.App.State.Option("inch", "0"))
	if err != nil || ic < 0 || ic >= max(1, v.unit.C) {
		return 0
	}
	return ic
}

// position returns the output position shown.
func (v *convView) position(h, w int) (int, int) {
	if v.playing {
		return explorer.ConvScanPosition(v.step, h, w)
	}
	return min(v.pinY, h-1), min(v.pinX, w-1)
}

// Key redraws on every new kernel position.
func (v *convView) Key(c *Ctx) string { return fmt.Sprint(v.step, v.playing, v.pinY, v.pinX) }

func (v *convView) Draw(dst *ebiten.Image, area image.Rectangle, c *Ctx) {
	a := c.App
	net := a.Current().Net
	layer, o := convTarget(c)
	if layer < 0 || len(a.Acts) <= layer {
		c.UI.paragraph(dst, "This model has no convolution layer.", area, 13, colMuted)
		return
	}
	out := net.OutShape(layer)
	v.outH, v.outW = out[1], out[2]
	y, x := v.position(out[1], out[2])
	key := fmt.Sprint(a.Version, a.State.Model, layer, o, y, x)
	if key != v.unitKey {
		v.unit = featuremaps.Conv(net, a.ModelInput(), layer, o, y, x)
		v.unitKey = key
	}
	u := v.unit
	ic := v.inChannel(c)
	// Speed slider.
	fillRect(dst, v.track, colRaised)
	sp := convSpeed(a)
	kx := v.track.Min.X + int(sp/maxSpeed*float64(v.track.Dx()))
	fillRect(dst, image.Rect(v.track.Min.X, v.track.Min.Y, kx, v.track.Max.Y), colAccent)
	fillRect(dst, image.Rect(kx-c.U(4), v.track.Min.Y-c.U(5), kx+c.U(4), v.track.Max.Y+c.U(5)), colText)
	if u.C > 1 {
		c.UI.textCentred(dst, fmt.Sprintf("slice %d of %d", ic, u.C), image.Rect(v.track.Max.X+c.U(36)+c.U(26), v.track.Min.Y-c.U(8), v.track.Max.X+c.U(36)+c.U(120), v.track.Min.Y+c.U(16)), 11, colText)
	}
	top := area.Min.Y + c.U(78)
	spec := net.Spec.Layers[layer]
	c.UI.text(dst, fmt.Sprintf("%s, filter %d of %d: output (%d, %d) of %d×%d; kernel %d×%d×%d; speed %g positions/s", spec.Name, o, out[0], y, x, out[1], out[2], u.C, u.KH, u.KW, sp),
		area.Min.X, top-c.U(20), 12.5, colText)
	// Left: the layer's input (slice ic) with the window, and the output map.
	in := net.Spec.Input
	var inData []float32
	if layer == 0 {
		inData = a.ModelInput()
	} else {
		in = a.Acts[layer-1].Shape
		inData = a.Acts[layer-1].Data
	}
	ih, iw := in[1], in[2]
	side := min(area.Dx()*30/100, (area.Max.Y-top)/2-c.U(26))
	v.inRect = image.Rect(area.Min.X, top+c.U(16), area.Min.X+side, top+c.U(16)+side)
	c.UI.text(dst, fmt.Sprintf("input, channel %d (%d×%d)", ic, ih, iw), area.Min.X, top, 11, colMuted)
	slice := inData[ic*ih*iw : (ic+1)*ih*iw]
	inImg := v.inTex.get(fmt.Sprint(a.Version, a.State.Model, layer, ic), func() *image.RGBA {
		return render.Heatmap(slice, ih, iw, render.Fit(false, slice), render.Grey, 1)
	})
	drawImageIn(dst, inImg, v.inRect, false)
	cw, chh := float64(side)/float64(iw), float64(side)/float64(ih)
	win := image.Rect(v.inRect.Min.X+int(float64(u.InX)*cw), v.inRect.Min.Y+int(float64(u.InY)*chh),
		v.inRect.Min.X+int(float64(u.InX+u.KW)*cw), v.inRect.Min.Y+int(float64(u.InY+u.KH)*chh))
	strokeRect(dst, win.Intersect(v.inRect), float32(c.U(2)), colFocus) // the rest is padding
	oy := v.inRect.Max.Y + c.U(26)
	v.outRect = image.Rect(area.Min.X, oy+c.U(16), area.Min.X+side, oy+c.U(16)+side)
	c.UI.text(dst, fmt.Sprintf("output of filter %d, before ReLU", o), area.Min.X, oy, 11, colMuted)
	om := a.Acts[layer].Data[o*out[1]*out[2] : (o+1)*out[1]*out[2]]
	outImg := v.outTex.get(fmt.Sprint(a.Version, a.State.Model, layer, o), func() *image.RGBA {
		return render.Heatmap(om, out[1], out[2], render.Fit(true, om), render.Diverging, 1)
	})
	drawImageIn(dst, outImg, v.outRect, false)
	ow, oh := float64(side)/float64(out[2]), float64(side)/float64(out[1])
	strokeRect(dst, image.Rect(v.outRect.Min.X+int(float64(x)*ow), v.outRect.Min.Y+int(float64(y)*oh),
		v.outRect.Min.X+int(float64(x+1)*ow), v.outRect.Min.Y+int(float64(y+1)*oh)), float32(c.U(2)), colFocus)

	// Right: patch, kernel and products of slice ic, with numbers.
	k := u.KH * u.KW
	off := ic * k
	patch, kern, prod := u.Patch[off:off+k], u.Kernel[off:off+k], u.Products[off:off+k]
	rx := v.inRect.Max.X + c.U(24)
	gs := min((area.Max.X-rx-2*c.U(40))/3, (area.Max.Y-top)/2)
	if gs < c.U(40) {
		return
	}
	kscale := render.Fit(true, u.Kernel)
	pscale := render.Fit(true, u.Products)
	grids := []struct {
		title string
		data  []float32
		sc    render.Scale
		cm    render.Colormap
		tex   *texture
	}{
		{"patch (input values)", patch, render.Fit(false, slice), render.Grey, &v.patchTex},
		{"× kernel (weights)", kern, kscale, render.Diverging, &v.kerTex},
		{"= products", prod, pscale, render.Diverging, &v.prodTex},
	}
	var partial float64
	for j := range prod {
		partial += float64(prod[j])
	}
	for gi, gr := range grids {
		gx := rx + gi*(gs+c.U(40))
		r := image.Rect(gx, top+c.U(16), gx+gs, top+c.U(16)+gs)
		c.UI.text(dst, gr.title, gx, top, 11, colMuted)
		img := gr.tex.get(fmt.Sprint(key, ic, gi), func() *image.RGBA { return render.Heatmap(gr.data, u.KH, u.KW, gr.sc, gr.cm, 1) })
		drawImageIn(dst, img, r, false)
		cell := gs / max(u.KH, u.KW)
		size := math.Min(12, float64(cell)/c.UI.s/3.4)
		if size >= 6.5 {
			for yy := range u.KH {
				for xx := range u.KW {
					t := yy*u.KW + xx
					cr := image.Rect(r.Min.X+xx*cell, r.Min.Y+yy*cell, r.Min.X+(xx+1)*cell, r.Min.Y+(yy+1)*cell)
					txt := fmt.Sprintf("%.2g", gr.data[t])
					if gr.data[t] == 0 {
						txt = "0" // also −0 from 0 × a negative weight
					}
					if gi == 0 && u.Padding[off+t] {
						txt = "pad"
					}
					col := colOnAcc
					if gi == 0 && gr.sc.T(float64(gr.data[t])) < 0.5 {
						col = colText
					}
					c.UI.textCentred(dst, txt, cr, size, col)
				}
			}
		}
	}
	// The arithmetic.
	ty := top + c.U(16) + gs + c.U(18)
	lines := []string{}
	if u.C > 1 {
		lines = append(lines, fmt.Sprintf("sum of the %d products of slice %d: %s", k, ic, render.FormatNumber(partial)),
			fmt.Sprintf("sum over all %d slices (%d products): %s", u.C, u.C*k, render.FormatNumber(u.Sum)))
	} else {
		lines = append(lines, fmt.Sprintf("sum of the %d products: %s", k, render.FormatNumber(u.Sum)))
	}
	lines = append(lines, fmt.Sprintf("+ bias %s = %s", render.FormatNumber(float64(u.Bias)), render.FormatNumber(u.Pre)))
	if u.ReLU {
		lines = append(lines, fmt.Sprintf("ReLU: max(%s, 0) = %s", render.FormatNumber(u.Pre), render.FormatNumber(u.Post)))
	}
	lines = append(lines, fmt.Sprintf("the network computed %s for this unit (before ReLU)", render.FormatNumber(float64(u.Output))))
	for i, l := range lines {
		col := colText
		if i == len(lines)-1 {
			col = colMuted
		}
		c.UI.text(dst, l, rx, ty+i*c.U(20), 13, col)
	}
}
