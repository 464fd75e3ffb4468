package explorer

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math/rand/v2"
	"strconv"
	"time"

	"cnnviz/core/actmax"
	"cnnviz/core/featuremaps"
	"cnnviz/core/nn"
	"cnnviz/core/render"
)

// Scheduler names of the optimized-inputs view's steppers.
const (
	ActmaxJob    = "actmax"
	ActmaxTopJob = "actmax-top"
	// ActmaxTopImages is the size of the test-set sample searched for each
	// channel's strongest images (a sample keeps it to a second or two).
	ActmaxTopImages = 400
	// ActmaxTopK is how many strongest images the atlas shows per channel.
	ActmaxTopK = 5
)

// ActmaxView is the view-model of the optimized-inputs view: what the
// link asks for (ActmaxState and the "am.mode" option), the run or atlas
// it started on the scheduler, and the search for each channel's
// strongest test images. The shell calls Sync once per tick and draws
// what the fields and methods give.
type ActmaxView struct {
	Key   string // what the running stepper was started for
	Err   string // the error to show instead of a picture
	Run   *actmax.Run
	Atlas *actmax.Atlas
	Gen   int           // counts restarts, for texture keys
	Start time.Time     // when the run or atlas started
	Took  time.Duration // time to finish, 0 while running
	Layer int           // layer of the run or atlas
	Net   *nn.Sequential

	Top    *featuremaps.TopSearch
	TopIdx []int // the test images searched
	TopKey string

	// GridBG is the colour of the atlas grid's gaps and unfinished tiles.
	GridBG color.Color
	// Grid is the atlas so far, one image pixel per pixel, tiles 1 pixel
	// apart as GridLayout places them; Sync paints the finished tiles.
	Grid       *image.RGBA
	GridLayout render.GridLayout
	painted    []bool
	paintedGen int
}

// Params returns the view's choices in a's state and whether it shows the
// atlas.
func (v *ActmaxView) Params(a *App) (ActmaxParams, bool, error) {
	p, err := ActmaxState(a.State, a.Current().Net, a.Target())
	return p, a.State.Option("am.mode", "") == "atlas", err
}

// Sync starts the run or the atlas that a's state asks for, unless it
// runs already, and the search of the strongest test images for the
// atlas once the test set is there.
func (v *ActmaxView) Sync(a *App) {
	v.ensure(a)
	if v.Atlas != nil && a.needTest() == nil {
		v.startTop(a)
	}
	if v.Atlas != nil {
		v.paintGrid()
	}
}

// paintGrid paints the atlas's channels finished since the last call, and
// the one in progress, into Grid.
func (v *ActmaxView) paintGrid() {
	at := v.Atlas
	n := at.Channels()
	in := v.Net.Spec.Input
	cols := 1
	for cols*cols < n {
		cols++
	}
	lay := render.Layout(n, in[1], in[2], cols, 1, 1)
	if v.Grid == nil || v.GridLayout != lay || v.paintedGen != v.Gen {
		gw, gh := lay.Size()
		v.Grid = image.NewRGBA(image.Rect(0, 0, gw, gh))
		bg := v.GridBG
		if bg == nil {
			bg = color.Black
		}
		draw.Draw(v.Grid, v.Grid.Rect, image.NewUniform(bg), image.Point{}, draw.Src)
		v.GridLayout, v.painted, v.paintedGen = lay, make([]bool, n), v.Gen
	}
	cur := at.Channel()
	for ch := 0; ch < n && ch <= cur; ch++ {
		if v.painted[ch] {
			continue
		}
		if t := at.Image(ch); t != nil {
			draw.Draw(v.Grid, lay.Tile(ch), ActmaxImage(t), image.Point{}, draw.Src)
			v.painted[ch] = ch < cur
		}
	}
}

func (v *ActmaxView) ensure(a *App) {
	net := a.Current().Net
	p, atlas, err := v.Params(a)
	key := fmt.Sprintf("%s|%v|%+v", a.State.Model, atlas, p)
	if atlas {
		q := p
		q.Objective, q.Channel, q.Y, q.X, q.Class, q.Weights, q.SnapEvery = "", 0, 0, 0, 0, nil, 0
		key = fmt.Sprintf("%s|atlas|%+v", a.State.Model, q)
	} else if p.Objective == "deepdream" {
		key += fmt.Sprint("|", a.Version)
	}
	if key == v.Key {
		return
	}
	v.Key, v.Err, v.Run, v.Atlas, v.Took = key, "", nil, nil, 0
	v.Gen++
	v.Net = net
	a.Sched.Stop(ActmaxJob)
	if err != nil {
		v.Err = err.Error()
		return
	}
	if atlas {
		p.Objective = "channel"
		p.Channel, p.SnapEvery = 0, 0
	}
	opt, err := p.Options(net, a.ModelInput())
	if err != nil {
		v.Err = err.Error()
		return
	}
	v.Start = time.Now()
	if atlas {
		at, err := actmax.NewAtlas(net, p.Layer, opt)
		if err != nil {
			v.Err = err.Error()
			return
		}
		v.Atlas, v.Layer = at, net.Index(p.Layer)
		a.Sched.Start(ActmaxJob, &actmaxStepper{v: v, s: at, app: a, key: key})
		return
	}
	r, err := actmax.New(net, opt)
	if err != nil {
		v.Err = err.Error()
		return
	}
	v.Run = r
	v.Layer = len(net.Layers) - 1
	if opt.Objective.Kind != actmax.Class {
		v.Layer = net.Index(p.Layer)
	}
	a.Sched.Start(ActmaxJob, &actmaxStepper{v: v, s: r, app: a, key: key})
}

// actmaxStepper runs the view's run or atlas; it stops (and lets the view
// start afresh on return) when the user leaves the view, so that a long
// atlas does not slow the other views down.
type actmaxStepper struct {
	v   *ActmaxView
	s   Stepper
	app *App
	key string
}

func (s *actmaxStepper) Step() bool {
	if s.app.State.View != "actmax" {
		if s.v.Key == s.key {
			s.v.Key = ""
		}
		return true
	}
	done := s.s.Step()
	if done && s.v.Key == s.key {
		s.v.Took = time.Since(s.v.Start)
	}
	return done
}

// startTop searches a seeded sample of the test set for each channel's
// strongest images, for the atlas's detail.
func (v *ActmaxView) startTop(a *App) {
	key := fmt.Sprint(a.State.Model, v.Layer, a.Test != nil)
	if key == v.TopKey || a.Test == nil {
		return
	}
	v.TopKey = key
	net := a.Current().Net
	n := min(ActmaxTopImages, a.Test.Count)
	v.TopIdx = featuremaps.Sample(rand.New(rand.NewPCG(1, 0x70b)), a.Test.Count, n)
	v.Top = featuremaps.NewTopSearch(net, v.Layer, SampleImages(a.Test, v.TopIdx, net.Spec.Input), n, ActmaxTopK)
	a.Sched.Start(ActmaxTopJob, v.Top)
}

// TopImages returns the 28×28 test images (stacked, 784 values each) that
// excite channel ch most so far, or nil.
func (v *ActmaxView) TopImages(a *App, ch int) []float32 {
	if v.Top == nil || a.Test == nil {
		return nil
	}
	res := v.Top.Result()
	if ch < 0 || ch >= len(res) {
		return nil
	}
	var pix []float32
	for _, tp := range res[ch] {
		pix = append(pix, a.Test.Float(v.TopIdx[tp.Image], make([]float32, 28*28))...)
	}
	return pix
}

// OptimizableLayers returns the layers the view offers: the convolutions
// and dense layers.
func OptimizableLayers(net *nn.Sequential) []string {
	var out []string
	for _, l := range net.Spec.Layers {
		if l.Kind == nn.KindConv2D || l.Kind == nn.KindDense {
			out = append(out, l.Name)
		}
	}
	return out
}

// Channels returns the number of channels (units) of the named layer, 1
// for an unknown one.
func Channels(net *nn.Sequential, layer string) int {
	if li := net.Index(layer); li >= 0 {
		return net.OutShape(li)[0]
	}
	return 1
}

// SecondChannel returns the other channel of a "direction" objective
// (the one besides p.Channel with a positive weight; p.Channel itself
// when its weight is 2).
func (p ActmaxParams) SecondChannel() int {
	second := 0
	for i, w := range p.Weights {
		if w > 0 && (i != p.Channel || w > 1) {
			second = i
		}
	}
	return second
}

// UnitAt returns the row and column of a "unit" objective on net, the
// centre of the layer's map for a negative p.Y or p.X, and whether the
// layer has a map.
func (p ActmaxParams) UnitAt(net *nn.Sequential) (y, x int, ok bool) {
	li := net.Index(p.Layer)
	if li < 0 || len(net.OutShape(li)) != 3 {
		return 0, 0, false
	}
	sh := net.OutShape(li)
	y, x = p.Y, p.X
	if y < 0 {
		y = sh[1] / 2
	}
	if x < 0 {
		x = sh[2] / 2
	}
	return y, x, true
}

// StepsShown returns the number of steps a run takes (100 for 0).
func (p ActmaxParams) StepsShown() int {
	if p.Steps == 0 {
		return 100
	}
	return p.Steps
}

// Status returns what the view shows above its picture: the step
// of a run, or the channel of an atlas, or the time either took.
func (v *ActmaxView) Status() string {
	switch {
	case v.Atlas != nil:
		n, name := v.Atlas.Channels(), v.Net.Spec.Layers[v.Layer].Name
		if v.Took > 0 {
			return fmt.Sprintf("%s: %d channels in %.1f s", name, n, v.Took.Seconds())
		}
		return fmt.Sprintf("%s: channel %d of %d", name, min(v.Atlas.Channel()+1, n), n)
	case v.Run != nil:
		done, total := v.Run.Steps()
		if v.Took > 0 {
			return fmt.Sprintf("%d steps in %.2f s", total, v.Took.Seconds())
		}
		return fmt.Sprintf("step %d of %d", done, total)
	}
	return ""
}

// SnapSteps lists the steps of snapshots for a caption: all of them up
// to six, else the first and the last.
func SnapSteps(snaps []actmax.Snapshot) string {
	if len(snaps) <= 6 {
		out := ""
		for i, s := range snaps {
			if i > 0 {
				out += ", "
			}
			out += strconv.Itoa(s.Step)
		}
		return out
	}
	return fmt.Sprintf("%d … %d", snaps[0].Step, snaps[len(snaps)-1].Step)
}

// FilterWeights are the weights of one filter of a convolution, as the
// atlas's detail shows them: up to Show of its input channels, each a
// KH×KW map, on one symmetric scale.
type FilterWeights struct {
	Layer        string // the convolution
	Maps         [][]float32
	KH, KW       int
	Show, Inputs int // maps shown, input channels in all
	Scale        render.Scale
}

// AtlasWeights returns the weights of filter ch of the last convolution
// at or before layer i, showing at most most input channels; ok is false
// when there is no such convolution or filter.
func AtlasWeights(net *nn.Sequential, i, ch, most int) (w FilterWeights, ok bool) {
	for i >= 0 && net.Spec.Layers[i].Kind != nn.KindConv2D {
		i = net.Spec.Prev(i)
	}
	if i < 0 {
		return w, false
	}
	ws := net.Layers[i].(*nn.Conv2D).W.Value
	nf, chn, kh, kw := ws.Shape[0], ws.Shape[1], ws.Shape[2], ws.Shape[3]
	if ch < 0 || ch >= nf {
		return w, false
	}
	k := kh * kw
	w = FilterWeights{Layer: net.Spec.Layers[i].Name, KH: kh, KW: kw, Show: min(chn, most), Inputs: chn}
	w.Maps = make([][]float32, w.Show)
	for j := range w.Maps {
		w.Maps[j] = ws.Data[(ch*chn+j)*k : (ch*chn+j+1)*k]
	}
	w.Scale = render.Fit(true, ws.Data[ch*chn*k:(ch+1)*chn*k])
	return w, true
}

// PNG returns the file name and bytes of the view's picture: the atlas
// grid (painted by the shell, given as grid) or the run's image enlarged
// 8 times.
func (v *ActmaxView) PNG(model string) (name string, b []byte, err error) {
	if v.Run == nil {
		return "", nil, fmt.Errorf("nothing optimized yet")
	}
	b, err = actmax.PNG(v.Run.Image(), actmax.Gray, 8)
	return fmt.Sprintf("cnnviz-actmax-%s.png", model), b, err
}

// AtlasName returns the file name of the atlas's PNG.
func (v *ActmaxView) AtlasName(model string) string {
	return fmt.Sprintf("cnnviz-atlas-%s-%s.png", model, v.Net.Spec.Layers[v.Layer].Name)
}

// GIF returns the file name and bytes of the run's snapshots as an
// animation.
func (v *ActmaxView) GIF(model string) (name string, b []byte, err error) {
	if v.Run == nil || len(v.Run.Snapshots()) == 0 {
		return "", nil, fmt.Errorf("no snapshots; choose “snapshot every” and let the run finish")
	}
	b, err = actmax.GIF(actmax.Frames(v.Run.Snapshots()), actmax.Gray, 8, 20)
	return fmt.Sprintf("cnnviz-actmax-%s.gif", model), b, err
}

// Maximize checks p against net and starts a run from start (the
// current input, for deep dream), for cnnviz.maximize.
func Maximize(net *nn.Sequential, p ActmaxParams, start []float32) (*actmax.Run, error) {
	opt, err := p.Options(net, start)
	if err != nil {
		return nil, err
	}
	return actmax.New(net, opt)
}
