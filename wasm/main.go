//go:build js && wasm

// Command wasm is the browser shell of cnnviz: an ebiten game that draws
// the input panel (draw, browse the MNIST test set, upload), the
// prediction panel and a main area with one tab per View, and the
// JavaScript API on window.cnnviz. All state and computation live in
// core/explorer and the core packages; this package draws them and turns
// mouse, touch and keyboard input into calls.
package main

import (
	"fmt"
	"image"
	"log"
	"math"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"cnnviz/core/explorer"
	"cnnviz/core/input"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/inpututil"
)

// frameBudget is the time per frame first given to Update, most of it to
// the running steppers; budget then adapts it to what the machine allows
// (explorer.Budget) while keeping frameInterval.
const (
	frameBudget   = 6 * time.Millisecond
	frameInterval = time.Second / 60
)

// game is the ebiten Game of the page.
type game struct {
	app *explorer.App
	cam camera // the webcam, for colour models
	ui  *ui
	ctx *Ctx

	dpr  float64 // device pixels per CSS pixel
	W, H int     // screen size in device pixels
	lay  layout

	help    bool
	started bool

	// explainOpen unfolds a long explanation; scroll is how far a view
	// taller than its space is scrolled and contentH how tall its
	// controls made it in the last frame (device pixels); a drag of the
	// scroll bar started at scrollFrom with the view at scrollAt.
	explainOpen          bool
	scroll, contentH     int
	scrollDrag           bool
	scrollFrom, scrollAt int
	exportReq            string
	pending              []func()
	// robustDownload and testDownload are the downloads of the robust
	// model (robust.go) and the test set (testset.go); browses counts
	// browsing actions, so that only the last one waiting for the test
	// set runs when it arrives.
	robustDownload, testDownload fetchWait
	browses                      int
	testFailed                   time.Time // when its download last failed
	status                       string
	statusAt                     time.Time

	hashWritten string
	hashAt      time.Time

	// firstPrediction is set once a prediction was made with the test
	// set loaded; shownPrediction once one was made on an image at all,
	// and paintPending until the frame that shows it is drawn.
	firstPrediction, shownPrediction, paintPending bool
	lastPanic                                      string

	drawTex, seeTex texture

	// present shows the screen through a 2D canvas (see presenter).
	present presenter

	// frameKey describes what the last drawn frame showed; Draw skips
	// drawing when it has not changed (the screen keeps its pixels).
	frameKey, drawnKey string

	// Smoothed milliseconds spent in Update, in the Draws that painted,
	// and in the steppers, for state().
	updateMs, drawMs, tickMs, keyMs float64

	// pen shows the stroke while it is drawn; redrawnAt is when frameKey
	// last changed; penPix is the overlay's picture.
	pen       penOverlay
	redrawnAt time.Time
	penPix    *image.RGBA
	// ticksSinceRedraw counts Updates since frameKey last changed.
	ticksSinceRedraw int
	// budget is the steppers' time per frame; lastUpdate and busy (a
	// stepper ran in the previous frame) let it measure frame intervals.
	budget     *explorer.Budget
	lastUpdate time.Time
	busy       bool
	// drew is how long the last Draw painted: the views' redraws are
	// paced by their keys, so the budget keeps the rest of the frame.
	drew time.Duration
	// overshoot is how much longer than their budget the steppers ran in
	// the last frame.
	overshoot time.Duration
	// partKeys are the keys of the parts of the screen (see key), and
	// drawnParts those of the last drawn frame.
	partKeys, drawnParts [nParts]string
	// drawnAt is when the last Draw that painted ended; pacedFrames
	// counts the frames whose change waited for its turn (see
	// holdRedraw), for state().perf.
	drawnAt     time.Time
	pacedFrames int
	// rest is set when the steppers ran over their budget in the last
	// frame: they skip this one, so that one long step is not followed
	// at once by another, and rests counts such frames.
	rest  bool
	rests int
	// viewLater is set while the view waits for the frame after the
	// first prediction's (see Draw).
	viewLater bool
	// started1 is set after the first Update.
	started1 bool
}

// smooth mixes a new sample into a running average.
func smooth(avg *float64, d time.Duration) {
	*avg = 0.9**avg + 0.1*float64(d.Microseconds())/1000
}

func newGame(app *explorer.App) *game {
	g := &game{app: app, ui: newUI(), dpr: 1, W: 1280, H: 800, budget: explorer.NewBudget(frameInterval, frameBudget)}
	g.ctx = &Ctx{App: app, UI: g.ui, ShowError: showError, WithRobust: g.whenRobust}
	return g
}

// post queues f to run at the start of the next Update. JS callbacks and
// goroutines use it to change the app state.
func (g *game) post(f func()) { g.pending = append(g.pending, f) }

// say shows a short message in the top bar for a few seconds.
func (g *game) say(format string, args ...any) {
	g.status = fmt.Sprintf(format, args...)
	g.statusAt = time.Now()
}

// recovered reports a recovered panic once per distinct message.
func (g *game) recovered(where string, r any) {
	msg := fmt.Sprintf("cnnviz: internal error in %s: %v", where, r)
	if msg != g.lastPanic {
		g.lastPanic = msg
		log.Printf("%s\n%s", msg, debug.Stack())
		showError(msg + " (the page keeps running; please report this)")
	}
}

func (g *game) Update() (err error) {
	t0 := time.Now()
	// One Update per frame (SyncWithFPS): the interval since the last one
	// is the frame time that the steppers' budget has to keep.
	if g.busy && !g.rest && !g.lastUpdate.IsZero() {
		g.budget.Frame(t0.Sub(g.lastUpdate) - g.drew - g.overshoot)
	}
	g.rest = g.busy && g.overshoot > 0
	g.lastUpdate, g.drew, g.overshoot = t0, 0, 0
	g.pace()
	defer func() { smooth(&g.updateMs, time.Since(t0)) }()
	defer func() {
		if r := recover(); r != nil {
			g.recovered("update", r)
			err = nil
		}
	}()
	if !g.started {
		g.started = true
		g.start()
	}
	for len(g.pending) > 0 {
		f := g.pending[0]
		g.pending = g.pending[1:]
		f()
	}
	g.ui.begin()
	g.ui.overlay = g.help
	g.lay = computeLayout(g.W, g.H, g.dpr)
	g.ui.s = g.lay.s

	g.updateTop()
	g.updateInput()
	g.updatePrediction()
	// The first Update leaves the view out when the input is ready: the
	// first prediction is painted without it (see Draw), and its work
	// (a tenth of a second or more on a slow machine) waits for the
	// next frame.
	if g.started1 || !g.app.InputReady() {
		g.updateMain()
	}
	g.started1 = true
	if g.help {
		// The help covers everything: a press anywhere closes it.
		g.ui.widgets = g.ui.widgets[:0]
		if g.ui.ptr.Pressed {
			g.help = false
		}
	} else {
		g.ui.handle()
		g.updateDrawing()
	}
	g.keys()
	g.dropped()
	g.cam.frame(g)

	// While the pen is down, the outputs and the canvas follow at most
	// every penRedraw and the pen overlay shows the stroke meanwhile (see
	// penOverlay); otherwise they follow at once. The steppers pause in
	// the frames in between, which belong to the pen.
	pen := g.penDown()
	g.ticksSinceRedraw++
	held := pen && (time.Since(g.redrawnAt) < penRedraw || g.ticksSinceRedraw < penRedrawTicks)
	g.busy = false
	if !held {
		t1 := time.Now()
		budget := g.budget.Current()
		if g.app.Drawing() {
			budget = min(budget, frameBudget) / 4 // keep the pen responsive
		}
		g.busy = g.app.Sched.Len() > 0
		// The budget covers the whole Update: what the shell and the
		// view took already is deducted (Tick makes one step anyway),
		// and so is a redraw's usual cost when this frame will redraw.
		budget -= t1.Sub(t0)
		if g.busy && g.frameKey != g.drawnKey && !g.holdRedraw() {
			budget -= time.Duration(g.drawMs * float64(time.Millisecond))
		}
		if g.rest {
			// The steppers overran the last frame: this one is the
			// page's, and they go on in the next.
			g.rests++
		} else {
			g.app.Sched.Tick(budget)
			took := time.Since(t1)
			smooth(&g.tickMs, took)
			// A step longer than the budget (some steps cannot be cut
			// finer) makes the frame late whatever the budget: not the
			// budget's fault.
			g.overshoot = max(0, took-max(budget, 0))
		}
	}
	if !held && g.app.Refresh() {
		// The first prediction is on the built-in sample as a rule (the
		// test set comes only when needed); ready() waits for one made
		// with the test set.
		if !g.shownPrediction && g.app.InputReady() {
			g.shownPrediction = true
			g.paintPending = true
		}
		if !g.firstPrediction && g.app.Test != nil {
			g.firstPrediction = true
			markTiming("testSetPrediction")
		}
	}
	if g.app.TestRequested() && time.Since(g.testFailed) > testRetry {
		g.whenTest(nil) // something this frame needed the whole test set
	}
	if pen {
		g.showPen()
	} else if g.pen.shown && g.drawnKey == g.frameKey {
		// The canvas shows the finished stroke since the last Draw.
		g.pen.hide()
	}
	if g.exportReq != "" {
		g.export(g.exportReq)
		g.exportReq = ""
	}
	g.writeHash()
	if !held {
		tk := time.Now()
		k := g.key()
		smooth(&g.keyMs, time.Since(tk))
		if k != g.frameKey {
			g.frameKey = k
			g.redrawnAt, g.ticksSinceRedraw = time.Now(), 0
		}
	}
	return nil
}

// pace sets the frame interval that the steppers' budget keeps: 60 fps,
// except while training or a t-SNE runs (in their views or through the
// API), whose goal is the most work the page allows at 30 fps or more:
// their budget aims at 40 fps, and their views redraw a few times a
// second.
func (g *game) pace() {
	target := frameInterval
	sc := g.app.Sched
	if sc.Running(explorer.EmbedJob) || sc.Running(explorer.TrainJob) || sc.RunningPrefix("api:tsne:") || sc.RunningPrefix("api:train:") {
		target = time.Second / 40
	}
	if target != g.budget.Target {
		*g.budget = *explorer.NewBudget(target, g.budget.Current())
	}
}

// penDown reports whether a stroke of a drawing is being drawn.
func (g *game) penDown() bool {
	return g.app.Drawing() && g.app.State.Input.Kind == explorer.InputDrawing && !g.help
}

// showPen paints the drawing so far into the pen overlay.
func (g *game) showPen() {
	a := g.app
	n := 0
	for _, s := range a.State.Input.Strokes {
		n += len(s) + 1
	}
	if n == g.pen.version && g.pen.shown && g.pen.rect == g.lay.canvas {
		return
	}
	d := a.DrawingPixels()
	g.penPix = greyInto(g.penPix, d.Pix, d.W, d.H)
	g.pen.show(g.lay.canvas, g.dpr, g.penPix.Pix, d.W, d.H, n)
}

// The parts of the screen that are drawn separately: when only some of
// their keys change, only those panels are drawn again (a panel paints
// its whole rectangle, and the screen keeps the rest). partBase is the
// layout and the help: when it changes, everything is drawn.
const (
	partBase = iota
	partTop
	partInput
	partPred
	partMain
	partAnim // the animated part of the view (see Animator), inside partMain
	nParts
)

// key sums up everything the screen shows, so that an unchanged frame is
// not drawn again; it also fills g.partKeys, one key per part.
func (g *game) key() string {
	a := g.app
	scanned, _, _ := a.ScanProgress()
	status := ""
	if time.Since(g.statusAt) < 6*time.Second {
		status = g.status
	}
	hash := explorer.EncodeHash(a.State)
	var k [nParts]string
	k[partBase] = fmt.Sprint(g.W, g.H, g.dpr, g.help, len(a.Models()))
	up, upProgress, _ := a.UploadProgress()
	k[partTop] = fmt.Sprint(a.State.Model, a.Test != nil, scanned/200, status, up, int(upProgress*50), g.widgetsKey(g.lay.top))
	k[partInput] = fmt.Sprint(a.Version, hash, a.MisOnly, a.Test != nil, g.widgetsKey(g.lay.input))
	k[partPred] = fmt.Sprint(a.Version, a.State.Model, hash, a.Test != nil, g.widgetsKey(g.lay.pred))
	k[partMain] = fmt.Sprint(a.Version, a.State.Model, hash, a.MisOnly, a.Test != nil, scanned/200, g.widgetsKey(g.lay.main), g.viewKey(), g.scroll, g.explainOpen)
	if an, ok := g.currentView().(Animator); ok {
		k[partAnim] = fmt.Sprint(an.AnimRect(g.ctx), an.AnimKey(g.ctx))
	}
	g.partKeys = k
	return strings.Join(k[:], "\x00")
}

// widgetsKey sums up how the controls inside r look: their labels,
// states, hover and focus.
func (g *game) widgetsKey(r image.Rectangle) string {
	var b strings.Builder
	for _, w := range g.ui.widgets {
		if !w.r.Overlaps(r) {
			continue
		}
		fmt.Fprint(&b, w.id, w.r, w.label, w.on, w.id == g.ui.hover, w.id == g.ui.focus, ";")
	}
	return b.String()
}

// viewKey lets a view ask for redraws: a view that implements Keyer (for
// example one animating a running stepper) returns a key that changes
// whenever it must be drawn again.
func (g *game) viewKey() string {
	if k, ok := g.currentView().(Keyer); ok {
		return k.Key(g.ctx)
	}
	return ""
}

func (g *game) Draw(screen *ebiten.Image) {
	t0 := time.Now()
	defer func() {
		if r := recover(); r != nil {
			g.recovered("draw", r)
		}
	}()
	if g.frameKey == g.drawnKey && g.frameKey != "" {
		return // nothing changed: the screen keeps the last frame
	}
	if g.holdRedraw() {
		g.pacedFrames++
		return // a later frame draws the change (see holdRedraw)
	}
	if g.paintPending {
		markTiming("firstDraw")
	}
	defer func() {
		g.drawnAt = time.Now()
		smooth(&g.drawMs, g.drawnAt.Sub(t0))
	}()
	g.drawnKey = g.frameKey
	defer func() { g.drew = time.Since(t0) }()
	// With the presenter on, the panels are painted into its image and
	// ebiten's own screen is never changed (see presenter).
	w, h := screen.Bounds().Dx(), screen.Bounds().Dy()
	blank := g.present.ensure(w, h)
	if g.present.active() {
		screen = g.present.image(w, h)
	}
	all := blank || g.help || g.partKeys[partBase] != g.drawnParts[partBase]
	if all {
		screen.Fill(colBG)
	}
	// The first prediction is painted without the view: the panels that
	// show it come first, and the view (the most textures to upload, in
	// software WebGL most of the first frame's work) in the next frame.
	g.viewLater = g.paintPending && all && g.drawnAt.IsZero()
	var drawn []image.Rectangle
	for _, p := range []struct {
		part  int
		panel string
		r     image.Rectangle
	}{
		{partTop, "top", g.lay.top},
		{partInput, "input", g.lay.input},
		{partPred, "prediction", g.lay.pred},
		{partMain, "main", g.lay.main},
	} {
		if !all && g.partKeys[p.part] == g.drawnParts[p.part] || g.viewLater && p.part == partMain {
			continue
		}
		// Drawing into the panel's sub-image keeps it inside its panel.
		sub := screen.SubImage(p.r).(*ebiten.Image)
		g.drawPanel(sub, p.panel)
		for _, w := range g.ui.widgets {
			if w.r.Overlaps(p.r) {
				g.ui.drawButton(sub, w)
			}
		}
		drawn = append(drawn, p.r)
	}
	// Only the view's animated part changed: draw just that.
	if an, ok := g.currentView().(Animator); ok && !all && g.partKeys[partMain] == g.drawnParts[partMain] &&
		g.partKeys[partAnim] != g.drawnParts[partAnim] {
		_, visible := g.viewArea()
		r := an.AnimRect(g.ctx).Intersect(visible)
		sub := screen.SubImage(r).(*ebiten.Image)
		fillRect(sub, r, colPanel)
		an.DrawAnim(sub, g.ctx)
		for _, w := range g.ui.widgets {
			if w.r.Overlaps(r) {
				g.ui.drawButton(sub, w)
			}
		}
		drawn = append(drawn, r)
	}
	g.drawnParts = g.partKeys
	if g.viewLater {
		g.drawnParts[partMain], g.drawnParts[partAnim], g.drawnKey = "", "", ""
	}
	if g.help {
		g.drawHelp(screen)
	}
	if all {
		drawn = []image.Rectangle{screen.Bounds()}
	}
	if g.paintPending {
		markTiming("firstPaint")
	}
	g.present.show(screen, drawn)
	if g.paintPending {
		g.paintPending = false
		markTiming("firstPrediction")
	}
}

// redrawGap is how many times its usual cost a redraw waits after the
// last one while steppers run or the pen is down.
const redrawGap = 3

// holdRedraw reports whether a changed frame should wait. A redraw ends
// with a read-back of what changed (see presenter), which costs the most
// of any frame without a GPU: on a slow machine a redraw of the animated
// views took 50-200 ms, and redrawing after each training step or t-SNE
// iteration left a few frames a second. While steppers run or the pen is
// down (the pen overlay shows the stroke meanwhile) a redraw therefore
// comes at most once per redrawGap times the smoothed cost of a redraw
// after the end of the last one, so that redraws take at most a third
// of the time; the steppers' work goes on in the frames between. With
// nothing running every change is drawn at once, and so are a resize,
// the help and the first prediction.
func (g *game) holdRedraw() bool {
	if !(g.busy || g.rest || g.penDown()) || g.drawnAt.IsZero() || g.help || g.viewLater ||
		g.partKeys[partBase] != g.drawnParts[partBase] || g.paintPending {
		return false
	}
	gap := time.Duration(redrawGap * g.drawMs * float64(time.Millisecond))
	return time.Since(g.drawnAt) < gap
}

// drawPanel draws one panel's content (not its controls).
func (g *game) drawPanel(dst *ebiten.Image, name string) {
	switch name {
	case "input":
		g.drawInput(dst)
	case "prediction":
		g.drawPrediction(dst)
	case "main":
		g.drawMain(dst)
	case "top":
		g.drawTop(dst)
	}
}

// Layout is not used: LayoutF takes its place.
func (g *game) Layout(w, h int) (int, int) { return w, h }

// LayoutF makes the screen as large as the canvas in device pixels, so
// that text and lines are drawn at the display's resolution.
func (g *game) LayoutF(w, h float64) (float64, float64) {
	s := ebiten.Monitor().DeviceScaleFactor()
	if !(s > 0) {
		s = 1
	}
	g.dpr = s
	g.W, g.H = int(math.Ceil(w*s)), int(math.Ceil(h*s))
	return float64(g.W), float64(g.H)
}

// updateDrawing turns presses and drags on the drawing surface into
// strokes.
func (g *game) updateDrawing() {
	p := &g.ui.ptr
	r := g.lay.canvas
	at := func() input.Point {
		return input.Point{X: float64(p.X-r.Min.X) / float64(r.Dx()), Y: float64(p.Y-r.Min.Y) / float64(r.Dy())}
	}
	switch {
	case p.Pressed && p.in(r) && !explorer.IsColour(g.app.Current().Net):
		// A colour model's input is a photo: nothing to draw on.
		g.app.BeginStroke(at())
	case p.Down && g.app.Drawing():
		g.app.ExtendStroke(at())
	case p.Released && g.app.Drawing():
		g.app.ExtendStroke(at())
		g.app.EndStroke()
	}
}

// keys handles the keyboard shortcuts listed in the help.
func (g *game) keys() {
	for _, ch := range ebiten.AppendInputChars(nil) {
		switch {
		case ch == '?':
			g.help = !g.help
		case g.help:
		case ch >= '0' && ch <= '9':
			k := int(ch - '0')
			g.browse(func() error { return g.app.NextOfClass(k) })
		case ch == 'r':
			g.browse(g.app.RandomTest)
		case ch == 'm':
			g.app.MisOnly = !g.app.MisOnly
		case ch == 'u':
			g.app.Undo()
		case ch == 'c':
			g.app.Clear()
		case ch == 'o':
			openFilePicker()
		case ch == 'e':
			g.exportReq = "main"
		case ch == ']':
			g.cycleView(1)
		case ch == '[':
			g.cycleView(-1)
		}
	}
	if inpututil.IsKeyJustPressed(ebiten.KeyEscape) {
		g.help = false
		g.ui.focus = ""
	}
	if g.help {
		return
	}
	ctrl := ebiten.IsKeyPressed(ebiten.KeyControl) || ebiten.IsKeyPressed(ebiten.KeyMeta)
	switch {
	case inpututil.IsKeyJustPressed(ebiten.KeyArrowRight):
		g.browse(func() error { return g.app.StepTest(1) })
	case inpututil.IsKeyJustPressed(ebiten.KeyArrowLeft):
		g.browse(func() error { return g.app.StepTest(-1) })
	case inpututil.IsKeyJustPressed(ebiten.KeyArrowDown):
		g.cycleLayer(1)
	case inpututil.IsKeyJustPressed(ebiten.KeyArrowUp):
		g.cycleLayer(-1)
	case inpututil.IsKeyJustPressed(ebiten.KeyPageDown):
		g.cycleView(1)
	case inpututil.IsKeyJustPressed(ebiten.KeyPageUp):
		g.cycleView(-1)
	case ctrl && inpututil.IsKeyJustPressed(ebiten.KeyZ):
		g.app.Undo()
	case inpututil.IsKeyJustPressed(ebiten.KeyDelete) || inpututil.IsKeyJustPressed(ebiten.KeyBackspace):
		g.app.Clear()
	}
}

// try shows err, if any, in the top bar.
func (g *game) try(err error) {
	if err != nil {
		g.say("%v", err)
	}
}

func (g *game) cycleView(d int) {
	vs := views()
	i := 0
	for j, v := range vs {
		if v.ID() == g.app.State.View {
			i = j
		}
	}
	g.app.SetView(vs[(i+d+len(vs))%len(vs)].ID())
}

func (g *game) cycleLayer(d int) {
	layers := g.app.Current().Net.Spec.Layers
	i := g.app.Current().Net.Index(g.app.State.Layer)
	if i < 0 && d < 0 {
		i = len(layers)
	}
	i = (i + d + len(layers)) % len(layers)
	g.app.SetLayer(layers[i].Name)
}

// currentView returns the selected view, or the first.
func (g *game) currentView() View {
	if v := viewByID(g.app.State.View); v != nil {
		return v
	}
	return views()[0]
}

// writeHash puts the state into the URL fragment, at most five times a
// second.
func (g *game) writeHash() {
	// history.replaceState takes milliseconds with a long drawing in the
	// link: the link follows when the pen is lifted.
	if g.app.Drawing() {
		return
	}
	if !g.app.HashChanged || time.Since(g.hashAt) < 200*time.Millisecond {
		return
	}
	g.app.HashChanged = false
	h := explorer.EncodeHash(g.app.State)
	if h != g.hashWritten {
		g.hashWritten = h
		g.hashAt = time.Now()
		replaceHash(h)
	}
}

// loadedFiles handles the files the user picked or dropped: a model's
// files (explorer.AreModelFiles) become a selectable model, one picture
// becomes the input.
func (g *game) loadedFiles(files map[string][]byte) {
	var names []string
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	if explorer.AreModelFiles(names) {
		m, note, err := g.app.AddModelFiles(files)
		if err != nil {
			showError(fmt.Sprintf("%s: %v", strings.Join(names, ", "), err))
			return
		}
		g.try(g.app.SetModel(m))
		if note != "" {
			g.say("loaded model %s; %s", m, note)
		} else {
			g.say("loaded model %s", m)
		}
		return
	}
	name, b := names[0], files[names[0]]
	// A photo is read in steps (a large one takes seconds to decode); the
	// top bar shows how far it is.
	err := g.app.StartUpload(b, func(err error) {
		if err != nil {
			showError(fmt.Sprintf("%s: %v", name, err))
			return
		}
		g.say("%s: uploaded", name)
	})
	if err != nil {
		showError(fmt.Sprintf("%s: %v", name, err))
	}
}

func main() {
	markTiming("main")
	app, err := explorer.New()
	if err != nil {
		showError(err.Error())
		log.Fatalf("cnnviz: %v", err)
	}
	markTiming("app")
	g := newGame(app)
	ebiten.SetWindowTitle("cnnviz")
	ebiten.SetWindowResizingMode(ebiten.WindowResizingModeEnabled)
	ebiten.SetScreenClearedEveryFrame(false)
	// Update once per displayed frame: the steppers' budget is per frame,
	// and a late frame must not be followed by catch-up Updates that make
	// the next one later still.
	ebiten.SetTPS(ebiten.SyncWithFPS)
	if err := ebiten.RunGame(g); err != nil {
		log.Fatalf("cnnviz: %v", err)
	}
}

// start runs once, on the first Update, when ebiten's canvas exists: it
// restores the link's state, defines window.cnnviz and tells the loader.
func (g *game) start() {
	if h := currentHash(); h != "" && h != "#" {
		g.applyLink(h)
	}
	g.app.HashChanged = false
	installAPI(g)
	installDOM(g)
	announce()
}

// rectsOf returns the rectangle of a panel.
func (g *game) rectOf(panel string) image.Rectangle {
	switch panel {
	case "input":
		return g.lay.input
	case "prediction":
		return g.lay.pred
	case "main":
		return g.lay.main
	}
	return image.Rect(0, 0, g.W, g.H)
}
