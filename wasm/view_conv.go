//go:build js && wasm

package main

import (
	"fmt"
	"image"
	"math"

	"cnnviz/core/explorer"
	"cnnviz/core/render"

	"github.com/hajimehoshi/ebiten/v2"
)

func init() { register(15, &convView{vm: explorer.NewConvView()}) }

// convView steps through one convolution: the kernel of one output
// channel over the layer's input, the patch under it, the elementwise
// products, their sum, the bias, the ReLU and the output, animated across
// the output positions at a speed the student sets. explorer.ConvView
// holds the animation and computes each frame.
type convView struct {
	vm *explorer.ConvView

	inTex, outTex, patchTex, kerTex, prodTex texture

	inRect, outRect, track image.Rectangle
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

func (v *convView) Update(c *Ctx) {
	a := c.App
	net := a.Current().Net
	layer, o := explorer.ConvTarget(a)
	x, y := c.Area.Min.X, c.Area.Min.Y
	for _, i := range explorer.ConvLayers(a.Current()) {
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
	if !v.vm.Playing {
		label = "play"
	}
	c.Button("conv-play", image.Rect(x, y, x+c.U(76), y+c.U(24)), label, v.vm.Playing, func() { v.vm.Toggle(out[1], out[2]) })
	x += c.U(84)
	opt := explorer.ConvOptionsOf(a.State)
	set := func(o explorer.ConvOptions) { a.StoreOptions(o.Store) }
	setSpeed := func(s float64) { set(explorer.ConvOptions{Speed: explorer.SnapSpeed(s), InCh: opt.InCh}) }
	c.Button("conv-slower", image.Rect(x, y, x+c.U(26), y+c.U(24)), "-", false, func() { setSpeed(opt.Speed / 1.5) })
	x += c.U(30)
	v.track = image.Rect(x, y+c.U(8), x+c.U(160), y+c.U(16))
	if p := &c.UI.ptr; p.Down && p.in(inset(v.track, -c.U(8))) {
		setSpeed(float64(p.X-v.track.Min.X) / float64(v.track.Dx()) * explorer.MaxConvSpeed)
	}
	x += c.U(166)
	c.Button("conv-faster", image.Rect(x, y, x+c.U(26), y+c.U(24)), "+", false, func() { setSpeed(opt.Speed * 1.5) })
	x += c.U(36)
	f, ok := v.vm.Frame(a)
	if inC := f.Unit.C; ok && inC > 1 {
		ic := f.InCh
		c.Button("conv-cprev", image.Rect(x, y, x+c.U(26), y+c.U(24)), "<", false, func() { set(explorer.ConvOptions{Speed: opt.Speed, InCh: (ic + inC - 1) % inC}) })
		c.Button("conv-cnext", image.Rect(x+c.U(120), y, x+c.U(146), y+c.U(24)), ">", false, func() { set(explorer.ConvOptions{Speed: opt.Speed, InCh: (ic + 1) % inC}) })
	}
	v.vm.Tick(opt.Speed, 60)
	// A click on the output map picks the position and pauses.
	if pt, ok := c.Pressed(v.outRect); ok && !v.outRect.Empty() {
		v.vm.Pin(min(out[1]-1, (pt.Y-v.outRect.Min.Y)*out[1]/v.outRect.Dy()), min(out[2]-1, (pt.X-v.outRect.Min.X)*out[2]/v.outRect.Dx()))
	}
}

// Key redraws on every new kernel position.
func (v *convView) Key(c *Ctx) string { return v.vm.Key() }

func (v *convView) Draw(dst *ebiten.Image, area image.Rectangle, c *Ctx) {
	a := c.App
	f, ok := v.vm.Frame(a)
	if !ok {
		v.outRect = image.Rectangle{}
		if explorer.SelectedConv(a) < 0 {
			c.UI.paragraph(dst, "This model has no convolution layer.", area, 13, colMuted)
		}
		return
	}
	u := f.Unit
	key := fmt.Sprint(f.Version, a.State.Model, f.Layer, f.Filter, f.Y, f.X)
	// Speed slider.
	fillRect(dst, v.track, colRaised)
	sp := explorer.ConvOptionsOf(a.State).Speed
	kx := v.track.Min.X + int(sp/explorer.MaxConvSpeed*float64(v.track.Dx()))
	fillRect(dst, image.Rect(v.track.Min.X, v.track.Min.Y, kx, v.track.Max.Y), colAccent)
	fillRect(dst, image.Rect(kx-c.U(4), v.track.Min.Y-c.U(5), kx+c.U(4), v.track.Max.Y+c.U(5)), colText)
	if u.C > 1 {
		c.UI.textCentred(dst, fmt.Sprintf("slice %d of %d", f.InCh, u.C), image.Rect(v.track.Max.X+c.U(36)+c.U(26), v.track.Min.Y-c.U(8), v.track.Max.X+c.U(36)+c.U(120), v.track.Min.Y+c.U(16)), 11, colText)
	}
	top := area.Min.Y + c.U(78)
	out := f.Out
	c.UI.text(dst, fmt.Sprintf("%s, filter %d of %d: output (%d, %d) of %d×%d; kernel %d×%d×%d; speed %g positions/s", f.Name, f.Filter, out[0], f.Y, f.X, out[1], out[2], u.C, u.KH, u.KW, sp),
		area.Min.X, top-c.U(20), 12.5, colText)
	// Left: the layer's input (slice InCh) with the window, and the output map.
	side := min(area.Dx()*30/100, (area.Max.Y-top)/2-c.U(26))
	v.inRect = image.Rect(area.Min.X, top+c.U(16), area.Min.X+side, top+c.U(16)+side)
	c.UI.text(dst, fmt.Sprintf("input, channel %d (%d×%d)", f.InCh, f.InH, f.InW), area.Min.X, top, 11, colMuted)
	inImg := v.inTex.get(fmt.Sprint(f.Version, a.State.Model, f.Layer, f.InCh), func() *image.RGBA {
		return render.Heatmap(f.In, f.InH, f.InW, f.InScale, render.Grey, 1)
	})
	drawImageIn(dst, inImg, v.inRect, false)
	cw, chh := float64(side)/float64(f.InW), float64(side)/float64(f.InH)
	win := image.Rect(v.inRect.Min.X+int(float64(u.InX)*cw), v.inRect.Min.Y+int(float64(u.InY)*chh),
		v.inRect.Min.X+int(float64(u.InX+u.KW)*cw), v.inRect.Min.Y+int(float64(u.InY+u.KH)*chh))
	strokeRect(dst, win.Intersect(v.inRect), float32(c.U(2)), colFocus) // the rest is padding
	oy := v.inRect.Max.Y + c.U(26)
	v.outRect = image.Rect(area.Min.X, oy+c.U(16), area.Min.X+side, oy+c.U(16)+side)
	c.UI.text(dst, fmt.Sprintf("output of filter %d, before ReLU", f.Filter), area.Min.X, oy, 11, colMuted)
	outImg := v.outTex.get(fmt.Sprint(f.Version, a.State.Model, f.Layer, f.Filter), func() *image.RGBA {
		return render.Heatmap(f.OutMap, out[1], out[2], f.OutScale, render.Diverging, 1)
	})
	drawImageIn(dst, outImg, v.outRect, false)
	ow, oh := float64(side)/float64(out[2]), float64(side)/float64(out[1])
	strokeRect(dst, image.Rect(v.outRect.Min.X+int(float64(f.X)*ow), v.outRect.Min.Y+int(float64(f.Y)*oh),
		v.outRect.Min.X+int(float64(f.X+1)*ow), v.outRect.Min.Y+int(float64(f.Y+1)*oh)), float32(c.U(2)), colFocus)

	// Right: patch, kernel and products of slice InCh, with numbers.
	k := u.KH * u.KW
	rx := v.inRect.Max.X + c.U(24)
	gs := min((area.Max.X-rx-2*c.U(40))/3, (area.Max.Y-top)/2)
	if gs < c.U(40) {
		return
	}
	grids := []struct {
		title string
		data  []float32
		sc    render.Scale
		cm    render.Colormap
		tex   *texture
	}{
		{"patch (input values)", f.Tap(u.Patch), f.InScale, render.Grey, &v.patchTex},
		{"× kernel (weights)", f.Tap(u.Kernel), f.KernelScale, render.Diverging, &v.kerTex},
		{"= products", f.Tap(u.Products), f.ProductScale, render.Diverging, &v.prodTex},
	}
	pad := f.PadTap()
	for gi, gr := range grids {
		gx := rx + gi*(gs+c.U(40))
		r := image.Rect(gx, top+c.U(16), gx+gs, top+c.U(16)+gs)
		c.UI.text(dst, gr.title, gx, top, 11, colMuted)
		img := gr.tex.get(fmt.Sprint(key, f.InCh, gi), func() *image.RGBA { return render.Heatmap(gr.data, u.KH, u.KW, gr.sc, gr.cm, 1) })
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
					if gi == 0 && pad[t] {
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
		lines = append(lines, fmt.Sprintf("sum of the %d products of slice %d: %s", k, f.InCh, render.FormatNumber(f.Partial)),
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
