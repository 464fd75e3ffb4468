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

// legendW is the width of the layers view's colour key, in layout units.
const legendW = 290

// drawLegend draws the colour key of the layers view in r, always: a ramp
// of the colormap of unsigned outputs from low to high, and the diverging
// ramp of signed ones from −|max| through 0 to +|max|. With one global
// scale the ends carry its numbers; otherwise each channel (or layer)
// spans the whole ramp, and the detail panel's bar gives its numbers.
func (v *layersView) drawLegend(dst *ebiten.Image, r image.Rectangle, c *Ctx, opt explorer.LayersOptions, scales [][]render.Scale) {
	lo, hi, neg, zero, pos := "low", "high", "−", "0", "+"
	if opt.Scale == explorer.ScaleGlobal {
		var m float64
		for _, l := range scales {
			for _, s := range l {
				m = max(m, s.Max)
			}
		}
		lo, hi, neg, pos = "0", render.FormatNumber(m), render.FormatNumber(-m), render.FormatNumber(m)
	}
	half := (r.Dx() - c.U(8)) / 2
	ramps := []struct {
		cm     render.Colormap
		labels []string
	}{
		{opt.Colormap(false), []string{lo, hi}},
		{render.Diverging, []string{neg, zero, pos}},
	}
	for i, rp := range ramps {
		x0 := r.Min.X + i*(half+c.U(8))
		bar := image.Rect(x0, r.Min.Y+c.U(2), x0+half, r.Min.Y+c.U(11))
		img := v.legends[i].get(rp.cm.Name, func() *image.RGBA {
			ramp := make([]float32, 128)
			for j := range ramp {
				ramp[j] = float32(j) / float32(len(ramp)-1)
			}
			return render.Heatmap(ramp, 1, len(ramp), render.Scale{Min: 0, Max: 1}, rp.cm, 1)
		})
		drawImageIn(dst, img, bar, false)
		for j, l := range rp.labels {
			x := bar.Min.X + j*(bar.Dx()-1)/(len(rp.labels)-1)
			w := c.UI.textWidth(l, 9.5)
			x = max(bar.Min.X, min(bar.Max.X-w, x-w/2))
			c.UI.text(dst, l, x, bar.Max.Y+c.U(1), 9.5, colMuted)
		}
	}
}

// drawDetail draws the hovered (or pinned) channel enlarged with its
// colour bar and numbers, the input with the unit's receptive field, and
// the pinned channel's top images.
func (v *layersView) drawDetail(dst *ebiten.Image, r image.Rectangle, c *Ctx, opt explorer.LayersOptions) {
	a := c.App
	t, hovered, ok := v.target(c)
	if !ok {
		c.UI.paragraph(dst, "Point at a square on the left to enlarge it; click to pin a channel.", r, 13, colMuted)
		return
	}
	act := a.Acts[t.Layer]
	n, h, w := mapShape(act.Shape)
	how := "pinned"
	if hovered {
		how = "under the pointer"
	}
	c.UI.text(dst, fmt.Sprintf("%s (%s), channel %d of %d, %s", act.Name, act.Kind, t.Ch, n, how), r.Min.X, r.Min.Y, 12.5, colText)
	y := r.Min.Y + c.U(22)
	sc := v.vm.Scales(a)[t.Layer][t.Ch]
	cm := opt.Colormap(explorer.Signed(act.Data))
	side := min(r.Dx()*45/100, r.Dy()*38/100)
	// The channel, large, with the unit marked; a flat layer shows its
	// whole vector as a strip instead.
	big := image.Rect(r.Min.X, y, r.Min.X+side, y+side)
	if h*w > 1 {
		m := act.Data[t.Ch*h*w : (t.Ch+1)*h*w]
		img := v.big.get(fmt.Sprint(a.Version, a.State.Model, t.Layer, t.Ch, opt.Scale, cm.Name), func() *image.RGBA { return render.Heatmap(m, h, w, sc, cm, 1) })
		drawImageIn(dst, img, big, false)
		cw, ch := float64(side)/float64(w), float64(side)/float64(h)
		strokeRect(dst, image.Rect(big.Min.X+int(float64(t.X)*cw), big.Min.Y+int(float64(t.Y)*ch),
			big.Min.X+int(float64(t.X+1)*cw), big.Min.Y+int(float64(t.Y+1)*ch)), float32(c.U(1.5)), colFocus)
	} else {
		big = image.Rect(r.Min.X, y, r.Min.X+side, y+c.U(24))
		img := v.big.get(fmt.Sprint(a.Version, a.State.Model, t.Layer, "vec", opt.Scale, cm.Name), func() *image.RGBA { return render.Heatmap(act.Data, 1, n, sc, cm, 1) })
		drawImageIn(dst, img, big, false)
		cw := float64(side) / float64(n)
		strokeRect(dst, image.Rect(big.Min.X+int(float64(t.Ch)*cw), big.Min.Y, big.Min.X+int(float64(t.Ch+1)*cw), big.Max.Y), float32(c.U(1.5)), colFocus)
	}
	// Colour bar with the real numbers.
	barW := v.drawBar(dst, image.Rect(big.Max.X+c.U(8), y, big.Max.X+c.U(20), y+max(side, c.U(80))), c, sc, cm)
	// Numbers.
	s := explorer.SummarizeChannel(a.Acts, t)
	tx := big.Max.X + c.U(14) + barW
	lines := []string{
		fmt.Sprintf("value at (%d, %d): %s", t.Y, t.X, render.FormatNumber(s.Value)),
		fmt.Sprintf("%d×%d map", h, w),
		"min " + render.FormatNumber(s.Min),
		"max " + render.FormatNumber(s.Max),
		"mean " + render.FormatNumber(s.Mean),
		fmt.Sprintf("zeros %.0f%%", 100*s.Zeros),
		"scale: " + opt.Scale,
	}
	if h*w == 1 {
		lines[0] = fmt.Sprintf("unit %d: %s", t.Ch, render.FormatNumber(s.Value))
		lines[1] = fmt.Sprintf("vector of %d", n)
	}
	for i, l := range lines {
		if tx+c.U(60) < r.Max.X {
			c.UI.text(dst, l, tx, y+i*c.U(17), 11.5, colText)
		}
	}
	y = max(big.Max.Y, y+len(lines)*c.U(17)) + c.U(10)
	// The input with the unit's receptive field.
	rf := explorer.ReceptiveField(a.Current(), t)
	in := a.Current().Net.Spec.Input
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
	li := a.PinnedLayer()
	if r.Dy() < c.U(40) {
		return
	}
	if li < 0 || a.State.Channel < 0 {
		c.UI.text(dst, "Pin a channel to find the test images that excite it most.", r.Min.X, r.Min.Y, 11.5, colMuted)
		return
	}
	top, ms := v.vm.Top()
	if a.Test == nil || top == nil || top.Layer != li {
		c.UI.text(dst, "Top images: waiting for the test set…", r.Min.X, r.Min.Y, 11.5, colMuted)
		return
	}
	const k = explorer.LayerTopK
	done, total := top.Progress()
	status := fmt.Sprintf("Top %d test images, %s channel %d (%d/%d)", k, a.State.Layer, a.State.Channel, done, total)
	if done == total && ms > 0 {
		status = fmt.Sprintf("Top %d of %d test images, %s channel %d (%.1f s)", k, total, a.State.Layer, a.State.Channel, ms/1000)
	}
	c.UI.text(dst, status, r.Min.X, r.Min.Y, 11.5, colText)
	res := top.Result()
	if a.State.Channel >= len(res) {
		return
	}
	tops := res[a.State.Channel]
	if len(v.tops) < k {
		v.tops = make([]texture, k)
	}
	side := min((r.Dx()-(k-1)*c.U(6))/k, r.Dy()-c.U(40))
	y := r.Min.Y + c.U(20)
	for i, tp := range tops {
		test := top.TestIndex(tp.Image)
		rf := explorer.ReceptiveField(a.Current(), explorer.Unit{Layer: li, Y: tp.Y, X: tp.X})
		img := v.tops[i].get(fmt.Sprint(a.State.Model, li, test, rf), func() *image.RGBA {
			return greyImage(a.Crop(test, rf), rf.Dx(), rf.Dy())
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
