package explorer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"math"
	"time"

	"cnnviz/core/nn"
	"cnnviz/core/render"
)

// EmbedView is the embedding view's model: the Embedding it runs for the
// options in the App's state, how long its setup and run took, the
// per-layer Meaning, and the part of the plane the scatter shows. The
// shell calls Sync every frame, the button methods on clicks, and draws
// what the fields and the derived-data methods return.
type EmbedView struct {
	// E is the running or finished embedding; nil before the first Sync
	// that could start one, or after an error.
	E *Embedding
	// Meaning measures every layer when the user asks for it; nil before.
	Meaning *Meaning
	// Err is why the last start failed.
	Err error
	// Paused is set by the user: option changes do not start a run.
	Paused bool
	// Zoom is the part of the plane the scatter shows.
	Zoom ScatterZoom
	// Started is when the current run began; SetupAt the time from then
	// to the first iteration, DoneAt to the end (0 until then).
	Started         time.Time
	SetupAt, DoneAt time.Duration
	// Busy is the time spent in the run's Steps, Steps their number.
	Busy  time.Duration
	Steps int
	// Now is the clock; nil means time.Now. Tests replace it.
	Now func() time.Time

	want string // the key of the options E was made for
	net  *nn.Sequential
}

// NewEmbedView returns a view model with nothing running and the scatter
// at zoom 1.
func NewEmbedView() *EmbedView { return &EmbedView{Zoom: ScatterZoom{Zoom: 1}} }

func (v *EmbedView) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

// Options returns the embedding options of a's state for its current
// model.
func (v *EmbedView) Options(a *App) EmbedViewOptions {
	o, _ := EmbedViewOptionsOf(a.State)
	return o.Resolve(a.Current().Net)
}

// Sync starts a new embedding when the options (other than the
// colouring), the model or its weights changed since the last one (reusing the features when only the t-SNE
// settings changed), unless the MNIST test set is still loading. It
// returns what the user should be told: why the embedding cannot start, or
// which link option was ignored. It returns nil when nothing changed.
func (v *EmbedView) Sync(a *App) error {
	o, optErr := EmbedViewOptionsOf(a.State)
	net := a.Current().Net
	o = o.Resolve(net)
	k := o
	k.Color = "" // a new colouring needs no new run
	key := fmt.Sprintf("%s|%+v", a.Current().Name, k)
	if key == v.want && v.net == net {
		return nil
	}
	if o.Data == "mnist" && a.needTest() != nil {
		return nil // wait for the test set
	}
	var e *Embedding
	var err error
	switch {
	case o.Data != "mnist":
		ds, derr := SynthData(o.Data, o.Seed)
		if derr != nil {
			err = derr
			break
		}
		eo := o.Embed(ds.N)
		if v.E != nil && v.E.Feat.Net == nil && v.E.Opt.Source == ds.Name && v.want != "" && o.Seed == v.E.Opt.TSNE.Seed {
			e, err = v.E.Restart(eo)
		} else {
			e, err = NewSynthEmbedding(ds, eo)
		}
	default:
		eo := o.Embed(a.Test.Count)
		if v.E != nil && v.net == net && v.E.Feat.Net != nil {
			e, err = v.E.Restart(eo)
		} else if err = DigitsModel(net, "the embedding"); err == nil {
			e, err = NewEmbedding(net, a.Test, eo)
		}
	}
	v.want, v.net = key, net
	if err != nil {
		v.Err = err
		a.Sched.Stop(EmbedJob)
		v.E = nil
		return err
	}
	v.Err = nil
	if v.E == nil || v.E.Feat != e.Feat {
		v.Zoom.Reset()
	}
	v.E = e
	v.Zoom.Auto = render.Box{}
	v.Started, v.SetupAt, v.DoneAt, v.Busy, v.Steps = v.now(), 0, 0, 0, 0
	if v.Paused {
		a.Sched.Stop(EmbedJob)
	} else {
		a.Sched.Start(EmbedJob, v.run())
	}
	return optErr
}

// embedRun is the scheduler's stepper of an EmbedView: one Step of the
// embedding per Step, so that the scheduler's adaptive budget decides how
// many run in a frame; it counts the steps and their time.
type embedRun struct {
	v *EmbedView
	e *Embedding
}

func (r embedRun) Step() bool {
	t0 := r.v.now()
	r.v.Steps++
	done := r.e.Step()
	r.v.Busy += r.v.now().Sub(t0)
	return done
}

func (v *EmbedView) run() Stepper { return embedRun{v, v.E} }

// Running reports whether the embedding's stepper runs.
func (v *EmbedView) Running(a *App) bool { return a.Sched.Running(EmbedJob) }

// Observe notes the end of the setup and of the run; the shell calls it
// once per frame.
func (v *EmbedView) Observe(a *App) {
	e := v.E
	if e == nil || !e.Ready() {
		return
	}
	if v.SetupAt == 0 {
		v.SetupAt = v.now().Sub(v.Started)
	}
	if v.DoneAt == 0 && !v.Running(a) && e.Iteration() >= e.Opt.TSNE.MaxIter {
		v.DoneAt = v.now().Sub(v.Started)
	}
}

// Toggle is the run/pause button: it pauses a running embedding, runs a
// finished t-SNE again from the start, and otherwise resumes.
func (v *EmbedView) Toggle(a *App) error {
	e := v.E
	if e == nil {
		return nil
	}
	running := v.Running(a)
	v.Paused = running
	switch {
	case running:
		a.Sched.Stop(EmbedJob)
	case e.Iteration() >= e.Opt.TSNE.MaxIter && e.Opt.Method == "tsne":
		v.want = "" // finished: run again from the start
		return v.Sync(a)
	default:
		e.Until = 0
		a.Sched.Start(EmbedJob, v.run())
	}
	return nil
}

// StepOnce runs one more t-SNE iteration of a paused embedding and leaves
// it paused.
func (v *EmbedView) StepOnce(a *App) {
	if v.E == nil || v.Running(a) {
		return
	}
	v.Paused = true
	v.E.Until = v.E.Iteration() + 1
	a.Sched.Start(EmbedJob, v.run())
}

// Restart starts the embedding again from its first iteration and runs it.
func (v *EmbedView) Restart(a *App) error {
	v.want, v.Paused = "", false
	return v.Sync(a)
}

// Perturb restarts from a random layout with the next seed.
func (v *EmbedView) Perturb(a *App) {
	o := v.Options(a)
	a.SetOption(KeyEmbedInit, "random")
	a.SetOption(KeyEmbedSeed, fmt.Sprint(o.Seed+1))
}

// Measure starts measuring every layer of the current model on up to
// 1,000 test images (Meaning).
func (v *EmbedView) Measure(a *App) error {
	if err := a.needTest(); err != nil {
		return err
	}
	m, err := NewMeaning(a.Current().Net, a.Test, min(1000, a.Test.Count), 1)
	if err != nil {
		return err
	}
	v.Meaning = m
	a.Sched.Start(MeaningJob, m)
	return nil
}

// StatusLine is a line of the view's status text; Muted lines are
// secondary.
type StatusLine struct {
	Text  string
	Muted bool
}

// Status returns the lines that describe the embedding: its points and
// source, the method's progress, and the setup and per-iteration times.
func (v *EmbedView) Status(running bool) []StatusLine {
	e := v.E
	if e == nil {
		return nil
	}
	src := e.Feat.Source
	if e.Feat.D != e.Feat.Full {
		src += fmt.Sprintf(" (%d values → %d)", e.Feat.Full, e.Feat.D)
	} else {
		src += fmt.Sprintf(" (%d values)", e.Feat.D)
	}
	out := []StatusLine{{Text: fmt.Sprintf("%d points, %s", e.Feat.N, src)}}
	if e.Opt.Method == "pca" {
		return append(out, StatusLine{Text: "PCA: first two principal components, " + e.Phase()})
	}
	state := "paused"
	if running {
		state = "running"
	}
	kl := "–"
	if len(e.KL) > 0 {
		kl = fmt.Sprintf("%.3f", e.KL[len(e.KL)-1])
	}
	out = append(out, StatusLine{Text: fmt.Sprintf("iteration %d / %d · KL %s · %s · %s", e.Iteration(), e.Opt.TSNE.MaxIter, kl, e.Phase(), state)})
	if v.SetupAt > 0 {
		s := fmt.Sprintf("setup %.1f s", v.SetupAt.Seconds())
		if e.Iteration() > 0 {
			s += fmt.Sprintf(" · %.0f ms of work per iteration", float64(v.Busy.Milliseconds())/float64(e.Iteration()+1))
		}
		out = append(out, StatusLine{Text: s, Muted: true})
	}
	return out
}

// Progress returns the message shown in place of the scatter before it is
// ready.
func (v *EmbedView) Progress() string {
	e := v.E
	if e.Phase() == "activations" {
		return fmt.Sprintf("computing %s activations of %d test images… %.0f%%", e.Feat.Source, e.Feat.N, 100*e.Progress())
	}
	return fmt.Sprintf("%s… %.0f%%", e.Phase(), 100*e.Progress())
}

// ScatterRadius returns the radius of a point, in layout units, for n
// points: smaller discs for more points.
func ScatterRadius(n int) float64 {
	switch {
	case n > 5000:
		return 0.8
	case n <= 1000:
		return 2.4
	}
	return 1.6
}

// ExportName returns the base name of the view's downloads.
func (v *EmbedView) ExportName(model string) string {
	return fmt.Sprintf("embedding-%s-%s-%d", model, v.E.Feat.Source, v.E.Feat.N)
}

// CSV returns the current coordinates with labels and predictions, one
// point per line, or an error before there are any.
func (v *EmbedView) CSV() ([]byte, error) {
	if v.E == nil || !v.E.Ready() {
		return nil, fmt.Errorf("nothing to export yet")
	}
	xy, f := v.E.Positions(), v.E.Feat
	var b bytes.Buffer
	b.WriteString("index,x,y,label,prediction\n")
	for i := 0; i < f.N; i++ {
		fmt.Fprintf(&b, "%d,%g,%g,%d,%d\n", i, xy[2*i], xy[2*i+1], f.Labels[i], f.Pred[i])
	}
	return b.Bytes(), nil
}

// JSON returns the current coordinates, labels, predictions and settings
// as a JSON object, or an error before there are any.
func (v *EmbedView) JSON(model string) ([]byte, error) {
	if v.E == nil || !v.E.Ready() {
		return nil, fmt.Errorf("nothing to export yet")
	}
	e, f := v.E, v.E.Feat
	out := map[string]any{"model": model, "source": f.Source, "n": f.N, "method": e.Opt.Method,
		"iterations": e.Iteration(), "coords": e.Positions(), "labels": f.Labels, "predictions": f.Pred}
	if e.Opt.Method == "tsne" {
		out["perplexity"] = e.Opt.TSNE.Perplexity
		out["seed"] = e.Opt.TSNE.Seed
	}
	return json.Marshal(out)
}

// ScatterZoom is the part of the embedding's plane that the scatter
// shows: an automatic square box around the points (Auto), zoomed by Zoom
// about its centre moved by (CX, CY) box widths.
type ScatterZoom struct {
	Auto         render.Box
	Zoom, CX, CY float64
}

// Reset shows the whole automatic box again.
func (z *ScatterZoom) Reset() { z.Zoom, z.CX, z.CY = 1, 0, 0 }

// ClampZoom keeps a zoom factor between showing twice the embedding's box
// and a 200th of it.
func ClampZoom(z float64) float64 { return max(0.5, min(200, z)) }

// Box returns the data box shown: the automatic box, zoomed and panned.
func (z ScatterZoom) Box() render.Box {
	b := z.Auto
	w, h := (b.X1-b.X0)/z.Zoom, (b.Y1-b.Y0)/z.Zoom
	mx, my := (b.X0+b.X1)/2+z.CX*(b.X1-b.X0), (b.Y0+b.Y1)/2+z.CY*(b.Y1-b.Y0)
	return render.Box{X0: mx - w/2, X1: mx + w/2, Y0: my - h/2, Y1: my + h/2}
}

// Fit grows the automatic box to hold the points xy (n×2) with a margin,
// and shrinks it only when they fill less than a third of it, so that the
// picture does not jump every frame.
func (z *ScatterZoom) Fit(xy []float32) {
	f := render.FitBox(xy)
	// A square around the points with an 8% margin.
	cx, cy := (f.X0+f.X1)/2, (f.Y0+f.Y1)/2
	r := max(f.X1-f.X0, f.Y1-f.Y0) / 2 * 1.08
	b := z.Auto
	if b == (render.Box{}) || f.X0 < b.X0 || f.X1 > b.X1 || f.Y0 < b.Y0 || f.Y1 > b.Y1 || 2*r*3 < (b.X1-b.X0) {
		// Grow with headroom, so that a growing embedding does not
		// rescale every frame.
		r *= 1.25
		z.Auto = render.Box{X0: cx - r, X1: cx + r, Y0: cy - r, Y1: cy + r}
	}
}

// plotSize returns the width and height, in pixels, of the area inside
// so's margins over which the box spans.
func plotSize(so render.ScatterOptions) (w, h float64) {
	return float64(so.Width - 2*so.Margin - 1), float64(so.Height - 2*so.Margin - 1)
}

// DataAt returns the data point drawn at pixel p of a scatter drawn with
// so and the box z.Box() (p relative to the scatter's top-left corner):
// the inverse of so.Project.
func (z ScatterZoom) DataAt(so render.ScatterOptions, p image.Point) (x, y float64) {
	b := z.Box()
	w, h := plotSize(so)
	x = b.X0 + float64(p.X-so.Margin)/w*(b.X1-b.X0)
	y = b.Y0 + float64(so.Height-1-so.Margin-p.Y)/h*(b.Y1-b.Y0)
	return x, y
}

// ZoomAbout sets the zoom to zoom and pans so that the data point (x, y)
// is drawn at pixel p.
func (z *ScatterZoom) ZoomAbout(so render.ScatterOptions, p image.Point, x, y, zoom float64) {
	w, h := plotSize(so)
	fx := float64(p.X-so.Margin) / w
	fy := float64(so.Height-1-so.Margin-p.Y) / h
	bw, bh := z.Auto.X1-z.Auto.X0, z.Auto.Y1-z.Auto.Y0
	x0, y0 := x-fx*bw/zoom, y-fy*bh/zoom
	z.Zoom = zoom
	z.CX = (x0 + bw/zoom/2 - (z.Auto.X0+z.Auto.X1)/2) / bw
	z.CY = (y0 + bh/zoom/2 - (z.Auto.Y0+z.Auto.Y1)/2) / bh
}

// Pan sets the centre to from's moved by the pointer's drag d (pixels),
// so that the picture follows the pointer.
func (z *ScatterZoom) Pan(so render.ScatterOptions, from ScatterZoom, d image.Point) {
	w, _ := plotSize(so)
	z.CX = from.CX - float64(d.X)/w/z.Zoom
	z.CY = from.CY + float64(d.Y)/w/z.Zoom
}

// Nearest returns the index of the point of xy (n×2) drawn nearest to
// pixel p by so, if it is within radius pixels, else -1.
func Nearest(xy []float32, so render.ScatterOptions, p image.Point, radius int) int {
	best, at := float64(radius*radius), -1
	// Points further than radius+1 pixels along an axis are skipped
	// before projecting (which rounds, and costs most of the time).
	b := so.Box
	w, h := plotSize(so)
	cx, cy := ScatterZoom{Auto: b, Zoom: 1}.DataAt(so, p)
	mx, my := float64(radius+1)*(b.X1-b.X0)/w, float64(radius+1)*(b.Y1-b.Y0)/h
	for i := 0; i < len(xy)/2; i++ {
		x, y := float64(xy[2*i]), float64(xy[2*i+1])
		if !(math.Abs(x-cx) <= mx && math.Abs(y-cy) <= my) {
			continue // far, or NaN
		}
		q := so.Project(so.Box, x, y)
		dx, dy := float64(q.X-p.X), float64(q.Y-p.Y)
		if d := dx*dx + dy*dy; d < best {
			best, at = d, i
		}
	}
	return at
}

// KLSeries returns the sampled KL divergence of the t-SNE run against the
// iteration, for a chart.
func (v *EmbedView) KLSeries() (iters, kl []float64) {
	if v.E == nil {
		return nil, nil
	}
	iters = make([]float64, len(v.E.KLIter))
	for i, it := range v.E.KLIter {
		iters[i] = float64(it)
	}
	return iters, v.E.KL
}

// Summary returns the measured layers as one line: per source, its
// index, name, 1-NN accuracy and pixel neighbours kept, in percent.
func (m *Meaning) Summary() string {
	var b bytes.Buffer
	for i, name := range m.Sources[:len(m.OneNN)] {
		fmt.Fprintf(&b, "%d %s %.0f%%/%.0f%%  ", i, name, 100*m.OneNN[i], 100*m.Kept[i])
	}
	return b.String()
}
