//go:build js && wasm

package main

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"strconv"
	"syscall/js"
	"time"

	"cnnviz/core/explorer"
	"cnnviz/core/render"
	"cnnviz/core/train"
	"cnnviz/models"
	"cnnviz/models/mnist"

	"github.com/hajimehoshi/ebiten/v2"
)

func init() { register(60, &trainingView{}) }

// The files of the MNIST training set, fetched through window.cnnvizFetch.
const (
	trainImagesPath = "web/data/train-images-idx3-ubyte.gz"
	trainLabelsPath = "web/data/train-labels-idx1-ubyte.gz"
	trainImagesSize = 9912422 // bytes, for the progress message
	checkpointID    = "cnnviz-checkpoint"
	editorID        = "cnnviz-architecture"
)

// trainData is the loading state of the training set, shared by the view
// and the API.
var trainData struct {
	started bool
	stage   string    // what is being done now
	since   time.Time // when the stage began
	err     error
	set     *mnist.Set
}

// theSession is the page's training session; session creates it.
var theSession *explorer.Training

// trainSlice is the time the training stepper may take per frame: with
// about 4 ms to draw, frames stay near 60 per second on a quiet machine
// and well above 30 on a busy one.
const trainSlice = 10 * time.Millisecond

// trainDrawMs is the smoothed time the view takes to draw, for trainState.
var trainDrawMs float64

// session returns the training session of g, creating it on first use.
func session(g *game) *explorer.Training {
	if theSession == nil {
		theSession = explorer.NewTraining(g.app)
		theSession.Slice = trainSlice
		theSession.OnStop = func(err error) {
			if err != nil {
				showError(err.Error())
			}
		}
	}
	return theSession
}

// loadTrainingSet starts fetching the training set once; the result lands
// in trainData and in the session.
func loadTrainingSet(g *game) {
	if trainData.started {
		return
	}
	trainData.started = true
	stage := func(s string) { trainData.stage, trainData.since = s, time.Now() }
	stage(fmt.Sprintf("downloading the MNIST training images (%.1f MB)", float64(trainImagesSize)/1e6))
	go func() {
		img, err := fetchUnzipped(trainImagesPath)
		if err == nil {
			g.post(func() { stage("downloading the training labels") })
			var lab []byte
			lab, err = fetchUnzipped(trainLabelsPath)
			if err == nil {
				g.post(func() {
					stage("unpacking 60 000 images")
					// Parse after this frame has been drawn, so the message shows.
					g.post(func() {
						set, err := mnist.Parse(img, lab)
						if err != nil {
							trainData.err = fmt.Errorf("the MNIST training set is damaged: %v", err)
							return
						}
						trainData.set = set
						session(g).Data = set
						trainData.stage = ""
						markTiming("trainSet")
					})
				})
				return
			}
		}
		g.post(func() {
			if js.Global().Get("location").Get("protocol").String() == "file:" {
				trainData.err = fmt.Errorf("training needs the 60 000 MNIST training images (10 MB), which this standalone file does not carry; open the cnnviz site (./build.sh serve) to train (%v)", err)
			} else {
				trainData.err = fmt.Errorf("could not load the MNIST training set: %v", err)
			}
		})
	}()
}

// fetchUnzipped fetches a file of the site through window.cnnvizFetch and,
// when it is gzipped and the browser has a DecompressionStream, unpacks it
// there: the browser does that off the page's thread, where the Go
// decompressor would block the frame loop for seconds. Otherwise the
// gzipped bytes are returned, and mnist.Parse unpacks them.
func fetchUnzipped(path string) ([]byte, error) {
	f := js.Global().Get("cnnvizFetch")
	if f.Type() != js.TypeFunction {
		return nil, fmt.Errorf("the page has no cnnvizFetch")
	}
	v, err := await(f.Invoke(path))
	if err != nil {
		return nil, err
	}
	ds := js.Global().Get("DecompressionStream")
	if ds.Type() == js.TypeFunction && v.Get("length").Int() > 2 && v.Index(0).Int() == 0x1f && v.Index(1).Int() == 0x8b {
		stream := js.Global().Get("Blob").New([]any{v}).Call("stream").Call("pipeThrough", ds.New("gzip"))
		if raw, err := await(js.Global().Get("Response").New(stream).Call("arrayBuffer")); err == nil {
			return bytesOf(raw), nil
		}
	}
	return bytesOf(v), nil
}

// Settings offered by the stepper controls.
var (
	lrChoices    = []float64{1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1}
	batchChoices = []int{8, 16, 32, 64, 128, 256}
	wdChoices    = []float64{0, 1e-5, 1e-4, 1e-3, 1e-2}
)

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
	st := c.App.State
	if arch := st.Option("train.arch", ""); arch != "" {
		if spec, err := models.Architecture(arch); err == nil {
			s.Text = spec.Text()
		}
	}
	if o := st.Option("train.opt", ""); o == "sgd" || o == "adam" {
		s.Opts.Optimizer = o
	}
	if f, err := strconv.ParseFloat(st.Option("train.lr", ""), 64); err == nil && f > 0 && f <= 10 {
		s.Opts.LR = f
	}
	if n, err := strconv.Atoi(st.Option("train.batch", "")); err == nil && n >= 1 && n <= 1024 {
		s.Opts.Batch = n
	}
	if f, err := strconv.ParseFloat(st.Option("train.wd", ""), 64); err == nil && f >= 0 && f <= 1 {
		s.Opts.WeightDecay = f
	}
	s.Opts.Augment = st.Option("train.aug", "") == "1"
}

// geometry of the view.
type trainGeom struct {
	row1, row2, status  image.Rectangle
	charts              [3]image.Rectangle
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
	ch := (left.Dy() - 2*c.U(6)) / 3
	for i := range g.charts {
		y := left.Min.Y + i*(ch+c.U(6))
		g.charts[i] = image.Rect(left.Min.X, y, left.Max.X, y+ch)
	}
	right := image.Rect(split, body.Min.Y, body.Max.X, body.Max.Y)
	side := min(right.Dx(), right.Dy()*62/100)
	g.conf = image.Rect(right.Min.X, right.Min.Y, right.Min.X+side, right.Min.Y+side)
	g.cells = image.Rect(right.Min.X, g.conf.Max.Y+c.U(6), right.Max.X, right.Max.Y)
	g.editor = image.Rect(left.Min.X, left.Min.Y+c.U(30), left.Max.X, left.Max.Y)
	g.editorBar = image.Rect(left.Min.X, left.Min.Y, left.Max.X, left.Min.Y+c.U(24))
	return g
}

// stepChoice returns the choice after (d = 1) or before (d = −1) cur.
func stepChoice[T int | float64](choices []T, cur T, d int) T {
	i := 0
	for j, x := range choices {
		if x <= cur {
			i = j
		}
	}
	if d > 0 && choices[i] < cur {
		return choices[min(i+1, len(choices)-1)]
	}
	return choices[max(0, min(len(choices)-1, i+d))]
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
	for _, name := range models.Architectures() {
		spec, _ := models.Architecture(name)
		text := spec.Text()
		btn("arch-"+name, &x, gm.row1, 74, name, s.Text == text, func() {
			s.Text = text
			a.SetOption("train.arch", name)
			v.setEditorText(text)
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
			if s.Opts.Optimizer != name {
				s.Opts.Optimizer = name
				s.Opts.LR = map[string]float64{"adam": train.DefaultAdamLR, "sgd": 0.01}[name]
				a.SetOption("train.opt", name)
				a.SetOption("train.lr", "")
			}
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
	setLR := func(f float64) { s.Opts.LR = f; a.SetOption("train.lr", strconv.FormatFloat(f, 'g', -1, 64)) }
	stepper("lr", "lr "+render.FormatNumber(s.Opts.LR), func() { setLR(stepChoice(lrChoices, s.Opts.LR, -1)) },
		func() { setLR(stepChoice(lrChoices, s.Opts.LR, 1)) })
	setBatch := func(n int) { s.Opts.Batch = n; a.SetOption("train.batch", strconv.Itoa(n)) }
	stepper("batch", fmt.Sprintf("batch %d", s.Opts.Batch), func() { setBatch(stepChoice(batchChoices, s.Opts.Batch, -1)) },
		func() { setBatch(stepChoice(batchChoices, s.Opts.Batch, 1)) })
	setWD := func(f float64) { s.Opts.WeightDecay = f; a.SetOption("train.wd", strconv.FormatFloat(f, 'g', -1, 64)) }
	stepper("wd", "decay "+render.FormatNumber(s.Opts.WeightDecay), func() { setWD(stepChoice(wdChoices, s.Opts.WeightDecay, -1)) },
		func() { setWD(stepChoice(wdChoices, s.Opts.WeightDecay, 1)) })
	btn("aug", &x, gm.row2, 80, "Shift ±2 px", s.Opts.Augment, func() {
		s.Opts.Augment = !s.Opts.Augment
		a.SetOption("train.aug", map[bool]string{true: "1"}[s.Opts.Augment])
	})

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
}

// Key makes the view redraw as training advances and while data loads.
func (v *trainingView) Key(c *Ctx) string {
	s := session(theGame)
	k := fmt.Sprint(s.Running, s.Opts, v.editorOpen, v.editorErr, v.selT, v.selP, trainData.stage, trainData.err, trainData.set != nil)
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
	case trainData.err != nil:
		lines, col = []string{trainData.err.Error()}, colBad
	case trainData.stage != "":
		lines = []string{fmt.Sprintf("%s… %.0f s", trainData.stage, time.Since(trainData.since).Seconds())}
		col = colMuted
	case s.T == nil:
		lines = []string{"60 000 training images loaded. Press Run to train " + archName(s.Text) + " from random weights (seed " +
			strconv.FormatUint(s.Opts.Seed, 10) + ")."}
	default:
		t := s.T
		l := fmt.Sprintf("%s · step %d · %d images (epoch %.2f)", t.Model.Spec.Name, t.Steps(), t.Examples, float64(t.Examples)/float64(max(1, s.Data.Count)))
		if n := len(t.Losses); n > 0 {
			l += fmt.Sprintf(" · loss %.3f", explorer.Smooth(t.Losses[max(0, n-50):], 0.1)[min(n, 50)-1])
		}
		if acc := s.LastAccuracy(); !math.IsNaN(acc) {
			l += fmt.Sprintf(" · validation %.1f%%", 100*acc)
		}
		if n := len(s.Rate); n > 0 && s.Running {
			l += fmt.Sprintf(" · %.0f images/s", s.Rate[n-1])
		}
		if o := t.Opts; o.Optimizer != s.Opts.Optimizer || o.LR != s.Opts.LR || o.Batch != s.Opts.Batch ||
			o.WeightDecay != s.Opts.WeightDecay || o.Augment != s.Opts.Augment || canonical(s.Text) != t.Model.Spec.Text() {
			l += " · new settings apply at Reset"
		}
		lines = append(lines, l)
		if err := t.Err(); err != nil {
			lines, col = append(lines, err.Error()+". Lower it and press Run to start again."), colBad
		} else if t.Validating() {
			lines = append(lines, "validating on 1000 test images…")
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

// canonical returns an architecture text as Spec.Text writes it, or the
// text itself when it does not parse.
func canonical(text string) string {
	if spec, err := explorer.ParseArchitecture(text); err == nil {
		return spec.Text()
	}
	return text
}

func archName(text string) string {
	if spec, err := explorer.ParseArchitecture(text); err == nil {
		return "the " + spec.Name + " network"
	}
	return "the network"
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
	n := len(t.Losses)
	key := fmt.Sprintf("%p %d", t, n)
	chart(dst, &v.loss, key, gm.charts[0],
		render.Series{Label: "training loss (smoothed)", Y: explorer.Smooth(t.Losses, 0.05), Color: colLoss})
	vx := make([]float64, len(t.Validation))
	vy := make([]float64, len(t.Validation))
	for i, p := range t.Validation {
		vx[i], vy[i] = float64(p.Step), 100*p.Accuracy
	}
	ty := explorer.Smooth(t.BatchAccuracy, 0.05)
	for i := range ty {
		ty[i] *= 100
	}
	chart(dst, &v.acc, fmt.Sprint(key, len(vx)), gm.charts[1],
		render.Series{Label: "training accuracy %", Y: ty, Color: colTrain},
		render.Series{Label: "validation %", X: vx, Y: vy, Color: colVal})
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
	label := c.U(18)
	c.UI.text(dst, "true digit ↓, answer →", r.Min.X, r.Min.Y, 11.5, colMuted)
	grid := image.Rect(r.Min.X+label, r.Min.Y+2*label, r.Max.X, r.Max.Y)
	cell := min(grid.Dx(), grid.Dy()) / k
	if cell < 4 {
		return
	}
	grid.Max = image.Pt(grid.Min.X+cell*k, grid.Min.Y+cell*k)
	share := make([]float32, k*k)
	for i, row := range t.Confusion {
		sum := 0
		for _, n := range row {
			sum += n
		}
		for j, n := range row {
			if sum > 0 {
				share[i*k+j] = float32(n) / float32(sum)
			}
		}
	}
	img := v.conf.get(fmt.Sprintf("%p %d", t, len(t.Validation)), func() *image.RGBA {
		return render.Heatmap(share, k, k, render.Scale{Min: 0, Max: 1}, render.Viridis, 1)
	})
	drawImageIn(dst, img, grid, false)
	size := min(12, float64(cell)/c.UI.s/2.6)
	for i := 0; i < k; i++ {
		c.UI.textCentred(dst, strconv.Itoa(i), image.Rect(r.Min.X, grid.Min.Y+i*cell, grid.Min.X, grid.Min.Y+(i+1)*cell), size, colMuted)
		c.UI.textCentred(dst, strconv.Itoa(i), image.Rect(grid.Min.X+i*cell, grid.Min.Y-label, grid.Min.X+(i+1)*cell, grid.Min.Y), size, colMuted)
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
	v.thumbs = s.CellImages(v.selT, v.selP)
	c.UI.text(dst, fmt.Sprintf("%d validation images of a %d answered %d:", len(v.thumbs), v.selT, v.selP), cr.Min.X, cr.Min.Y, 12, colText)
	tile, gap := c.U(36), c.U(3)
	cols := max(1, (cr.Dx()+gap)/(tile+gap))
	rows := max(0, (cr.Dy()-c.U(20)+gap)/(tile+gap))
	if len(v.thumbs) > cols*rows {
		v.thumbs = v.thumbs[:cols*rows]
	}
	test := c.App.Test
	for i, idx := range v.thumbs {
		x0, y0 := cr.Min.X+(i%cols)*(tile+gap), cr.Min.Y+c.U(20)+(i/cols)*(tile+gap)
		tr := image.Rect(x0, y0, x0+tile, y0+tile)
		v.thumbRects = append(v.thumbRects, tr)
		drawImageIn(dst, thumbImage(test, idx), tr, false)
		if c.App.State.Input.Kind == explorer.InputTest && c.App.State.Input.Test == idx {
			strokeRect(dst, tr, float32(c.U(2)), colFocus)
		}
	}
}

// thumbs caches ebiten images of test images by index.
var thumbCache = map[int]*ebiten.Image{}

func thumbImage(set *mnist.Set, i int) *ebiten.Image {
	if img, ok := thumbCache[i]; ok {
		return img
	}
	if len(thumbCache) > 512 {
		for k, img := range thumbCache {
			img.Deallocate()
			delete(thumbCache, k)
		}
	}
	img := ebiten.NewImageFromImage(greyImage(set.Float(i, nil), set.Cols, set.Rows))
	thumbCache[i] = img
	return img
}

// save downloads the trained model or a checkpoint.
func (v *trainingView) save(c *Ctx, s *explorer.Training, checkpoint bool) {
	var b []byte
	var err error
	name := "trained"
	if s.T != nil {
		name = fmt.Sprintf("%s-step%d", s.T.Model.Spec.Name, s.T.Steps())
	}
	if checkpoint {
		b, err = s.Checkpoint()
		name += ".checkpoint.safetensors"
	} else {
		b, err = s.ModelFile()
		name += ".safetensors"
	}
	if err == nil {
		err = download(name, "application/octet-stream", b)
	}
	if err != nil {
		c.ShowError("save: " + err.Error())
	}
}

// The architecture editor is a DOM textarea laid over the view's area.

func (v *trainingView) toggleEditor(c *Ctx, s *explorer.Training) {
	v.editorOpen = !v.editorOpen
	v.editorErr = ""
	if v.editor.IsUndefined() || v.editor.IsNull() || v.editor.Type() == js.TypeUndefined {
		v.makeEditor()
	}
	if v.editorOpen {
		v.setEditorText(s.Text)
		v.editor.Get("style").Set("display", "block")
		v.editor.Call("focus")
		go v.watchEditor()
	} else {
		v.editor.Get("style").Set("display", "none")
	}
}

func (v *trainingView) makeEditor() {
	doc := js.Global().Get("document")
	ta := doc.Call("createElement", "textarea")
	ta.Set("id", editorID)
	ta.Set("spellcheck", false)
	ta.Call("setAttribute", "aria-label", "Architecture: one layer per line")
	st := ta.Get("style")
	for k, val := range map[string]string{"position": "fixed", "display": "none", "zIndex": "5", "boxSizing": "border-box",
		"font": "13px ui-monospace, monospace", "background": "#0b1220", "color": "#e2e8f0", "border": "1px solid #38bdf8",
		"padding": "8px", "resize": "none"} {
		st.Set(k, val)
	}
	// Keys typed here belong to the text, not to the app's shortcuts.
	stop := js.FuncOf(func(_ js.Value, a []js.Value) any { a[0].Call("stopPropagation"); return nil })
	for _, ev := range []string{"keydown", "keyup", "keypress"} {
		ta.Call("addEventListener", ev, stop)
	}
	doc.Get("body").Call("appendChild", ta)
	v.editor = ta
}

func (v *trainingView) setEditorText(text string) {
	if v.editor.Type() == js.TypeObject {
		v.editor.Set("value", text)
	}
}

// placeEditor puts the textarea over r (device pixels of the canvas).
func (v *trainingView) placeEditor(c *Ctx, r image.Rectangle) {
	canvas := js.Global().Get("document").Call("querySelector", "canvas")
	if !canvas.Truthy() || v.editor.Type() != js.TypeObject {
		return
	}
	b := canvas.Call("getBoundingClientRect")
	dpr := theGame.dpr
	st := v.editor.Get("style")
	st.Set("left", fmt.Sprintf("%.0fpx", b.Get("left").Float()+float64(r.Min.X)/dpr))
	st.Set("top", fmt.Sprintf("%.0fpx", b.Get("top").Float()+float64(r.Min.Y)/dpr))
	st.Set("width", fmt.Sprintf("%.0fpx", float64(r.Dx())/dpr))
	st.Set("height", fmt.Sprintf("%.0fpx", float64(r.Dy())/dpr))
}

// watchEditor hides the textarea when the view stops being shown.
func (v *trainingView) watchEditor() {
	for {
		time.Sleep(150 * time.Millisecond)
		if !v.editorOpen {
			return
		}
		if time.Since(v.lastUpdate) > 120*time.Millisecond || theGame.help {
			v.editor.Get("style").Set("display", "none")
		} else {
			v.editor.Get("style").Set("display", "block")
		}
	}
}

func (v *trainingView) applyEditor(c *Ctx, s *explorer.Training) {
	text := v.editor.Get("value").String()
	if _, err := explorer.ParseArchitecture(text); err != nil {
		v.editorErr = "architecture: " + err.Error()
		return
	}
	old := s.Text
	s.Text = text
	if err := s.Reset(); err != nil {
		s.Text = old
		v.editorErr = err.Error()
		return
	}
	v.editorErr = ""
	c.App.SetOption("train.arch", "")
	if err := c.App.SetModel(explorer.TrainedModel); err != nil {
		c.ShowError(err.Error())
	}
	v.toggleEditor(c, s)
}

// openCheckpointPicker opens a file chooser for a checkpoint to resume.
func openCheckpointPicker() {
	in := js.Global().Get("document").Call("getElementById", checkpointID)
	if !in.Truthy() {
		in = newFilePicker(theGame, checkpointID, ".safetensors", "Resume training from a checkpoint file", func(name string, b []byte) {
			if err := resumeFrom(theGame, b); err != nil {
				showError(fmt.Sprintf("%s: %v", name, err))
			}
		})
	}
	in.Call("click")
}

// resumeFrom resumes the session from checkpoint bytes and shows the model.
func resumeFrom(g *game, b []byte) error {
	s := session(g)
	if err := s.Resume(b); err != nil {
		return err
	}
	if err := g.app.SetModel(explorer.TrainedModel); err != nil {
		return err
	}
	g.say("resumed %s at step %d", s.T.Model.Spec.Name, s.T.Steps())
	return nil
}
