package explorer

import (
	"fmt"
	"image"
	"math"
	"strconv"
	"strings"

	"cnnviz/core/actmax"
	"cnnviz/core/nn"
	"cnnviz/core/tensor"
)

// ActmaxParams are the choices of one activation maximization, as the
// optimized-inputs view and the JavaScript API make them: which objective,
// and which regularizers and transforms with which strengths. The zero
// value of a strength means off. Options turns them into actmax.Options,
// checking every one.
type ActmaxParams struct {
	// Objective is "channel" (the default when empty), "unit", "class",
	// "direction" or "deepdream".
	Objective string
	Layer     string // every objective but "class"
	Channel   int    // "channel", "unit"
	Y, X      int    // "unit"; -1 means the centre of the layer's map
	Class     int    // "class"
	Weights   []float32
	Negate    bool

	Steps int // 0 means 100
	Seed  uint64
	LR    float64 // 0 means actmax's default

	Fourier bool
	Decay   float64 // Fourier spectrum decay; 0 means 1
	// Decorrelate is the colour space of the parameters: the zero value
	// decorrelates a colour model's colours (actmax.Options.Decorrelate).
	Decorrelate actmax.Decorrelation
	L2, TV      float64
	BlurEvery   int
	BlurSigma   float64
	Jitter      int
	Scale       float64
	Rotate      float64
	Pad         int
	// Octaves > 0 optimizes first at 1/2^Octaves … 1/2 of the input's
	// size (progressive upscaling).
	Octaves int
	// SnapEvery > 0 keeps a snapshot at step 0 and every SnapEvery steps.
	SnapEvery int
}

// MaxActmaxSteps bounds the steps of one maximization.
const MaxActmaxSteps = 5000

// ActmaxObjectives are the objective names, in the order the view offers
// them.
var ActmaxObjectives = []string{"channel", "unit", "class", "direction", "deepdream"}

// Options checks p against net and returns the options for actmax.New.
// current is the model's current input (in net's input shape), the start
// of deep dream. Errors name the bad choice.
func (p ActmaxParams) Options(net *nn.Sequential, current []float32) (actmax.Options, error) {
	var o actmax.Options
	kind := -1
	obj := p.Objective
	if obj == "" {
		obj = "channel"
	}
	for i, n := range ActmaxObjectives {
		if n == obj {
			kind = i
		}
	}
	if kind < 0 {
		return o, fmt.Errorf("objective %q: want one of %s", p.Objective, strings.Join(ActmaxObjectives, ", "))
	}
	o.Objective = actmax.Objective{Kind: actmax.Kind(kind), Layer: p.Layer, Channel: p.Channel, Class: p.Class,
		Y: p.Y, X: p.X, Negate: p.Negate}
	if o.Objective.Kind != actmax.Class {
		li := net.Index(p.Layer)
		if li < 0 {
			return o, fmt.Errorf("model %s has no layer %q (have: %s)", net.Spec.Name, p.Layer, strings.Join(layerNames(net), ", "))
		}
		if sh := net.OutShape(li); o.Objective.Kind == actmax.Unit && len(sh) == 3 {
			if p.Y < 0 {
				o.Objective.Y = sh[1] / 2
			}
			if p.X < 0 {
				o.Objective.X = sh[2] / 2
			}
		} else if p.Y < 0 || p.X < 0 {
			o.Objective.Y, o.Objective.X = 0, 0
		}
	}
	if o.Objective.Kind == actmax.Direction {
		o.Objective.Weights = p.Weights
	}
	if o.Objective.Kind == actmax.DeepDream {
		o.Start = current
	}
	switch {
	case p.Steps < 0 || p.Steps > MaxActmaxSteps:
		return o, fmt.Errorf("steps %d: want 1..%d", p.Steps, MaxActmaxSteps)
	case p.Octaves < 0 || p.Octaves > 3:
		return o, fmt.Errorf("upscaling octaves %d: want 0..3", p.Octaves)
	case p.SnapEvery < 0:
		return o, fmt.Errorf("snapshot interval %d: want 0 (none) or more", p.SnapEvery)
	case p.BlurEvery < 0:
		return o, fmt.Errorf("blur interval %d: want 0 (off) or more", p.BlurEvery)
	}
	o.Steps = p.Steps
	if o.Steps == 0 {
		o.Steps = 100
	}
	o.Seed, o.LR = p.Seed, p.LR
	o.Fourier, o.Decay, o.Decorrelate = p.Fourier, p.Decay, p.Decorrelate
	o.L2, o.TV = p.L2, p.TV
	o.BlurEvery, o.BlurSigma = p.BlurEvery, p.BlurSigma
	o.Jitter, o.Scale, o.Rotate, o.Pad = p.Jitter, p.Scale, p.Rotate, p.Pad
	if p.Octaves > 0 {
		h := net.Spec.Input[1]
		for k := p.Octaves; k >= 1; k-- {
			if s := h >> k; s >= 2 && (len(o.Upscale) == 0 || s > o.Upscale[len(o.Upscale)-1]) {
				o.Upscale = append(o.Upscale, s)
			}
		}
	}
	if p.SnapEvery > 0 {
		for s := 0; s <= o.Steps; s += p.SnapEvery {
			o.Snapshots = append(o.Snapshots, s)
		}
		if o.Snapshots[len(o.Snapshots)-1] != o.Steps {
			o.Snapshots = append(o.Snapshots, o.Steps)
		}
	}
	// actmax.New checks the rest (ranges of strengths, channels, class).
	if _, err := actmax.New(net, o); err != nil {
		return o, fmt.Errorf("%s", strings.TrimPrefix(err.Error(), "actmax: "))
	}
	return o, nil
}

// DefaultActmaxLayer returns the layer the view optimizes for when the
// state names none: the last convolution (the first layer otherwise). The
// first convolution is a poor default: its channel mean is linear in the
// input, so its optimum is a field of 0s and 1s set by the signs of the
// filter's weights, whatever the regularizers; deeper channels have
// patterns to show.
func DefaultActmaxLayer(net *nn.Sequential) string {
	name := net.Spec.Layers[0].Name
	for _, l := range net.Spec.Layers {
		if l.Kind == nn.KindConv2D {
			name = l.Name
		}
	}
	return name
}

func layerNames(net *nn.Sequential) []string {
	out := make([]string, len(net.Spec.Layers))
	for i, l := range net.Spec.Layers {
		out[i] = l.Name
	}
	return out
}

// ActmaxKnob is one regularizer, transform or parameterization of the
// view: its option name in the link, a label, a one-line explanation for
// students, the strengths offered (as option values) and the default
// strength ("" for off). A link without the option gets the default; "0"
// turns a knob off whose default is on.
type ActmaxKnob struct {
	Key, Label, Help string
	Levels           []string
	Default          string
}

// The view's defaults for the knobs that are on in a fresh page: without
// them the optimized picture of most channels is a black or white field
// with a few bright lines (pixel noise the network happens to like);
// shifting by up to 2 pixels each step and blurring every 4 steps was the
// cleanest of a sweep over the knobs.
const (
	DefaultActmaxJitter    = 2
	DefaultActmaxBlurEvery = 4
)

// ActmaxKnobs lists the view's toggles in the order shown.
var ActmaxKnobs = []ActmaxKnob{
	{KeyColourSpace, "colour space", "learn brightness and colour apart, as photos vary", []string{"on"}, "on"},
	{"am.fourier", "Fourier", "learn frequencies, coarse ones faster (1/f power)", []string{"0.5", "1", "1.5"}, ""},
	{"am.l2", "L2 decay", "penalize bright pixels: only what is needed stays", []string{"0.3", "1", "3"}, ""},
	{"am.tv", "total variation", "penalize jumps between neighbours: smoother", []string{"0.3", "1", "3"}, ""},
	{"am.blur", "blur", "blur every N steps, wiping out pixel noise", []string{"8", "4", "2"}, strconv.Itoa(DefaultActmaxBlurEvery)},
	{"am.jitter", "jitter", "shift randomly by up to N pixels each step", []string{"1", "2", "4"}, strconv.Itoa(DefaultActmaxJitter)},
	{"am.scale", "scale", "zoom randomly by up to ± this fraction each step", []string{"0.05", "0.1", "0.2"}, ""},
	{"am.rotate", "rotate", "turn randomly by up to ± N degrees each step", []string{"5", "10", "20"}, ""},
	{"am.pad", "pad", "add an N-pixel border, so shifts bring in blank", []string{"2", "4", "8"}, ""},
	{"am.up", "upscale", "start N halvings smaller, enlarge as it goes", []string{"1", "2", "3"}, ""},
}

// KeyColourSpace is the knob of decorrelated colours: on (the default)
// or "0" for plain red, green and blue. Only colour models have it.
const KeyColourSpace = "am.colour"

// ColourSpace returns the colour space of ActmaxParams.Decorrelate that
// asks for decorrelated colours (refused for a grey model) or for plain
// red, green and blue.
func ColourSpace(decorrelated bool) actmax.Decorrelation {
	if decorrelated {
		return actmax.DecorrelateOn
	}
	return actmax.DecorrelateOff
}

// ActmaxKnobsFor returns the knobs that apply to net: all of ActmaxKnobs
// for a colour model, all but the colour space for a grey one.
func ActmaxKnobsFor(net *nn.Sequential) []ActmaxKnob {
	if IsColour(net) {
		return ActmaxKnobs
	}
	var out []ActmaxKnob
	for _, k := range ActmaxKnobs {
		if k.Key != KeyColourSpace {
			out = append(out, k)
		}
	}
	return out
}

// Value returns the knob's strength in s: its option, or the default when
// the option is not set; "" when the knob is off.
func (k ActmaxKnob) Value(s State) string {
	v := s.Option(k.Key, k.Default)
	if f, err := strconv.ParseFloat(v, 64); err == nil && f == 0 {
		return ""
	}
	return v
}

// Next returns the option value that moves the knob on from its strength
// in s to the next one (off, then Levels in order, then off again): ""
// for the default strength, "0" for off when the default is on.
func (k ActmaxKnob) Next(s State) string {
	levels := append([]string{""}, k.Levels...)
	i := 0
	for j, l := range levels {
		if l == k.Value(s) {
			i = j
		}
	}
	next := levels[(i+1)%len(levels)]
	switch {
	case next == k.Default:
		return ""
	case next == "":
		return "0"
	}
	return next
}

// ActmaxState reads the view's choices from a link's state for net: the
// layer and channel from s.Layer and s.Channel (defaults: the last
// convolution, channel 0; see DefaultActmaxLayer), the class from class
// (the selected or predicted one), the seed from s.Seed and everything
// else from options named "am.…" (the knobs' defaults in ActmaxKnobs). It
// reports malformed values as errors and keeps their defaults.
func ActmaxState(s State, net *nn.Sequential, class int) (ActmaxParams, error) {
	p := ActmaxParams{Objective: s.Option("am.obj", "channel"), Layer: s.Layer, Channel: max(s.Channel, 0),
		Class: max(class, 0), Seed: s.Seed, Y: -1, X: -1,
		Jitter: DefaultActmaxJitter, BlurEvery: DefaultActmaxBlurEvery}
	if net.Index(p.Layer) < 0 {
		p.Layer = DefaultActmaxLayer(net)
		p.Channel = 0
	}
	var errs []string
	num := func(key string, dst *float64) {
		v, ok := s.Options[key]
		if !ok {
			return
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
			errs = append(errs, fmt.Sprintf("%s: %q is not a number ≥ 0", key, v))
			return
		}
		*dst = f
	}
	whole := func(key string, dst *int) {
		v, ok := s.Options[key]
		if !ok {
			return
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > MaxActmaxSteps {
			errs = append(errs, fmt.Sprintf("%s: %q is not a whole number 0..%d", key, v, MaxActmaxSteps))
			return
		}
		*dst = n
	}
	var decay float64
	num("am.fourier", &decay)
	p.Fourier, p.Decay = decay > 0, decay
	num("am.l2", &p.L2)
	num("am.tv", &p.TV)
	whole("am.blur", &p.BlurEvery)
	whole("am.jitter", &p.Jitter)
	num("am.scale", &p.Scale)
	num("am.rotate", &p.Rotate)
	whole("am.pad", &p.Pad)
	whole("am.up", &p.Octaves)
	whole("am.steps", &p.Steps)
	whole("am.snap", &p.SnapEvery)
	whole("am.y", &p.Y)
	whole("am.x", &p.X)
	p.Negate = s.Option("am.neg", "") == "1"
	switch v := s.Option(KeyColourSpace, "on"); v {
	case "on", "1":
	case "0":
		if IsColour(net) {
			p.Decorrelate = actmax.DecorrelateOff
		}
	default:
		errs = append(errs, fmt.Sprintf("%s: %q is not on or 0", KeyColourSpace, v))
	}
	if p.Objective == "direction" {
		li := net.Index(p.Layer)
		c := net.OutShape(li)[0]
		second := (p.Channel + 1) % c
		whole("am.ch2", &second)
		p.Weights = make([]float32, c)
		p.Weights[p.Channel%c]++
		p.Weights[second%c]++
	}
	if len(errs) > 0 {
		return p, fmt.Errorf("optimized inputs: %s", strings.Join(errs, "; "))
	}
	return p, nil
}

// ActmaxImage turns an image [C, H, W] in 0..1 into RGBA: grey for one
// channel, colour for three (the first three channels otherwise). It
// panics if img is not three-dimensional.
func ActmaxImage(img *tensor.Tensor) *image.RGBA {
	if len(img.Shape) != 3 {
		panic(fmt.Sprintf("explorer: ActmaxImage of shape %v", img.Shape))
	}
	c, h, w := img.Shape[0], img.Shape[1], img.Shape[2]
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	level := func(v float32) uint8 { return uint8(math.Round(float64(min(max(v, 0), 1)) * 255)) }
	for i := 0; i < h*w; i++ {
		r := level(img.Data[i])
		g, b := r, r
		if c >= 3 {
			g, b = level(img.Data[h*w+i]), level(img.Data[2*h*w+i])
		}
		out.Pix[4*i], out.Pix[4*i+1], out.Pix[4*i+2], out.Pix[4*i+3] = r, g, b, 255
	}
	return out
}
