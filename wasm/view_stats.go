//go:build js && wasm

package main

import (
	"fmt"
	"image"
	"image/color"
	"strconv"

	"cnnviz/core/explorer"
	"cnnviz/core/render"

	"github.com/hajimehoshi/ebiten/v2"
)

func init() { register(12, &statsView{}) }

// statsView shows per-layer statistics of the outputs, for the current
// input and over a sample of the test set (a stepper), and a chart of
// sparsity and blank channels against depth. explorer.StatsView holds
// the sample pass.
type statsView struct {
	vm    explorer.StatsView
	chart texture
	// axis is where the last Draw wrote the layer names under the chart
	// (for tests, through featuresPerf).
	axis []axisLabel
}

// axisLabel is one layer name under the chart, in screen pixels.
type axisLabel struct {
	name string
	r    image.Rectangle
}

func (v *statsView) ID() string    { return "stats" }
func (v *statsView) Title() string { return "Stats" }
func (v *statsView) Explain() string {
	return "Numbers behind the feature maps, one row per layer. Sparsity is the fraction of outputs that are exactly zero " +
		"(ReLU turns every negative number into zero); blank is the fraction of channels that are zero everywhere for an " +
		"input, a filter that found nothing it looks for. Dead units and channels are zero for every image of the sample. " +
		"Textbooks say deeper layers are sparser and have more blank filters: the chart plots both against depth for the " +
		"layers after a ReLU, for this input and over the test-set sample (the lines named \"sample\"), so you can check the claim."
}

func (v *statsView) Update(c *Ctx) {
	optionButtons(c, "stats", c.Area.Min.X, c.Area.Min.Y, "sample", []string{"1000", "100", "10000"}, []string{"sample 1000", "100", "10000"})
	if err := v.vm.Update(c.App); err != nil {
		c.ShowError(err.Error())
	}
}

// Key redraws as the sample pass advances.
func (v *statsView) Key(c *Ctx) string {
	_, d, n := v.vm.Sample()
	return strconv.Itoa(d * 20 / max(n, 1)) // a redraw at each 5%
}

func (v *statsView) Draw(dst *ebiten.Image, area image.Rectangle, c *Ctx) {
	a := c.App
	if len(a.Acts) == 0 {
		return
	}
	m := a.Current()
	cur := v.vm.Current(a)
	smp, done, total := v.vm.Sample()
	y := area.Min.Y + c.U(32)
	if a.Test == nil {
		c.UI.text(dst, "The test set is loading…", area.Min.X, y, 12, colMuted)
	} else {
		c.UI.text(dst, fmt.Sprintf("Sample: %d of %d test images done (seed %d)", done, total, a.State.Seed), area.Min.X, y, 12, colText)
	}
	y += c.U(22)
	cols := []string{"layer", "shape", "min", "max", "mean", "std", "sparsity", "blank", "sample: sparsity", "blank", "dead units", "dead ch."}
	xs := []float64{0, 60, 130, 185, 240, 295, 350, 410, 470, 565, 620, 690}
	scale := float64(area.Dx()) / float64(c.U(760))
	if scale > 1 {
		scale = 1
	}
	col := func(i int) int { return area.Min.X + int(float64(c.U(xs[i]))*scale) }
	size := 11.0 * max(0.75, scale)
	for i, h := range cols {
		c.UI.text(dst, h, col(i), y, size, colMuted)
	}
	y += c.U(18)
	pct := func(f float64) string { return fmt.Sprintf("%.1f%%", 100*f) }
	rowH := c.U(16)
	for i, s := range cur {
		vals := []string{s.Name, shapeText(s.Shape), render.FormatNumber(s.Min), render.FormatNumber(s.Max),
			render.FormatNumber(s.Mean), render.FormatNumber(s.Std), pct(s.Sparsity), pct(s.Blank)}
		if i < len(smp) && smp[i].Images > 0 {
			t := smp[i]
			vals = append(vals, pct(t.Sparsity), pct(t.Blank), pct(t.DeadUnits), pct(t.DeadChannels))
		}
		var cc color.Color = colText
		if !explorer.AfterReLU(m, i) {
			cc = colMuted
		}
		for j, s := range vals {
			c.UI.text(dst, s, col(j), y, size, cc)
		}
		y += rowH
	}
	y += c.U(10)
	// Sparsity and blank channels against depth, for layers after a ReLU,
	// with the layers' names under the axis.
	nameH := c.U(16)
	ch := image.Rect(area.Min.X, y, area.Max.X, area.Max.Y-nameH)
	v.axis = v.axis[:0]
	if ch.Dy() < c.U(80) {
		return
	}
	fs := max(1, int(c.UI.s+0.5))
	w, h := max(60, ch.Dx()/fs), max(40, ch.Dy()/fs)
	chart := explorer.DepthChart(m, cur, smp, done)
	img := v.chart.get(fmt.Sprint(a.Version, a.State.Model, done, w, h), func() *image.RGBA {
		return render.LineChart(w, h, chart.Series...)
	})
	if img != nil {
		op := &ebiten.DrawImageOptions{}
		op.GeoM.Scale(float64(fs), float64(fs))
		op.GeoM.Translate(float64(ch.Min.X), float64(ch.Min.Y))
		dst.DrawImage(img, op)
	}
	c.UI.text(dst, "x: depth (layers after a ReLU, named below); y: fraction", ch.Min.X+c.U(40), ch.Min.Y+c.U(2), 10, colMuted)
	ax := render.LineChartAxes(w, h, chart.Series...)
	ty := ch.Min.Y + h*fs + c.U(2)
	right := area.Min.X // names alternate between two lines when they would touch
	for i, name := range chart.Names {
		x := ch.Min.X + ax.PX(chart.X[i])*fs
		lw := c.UI.textWidth(name, 10)
		lx := x - lw/2
		ly := ty
		if lx < right+c.U(4) {
			ly += c.U(9)
		} else {
			right = lx + lw
		}
		ay := ch.Min.Y + ax.Plot.Max.Y*fs
		fillRect(dst, image.Rect(x, ay, x+max(1, fs), ay+c.U(3)), colText)
		c.UI.text(dst, name, lx, ly, 10, colText)
		v.axis = append(v.axis, axisLabel{name, image.Rect(lx, ly, lx+lw, ly+c.U(10))})
	}
}
