package explorer

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	"cnnviz/core/featuremaps"
	"cnnviz/core/nn"
	"cnnviz/core/render"
)

// ConvUnit is the arithmetic behind one output of a convolution layer
// (featuremaps.ConvUnit).
type ConvUnit = featuremaps.ConvUnit

// Limits and defaults of the conv view's animation speed, in kernel
// positions per second.
const (
	MaxConvSpeed     = 30
	DefaultConvSpeed = 3
	minConvSpeed     = 0.5
)

// ConvOptions are the options of the convolution step-through (conv)
// view, kept in the link as o.speed and o.inch.
type ConvOptions struct {
	Speed float64 // kernel positions per second, 0..MaxConvSpeed
	InCh  int     // the input-channel slice shown
}

// DefaultConvOptions returns the options of a fresh page.
func DefaultConvOptions() ConvOptions { return ConvOptions{Speed: DefaultConvSpeed} }

// ParseConvOptions reads the options of s over the defaults and returns
// an error naming the first option that does not parse or is out of
// range. The slice is checked against a layer by ConvView.
func ParseConvOptions(s State) (ConvOptions, error) {
	o := DefaultConvOptions()
	if v := s.Option("speed", ""); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || !(f >= 0 && f <= MaxConvSpeed) {
			return DefaultConvOptions(), fmt.Errorf("speed %q is not a number of positions per second in 0..%d", v, MaxConvSpeed)
		}
		o.Speed = f
	}
	if v := s.Option("inch", ""); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return DefaultConvOptions(), fmt.Errorf("input channel %q is not a whole number from 0", v)
		}
		o.InCh = n
	}
	return o, nil
}

// ConvOptionsOf reads the options of s as the view does: a speed that
// does not parse or is negative is the default, one above the limit is
// the limit; a bad slice is 0.
func ConvOptionsOf(s State) ConvOptions {
	o := DefaultConvOptions()
	if f, err := strconv.ParseFloat(s.Option("speed", ""), 64); err == nil && f >= 0 {
		o.Speed = math.Min(f, MaxConvSpeed)
	}
	if n, err := strconv.Atoi(s.Option("inch", "")); err == nil && n >= 0 {
		o.InCh = n
	}
	return o
}

// Store writes o into s's options, defaults left out of links.
func (o ConvOptions) Store(s *State) {
	d := DefaultConvOptions()
	s.SetOption("speed", ifNot(strconv.FormatFloat(o.Speed, 'f', -1, 64), strconv.FormatFloat(d.Speed, 'f', -1, 64)))
	s.SetOption("inch", ifNot(strconv.Itoa(o.InCh), strconv.Itoa(d.InCh)))
}

// SnapSpeed returns s clamped to the slider's range and rounded to half a
// position per second, as the speed buttons and slider set it.
func SnapSpeed(s float64) float64 {
	return math.Round(math.Max(minConvSpeed, math.Min(MaxConvSpeed, s))*2) / 2
}

// ConvLayers returns the indices of m's convolution layers.
func ConvLayers(m *Model) []int {
	var out []int
	for i, l := range m.Net.Spec.Layers {
		if l.Kind == nn.KindConv2D {
			out = append(out, i)
		}
	}
	return out
}

// SelectedConv returns the state's layer if it is a convolution of the
// current model, else its first convolution, or -1 when it has none.
func SelectedConv(a *App) int {
	convs := ConvLayers(a.Current())
	if len(convs) == 0 {
		return -1
	}
	if i := a.PinnedLayer(); slices.Contains(convs, i) {
		return i
	}
	return convs[0]
}

// ConvTarget returns the convolution layer the conv view shows and its
// output channel (the state's channel when it is in range, else 0); layer
// is -1 when the model has no convolution.
func ConvTarget(a *App) (layer, filter int) {
	layer = SelectedConv(a)
	if layer < 0 {
		return -1, 0
	}
	if a.State.Layer == a.Current().Net.Spec.Layers[layer].Name && a.State.Channel >= 0 && a.State.Channel < a.Current().Net.OutShape(layer)[0] {
		filter = a.State.Channel
	}
	return layer, filter
}

// ConvScanPosition returns the output position (row, column) that frame
// step of the convolution step-through animation shows: the kernel moves
// along rows, left to right, top to bottom, and starts again at the top
// left after the last position of an h×w output.
func ConvScanPosition(step, h, w int) (y, x int) {
	if h < 1 || w < 1 {
		panic(fmt.Sprintf("explorer: ConvScanPosition over a %d×%d output", h, w))
	}
	p := ((step % (h * w)) + h*w) % (h * w)
	return p / w, p % w
}

// ConvFrame is everything one picture of the conv view shows: the unit's
// arithmetic, the slice of the layer's input it reads, the output map and
// the colour scales.
type ConvFrame struct {
	Version      int // the App's Version it was computed for
	Layer        int
	Name         string
	Filter       int
	Out          []int // the layer's output shape [F, H, W]
	Y, X         int   // the output position shown
	Unit         ConvUnit
	InCh         int       // the input-channel slice shown
	In           []float32 // that slice of the layer's input, InH×InW
	InH, InW     int
	OutMap       []float32 // the filter's output map, before ReLU
	InScale      render.Scale
	OutScale     render.Scale
	KernelScale  render.Scale
	ProductScale render.Scale
	// Partial is the sum of the products of slice InCh alone.
	Partial float64
}

// Tap returns slice InCh of one of the unit's [C, KH, KW] arrays (Patch,
// Kernel, Products).
func (f ConvFrame) Tap(d []float32) []float32 {
	k := f.Unit.KH * f.Unit.KW
	return d[f.InCh*k : (f.InCh+1)*k]
}

// PadTap returns slice InCh of the unit's Padding.
func (f ConvFrame) PadTap() []bool {
	k := f.Unit.KH * f.Unit.KW
	return f.Unit.Padding[f.InCh*k : (f.InCh+1)*k]
}

// ConvView is the view-model of the conv view: the animation (playing, or
// paused at a pinned position) and the frame it shows.
type ConvView struct {
	Playing    bool
	step       int     // kernel positions since the start
	acc        float64 // fractional positions not yet taken
	pinY, pinX int
	frame      ConvFrame
	frameKey   string
}

// NewConvView returns a playing animation.
func NewConvView() *ConvView { return &ConvView{Playing: true} }

// Tick advances a playing animation by one frame at speed positions per
// second and fps frames per second.
func (v *ConvView) Tick(speed, fps float64) {
	if !v.Playing {
		return
	}
	v.acc += speed / fps
	for v.acc >= 1 {
		v.acc--
		v.step++
	}
}

// Toggle plays or pauses; pausing keeps the position shown for an h×w
// output.
func (v *ConvView) Toggle(h, w int) {
	v.Playing = !v.Playing
	if !v.Playing {
		v.pinY, v.pinX = ConvScanPosition(v.step, h, w)
	}
}

// Pin pauses at output position (y, x).
func (v *ConvView) Pin(y, x int) { v.pinY, v.pinX, v.Playing = y, x, false }

// Position returns the output position shown for an h×w output.
func (v *ConvView) Position(h, w int) (y, x int) {
	if v.Playing {
		return ConvScanPosition(v.step, h, w)
	}
	return min(v.pinY, h-1), min(v.pinX, w-1)
}

// Key changes whenever the position shown changes.
func (v *ConvView) Key() string { return fmt.Sprint(v.step, v.Playing, v.pinY, v.pinX) }

// Frame returns the picture of the current state, computed again only
// when the input, model, layer, filter, position or slice changed. It
// reports false when the model has no convolution or the app's outputs
// are not yet those of its model (until the next Refresh).
func (v *ConvView) Frame(a *App) (ConvFrame, bool) {
	layer, o := ConvTarget(a)
	net := a.Current().Net
	if layer < 0 || layer >= len(a.Acts) || !slices.Equal(a.Acts[layer].Shape, net.OutShape(layer)) {
		return ConvFrame{}, false
	}
	out := net.OutShape(layer)
	y, x := v.Position(out[1], out[2])
	ic := ConvOptionsOf(a.State).InCh
	key := fmt.Sprint(a.Version, a.State.Model, layer, o, y, x, ic)
	if key == v.frameKey {
		return v.frame, true
	}
	f := ConvFrame{Version: a.Version, Layer: layer, Name: net.Spec.Layers[layer].Name, Filter: o, Out: out, Y: y, X: x}
	f.Unit = featuremaps.Conv(net, a.ModelInput(), layer, o, y, x)
	if ic >= f.Unit.C {
		ic = 0
	}
	f.InCh = ic
	inData, in := a.ModelInput(), net.Spec.Input
	if j := net.Spec.Prev(layer); j >= 0 {
		inData, in = a.Acts[j].Data, a.Acts[j].Shape
	}
	f.InH, f.InW = in[1], in[2]
	c := f.Unit.C0 + ic // the filter's input channel ic, in its group
	f.In = inData[c*f.InH*f.InW : (c+1)*f.InH*f.InW]
	f.OutMap = a.Acts[layer].Data[o*out[1]*out[2] : (o+1)*out[1]*out[2]]
	f.InScale = render.Fit(false, f.In)
	f.OutScale = render.Fit(true, f.OutMap)
	f.KernelScale = render.Fit(true, f.Unit.Kernel)
	f.ProductScale = render.Fit(true, f.Unit.Products)
	for _, p := range f.Tap(f.Unit.Products) {
		f.Partial += float64(p)
	}
	v.frame, v.frameKey = f, key
	return f, true
}
