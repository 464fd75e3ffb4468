package explorer

import (
	"fmt"
	"image"
	"time"

	"cnnviz/core/featuremaps"
	"cnnviz/core/render"
)

// LayersOptions are the options of the feature-map (layers) view, kept in
// the link as o.cmap and o.scale.
type LayersOptions struct {
	Cmap  string // "viridis" or "grey": the colormap of unsigned outputs
	Scale string // ScaleChannel, ScaleLayer or ScaleGlobal
}

// LayersCmaps lists the colormaps of unsigned outputs, the default first.
var LayersCmaps = []string{"viridis", "grey"}

// LayersScales lists the colour-scale modes, the default first.
var LayersScales = []string{ScaleChannel, ScaleLayer, ScaleGlobal}

// DefaultLayersOptions returns the options of a fresh page.
func DefaultLayersOptions() LayersOptions {
	return LayersOptions{Cmap: LayersCmaps[0], Scale: LayersScales[0]}
}

// ParseLayersOptions reads the options of s over the defaults and returns
// an error naming the first option that holds an unknown value.
func ParseLayersOptions(s State) (LayersOptions, error) {
	o := DefaultLayersOptions()
	var err error
	if o.Cmap, err = oneOf(s, "cmap", "colormap", LayersCmaps); err != nil {
		return DefaultLayersOptions(), err
	}
	if o.Scale, err = oneOf(s, "scale", "colour scale", LayersScales); err != nil {
		return DefaultLayersOptions(), err
	}
	return o, nil
}

// LayersOptionsOf is ParseLayersOptions that falls back to the defaults
// for a value it does not know, as a view reading a hand-edited link does.
func LayersOptionsOf(s State) LayersOptions {
	o := DefaultLayersOptions()
	if v, err := oneOf(s, "cmap", "colormap", LayersCmaps); err == nil {
		o.Cmap = v
	}
	if v, err := oneOf(s, "scale", "colour scale", LayersScales); err == nil {
		o.Scale = v
	}
	return o
}

// Store writes o into s's options; values at their defaults are removed,
// so that they stay out of links.
func (o LayersOptions) Store(s *State) {
	d := DefaultLayersOptions()
	s.SetOption("cmap", ifNot(o.Cmap, d.Cmap))
	s.SetOption("scale", ifNot(o.Scale, d.Scale))
}

// Colormap returns the colormap of a layer: Diverging for a signed one,
// else the chosen one.
func (o LayersOptions) Colormap(signed bool) render.Colormap {
	switch {
	case signed:
		return render.Diverging
	case o.Cmap == "grey":
		return render.Grey
	}
	return render.Viridis
}

// oneOf returns option key of s (vals[0] when unset), or an error naming
// what (the option in the user's words) when it is not one of vals.
func oneOf(s State, key, what string, vals []string) (string, error) {
	v := s.Option(key, vals[0])
	for _, ok := range vals {
		if v == ok {
			return v, nil
		}
	}
	return vals[0], fmt.Errorf("unknown %s %q in option %s (one of %v)", what, v, key, vals)
}

// ifNot returns v, or "" when v is def.
func ifNot(v, def string) string {
	if v == def {
		return ""
	}
	return v
}

// MapShape returns the channels of an output and each map's size; a flat
// output is one 1×1 map per unit.
func MapShape(shape []int) (n, h, w int) {
	if len(shape) == 3 {
		return shape[0], shape[1], shape[2]
	}
	n = 1
	for _, d := range shape {
		n *= d
	}
	return n, 1, 1
}

// Unit names one unit of one layer's output: channel Ch at row Y, column
// X (0, 0 for a flat layer, whose units are channels).
type Unit struct {
	Layer, Ch, Y, X int
}

// Valid reports whether u exists in acts.
func (u Unit) Valid(acts []Activation) bool {
	if u.Layer < 0 || u.Layer >= len(acts) {
		return false
	}
	n, h, w := MapShape(acts[u.Layer].Shape)
	return u.Ch >= 0 && u.Ch < n && u.Y >= 0 && u.Y < h && u.X >= 0 && u.X < w
}

// PeakUnit returns channel ch of layer at its largest value (the first
// one on ties), the unit the view shows for a pinned channel. It reports
// false when the layer or channel does not exist.
func PeakUnit(acts []Activation, layer, ch int) (Unit, bool) {
	if layer < 0 || layer >= len(acts) {
		return Unit{}, false
	}
	n, h, w := MapShape(acts[layer].Shape)
	if ch < 0 || ch >= n {
		return Unit{}, false
	}
	m := acts[layer].Data[ch*h*w : (ch+1)*h*w]
	best := 0
	for i, x := range m {
		if x > m[best] {
			best = i
		}
	}
	return Unit{layer, ch, best / w, best % w}, true
}

// ChannelSummary sums up one channel of an output: the value of one unit
// and the channel's range, mean and fraction of zeros.
type ChannelSummary struct {
	Value, Min, Max, Mean, Zeros float64
}

// SummarizeChannel returns the summary of u's channel with u's value (a
// flat layer's channel is its one unit). It panics if u is not valid.
func SummarizeChannel(acts []Activation, u Unit) ChannelSummary {
	if !u.Valid(acts) {
		panic(fmt.Sprintf("explorer: SummarizeChannel of %+v", u))
	}
	act := acts[u.Layer]
	_, h, w := MapShape(act.Shape)
	m := act.Data[u.Ch*h*w : (u.Ch+1)*h*w]
	s := ChannelSummary{Value: float64(m[u.Y*w+u.X]), Min: float64(m[0]), Max: float64(m[0])}
	zeros := 0
	for _, x := range m {
		s.Min, s.Max = min(s.Min, float64(x)), max(s.Max, float64(x))
		s.Mean += float64(x)
		if x == 0 {
			zeros++
		}
	}
	s.Mean /= float64(len(m))
	s.Zeros = float64(zeros) / float64(len(m))
	return s
}

// ReceptiveField returns the input pixels that can change unit u of model
// m (see featuremaps.ReceptiveField; a flat layer's unit is its channel).
func ReceptiveField(m *Model, u Unit) image.Rectangle {
	spec := m.Net.Spec
	if len(m.Net.OutShape(u.Layer)) == 1 {
		return featuremaps.ReceptiveField(spec, u.Layer, 0, u.Ch)
	}
	return featuremaps.ReceptiveField(spec, u.Layer, u.Y, u.X)
}

// ClassLabels returns the class names under the units of layer when it is
// the model's output (the last layer, one unit per class), else nil.
func ClassLabels(m *Model, layer int) []string {
	spec := m.Net.Spec
	if layer != len(spec.Layers)-1 {
		return nil
	}
	n, _, _ := MapShape(m.Net.OutShape(layer))
	if n != len(spec.Classes) || n == 0 {
		return nil
	}
	return spec.Classes
}

// Crop returns the rectangle r of test image i of a.Test as the model
// sees it (FitInput), row by row: the receptive field of a top image.
func (a *App) Crop(i int, r image.Rectangle) []float32 {
	in := a.Current().Net.Spec.Input
	full := FitInput(a.Test.Float(i, nil), in)
	crop := make([]float32, 0, r.Dx()*r.Dy())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		crop = append(crop, full[y*in[2]+r.Min.X:y*in[2]+r.Max.X]...)
	}
	return crop
}

// LayerTopK is how many top images the layers view finds per channel.
const LayerTopK = 6

// LayersView is the view-model of the feature-map view: its options, the
// colour scales of the current outputs and the top-images search of the
// pinned layer, which it starts on the app's scheduler.
type LayersView struct {
	top    *TopJob
	topKey string
	topT0  time.Time
	topMs  float64

	scales    [][]render.Scale
	scalesKey string
}

// Options returns the view's options (LayersOptionsOf).
func (v *LayersView) Options(a *App) LayersOptions { return LayersOptionsOf(a.State) }

// Update starts the top-images search (scheduler job "layers-top") when
// the pinned layer, the model or the test set changed, and notes when the
// running one finished.
func (v *LayersView) Update(a *App) {
	li := a.PinnedLayer()
	if li < 0 || a.needTest() != nil {
		return
	}
	key := fmt.Sprintf("%s %d %p", a.State.Model, li, a.Current().Net)
	if key == v.topKey {
		if v.top != nil && v.topMs == 0 {
			if d, n := v.top.Progress(); d == n {
				v.topMs = float64(time.Since(v.topT0).Microseconds()) / 1000
			}
		}
		return
	}
	idx, _ := TestSample(a.Test, a.Test.Count, 0)
	v.top = NewTopJob(a.Current(), li, a.Test, idx, LayerTopK)
	v.topKey, v.topT0, v.topMs = key, time.Now(), 0
	a.Sched.Start("layers-top", v.top)
}

// Top returns the running or finished search (nil before the first) and
// how long it took in milliseconds (0 while it runs).
func (v *LayersView) Top() (*TopJob, float64) { return v.top, v.topMs }

// Scales returns the colour scales of the current outputs in the view's
// mode (FeatureScales), computed once per input, model and mode.
func (v *LayersView) Scales(a *App) [][]render.Scale {
	mode := v.Options(a).Scale
	key := fmt.Sprint(a.Version, a.State.Model, mode)
	if key != v.scalesKey || len(v.scales) != len(a.Acts) {
		v.scales, v.scalesKey = FeatureScales(a.Acts, mode), key
	}
	return v.scales
}

// PinnedLayer returns the index of the state's layer in the current model,
// or -1.
func (a *App) PinnedLayer() int { return a.Current().Net.Index(a.State.Layer) }
