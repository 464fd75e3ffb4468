//go:build js && wasm

package main

import (
	"fmt"
	"image"
	"image/color"
	"strconv"
	"syscall/js"
	"time"

	"cnnviz/core/explorer"
	"cnnviz/core/render"

	"github.com/hajimehoshi/ebiten/v2"
)

func init() { register(60, &trainingView{}) }

// trainingView trains a network in the page: controls, charts of the loss,
// accuracy and speed, and the confusion matrix of the last validation pass.
type trainingView struct {
	loss, acc, rate texture
	conf, cell      texture
	cellRects       [][2]int // confusion cell under each rectangle
	confRects       []image.Rectangle
	thumbRects      []image.Rectangle
	thumbs          []int
	selT, selP      int // selected confusion cell, -1 none
	initDone        bool
	editor          js.Value
	editorOpen      bool
	editorErr       string
	lastUpdate      time.Time
	g               *game

	// What Update prepared for Draw, and the Key it was prepared for.
	prepared string
	curves   explorer.TrainCurves
	shares   []float32
	status   []string
	bad      bool
}

func (v *trainingView) ID() string    { return "training" }
func (v *trainingView) Title() string { return "Training" }
func (v *trainingView) Explain() string {
	return "Train a network yourself from random weights on the 60 000 MNIST digits. Each step shows it a batch of images, " +
		"measures how wrong it is (the loss) and nudges every weight downhill; the learning rate sets the size of the nudge. " +
		"Every 50 steps it is tested on 1000 images it never trains on (validation). The confusion matrix counts, for each " +
		"true digit (row), what the network answered (column): click a cell to see those images, and an image to make it " +
		"the input. The other tabs show this network while it learns: watch the filters turn from noise into edge detectors."
}

// options restores the session's settings from the link once.
func (v *trainingView) options(c *Ctx, s *explorer.Training) {
	if v.initDone {
		return
	}
	v.initDone = true
	v.selT, v.selP = -1, -1
	o, err := explorer.TrainViewOptionsOf(c.App.State)
	o.Apply(s)
	if err != nil {
		c.ShowError("Training: " + err.Error())
	}
}

// geometry of the view.
type trainGeom struct {
	row1, row2, status  image.Rectangle
	charts              [3]image.Rectangle
	xAxis               image.Point // where the charts' common axis title goes
	conf, cells, editor image.Rectangle
	editorBar           image.Rectangle
}

func (v *trainingView) geom(c *Ctx) trainGeom {
	a := c.Area
	var g trainGeom
	h := c.U(24)
	g.row1 = image.Rect(a.Min.X, a.Min.Y, a.Max.X, a.Min.Y+h)
	g.row2 = image.Rect(a.Min.X, g.row1.Max.Y+c.U(6), a.Max.X, g.row1.Max.Y+c.U(6)+h)
	g.status = image.Rect(a.Min.X, g.row2.Max.Y+c.U(6), a.Max.X, g.row2.Max.Y+c.U(6)+c.U(50))
	body := image.Rect(a.Min.X, g.status.Max.Y+c.U(4), a.Max.X, a.Max.Y)
	split := body.Min.X + body.Dx()*54/100
	left := image.Rect(body.Min.X, body.Min.Y, split-c.U(10), body.Max.Y)
	// The three charts share their x axis, the optimizer step, named
	// in a line below them.
	ch := (left.Dy() - 2*c.U(6) - c.U(16)) / 3
	for i := range g.charts {
		y := left.Min.Y + i*(ch+c.U(6))
		g.charts[i] = image.Rect(left.Min.X, y, left.Max.X, y+ch)
	}
	g.xAxis = image.Pt(left.Min.X, g.charts[2].Max.Y+c.U(2))
	right := image.Rect(split, body.Min.Y, body.Max.X, body.Max.Y)
	side := min(right.Dx(), right.Dy()*62/100)
	g.conf = image.Rect(right.Min.X, right.Min.Y, right.Min.X+side, right.Min.Y+side)
	g.cells = image.Rect(right.Min.X, g.conf.Max.Y+c.U(6), right.Max.X, right.Max.Y)
	g.editor = image.Rect(left.Min.X, left.Min.Y+c.U(30), left.Max.X, left.Max.Y)
	g.editorBar = image.Rect(left.Min.X, left.Min.Y, left.Max.X, left.Min.Y+c.U(24))
	return g
}

func (v *trainingView) Update(c *Ctx) {
	a := c.App
	v.g = theGame
	s := session(theGame)
	v.options(c, s)
	v.lastUpdate = time.Now()
	loadTrainingSet(theGame)
	gm := v.geom(c)
	btn := func(id string, x *int, r image.Rectangle, w float64, label string, on bool, f func()) {
		ww := c.U(w)
		c.Button("training-"+id, image.Rect(*x, r.Min.Y, *x+ww, r.Max.Y), label, on, f)
		*x += ww + c.U(4)
	}
	x := gm.row1.Min.X
	run := "Run"
	if s.Running {
		run = "Pause"
	}
	btn("run", &x, gm.row1, 60, run, s.Running, func() {
		if s.Running {
			s.Pause()
			return
		}
		if err := s.Start(-1, false); err != nil {
			c.ShowError(err.Error())
		}
	})
	btn("step", &x, gm.row1, 60, "1 step", false, func() {
		if err := s.Start(1, true); err != nil {
			c.ShowError(err.Error())
		}
	})
	btn("reset", &x, gm.row1, 60, "Reset", false, func() {
		if err := s.Reset(); err != nil {
			c.ShowError(err.Error())
		} else if err := a.SetModel(explorer.TrainedModel); err != nil {
			c.ShowError(err.Error())
		}
	})
	x += c.U(8)
	for _, name := range explorer.TrainArchitectures() {
		btn("arch-"+name, &x, gm.row1, 74, name, s.Text == explorer.ArchitectureText(name), func() {
			if err := s.UseArchitecture(name); err != nil {
				c.ShowError(err.Error())
			}
			v.setEditorText(s.Text)
		})
	}
	btn("edit", &x, gm.row1, 80, "Edit layers", v.editorOpen, func() { v.toggleEditor(c, s) })
	x += c.U(8)
	btn("save", &x, gm.row1, 74, "Save model", false, func() { v.save(c, s, false) })
	btn("ckpt", &x, gm.row1, 84, "Checkpoint", false, func() { v.save(c, s, true) })
	btn("load", &x, gm.row1, 60, "Resume…", false, func() { openCheckpointPicker() })

	x = gm.row2.Min.X
	for _, o := range []string{"adam", "sgd"} {
		name := o
		btn("opt-"+o, &x, gm.row2, 50, map[string]string{"adam": "Adam", "sgd": "SGD"}[o], s.Opts.Optimizer == o, func() {
			s.SetOptimizer(name)
		})
	}
	x += c.U(6)
	stepper := func(id, label string, dec, inc func()) {
		btn(id+"-", &x, gm.row2, 22, "−", false, dec)
		lw := c.U(float64(len(label))*6.6 + 8)
		c.Button("training-"+id, image.Rect(x, gm.row2.Min.Y, x+lw, gm.row2.Max.Y), label, false, inc)
		x += lw + c.U(4)
		btn(id+"+", &x, gm.row2, 22, "+", false, inc)
		x += c.U(4)
	}
	stepper("lr", "lr "+render.FormatNumber(s.Opts.LR), func() { s.StepLR(-1) }, func() { s.StepLR(1) })
	stepper("batch", fmt.Sprintf("batch %d", s.Opts.Batch), func() { s.StepBatch(-1) }, func() { s.StepBatch(1) })
	stepper("wd", "decay "+render.FormatNumber(s.Opts.WeightDecay), func() { s.StepWeightDecay(-1) }, func() { s.StepWeightDecay(1) })
	btn("aug", &x, gm.row2, 80, "Shift ±2 px", s.Opts.Augment, s.ToggleAugment)

	if v.editorOpen {
		bx := gm.editorBar.Min.X
		btn("apply", &bx, gm.editorBar, 130, "Apply and reset", false, func() { v.applyEditor(c, s) })
		btn("close", &bx, gm.editorBar, 60, "Close", false, func() { v.toggleEditor(c, s) })
		v.placeEditor(c, gm.editor)
	} else if pt, ok := c.Pressed(c.Area); ok {
		for i, r := range v.confRects {
			if pt.In(r) {
				v.selT, v.selP = v.cellRects[i][0], v.cellRects[i][1]
			}
		}
		for i, r := range v.thumbRects {
			if pt.In(r) && i < len(v.thumbs) {
				if err := a.ShowTest(v.thumbs[i]); err != nil {
					c.ShowError(err.Error())
				}
			}
		}
	}
	// What Draw shows changes only with Key (four times a second while
	// training runs): prepare it then.
	k := v.Key(c)
	if k == v.prepared {
		return
	}
	v.prepared = k
	v.curves = s.Curves()
	v.status, v.bad = s.Status()
	v.shares, v.thumbs = nil, nil
	if s.T != nil && s.T.Confusion != nil {
		v.shares = explorer.ConfusionShares(s.T.Confusion)
		if v.selT >= 0 {
			v.thumbs = s.CellImages(v.selT, v.selP)
		}
	}
}

// Key makes the view redraw as training advances and while data loads.
func (v *trainingView) Key(c *Ctx) string {
	s := session(theGame)
	k := fmt.Sprint(s.Running, s.Opts, v.editorOpen, v.editorErr, v.selT, v.selP, trainData.stage, s.DataErr, s.Data != nil)
	if trainData.stage != "" {
		k += fmt.Sprint(int(time.Since(trainData.since).Seconds()))
	}
	if t := s.T; t != nil {
		k += fmt.Sprint(len(t.Validation), t.Validating(), t.Err(), len(s.Rate))
		if !s.Running {
			k += fmt.Sprint(t.Steps())
		}
	}
	if s.Running {
		// While training runs, redraw about four times a second: drawing
		// the whole page after every step would take the time from training.
		k += fmt.Sprint(time.Now().UnixMilli() / 250)
	}
	return k
}

func (v *trainingView) Draw(dst *ebiten.Image, area image.Rectangle, c *Ctx) {
	t0 := time.Now()
	defer func() { smooth(&trainDrawMs, time.Since(t0)) }()
	s := session(theGame)
	gm := v.geom(c)
	// Status: loading, error, progress.
	var lines []string
	col := color.Color(colText)
	switch {
	case s.DataErr != nil:
		lines, col = []string{s.DataErr.Error()}, colBad
	case trainData.stage != "":
		lines = []string{fmt.Sprintf("%s… %.0f s", trainData.stage, time.Since(trainData.since).Seconds())}
		col = colMuted
	default:
		lines = v.status
		if v.bad {
			col = colBad
		}
	}
	if v.editorErr != "" {
		lines, col = []string{v.editorErr}, colBad
	}
	y := gm.status.Min.Y
	for _, l := range lines {
		y += c.UI.paragraph(dst, l, image.Rect(gm.status.Min.X, y, gm.status.Max.X, gm.status.Max.Y+c.U(20)), 12.5, col)
	}
	if v.editorOpen {
		c.UI.text(dst, "One layer per line; Apply builds it with fresh weights.", gm.editorBar.Min.X+c.U(200), gm.editorBar.Min.Y+c.U(5), 12, colMuted)
	}
	v.drawCharts(dst, c, s, gm)
	v.drawConfusion(dst, c, s, gm)
}

// chart draws one LineChart into r through tex.
func chart(dst *ebiten.Image, tex *texture, key string, r image.Rectangle, series ...render.Series) {
	if r.Dx() < 60 || r.Dy() < 40 {
		return
	}
	img := tex.get(fmt.Sprint(key, r.Size()), func() *image.RGBA { return render.LineChart(r.Dx(), r.Dy(), series...) })
	if img != nil {
		op := &ebiten.DrawImageOptions{}
		op.GeoM.Translate(float64(r.Min.X), float64(r.Min.Y))
		dst.DrawImage(img, op)
	}
}

var (
	colLoss  = color.RGBA{0xf9, 0x73, 0x16, 0xff}
	colTrain = color.RGBA{0x38, 0xbd, 0xf8, 0xff}
	colVal   = color.RGBA{0x22, 0xc5, 0x5e, 0xff}
	colRate  = color.RGBA{0xa8, 0x55, 0xf7, 0xff}
)

func (v *trainingView) drawCharts(dst *ebiten.Image, c *Ctx, s *explorer.Training, gm trainGeom) {
	if v.editorOpen {
		return
	}
	t := s.T
	if t == nil || len(t.Losses) == 0 {
		c.UI.paragraph(dst, "The charts of loss, accuracy and speed appear here once training runs.", gm.charts[0], 12, colMuted)
		return
	}
	cv := v.curves
	c.UI.text(dst, "x axis of the three charts: optimizer step", gm.xAxis.X, gm.xAxis.Y, 11, colMuted)
	key := fmt.Sprintf("%p %d", t, len(cv.Loss))
	chart(dst, &v.loss, key, gm.charts[0],
		render.Series{Label: "training loss (smoothed)", Y: cv.Loss, Color: colLoss})
	chart(dst, &v.acc, fmt.Sprint(key, len(cv.ValStep)), gm.charts[1],
		render.Series{Label: "training accuracy %", Y: cv.Accuracy, Color: colTrain},
		render.Series{Label: "validation %", X: cv.ValStep, Y: cv.ValAccPct, Color: colVal})
	if len(s.Rate) > 0 {
		chart(dst, &v.rate, fmt.Sprintf("%p %d", t, len(s.Rate)), gm.charts[2],
			render.Series{Label: "images per second", X: s.RateStep, Y: s.Rate, Color: colRate})
	}
}

func (v *trainingView) drawConfusion(dst *ebiten.Image, c *Ctx, s *explorer.Training, gm trainGeom) {
	v.confRects, v.cellRects, v.thumbRects = v.confRects[:0], v.cellRects[:0], v.thumbRects[:0]
	t := s.T
	r := gm.conf
	if t == nil || t.Confusion == nil {
		c.UI.paragraph(dst, "The confusion matrix of the first validation pass appears here.", r, 12, colMuted)
		return
	}
	k := len(t.Confusion)
	share := v.shares
	if len(share) != k*k {
		return
	}
	// Row labels (the true digit) in a gutter on the left, column labels
	// (the answer) in a band above, both in a legible size.
	label := c.U(18)
	c.UI.text(dst, "rows: true digit ↓   columns: answer →", r.Min.X, r.Min.Y, 11.5, colMuted)
	grid := image.Rect(r.Min.X+label, r.Min.Y+label+c.U(16), r.Max.X, r.Max.Y)
	cell := min(grid.Dx(), grid.Dy()) / k
	if cell < 4 {
		return
	}
	grid.Max = image.Pt(grid.Min.X+cell*k, grid.Min.Y+cell*k)
	img := v.conf.get(fmt.Sprintf("%p %d", t, len(t.Validation)), func() *image.RGBA {
		return render.Heatmap(share, k, k, render.Scale{Min: 0, Max: 1}, render.Viridis, 1)
	})
	drawImageIn(dst, img, grid, false)
	size := min(12, float64(cell)/c.UI.s/2.6)
	labelSize := min(11, max(8, float64(cell)/c.UI.s*0.8))
	names := t.Model.Spec.Classes
	for i := 0; i < k; i++ {
		name := strconv.Itoa(i)
		if i < len(names) {
			name = names[i]
		}
		c.UI.textCentred(dst, name, image.Rect(r.Min.X, grid.Min.Y+i*cell, grid.Min.X, grid.Min.Y+(i+1)*cell), labelSize, colText)
		c.UI.textCentred(dst, name, image.Rect(grid.Min.X+i*cell, grid.Min.Y-c.U(16), grid.Min.X+(i+1)*cell, grid.Min.Y), labelSize, colText)
		for j := 0; j < k; j++ {
			cr := image.Rect(grid.Min.X+j*cell, grid.Min.Y+i*cell, grid.Min.X+(j+1)*cell, grid.Min.Y+(i+1)*cell)
			v.confRects = append(v.confRects, cr)
			v.cellRects = append(v.cellRects, [2]int{i, j})
			if n := t.Confusion[i][j]; n > 0 && size >= 6 {
				fg := color.Color(colText)
				if share[i*k+j] > 0.6 {
					fg = colOnAcc
				}
				c.UI.textCentred(dst, strconv.Itoa(n), cr, size, fg)
			}
			if i == v.selT && j == v.selP {
				strokeRect(dst, cr, float32(c.U(2)), colFocus)
			}
		}
	}
	// The images of the selected cell.
	cr := gm.cells
	if v.selT < 0 {
		c.UI.paragraph(dst, "Click a cell to list its images; click an image to make it the input.", cr, 12, colMuted)
		return
	}
	c.UI.text(dst, fmt.Sprintf("%d validation images of a %d answered %d:", len(v.thumbs), v.selT, v.selP), cr.Min.X, cr.Min.Y, 12, colText)
	tile, gap := c.U(36), c.U(3)
	cols := max(1, (cr.Dx()+gap)/(tile+gap))
	rows := max(0, (cr.Dy()-c.U(20)+gap)/(tile+gap))
	if len(v.thumbs) > cols*rows {
		v.thumbs = v.thumbs[:cols*rows]
	}
	for i, idx := range v.thumbs {
		x0, y0 := cr.Min.X+(i%cols)*(tile+gap), cr.Min.Y+c.U(20)+(i/cols)*(tile+gap)
		tr := image.Rect(x0, y0, x0+tile, y0+tile)
		v.thumbRects = append(v.thumbRects, tr)
		drawImageIn(dst, thumbImage(c.App, idx), tr, false)
		if c.App.State.Input.Kind == explorer.InputTest && c.App.State.Input.Test == idx {
			strokeRect(dst, tr, float32(c.U(2)), colFocus)
		}
	}
}

// thumbs caches ebiten images of test images by index.
var thumbCache = map[int]*ebiten.Image{}

func thumbImage(a *explorer.App, i int) *ebiten.Image {
	if img, ok := thumbCache[i]; ok {
		return img
	}
	if len(thumbCache) > 512 {
		for k, img := range thumbCache {
			img.Deallocate()
			delete(thumbCache, k)
		}
	}
	img := ebiten.NewImageFromImage(greyImage(a.Test.Float(i, nil), a.Test.Cols, a.Test.Rows))
	thumbCache[i] = img
	return img
}
