//go:build js && wasm

package main

import (
	"fmt"
	"image"
	"image/color"
	"strconv"

	"cnnviz/core/explorer"
	"cnnviz/core/featuremaps"
	"cnnviz/core/nn"
	"cnnviz/core/render"

	"github.com/hajimehoshi/ebiten/v2"
)

func init() { register(12, &statsView{}) }

// statsView shows per-layer statistics of the outputs, for the current
// input and over a sample of the test set (a stepper), and a chart of
// sparsity and blank channels against depth.
type statsView struct {
	job   *explorer.StatsJob
	key   string
	chart texture
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

// sampleSize reads the option "sample" (default 1000).
func sampleSize(a *explorer.App) int {
	n, err := strconv.Atoi(a.State.Option("sample", "1000"))
	if err != nil || n < 1 {
		return 1000
	}
	return min(n, 10000)
}

func (v *statsView) Update(c *Ctx) {
	a := c.App
	x := c.Area.Min.X
	optionButtons(c, "stats", x, c.Area.Min.Y, "sample", []string{"1000", "100", "10000"}, []string{"sample 1000", "100", "10000"})
	if a.Test == nil {
		return
	}
	n := sampleSize(a)
	key := fmt.Sprintf("%s %p %d %d", a.State.Model, a.Current().Net, n, a.State.Seed)
	if key != v.key {
		idx, err := explorer.TestSample(a.Test, n, a.State.Seed)
		if err != nil {
			c.ShowError(err.Error())
			return
		}
		v.job, v.key = explorer.NewStatsJob(a.Current(), a.Test, idx), key
		a.Sched.Start("stats-sample", v.job)
	}
}

// Key redraws as the sample pass advances.
func (v *statsView) Key(c *Ctx) string {
	if v.job == nil {
		return ""
	}
	d, n := v.job.Progress()
	return strconv.Itoa(d * 20 / max(n, 1)) // a redraw at each 5%
}

// afterReLU reports whether a layer's output follows a ReLU (its sparsity
// means something): ReLU, pooling, flatten and global pooling of it.
func afterReLU(spec nn.Spec, i int) bool {
	for j := i; j >= 0; j-- {
		switch spec.Layers[j].Kind {
		case nn.KindReLU:
			return true
		case nn.KindConv2D, nn.KindDense:
			return false
		}
	}
	return false
}

func (v *statsView) Draw(dst *ebiten.Image, area image.Rectangle, c *Ctx) {
	a := c.App
	if len(a.Acts) == 0 {
		return
	}
	cur := explorer.CurrentStats(a.Current(), a.Acts)
	var smp []featuremaps.Stats
	done, total := 0, 0
	if v.job != nil {
		smp = v.job.Stats()
		done, total = v.job.Progress()
	}
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
		if !afterReLU(a.Current().Net.Spec, i) {
			cc = colMuted
		}
		for j, s := range vals {
			c.UI.text(dst, s, col(j), y, size, cc)
		}
		y += rowH
	}
	y += c.U(10)
	// Sparsity and blank channels against depth, for layers after a ReLU.
	ch := image.Rect(area.Min.X, y, area.Max.X, area.Max.Y)
	if ch.Dy() < c.U(80) {
		return
	}
	fs := max(1, int(c.UI.s+0.5))
	w, h := ch.Dx()/fs, ch.Dy()/fs
	spec := a.Current().Net.Spec
	img := v.chart.get(fmt.Sprint(a.Version, a.State.Model, done, w, h), func() *image.RGBA {
		var xs, sp, bl, ssp, sbl []float64
		for i, s := range cur {
			if !afterReLU(spec, i) {
				continue
			}
			xs = append(xs, float64(i))
			sp, bl = append(sp, s.Sparsity), append(bl, s.Blank)
			if i < len(smp) {
				ssp, sbl = append(ssp, smp[i].Sparsity), append(sbl, smp[i].Blank)
			}
		}
		series := []render.Series{
			{Label: "sparsity", X: xs, Y: sp, Color: render.Categorical[0]},
			{Label: "blank", X: xs, Y: bl, Color: render.Categorical[1]},
		}
		if len(ssp) == len(xs) && done > 0 {
			series = append(series, render.Series{Label: "sample sparsity", X: xs, Y: ssp, Color: render.Categorical[2]},
				render.Series{Label: "sample blank", X: xs, Y: sbl, Color: render.Categorical[3]})
		}
		return render.LineChart(max(60, w), max(40, h), series...)
	})
	if img != nil {
		op := &ebiten.DrawImageOptions{}
		op.GeoM.Scale(float64(fs), float64(fs))
		op.GeoM.Translate(float64(ch.Min.X), float64(ch.Min.Y))
		dst.DrawImage(img, op)
	}
	c.UI.text(dst, "x: layer index (depth), layers after a ReLU only; y: fraction", ch.Min.X+c.U(40), ch.Min.Y+c.U(2), 10, colMuted)
}
