//go:build js && wasm

package main

import (
	"fmt"
	"image"
	"time"

	"cnnviz/core/explorer"

	"github.com/hajimehoshi/ebiten/v2"
)

// panelHeader draws a panel's background and title and returns the area
// below the title.
func (g *game) panelHeader(dst *ebiten.Image, r image.Rectangle, title string) image.Rectangle {
	u := g.ui.u
	if dst != nil {
		fillRect(dst, r, colPanel)
		g.ui.text(dst, title, r.Min.X+u(10), r.Min.Y+u(8), 15, colText)
	}
	return image.Rect(r.Min.X+u(10), r.Min.Y+u(32), r.Max.X-u(10), r.Max.Y-u(8))
}

// exportButton adds the "PNG" button at the top-right corner of a panel.
func (g *game) exportButton(panel string, r image.Rectangle) {
	u := g.ui.u
	b := image.Rect(r.Max.X-u(50), r.Min.Y+u(6), r.Max.X-u(8), r.Min.Y+u(26))
	g.ui.button("export-"+panel, b, "PNG", false, func() { g.exportReq = panel })
}

// ---- top bar ----

func (g *game) updateTop() {
	g.ui.clip = g.lay.top
	defer func() { g.ui.clip = image.Rectangle{} }()
	u := g.ui.u
	r := g.lay.top
	x := r.Min.X + u(100)
	open, openW := "Open picture/model…", u(130)
	if g.lay.phone {
		x, open, openW = r.Min.X+u(84), "Open…", u(58)
	}
	y0, y1 := r.Min.Y+u(8), r.Max.Y-u(8)
	help := image.Rect(r.Max.X-u(44), y0, r.Max.X-u(10), y1)
	models := g.app.Models()
	widths, all := make([]int, len(models)), 0
	for i, m := range models {
		widths[i] = u(18) + u(float64(len(m.Name))*7.5)
		if g.lay.phone { // three shipped models fit beside Open and ?
			widths[i] = u(10) + u(float64(len(m.Name))*6)
		}
		all += widths[i] + u(4)
	}
	if avail := help.Min.X - u(8) - openW - u(6) - x; all <= avail {
		for i, m := range models {
			name := m.Name
			g.ui.button("model-"+name, image.Rect(x, y0, x+widths[i], y1), name, g.app.State.Model == name, func() {
				g.try(g.app.SetModel(name))
			})
			x += widths[i] + u(4)
		}
	} else {
		// Too many models for one row: the current one between buttons
		// that step through the list.
		x = g.modelStepper(x, y0, y1, max(avail-u(4), u(120)))
	}
	x += u(6)
	g.ui.button("load", image.Rect(x, y0, x+openW, y1), open, false, openFilePicker)
	g.ui.button("help", help, "?", g.help, func() { g.help = !g.help })
}

// modelStepper lays out ‹ current model (i/n) › in width pixels from x,
// for a top bar too narrow for a button per model, and returns where it
// ends.
func (g *game) modelStepper(x, y0, y1, width int) int {
	u := g.ui.u
	models := g.app.Models()
	cur := 0
	for i, m := range models {
		if m.Name == g.app.State.Model {
			cur = i
		}
	}
	step := func(d int) func() {
		return func() { g.try(g.app.SetModel(models[(cur+d+len(models))%len(models)].Name)) }
	}
	bw := u(28)
	g.ui.button("model-prev", image.Rect(x, y0, x+bw, y1), "‹", false, step(-1))
	x += bw + u(4)
	name := models[cur].Name
	label := fmt.Sprintf("%s (%d/%d)", name, cur+1, len(models))
	g.ui.button("model-"+name, image.Rect(x, y0, x+width-2*(bw+u(4)), y1), label, true, step(1))
	x += width - 2*(bw+u(4)) + u(4)
	g.ui.button("model-next", image.Rect(x, y0, x+bw, y1), "›", false, step(1))
	return x + bw
}

func (g *game) drawTop(dst *ebiten.Image) {
	u := g.ui.u
	r := g.lay.top
	fillRect(dst, r, colPanel)
	g.ui.text(dst, "cnnviz", r.Min.X+u(12), r.Min.Y+u(10), 19, colAccent)
	msg := ""
	if g.status != "" && time.Since(g.statusAt) < 6*time.Second {
		msg = g.status
	} else if up, p, decoding := g.app.UploadProgress(); up {
		msg = fmt.Sprintf("reading the picture: %.0f%%", 100*p)
		if !decoding {
			msg = fmt.Sprintf("shrinking the picture: %.0f%%", 100*p)
		}
	} else if g.testDownload.active {
		msg = "downloading the MNIST test set…"
	} else if scanned, total, wrong := g.app.ScanProgress(); scanned < total {
		msg = fmt.Sprintf("checking the test set: %d of %d, %d wrong so far", scanned, total, wrong)
	}
	// The message goes between the buttons and "?", where it fits (a
	// phone has no room for it).
	left := r.Min.X
	for _, w := range g.ui.widgets {
		if w.id != "help" && w.r.Overlaps(r) {
			left = max(left, w.r.Max.X)
		}
	}
	if msg != "" && int(g.ui.face(12).advance(msg)) <= r.Max.X-u(56)-left-u(8) {
		g.ui.textRight(dst, msg, r.Max.X-u(56), r.Min.Y+u(14), 12, colMuted)
	}
}

// ---- input panel ----

// inputRects lays out the input panel: the drawing surface, and beside
// or below it the controls in sections from top to bottom. A section that
// does not fit (on a phone) is left out, rather than drawn over the next
// panel: the preview of what the model sees first, then the class row.
type inputRects struct {
	body, canvas, controls image.Rectangle
	tools                  image.Rectangle // Undo, Clear, Upload
	see                    image.Rectangle // the 28×28 preview (may be empty)
	testLabel              image.Point     // "MNIST test set"
	nav, misonly           image.Rectangle // Prev/Next/Random, Misclassified only (empty under a colour model)
	classLabel             image.Point     // "Next image of class"
	classes                image.Rectangle // the ten class buttons (may be empty)
}

func (g *game) inputLayout() inputRects {
	u := g.ui.u
	var ir inputRects
	ir.body = g.panelHeader(nil, g.lay.input, "")
	b := ir.body
	if b.Dx() > b.Dy()*6/5 {
		side := min(b.Dy(), b.Dx()/2)
		ir.canvas = image.Rect(b.Min.X, b.Min.Y, b.Min.X+side, b.Min.Y+side)
		ir.controls = image.Rect(ir.canvas.Max.X+u(12), b.Min.Y, b.Max.X, b.Max.Y)
	} else {
		side := min(b.Dx(), b.Dy()*9/20)
		ir.canvas = image.Rect(b.Min.X, b.Min.Y, b.Min.X+side, b.Min.Y+side)
		ir.controls = image.Rect(b.Min.X, ir.canvas.Max.Y+u(8), b.Max.X, b.Max.Y)
	}
	c := ir.controls
	rowH, rowGap, labelH := u(28), u(6), u(16)
	preview := u(18) + u(84) + u(8)
	classes := labelH + rowH
	need := rowH + rowGap + labelH + 2*(rowH+rowGap)
	showSee := need+preview+classes <= c.Dy()
	showClasses := need+classes <= c.Dy() || showSee
	y := c.Min.Y
	row := func() image.Rectangle {
		r := image.Rect(c.Min.X, y, c.Max.X, y+rowH)
		y += rowH + rowGap
		return r
	}
	ir.tools = row()
	if showSee {
		ir.see = image.Rect(c.Min.X, y+u(18), c.Min.X+u(84), y+u(18)+u(84))
		y += preview
	}
	if !g.app.DigitsFit() {
		// A colour model takes photos: no MNIST test set to browse.
		return ir
	}
	ir.testLabel = image.Pt(c.Min.X, y)
	y += labelH
	ir.nav = row()
	ir.misonly = row()
	if showClasses {
		ir.classLabel = image.Pt(c.Min.X, y)
		y += labelH
		ir.classes = image.Rect(c.Min.X, y, c.Max.X, y+rowH)
	}
	return ir
}

// buttonRow splits r into n buttons with small gaps.
func (g *game) buttonRow(r image.Rectangle, gap int, labels, ids []string, on []bool, acts []func()) {
	n := len(labels)
	w := (r.Dx() - (n-1)*gap) / n
	for i := range labels {
		x := r.Min.X + i*(w+gap)
		g.ui.button(ids[i], image.Rect(x, r.Min.Y, x+w, r.Max.Y), labels[i], on[i], acts[i])
	}
}

func (g *game) updateInput() {
	g.ui.clip = g.lay.input
	defer func() { g.ui.clip = image.Rectangle{} }()
	u := g.ui.u
	ir := g.inputLayout()
	g.lay.canvas = ir.canvas
	g.exportButton("input", g.lay.input)
	if explorer.IsColour(g.app.Current().Net) {
		g.photoButtons(ir.tools)
	} else {
		g.buttonRow(ir.tools, u(4), []string{"Undo", "Clear", "Upload…"}, []string{"undo", "clear", "upload"}, []bool{false, false, false},
			[]func(){g.app.Undo, g.app.Clear, openFilePicker})
	}
	if ir.nav.Empty() {
		return
	}
	g.buttonRow(ir.nav, u(4), []string{"< Prev", "Next >", "Random"}, []string{"prev", "next", "random"}, []bool{false, false, false},
		[]func(){func() { g.browse(func() error { return g.app.StepTest(-1) }) }, func() { g.browse(func() error { return g.app.StepTest(1) }) }, func() { g.browse(g.app.RandomTest) }})
	g.buttonRow(ir.misonly, u(4), []string{"Misclassified only"}, []string{"misonly"}, []bool{g.app.MisOnly}, []func(){func() { g.app.MisOnly = !g.app.MisOnly }})
	if ir.classes.Empty() {
		return
	}
	labels, ids, on, acts := make([]string, 10), make([]string, 10), make([]bool, 10), make([]func(), 10)
	for k := range 10 {
		labels[k], ids[k], on[k] = fmt.Sprint(k), fmt.Sprintf("class-%d", k), g.app.Label() == k
		acts[k] = func() { g.browse(func() error { return g.app.NextOfClass(k) }) }
	}
	g.buttonRow(ir.classes, u(3), labels, ids, on, acts)
}

func (g *game) drawInput(dst *ebiten.Image) {
	u := g.ui.u
	a := g.app
	g.panelHeader(dst, g.lay.input, "Input")
	ir := g.inputLayout()
	// The drawing surface shows the drawing, or the current input.
	cv := ir.canvas
	fillRect(dst, cv, colBG)
	var img *ebiten.Image
	hint := ""
	switch a.State.Input.Kind {
	case explorer.InputDrawing:
		img = g.drawTex.get(fmt.Sprint("d", a.Version), func() *image.RGBA {
			d := a.DrawingPixels() // already painted by Refresh
			return greyImage(d.Pix, d.W, d.H)
		})
		if len(a.State.Input.Strokes) == 0 {
			hint = "Draw a digit here"
		}
	default:
		img = g.drawTex.get(fmt.Sprint("p", a.Version), func() *image.RGBA { return greyImage(a.Pixels, 28, 28) })
		hint = "Draw here to start a new drawing"
	}
	if explorer.IsColour(a.Current().Net) {
		img, hint = g.drawTex.get(fmt.Sprint("c", a.Version), a.InputImage), ""
	}
	drawImageIn(dst, img, cv, a.State.Input.Kind == explorer.InputDrawing)
	strokeRect(dst, cv, float32(g.ui.s), colRaised)
	if hint != "" {
		g.ui.textCentred(dst, hint, image.Rect(cv.Min.X, cv.Max.Y-u(30), cv.Max.X, cv.Max.Y), 12, colMuted)
	}
	if see := ir.see; !see.Empty() {
		g.drawPreview(dst, see)
	}
	if !ir.nav.Empty() {
		g.ui.text(dst, "MNIST test set", ir.testLabel.X, ir.testLabel.Y, 12, colMuted)
	}
	if !ir.classes.Empty() {
		g.ui.text(dst, "Next image of class", ir.classLabel.X, ir.classLabel.Y, 12, colMuted)
	}
}

// drawPreview draws what the model sees (the 28×28 input) at see, with
// its title above and a few lines about the input beside it.
func (g *game) drawPreview(dst *ebiten.Image, see image.Rectangle) {
	u := g.ui.u
	a := g.app
	y := see.Min.Y
	in := a.Current().Net.Spec.Input
	colour := explorer.IsColour(a.Current().Net)
	g.ui.text(dst, fmt.Sprintf("What the model sees (%d×%d)", in[2], in[1]), see.Min.X, y-u(18), 12, colMuted)
	seeImg := func() *image.RGBA { return greyImage(a.Pixels, 28, 28) }
	if colour {
		seeImg = a.InputImage
	}
	drawImageIn(dst, g.seeTex.get(fmt.Sprint(a.Version, colour), seeImg), see, false)
	strokeRect(dst, see, float32(g.ui.s), colRaised)
	tx := see.Max.X + u(10)
	lines := []string{}
	switch a.State.Input.Kind {
	case explorer.InputTest:
		lines = append(lines, fmt.Sprintf("Test image %d", a.State.Input.Test))
		if l := a.Label(); l >= 0 {
			lines = append(lines, fmt.Sprintf("label %d", l))
		}
	case explorer.InputDrawing:
		lines = append(lines, "Your drawing", fmt.Sprintf("%d strokes", len(a.State.Input.Strokes)))
	case explorer.InputUpload:
		lines = append(lines, "Uploaded picture")
	case explorer.InputPhoto:
		lines = append(lines, "Sample photo: "+a.State.Input.Photo)
	case explorer.InputCamera:
		lines = append(lines, fmt.Sprintf("Camera, frame %d", a.Frames))
	}
	if colour {
		lines = append(lines, "centre crop,", fmt.Sprintf("resized to %d×%d", in[2], in[1]))
	} else {
		lines = append(lines, "scaled to 20×20,", "centred by mass")
	}
	for i, l := range lines {
		col := colMuted
		if i == 0 {
			col = colText
		}
		g.ui.text(dst, l, tx, y+i*u(17), 12, col)
	}
}

// ---- prediction panel ----

func (g *game) updatePrediction() {
	g.ui.clip = g.lay.pred
	g.exportButton("prediction", g.lay.pred)
	g.ui.clip = image.Rectangle{}
}

func (g *game) drawPrediction(dst *ebiten.Image) {
	u := g.ui.u
	a := g.app
	b := g.panelHeader(dst, g.lay.pred, "Prediction")
	classes := a.Current().Net.Spec.Classes
	if len(a.Probs) != len(classes) || len(classes) == 0 {
		return
	}
	top := a.Predicted()
	label := a.Label()
	if g.lay.phone {
		g.drawPredictionStrip(dst, b, classes, top, label)
		return
	}
	rowH := min(u(34), (b.Dy()-u(60))/len(classes))
	labW := u(24)
	for _, name := range classes { // class names longer than a digit
		labW = max(labW, int(g.ui.face(14).advance(name))+u(8))
	}
	for i, name := range classes {
		y := b.Min.Y + i*rowH
		p := float64(a.Probs[i])
		col := colText
		if i == top {
			col = colAccent
		}
		g.ui.text(dst, name, b.Min.X, y+rowH/2-u(8), 14, col)
		bar := image.Rect(b.Min.X+labW, y+rowH/5, b.Max.X-u(48), y+rowH-rowH/5)
		fill := bar
		fill.Max.X = bar.Min.X + int(p*float64(bar.Dx())+0.5)
		drawProbBar(dst, bar, fill, i == top, i == label, float32(u(2)))
		g.ui.textRight(dst, fmt.Sprintf("%.1f%%", 100*p), b.Max.X, y+rowH/2-u(7), 12, col)
	}
	y := b.Min.Y + len(classes)*rowH + u(10)
	g.ui.text(dst, fmt.Sprintf("Predicted: %s (%.1f%%)", classes[top], 100*a.Probs[top]), b.Min.X, y, 13, colText)
	if label >= 0 {
		y += u(20)
		if label == top {
			g.ui.text(dst, fmt.Sprintf("True label: %d, correct", label), b.Min.X, y, 12, colGood)
		} else {
			g.ui.text(dst, fmt.Sprintf("True label: %d, wrong", label), b.Min.X, y, 12, colBad)
		}
	}
	y += u(20)
	g.ui.text(dst, "Green outline: the true label", b.Min.X, y, 11, colMuted)
}

// drawProbBar draws one class's probability: its track, the filled part
// (in the accent colour for the top class) and a green outline when it is
// the true label.
func drawProbBar(dst *ebiten.Image, track, fill image.Rectangle, top, label bool, line float32) {
	fillRect(dst, track, colBG)
	c := colRaised
	if top {
		c = colAccent
	}
	fillRect(dst, fill, c)
	if label {
		strokeRect(dst, track, line, colGood)
	}
}

// drawPredictionStrip draws the prediction as a row of columns, one per
// class, for the short panel of a phone: the class name under a bar as
// tall as its probability, the top class in the accent colour and the
// true label outlined.
func (g *game) drawPredictionStrip(dst *ebiten.Image, b image.Rectangle, classes []string, top, label int) {
	u := g.ui.u
	a := g.app
	title := fmt.Sprintf("%s (%.1f%%)", classes[top], 100*a.Probs[top])
	g.ui.textRight(dst, title, b.Max.X-u(48), b.Min.Y-u(24), 13, colAccent)
	n := len(classes)
	w := b.Dx() / n
	labH := u(14)
	for i, name := range classes {
		col := image.Rect(b.Min.X+i*w+u(2), b.Min.Y-u(2), b.Min.X+(i+1)*w-u(2), b.Max.Y-labH)
		fill := col
		fill.Min.Y = col.Max.Y - int(float64(a.Probs[i])*float64(col.Dy())+0.5)
		drawProbBar(dst, col, fill, i == top, i == label, float32(u(2)))
		// Class names longer than a digit are cut to their column.
		for r := []rune(name); len(r) > 1 && int(g.ui.face(11).advance(string(r))) > w-u(4); {
			r = r[:len(r)-1]
			name = string(r)
		}
		g.ui.textCentred(dst, name, image.Rect(col.Min.X, col.Max.Y, col.Max.X, col.Max.Y+labH), 11, colText)
	}
}

// ---- help ----

var shortcuts = [][2]string{
	{"?", "show or hide this help"},
	{"← →", "previous or next test image"},
	{"0 … 9", "next test image of that class"},
	{"r", "random test image"},
	{"m", "misclassified images only (on/off)"},
	{"u, Ctrl+Z", "undo the last stroke"},
	{"c, Delete", "clear the drawing"},
	{"o", "open a picture (PNG, JPEG) or a model file (.safetensors)"},
	{"[ ], Page Up/Down", "previous or next view"},
	{"↑ ↓", "previous or next layer"},
	{"e", "export the view as PNG"},
	{"Tab, Shift+Tab", "move between the controls"},
	{"Enter, Space", "press the focused control"},
	{"Esc", "close the help, leave the controls"},
}

func (g *game) drawHelp(dst *ebiten.Image) {
	u := g.ui.u
	fillRect(dst, image.Rect(0, 0, g.W, g.H), colOverlay)
	w, h := u(560), u(120)+len(shortcuts)*u(24)
	r := image.Rect((g.W-w)/2, (g.H-h)/2, (g.W+w)/2, (g.H+h)/2)
	fillRect(dst, r, colPanel)
	strokeRect(dst, r, float32(u(2)), colAccent)
	g.ui.text(dst, "Keyboard and touch", r.Min.X+u(20), r.Min.Y+u(16), 18, colText)
	y := r.Min.Y + u(52)
	for _, s := range shortcuts {
		g.ui.text(dst, s[0], r.Min.X+u(20), y, 13, colAccent)
		g.ui.text(dst, s[1], r.Min.X+u(180), y, 13, colText)
		y += u(24)
	}
	g.ui.text(dst, "Draw with the mouse or a finger. Every control works by click, tap or keyboard.", r.Min.X+u(20), y+u(8), 12, colMuted)
	g.ui.text(dst, "Press ? or Esc, or tap anywhere, to close.", r.Min.X+u(20), y+u(28), 12, colMuted)
}

// ---- export ----

// export draws a panel into an image of its own and downloads it as PNG.
func (g *game) export(panel string) {
	r := g.rectOf(panel)
	if r.Empty() {
		return
	}
	off := ebiten.NewImage(g.W, g.H)
	defer off.Deallocate()
	off.Fill(colBG)
	g.drawPanel(off, panel)
	for _, w := range g.ui.widgets {
		if w.r.In(r) && w.id != "export-"+panel {
			g.ui.drawButton(off, w)
		}
	}
	sub := off.SubImage(r).(*ebiten.Image)
	rgba := image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	sub.ReadPixels(rgba.Pix)
	name := fmt.Sprintf("cnnviz-%s-%s.png", panel, g.app.State.Model)
	if panel == "main" {
		name = fmt.Sprintf("cnnviz-%s-%s.png", g.currentView().ID(), g.app.State.Model)
	}
	if err := downloadPNG(name, rgba); err != nil {
		showError("export: " + err.Error())
		return
	}
	g.say("saved %s", name)
}
