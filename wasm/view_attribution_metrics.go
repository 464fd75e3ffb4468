//go:build js && wasm

package main

import (
	"fmt"
	"image"
	"image/color"
	"time"

	"cnnviz/core/explorer"
	"cnnviz/core/render"

	"github.com/hajimehoshi/ebiten/v2"
)

// drawMetrics draws the metrics panel of the Attribution view: deletion
// and insertion curves with the image as pixels are removed, confidence,
// the pointing game or the sanity check.
func (v *attrView) drawMetrics(dst *ebiten.Image, c *Ctx, r image.Rectangle, pix []float32, disp explorer.AttrDisplay) {
	a := c.App
	m := &v.m
	metric := disp.Metric
	y := r.Min.Y
	if m.EvalErr != "" {
		c.UI.paragraph(dst, m.EvalErr, r, 12, colBad)
		return
	}
	for _, e := range m.Evals {
		if e.Err() != nil {
			c.UI.paragraph(dst, e.Err().Error(), r, 12, colBad)
			return
		}
	}
	chartW := max(60, r.Dx())
	chartH := max(40, min(r.Dy()/2, c.U(220)))
	switch metric {
	case "curves":
		c.UI.text(dst, "Deletion (fall fast = good, low AUC) and insertion (rise fast = good, high AUC)", r.Min.X, y, 12, colText)
		y += c.U(18)
		var series []render.Series
		key := ""
		cols := []color.RGBA{{0xf8, 0x71, 0x71, 255}, {0x4a, 0xde, 0x80, 255}}
		for i, e := range m.Evals {
			cv := e.ShownCurve()
			if len(cv.Scores) > 0 {
				series = append(series, render.Series{Label: fmt.Sprintf("%s AUC %.3f", m.EvalNames[i], cv.AUC), X: cv.Fractions, Y: cv.Scores, Color: cols[i%2]})
			}
			key += fmt.Sprint(len(cv.Scores), cv.AUC)
			c.UI.text(dst, m.EvalNames[i]+": "+e.Status(), r.Min.X+i*c.U(200), y, 11, colMuted)
		}
		y += c.U(16)
		if len(series) > 0 {
			img := v.chart.get(fmt.Sprint(m.EvalKey, key, chartW, chartH), func() *image.RGBA {
				return render.LineChart(chartW/c.U(1)*c.U(1), chartH, series...)
			})
			drawImageIn(dst, img, image.Rect(r.Min.X, y, r.Min.X+chartW, y+chartH), false)
			y += chartH + c.U(8)
			// The image as the deletion curve's latest point leaves it.
			if len(m.Evals) > 0 && m.Job != nil && m.Job.Result() != nil {
				cv := m.Evals[0].ShownCurve()
				if n := len(cv.Fractions); n > 0 {
					in := a.Current().Net.Spec.Input
					f := cv.Fractions[n-1]
					if d, t := m.Evals[0].Progress(); d == t {
						// Done: loop through the curve's points.
						f = cv.Fractions[int(time.Now().UnixMilli()/animFrameMs)%n]
					}
					side := min(c.U(110), r.Max.Y-y-c.U(20))
					if side > c.U(20) {
						im := v.anim.get(fmt.Sprint(m.EvalKey, f), func() *image.RGBA {
							return greyImage(m.Deleted(pix, in, f), in[2], in[1])
						})
						drawImageIn(dst, im, image.Rect(r.Min.X, y, r.Min.X+side, y+side), false)
						c.UI.text(dst, fmt.Sprintf("%.0f%% of the pixels removed, most important first", 100*f), r.Min.X+side+c.U(8), y, 11.5, colText)
					}
				}
			}
		}
	case "confidence":
		c.UI.text(dst, "Average drop / increase in confidence over 16 test images", r.Min.X, y, 12, colText)
		y += c.U(18)
		for _, e := range m.Evals {
			cf := e.Confidence()
			c.UI.text(dst, e.Status(), r.Min.X, y, 11, colMuted)
			y += c.U(18)
			c.UI.text(dst, fmt.Sprintf("average drop %.1f%% (lower is better)", cf.AverageDrop), r.Min.X, y, 13, colText)
			y += c.U(18)
			c.UI.text(dst, fmt.Sprintf("increase in confidence %.1f%% of images (higher is better), %d evaluated", cf.IncreaseRate, cf.N), r.Min.X, y, 13, colText)
		}
	case "pointing":
		c.UI.text(dst, fmt.Sprintf("Pointing game on 20 %d×%d scenes (tolerance %d px)", explorer.SceneSize, explorer.SceneSize, explorer.PointingTol), r.Min.X, y, 12, colText)
		y += c.U(18)
		for _, e := range m.Evals {
			l := e.Localization()
			c.UI.text(dst, e.Status(), r.Min.X, y, 11, colMuted)
			y += c.U(18)
			c.UI.text(dst, fmt.Sprintf("pointing accuracy %d/%d = %.0f%%", l.Hits, l.N, 100*l.Accuracy), r.Min.X, y, 13, colText)
			y += c.U(18)
			c.UI.text(dst, fmt.Sprintf("energy inside the digit's box %.2f", l.MeanEnergy), r.Min.X, y, 13, colText)
		}
	case "sanity":
		y += c.UI.paragraph(dst, "Sanity check: the weights are randomized layer by layer from the top. A map that stays similar (Spearman near 1) does not depend on what the network learned.", image.Rect(r.Min.X, y, r.Max.X, y+c.U(60)), 11.5, colText) + c.U(4)
		for _, e := range m.Evals {
			pts := e.Sanity()
			c.UI.text(dst, e.Status(), r.Min.X, y, 11, colMuted)
			y += c.U(16)
			if len(pts) == 0 {
				continue
			}
			sp, ss := make([]float64, len(pts)), make([]float64, len(pts))
			for i, p := range pts {
				sp[i], ss[i] = p.Spearman, p.SSIM
				lab := p.Layer
				if lab == "" {
					lab = "original"
				}
				c.UI.text(dst, fmt.Sprintf("%-9s Spearman %.2f  |Spearman| %.2f  SSIM %.2f", lab, p.Spearman, p.SpearmanAbs, p.SSIM), r.Min.X, y+chartH/2+c.U(8)+i*c.U(15), 10.5, colText)
			}
			img := v.chart.get(fmt.Sprint(m.EvalKey, len(pts)), func() *image.RGBA {
				return render.LineChart(chartW, chartH/2, render.Series{Label: "Spearman", Y: sp, Color: color.RGBA{0x38, 0xbd, 0xf8, 255}},
					render.Series{Label: "SSIM", Y: ss, Color: color.RGBA{0xfa, 0xcc, 0x15, 255}})
			})
			drawImageIn(dst, img, image.Rect(r.Min.X, y, r.Min.X+chartW, y+chartH/2), false)
		}
	}
}
