package actmax

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	ag "cnnviz/core/autograd"
	"cnnviz/core/inputopt"
	"cnnviz/core/nn"
	"cnnviz/core/tensor"
)

// Options configure one activation maximization. The zero value of every
// field but Objective is a sensible default; every regularizer is off at
// zero.
type Options struct {
	Objective Objective
	// Steps is the number of ascent steps (0 means 100).
	Steps int
	// LR is the step size (0 means 0.05 for pixels, 0.2 for Fourier
	// coefficients or decorrelated colours, whose sigmoid makes the same
	// step smaller in pixels).
	LR float64
	// Optimizer chooses the update rule (0 means Adam, except for
	// DeepDream: normalized gradient ascent).
	Optimizer Optimizer
	// Seed seeds every random choice: the starting noise and the
	// transforms of each step.
	Seed uint64

	// Fourier selects the Fourier parameterization: the image is
	// sigmoid(F(scale ⊙ X)) with X learned complex coefficients, F the
	// inverse real 2-D DFT and scale = 1/max(f, 1/size)^Decay, f the
	// frequency in cycles per pixel (Olah et al. 2017). Without it the
	// pixels themselves are learned and clamped to 0..1 after every step.
	Fourier bool
	// Decay is the spectrum decay power (0 means 1). Fourier only.
	Decay float64
	// Decorrelate chooses the colour space of a 3-channel image's
	// parameters (DecorrelateAuto, the zero value, means decorrelated for
	// a 3-channel input): decorrelated, the parameters d of each pixel give
	// its colour as sigmoid(C·d), C = ColourSqrt scaled so that its longest
	// column has length 1. Brightness and the colour contrasts of photos
	// then move independently at comparable rates, rather than the red,
	// green and blue values that photos have strongly correlated (Olah et
	// al. 2017, Lucid). It applies to both parameterizations; with pixels,
	// the parameters are no longer clamped but squashed by the sigmoid.
	Decorrelate Decorrelation
	// ColourSqrt is the square root of the colour covariance that
	// decorrelates (the zero matrix means PhotoColourSqrt).
	ColourSqrt [3][3]float64
	// InitStd is the standard deviation of the starting noise: of the
	// pixels around 0.5 (0 means 0.1; decorrelated pixel parameters start
	// from the same picture), or of the Fourier coefficients (0 means 0.5,
	// about 0.1 in pixels after the sigmoid). Too flat a start
	// leaves every unit of a ReLU layer at zero, where the gradient is zero
	// and the ascent cannot begin.
	InitStd float64
	// Start, if not nil, is the starting image [C·H·W] in 0..1 instead of
	// noise. DeepDream requires it.
	Start []float32

	// L2 penalizes L2·mean(x²), pulling pixels to 0 (black).
	L2 float64
	// TV penalizes TV·(mean over pixels of the smoothed gradient
	// magnitude), favouring flat regions with few edges.
	TV float64
	// BlurEvery > 0 blurs the image every BlurEvery steps with a Gaussian
	// of standard deviation BlurSigma pixels of the model's input (0 means
	// 0.5): separable with repeated edges for pixels, exactly in the
	// frequency domain (so circular) for Fourier coefficients.
	BlurEvery int
	BlurSigma float64
	// Jitter shifts the input by a random whole number of pixels in
	// −Jitter..Jitter along each axis, anew every step.
	Jitter int
	// Scale zooms the input by a random factor in [1−Scale, 1+Scale].
	Scale float64
	// Rotate turns the input by a random angle in −Rotate..Rotate degrees.
	Rotate float64
	// Pad pads the image with Pad pixels of PadValue before the transforms
	// and crops back after them, so that shifted-in borders are PadValue
	// rather than repeated edge pixels.
	Pad      int
	PadValue float32
	// Upscale lists image heights smaller than the model's input, in
	// increasing order, at which to optimize first, UpscaleEvery steps
	// each (0 means Steps/(len+1)), before the full size: the image is
	// upscaled bilinearly into the model's input and, at each change of
	// size, into the new parameters (progressive upscaling).
	Upscale      []int
	UpscaleEvery int

	// Snapshots lists step counts after which to keep a copy of the image
	// (0 is the starting image).
	Snapshots []int
}

// Snapshot is the image after Step steps.
type Snapshot struct {
	Step  int
	Image *tensor.Tensor // [C, H, W] in 0..1
}

// Result is a finished activation maximization.
type Result struct {
	Image *tensor.Tensor // [C, H, W] in 0..1
	// Objective is the objective at every step, evaluated on the input the
	// model saw at that step (after transforms, before the update), with
	// Negate's sign applied and without regularizers: it rises.
	Objective []float64
	Snapshots []Snapshot
}

// Run is an activation maximization as a stepper: each Step is one forward
// and one backward pass through the layers up to the objective's layer,
// plus O(pixels) work for transforms and regularizers (and, with Fourier,
// O(pixels·(H+W)) for the transforms).
type Run struct {
	opt     Options
	tgt     *target
	c, h, w int // model input
	ph, pw  int // parameter resolution (smaller while upscaling)
	octave  int // index into opt.Upscale; len means full size
	spec    *spectrum
	mix     *colourMix // nil: the parameters are red, green and blue
	param   []float32  // the engine's values
	eng     *inputopt.Engine
	rng     *rand.Rand
	step    int
	curve   []float64
	snaps   []Snapshot

	img, grad []float32 // image at parameter resolution and its gradient

	forwards, backwards int
}

// New checks opt against m and prepares a run. Errors describe bad
// options (they come from the user); m is not modified and may be shared.
func New(m *nn.Sequential, opt Options) (*Run, error) {
	tgt, err := compile(m, opt.Objective)
	if err != nil {
		return nil, err
	}
	in := m.Spec.Input
	r := &Run{tgt: tgt, c: in[0], h: in[1], w: in[2]}
	if opt.Steps < 0 {
		return nil, fmt.Errorf("actmax: %d steps: want 0 or more", opt.Steps)
	}
	if opt.Steps == 0 {
		opt.Steps = 100
	}
	switch opt.Decorrelate {
	case DecorrelateAuto:
		if r.c == 3 {
			opt.Decorrelate = DecorrelateOn
		} else {
			opt.Decorrelate = DecorrelateOff
		}
	case DecorrelateOn:
		if r.c != 3 {
			return nil, fmt.Errorf("actmax: decorrelated colour needs a 3-channel input, and the model takes %v", in)
		}
	case DecorrelateOff:
	default:
		return nil, fmt.Errorf("actmax: unknown colour space %d", int(opt.Decorrelate))
	}
	if opt.Decorrelate == DecorrelateOn {
		if opt.ColourSqrt == ([3][3]float64{}) {
			opt.ColourSqrt = PhotoColourSqrt
		}
		if r.mix, err = newColourMix(opt.ColourSqrt); err != nil {
			return nil, err
		}
	}
	if opt.LR == 0 {
		opt.LR = 0.05
		if opt.Fourier || r.mix != nil {
			opt.LR = 0.2
		}
	}
	if opt.Optimizer == Auto {
		opt.Optimizer = Adam
		if opt.Objective.Kind == DeepDream {
			opt.Optimizer = Normalized
		}
	}
	if opt.Decay == 0 {
		opt.Decay = 1
	}
	if opt.InitStd == 0 {
		opt.InitStd = 0.1
		if opt.Fourier {
			opt.InitStd = 0.5
		}
	}
	if opt.BlurSigma == 0 {
		opt.BlurSigma = 0.5
	}
	// !(x >= 0) also catches NaN, which a JS caller can pass.
	nonneg := func(xs ...float64) bool {
		for _, x := range xs {
			if !(x >= 0) || math.IsInf(x, 0) {
				return false
			}
		}
		return true
	}
	switch {
	case !nonneg(opt.LR) || opt.LR == 0:
		return nil, fmt.Errorf("actmax: learning rate %v: want a positive number", opt.LR)
	case !nonneg(opt.Decay, opt.InitStd, opt.L2, opt.TV, opt.BlurSigma, float64(opt.BlurEvery)):
		return nil, fmt.Errorf("actmax: decay, noise, L2, TV and blur must be finite and not negative")
	case opt.Jitter < 0 || opt.Jitter > r.h || opt.Pad < 0 || opt.Pad > r.h:
		return nil, fmt.Errorf("actmax: jitter %d and pad %d: want 0..%d", opt.Jitter, opt.Pad, r.h)
	case !nonneg(opt.Scale) || opt.Scale >= 1:
		return nil, fmt.Errorf("actmax: scale %v: want 0 ≤ scale < 1", opt.Scale)
	case !nonneg(opt.Rotate) || opt.Rotate > 180:
		return nil, fmt.Errorf("actmax: rotation %v degrees: want 0..180", opt.Rotate)
	case opt.Optimizer != Adam && opt.Optimizer != Normalized:
		return nil, fmt.Errorf("actmax: unknown optimizer %d", int(opt.Optimizer))
	case opt.Objective.Kind == DeepDream && opt.Start == nil:
		return nil, fmt.Errorf("actmax: deep dream needs a starting image")
	case opt.Start != nil && len(opt.Start) != r.c*r.h*r.w:
		return nil, fmt.Errorf("actmax: starting image has %d values, want %d (%v)", len(opt.Start), r.c*r.h*r.w, in)
	}
	for i, v := range opt.Start {
		if !(v >= 0 && v <= 1) {
			return nil, fmt.Errorf("actmax: starting image value %v at %d: want 0..1", v, i)
		}
	}
	for i, s := range opt.Upscale {
		if s < 2 || s >= r.h || (i > 0 && s <= opt.Upscale[i-1]) {
			return nil, fmt.Errorf("actmax: upscale sizes %v: want increasing heights 2..%d", opt.Upscale, r.h-1)
		}
	}
	if len(opt.Upscale) > 0 && opt.UpscaleEvery <= 0 {
		opt.UpscaleEvery = max(1, opt.Steps/(len(opt.Upscale)+1))
	}
	opt.Upscale = slices.Clone(opt.Upscale)
	opt.Snapshots = slices.Clone(opt.Snapshots)
	r.opt = opt
	r.rng = rand.New(rand.NewPCG(opt.Seed, 0xac7))
	r.octave = len(opt.Upscale)
	r.ph, r.pw = r.h, r.w
	if len(opt.Upscale) > 0 {
		r.octave = 0
		r.ph, r.pw = r.octaveSize(0)
	}
	r.init()
	r.snapshot()
	return r, nil
}

// octaveSize is the parameter resolution at octave i.
func (r *Run) octaveSize(i int) (int, int) {
	if i >= len(r.opt.Upscale) {
		return r.h, r.w
	}
	h := r.opt.Upscale[i]
	return h, max(1, int(math.Round(float64(h)*float64(r.w)/float64(r.h))))
}

// squash reports whether the image is sigmoid of its parameters' image
// (Fourier or decorrelated), rather than the clamped parameters.
func (r *Run) squash() bool { return r.opt.Fourier || r.mix != nil }

// init sets the starting parameters at the current resolution.
func (r *Run) init() {
	n := r.c * r.ph * r.pw
	r.img, r.grad = make([]float32, n), make([]float32, n)
	var start []float32
	if r.opt.Start != nil {
		start = resize(r.c, r.h, r.w, r.ph, r.pw, r.opt.Start)
	}
	if r.opt.Fourier {
		r.spec = newSpectrum(r.ph, r.pw, r.opt.Decay)
		r.param = make([]float32, r.c*r.spec.ncoef())
		if start == nil {
			for i := range r.param {
				r.param[i] = float32(r.opt.InitStd * r.rng.NormFloat64())
			}
		}
	} else {
		r.param = make([]float32, n)
		if start == nil {
			start = make([]float32, n)
			for i := range start {
				start[i] = float32(0.5 + r.opt.InitStd*r.rng.NormFloat64())
			}
		}
	}
	if start != nil {
		r.setImage(start)
	}
	r.engine()
}

// setImage sets the parameters so that the image is img (clamped to
// 0.01..0.99 when squashed, where the sigmoid cannot reach 0 and 1).
func (r *Run) setImage(img []float32) {
	if !r.squash() {
		copy(r.param, img)
		return
	}
	lat := make([]float32, len(img))
	for i, v := range img {
		v = min(max(v, 0.01), 0.99)
		lat[i] = float32(math.Log(float64(v) / (1 - float64(v)))) // logit: sigmoid⁻¹
	}
	if r.mix != nil {
		rgb := lat
		lat = make([]float32, len(rgb))
		apply(&r.mix.inv, rgb, lat)
	}
	r.setLatent(lat)
}

// engine starts the shared optimizer afresh on r.param: in the [0,1] box
// for pixels, unconstrained for squashed parameters.
func (r *Run) engine() {
	rule := inputopt.Adam
	if r.opt.Optimizer == Normalized {
		rule = inputopt.Normalized
	}
	r.eng = inputopt.New(r.param, rule, r.opt.LR, 0, inputopt.Constraint{Box: !r.squash()})
}

// setLatent sets the parameters so that the latent image (see latent) is
// lat.
func (r *Run) setLatent(lat []float32) {
	if !r.opt.Fourier {
		copy(r.param, lat)
		return
	}
	np, nc := r.ph*r.pw, r.spec.ncoef()
	for ch := 0; ch < r.c; ch++ {
		r.spec.analyze(lat[ch*np:(ch+1)*np], r.spec.scale, r.param[ch*nc:(ch+1)*nc])
	}
}

// latent returns the image the parameters stand for before colour mixing
// and squashing: the Fourier synthesis, or the pixel parameters.
func (r *Run) latent() []float32 {
	if !r.opt.Fourier {
		return slices.Clone(r.param)
	}
	np, nc := r.ph*r.pw, r.spec.ncoef()
	out := make([]float32, r.c*np)
	for ch := 0; ch < r.c; ch++ {
		r.spec.synth(r.param[ch*nc:(ch+1)*nc], r.spec.scale, out[ch*np:(ch+1)*np])
	}
	return out
}

// pixels writes the image at parameter resolution into dst: the latent
// image, mixed into RGB when decorrelated, squashed by the sigmoid unless
// the parameters are plain pixels.
func (r *Run) pixels(dst []float32) {
	lat := r.latent()
	if r.mix != nil {
		apply(&r.mix.m, lat, dst)
	} else {
		copy(dst, lat)
	}
	if r.squash() {
		for i, v := range dst {
			dst[i] = sigmoid(v)
		}
	}
}

// render computes r.img from the parameters.
func (r *Run) render() { r.pixels(r.img) }

func sigmoid(v float32) float32 { return float32(1 / (1 + math.Exp(-float64(v)))) }

// upscale moves to the next octave: the image continues at the next size
// (bilinear upscaling of the pixels, or of the unsquashed Fourier image),
// and Adam starts afresh.
func (r *Run) upscale() {
	oh, ow := r.ph, r.pw
	prev := r.latent()
	r.octave++
	r.ph, r.pw = r.octaveSize(r.octave)
	next := resize(r.c, oh, ow, r.ph, r.pw, prev)
	n := r.c * r.ph * r.pw
	r.img, r.grad = make([]float32, n), make([]float32, n)
	if r.opt.Fourier {
		r.spec = newSpectrum(r.ph, r.pw, r.opt.Decay)
		r.param = make([]float32, r.c*r.spec.ncoef())
	} else {
		r.param = make([]float32, n)
	}
	r.setLatent(next)
	r.engine()
}

// paramGrad turns g, the gradient of a function with respect to the
// image r.img (as render left it) at parameter resolution, into its
// gradient with respect to the parameters: through the sigmoid, the
// colour mix (its transpose) and the Fourier synthesis (its adjoint).
// It may overwrite g and return it.
func (r *Run) paramGrad(g []float32) []float32 {
	if r.squash() {
		for i, y := range r.img {
			g[i] *= y * (1 - y) // sigmoid′
		}
	}
	if r.mix != nil {
		rgb := slices.Clone(g)
		t := transpose(r.mix.m)
		apply(&t, rgb, g)
	}
	if !r.opt.Fourier {
		return g
	}
	np, nc := r.ph*r.pw, r.spec.ncoef()
	pg := make([]float32, len(r.param))
	for ch := 0; ch < r.c; ch++ {
		r.spec.adjoint(g[ch*np:(ch+1)*np], r.spec.scale, pg[ch*nc:(ch+1)*nc])
	}
	return pg
}

// Step does one ascent step and reports whether the run is finished.
// After the last step it does nothing.
func (r *Run) Step() (done bool) {
	o := &r.opt
	if r.step >= o.Steps {
		return true
	}
	if r.octave < len(o.Upscale) && r.step > 0 && r.step%o.UpscaleEvery == 0 {
		r.upscale()
	}
	r.render()

	// The random transform of this step, drawn in a fixed order.
	g := geometry{Scale: 1, Pad: o.Pad, PadValue: o.PadValue}
	if o.Jitter > 0 {
		g.DY = float64(r.rng.IntN(2*o.Jitter+1) - o.Jitter)
		g.DX = float64(r.rng.IntN(2*o.Jitter+1) - o.Jitter)
	}
	if o.Scale > 0 {
		g.Scale = 1 + o.Scale*(2*r.rng.Float64()-1)
	}
	if o.Rotate > 0 {
		g.Angle = o.Rotate * (2*r.rng.Float64() - 1) * math.Pi / 180
	}
	var wp *warp
	input := r.img
	if !g.identity() || r.ph != r.h || r.pw != r.w {
		wp = newWarp(r.ph, r.pw, r.h, r.w, g)
		input = make([]float32, r.c*r.h*r.w)
		wp.apply(r.c, r.img, input)
	}

	x := ag.New(tensor.FromSlice(input, 1, r.c, r.h, r.w)) // read-only in the graph
	v := r.tgt.eval(x, &r.forwards)
	ag.Backward(v, nil)
	r.backwards++
	value := float64(v.Value.Data[0])

	// Gradient of (objective − penalties) with respect to the image.
	clear(r.grad)
	if wp != nil {
		wp.adjoint(r.c, x.Grad.Data, r.grad)
	} else {
		copy(r.grad, x.Grad.Data)
	}
	if o.L2 > 0 {
		sumSquares(r.img, r.grad, -o.L2)
	}
	if o.TV > 0 {
		totalVariation(r.c, r.ph, r.pw, r.img, r.grad, -o.TV)
	}

	// Through the parameterization, then one optimizer step (the
	// pixels' engine clamps them back into 0..1).
	r.eng.Step(r.paramGrad(r.grad))
	r.step++
	if o.BlurEvery > 0 && r.step%o.BlurEvery == 0 {
		if o.Fourier {
			nc := r.spec.ncoef()
			for ch := 0; ch < r.c; ch++ {
				r.spec.blur(r.param[ch*nc:(ch+1)*nc], o.BlurSigma*float64(r.ph)/float64(r.h))
			}
		} else {
			blurPixels(r.c, r.ph, r.pw, r.param, o.BlurSigma*float64(r.ph)/float64(r.h))
		}
	}
	r.curve = append(r.curve, value)
	r.snapshot()
	return r.step >= o.Steps
}

// snapshot keeps the image when the step count is listed in Snapshots.
func (r *Run) snapshot() {
	if slices.Contains(r.opt.Snapshots, r.step) {
		r.snaps = append(r.snaps, Snapshot{Step: r.step, Image: r.Image()})
	}
}

// Done reports whether every step has been taken.
func (r *Run) Done() bool { return r.step >= r.opt.Steps }

// Steps returns how many steps are done and how many there are in all.
func (r *Run) Steps() (done, total int) { return r.step, r.opt.Steps }

// Image returns a copy of the current image at the model's input size,
// [C, H, W] in 0..1 (upscaled bilinearly while Upscale is at a smaller
// size).
func (r *Run) Image() *tensor.Tensor {
	img := make([]float32, r.c*r.ph*r.pw)
	r.pixels(img)
	return tensor.FromSlice(resize(r.c, r.ph, r.pw, r.h, r.w, img), r.c, r.h, r.w)
}

// Objective returns the objective curve so far, one value per step (see
// Result.Objective). The slice is the run's own: do not modify it.
func (r *Run) Objective() []float64 { return r.curve }

// Snapshots returns the snapshots taken so far. The slice is the run's
// own: do not modify it.
func (r *Run) Snapshots() []Snapshot { return r.snaps }

// Engine returns the input optimizer the run steps (core/inputopt, which
// attacks share); its values are the pixels or Fourier coefficients.
func (r *Run) Engine() *inputopt.Engine { return r.eng }

// Passes returns how many forward and backward passes the run has made.
func (r *Run) Passes() (forward, backward int) { return r.forwards, r.backwards }

// Result returns the image, curve and snapshots as they are now.
func (r *Run) Result() Result {
	return Result{Image: r.Image(), Objective: slices.Clone(r.curve), Snapshots: slices.Clone(r.snaps)}
}

// Maximize runs an activation maximization to completion: New, then Step
// until done. It returns New's error for bad options.
func Maximize(m *nn.Sequential, opt Options) (Result, error) {
	r, err := New(m, opt)
	if err != nil {
		return Result{}, err
	}
	for !r.Step() {
	}
	return r.Result(), nil
}

// Decorrelation chooses the colour space of an image's parameters (see
// Options.Decorrelate).
type Decorrelation int

const (
	// DecorrelateAuto decorrelates the colours of a 3-channel input.
	DecorrelateAuto Decorrelation = iota
	// DecorrelateOn decorrelates; New refuses it for other inputs.
	DecorrelateOn
	// DecorrelateOff learns red, green and blue (or grey) directly.
	DecorrelateOff
)

// Optimizer is an update rule for gradient ascent.
type Optimizer int

const (
	// Auto picks Adam, or Normalized for DeepDream.
	Auto Optimizer = iota
	// Adam moves each parameter by about LR per step in the direction its
	// own recent gradients agree on (Kingma and Ba 2015). It ignores how
	// small a gradient is, so it also rewrites parts of the image the
	// objective barely depends on.
	Adam
	// Normalized is plain gradient ascent with the step scaled so that its
	// mean magnitude is LR: x += LR·g/mean|g|. Parameters move in
	// proportion to their gradient, so deep dream amplifies what the layer
	// sees and leaves the rest of the picture alone (Mordvintsev et al.
	// 2015).
	Normalized
)
