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
	u := g.ui.u
	r := g.lay.top
	x := r.Min.X + u(100)
	y0, y1 := r.Min.Y+u(8), r.Max.Y-u(8)
	for _, m := range g.app.Models() {
		name := m.Name
		w := u(18) + u(float64(len(name))*7.5)
		g.ui.button("model-"+name, image.Rect(x, y0, x+w, y1), name, g.app.State.Model == name, func() {
			g.try(g.app.SetModel(name))
		})
		x += w + u(4)
	}
	x += u(6)
	g.ui.button("load", image.Rect(x, y0, x+u(130), y1), "Open picture/model…", false, openFilePicker)
	g.ui.button("help", image.Rect(r.Max.X-u(44), y0, r.Max.X-u(10), y1), "?", g.help, func() { g.help = !g.help })
}

func (g *game) drawTop(dst *ebiten.Image) {
	u := g.ui.u
	r := g.lay.top
	fillRect(dst, r, colPanel)
	g.ui.text(dst, "cnnviz", r.Min.X+u(12), r.Min.Y+u(10), 19, colAccent)
	msg := ""
	if g.status != "" && time.Since(g.statusAt) < 6*time.Second {
		msg = g.status
	} else if g.app.Test == nil {
		msg = "loading the MNIST test set…"
	} else if scanned, total, wrong := g.app.ScanProgress(); scanned < total {
		msg = fmt.Sprintf("checking the test set: %d of %d, %d wrong so far", scanned, total, wrong)
	}
	if msg != "" {
		g.ui.textRight(dst, msg, r.Max.X-u(56), r.Min.Y+u(14), 12, colMuted)
	}
}

// ---- input panel ----

// inputRects lays out the input panel.
type inputRects struct {
	body, canvas, controls, see image.Rectangle
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
	return ir
}

func (g *game) updateInput() {
	u := g.ui.u
	ir := g.inputLayout()
	g.lay.canvas = ir.canvas
	g.exportButton("input", g.lay.input)
	c := ir.controls
	h := u(28)
	row := func(y int, labels []string, ids []string, on []bool, acts []func()) int {
		n := len(labels)
		w := (c.Dx() - (n-1)*u(4)) / n
		for i := range labels {
			x := c.Min.X + i*(w+u(4))
			g.ui.button(ids[i], image.Rect(x, y, x+w, y+h), labels[i], on[i], acts[i])
		}
		return y + h + u(6)
	}
	y := c.Min.Y
	y = row(y, []string{"Undo", "Clear", "Upload…"}, []string{"undo", "clear", "upload"}, []bool{false, false, false},
		[]func(){g.app.Undo, g.app.Clear, openFilePicker})
	// The preview leaves room for its label.
	y += u(18) + u(84) + u(8)
	y += u(16)
	y = row(y, []string{"< Prev", "Next >", "Random"}, []string{"prev", "next", "random"}, []bool{false, false, false},
		[]func(){func() { g.try(g.app.StepTest(-1)) }, func() { g.try(g.app.StepTest(1)) }, func() { g.try(g.app.RandomTest()) }})
	y = row(y, []string{"Misclassified only"}, []string{"misonly"}, []bool{g.app.MisOnly}, []func(){func() { g.app.MisOnly = !g.app.MisOnly }})
	y += u(16)
	w := (c.Dx() - 9*u(3)) / 10
	for k := 0; k < 10; k++ {
		x := c.Min.X + k*(w+u(3))
		g.ui.button(fmt.Sprintf("class-%d", k), image.Rect(x, y, x+w, y+h), fmt.Sprint(k), g.app.Label() == k,
			func() { g.try(g.app.NextOfClass(k)) })
	}
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
	drawImageIn(dst, img, cv, a.State.Input.Kind == explorer.InputDrawing)
	strokeRect(dst, cv, float32(g.ui.s), colRaised)
	if hint != "" {
		g.ui.textCentred(dst, hint, image.Rect(cv.Min.X, cv.Max.Y-u(30), cv.Max.X, cv.Max.Y), 12, colMuted)
	}
	// What the model sees.
	c := ir.controls
	y := c.Min.Y + u(28) + u(6)
	g.ui.text(dst, "What the model sees (28×28)", c.Min.X, y, 12, colMuted)
	y += u(18)
	see := image.Rect(c.Min.X, y, c.Min.X+u(84), y+u(84))
	drawImageIn(dst, g.seeTex.get(fmt.Sprint(a.Version), func() *image.RGBA { return greyImage(a.Pixels, 28, 28) }), see, false)
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
	}
	lines = append(lines, "scaled to 20×20,", "centred by mass")
	for i, l := range lines {
		col := colMuted
		if i == 0 {
			col = colText
		}
		g.ui.text(dst, l, tx, y+i*u(17), 12, col)
	}
	y = see.Max.Y + u(8)
	g.ui.text(dst, "MNIST test set", c.Min.X, y, 12, colMuted)
	y += u(16) + 2*(u(28)+u(6))
	g.ui.text(dst, "Next image of class", c.Min.X, y, 12, colMuted)
}

// ---- prediction panel ----

func (g *game) updatePrediction() { g.exportButton("prediction", g.lay.pred) }

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
	rowH := min(u(34), (b.Dy()-u(60))/len(classes))
	labW := u(24)
	for i, name := range classes {
		y := b.Min.Y + i*rowH
		p := float64(a.Probs[i])
		col := colText
		if i == top {
			col = colAccent
		}
		g.ui.text(dst, name, b.Min.X, y+rowH/2-u(8), 14, col)
		bar := image.Rect(b.Min.X+labW, y+rowH/5, b.Max.X-u(48), y+rowH-rowH/5)
		fillRect(dst, bar, colBG)
		fill := bar
		fill.Max.X = bar.Min.X + int(p*float64(bar.Dx())+0.5)
		barCol := colRaised
		if i == top {
			barCol = colAccent
		}
		fillRect(dst, fill, barCol)
		if i == label {
			strokeRect(dst, bar, float32(u(2)), colGood)
		}
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

// ---- main area ----

// mainRects splits the main area into the tab bar, the explanation and
// the view.
func (g *game) mainRects() (tabs, explain, view image.Rectangle) {
	u := g.ui.u
	r := g.lay.main
	_, rows := g.tabRects()
	tabs = image.Rect(r.Min.X, r.Min.Y, r.Max.X, r.Min.Y+u(6)+rows*u(30))
	v := g.currentView()
	h := g.ui.paragraph(nil, v.Explain(), image.Rect(r.Min.X+u(12), 0, r.Max.X-u(12), 0), 12.5, colMuted)
	// On a phone the explanation would leave the view no room: it keeps
	// a quarter of the panel, cut at a line (drawMain clips it).
	if room := r.Max.Y - tabs.Max.Y; h > room/2 {
		lh := g.ui.lineHeight(12.5)
		h = max(lh, room/4/lh*lh)
	}
	explain = image.Rect(r.Min.X+u(12), tabs.Max.Y+u(6), r.Max.X-u(12), tabs.Max.Y+u(6)+h)
	view = image.Rect(r.Min.X+u(10), explain.Max.Y+u(8), r.Max.X-u(10), r.Max.Y-u(8))
	return
}

// tabRects places one tab per view, left to right, wrapping onto another
// row where the next tab would run into the panel's PNG button; it returns
// the tabs and the number of rows.
func (g *game) tabRects() ([]image.Rectangle, int) {
	u := g.ui.u
	r := g.lay.main
	right := r.Max.X - u(56) // the export button's column
	x, row := r.Min.X+u(6), 0
	var out []image.Rectangle
	for _, v := range views() {
		w := u(22) + u(float64(len([]rune(v.Title())))*7.5)
		if x+w > right && x > r.Min.X+u(6) {
			x, row = r.Min.X+u(6), row+1
		}
		y := r.Min.Y + u(6) + row*u(30)
		out = append(out, image.Rect(x, y, x+w, y+u(28)))
		x += w + u(4)
	}
	return out, row + 1
}

func (g *game) updateMain() {
	_, _, area := g.mainRects()
	rects, _ := g.tabRects()
	for i, v := range views() {
		id := v.ID()
		g.ui.button("tab-"+id, rects[i], v.Title(), g.currentView().ID() == id,
			func() { g.app.SetView(id) })
	}
	g.exportButton("main", g.lay.main)
	g.ctx.Area = area
	if !g.help {
		g.currentView().Update(g.ctx)
	}
}

func (g *game) drawMain(dst *ebiten.Image) {
	fillRect(dst, g.lay.main, colPanel)
	tabs, explain, area := g.mainRects()
	fillRect(dst, image.Rect(tabs.Min.X, tabs.Max.Y-g.ui.u(2), tabs.Max.X, tabs.Max.Y), colAccent)
	v := g.currentView()
	g.ui.paragraph(dst.SubImage(explain).(*ebiten.Image), v.Explain(), explain, 12.5, colMuted)
	g.ctx.Area = area
	v.Draw(dst, area, g.ctx)
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
