package attribution

import (
	"fmt"
	"math/rand/v2"

	ag "cnnviz/core/autograd"
	"cnnviz/core/nn"
	"cnnviz/core/tensor"
)

// Baseline is the reference input of integrated gradients, and the
// "removed" value of the deletion and insertion metrics.
type Baseline int

const (
	// BaselineBlack is the bottom of the input range everywhere (for
	// MNIST, an empty background).
	BaselineBlack Baseline = iota
	// BaselineBlur is the input blurred with a Gaussian of BlurSigma
	// pixels: it removes detail but keeps the overall brightness.
	BaselineBlur
	// BaselineNoise is uniform noise over the input range, seeded.
	BaselineNoise
)

// Range is the value range of a model's inputs; the zero value means
// [0, 1], the range of the built-in models.
type Range struct{ Lo, Hi float32 }

func (r Range) orDefault() Range {
	if r == (Range{}) {
		return Range{0, 1}
	}
	return r
}

// BaselineInput returns the baseline b for input x [C, H, W]: black is
// r.Lo, blur a Gaussian blur with sigma pixels (0 means 3), noise uniform
// in [r.Lo, r.Hi] drawn from a PCG generator seeded with seed.
func BaselineInput(x *tensor.Tensor, b Baseline, r Range, sigma float64, seed uint64) (*tensor.Tensor, error) {
	r = r.orDefault()
	out := tensor.New(x.Shape...)
	switch b {
	case BaselineBlack:
		out.Fill(r.Lo)
	case BaselineBlur:
		if sigma == 0 {
			sigma = 3
		}
		copy(out.Data, Blur(x.Data, x.Shape[1], x.Shape[2], sigma))
	case BaselineNoise:
		g := rand.New(rand.NewPCG(seed, 0xba5e))
		for i := range out.Data {
			out.Data[i] = r.Lo + (r.Hi-r.Lo)*float32(g.Float64())
		}
	default:
		return nil, fmt.Errorf("unknown baseline %d (want black, blur or noise)", b)
	}
	return out, nil
}

// IGOptions tune integrated gradients.
type IGOptions struct {
	Steps     int      // points on the path (0 means 64)
	Baseline  Baseline // reference input
	BlurSigma float64  // for BaselineBlur, in pixels (0 means 3)
	Range     Range    // input range for BaselineBlack and BaselineNoise
	Seed      uint64   // for BaselineNoise
	Batch     int      // path points per Step, in one batched pass (0 means AutoBatch)
}

// IGStepper computes integrated gradients a few path points per Step.
type IGStepper struct {
	f            *nn.Sequential
	x, base      *tensor.Tensor
	class, steps int
	batch, next  int
	sum          []float64 // Σ gradients over the points done
	fx, fb       float64   // logits at x and at the baseline
}

// NewIntegratedGradients starts integrated gradients (Sundararajan et al.
// 2017) for the class logit y: attr = (x − b) ⊙ (1/S) Σ_s ∇y(b + α_s(x − b))
// with the midpoint rule α_s = (s + ½)/S, s = 0..S−1. Completeness says
// Σ attr = y(x) − y(b); the midpoint sum approximates the path integral,
// so the gap (CompletenessError) shrinks as Steps grows. It returns an
// error for a bad class, option or baseline, and panics when x does not
// have the model's input shape.
func NewIntegratedGradients(m *nn.Sequential, x *tensor.Tensor, class int, opt IGOptions) (*IGStepper, error) {
	if err := checkClass(m, class); err != nil {
		return nil, err
	}
	checkInput(m, x)
	if opt.Steps < 0 {
		return nil, fmt.Errorf("integrated gradients: %d steps, want at least 1", opt.Steps)
	}
	if opt.Steps == 0 {
		opt.Steps = 64
	}
	base, err := BaselineInput(x, opt.Baseline, opt.Range, opt.BlurSigma, opt.Seed)
	if err != nil {
		return nil, err
	}
	two := append(append([]float32(nil), x.Data...), base.Data...)
	ys := classLogits(m, two, 2, class)
	return &IGStepper{
		f: frozen(m, ag.ReLUGradient), x: x.Clone(), base: base, class: class,
		steps: opt.Steps, batch: batchOr(opt.Batch, m, true),
		sum: make([]float64, len(x.Data)), fx: float64(ys[0]), fb: float64(ys[1]),
	}, nil
}

// Step computes the gradients at up to Batch more path points in one
// batched forward and backward pass, and reports whether all are done.
func (s *IGStepper) Step() bool {
	if s.next >= s.steps {
		return true
	}
	end := min(s.next+s.batch, s.steps)
	n := end - s.next
	size := len(s.x.Data)
	xs := make([]float32, n*size)
	for j := 0; j < n; j++ {
		alpha := (float32(s.next+j) + 0.5) / float32(s.steps)
		row := xs[j*size : (j+1)*size]
		for i, b := range s.base.Data {
			row[i] = b + alpha*(s.x.Data[i]-b)
		}
	}
	g, _ := inputGrads(s.f, xs, n, s.class)
	for j := 0; j < n; j++ {
		for i, v := range g[j*size : (j+1)*size] {
			s.sum[i] += float64(v)
		}
	}
	s.next = end
	return s.next >= s.steps
}

// Progress returns how many path points are done and how many there are.
func (s *IGStepper) Progress() (done, total int) { return s.next, s.steps }

// Attribution returns (x − b) ⊙ the mean gradient over the points done so
// far, shape [C, H, W] (all zero before the first Step).
func (s *IGStepper) Attribution() *tensor.Tensor {
	out := tensor.New(s.x.Shape...)
	if s.next == 0 {
		return out
	}
	for i, v := range s.sum {
		out.Data[i] = float32(float64(s.x.Data[i]-s.base.Data[i]) * v / float64(s.next))
	}
	return out
}

// Baseline returns the baseline input b.
func (s *IGStepper) Baseline() *tensor.Tensor { return s.base }

// CompletenessError returns Σ attr − (y(x) − y(b)) for the attribution
// so far (meaningful once done), and y(x) − y(b) itself.
func (s *IGStepper) CompletenessError() (gap, delta float64) {
	var sum float64
	for _, v := range s.Attribution().Data {
		sum += float64(v)
	}
	return sum - (s.fx - s.fb), s.fx - s.fb
}

// IntegratedGradients runs NewIntegratedGradients to completion and
// returns the attribution [C, H, W] and the completeness error
// Σ attr − (y(x) − y(b)).
func IntegratedGradients(m *nn.Sequential, x *tensor.Tensor, class int, opt IGOptions) (*tensor.Tensor, float64, error) {
	s, err := NewIntegratedGradients(m, x, class, opt)
	if err != nil {
		return nil, 0, err
	}
	run(s)
	gap, _ := s.CompletenessError()
	return s.Attribution(), gap, nil
}

// SmoothGradOptions tune SmoothGrad.
type SmoothGradOptions struct {
	Samples int     // noisy copies (0 means 32)
	Noise   float64 // σ as a fraction of the input's max − min (0 means 0.15)
	Range   Range   // used instead of the input's own range when that is 0
	Seed    uint64
	Batch   int // samples per Step (0 means AutoBatch)
}

// SmoothGradStepper computes SmoothGrad a few samples per Step.
type SmoothGradStepper struct {
	f              *nn.Sequential
	x              *tensor.Tensor
	class, samples int
	batch, next    int
	sigma          float64
	rng            *rand.Rand
	sum            []float64
}

// NewSmoothGrad starts SmoothGrad (Smilkov et al. 2017): the mean over
// Samples copies x + ε, ε ~ N(0, σ²) with σ = Noise·(max x − min x), of
// the gradient of the class logit. The noise comes from one PCG generator
// seeded with Seed, drawn sample after sample, so a seed gives the same
// result bit for bit, whatever Batch. Errors and panics as Saliency.
func NewSmoothGrad(m *nn.Sequential, x *tensor.Tensor, class int, opt SmoothGradOptions) (*SmoothGradStepper, error) {
	if err := checkClass(m, class); err != nil {
		return nil, err
	}
	checkInput(m, x)
	if opt.Samples < 0 || opt.Noise < 0 {
		return nil, fmt.Errorf("smoothgrad: %d samples at noise %v, want both non-negative", opt.Samples, opt.Noise)
	}
	if opt.Samples == 0 {
		opt.Samples = 32
	}
	if opt.Noise == 0 {
		opt.Noise = 0.15
	}
	lo, hi := x.Data[0], x.Data[0]
	for _, v := range x.Data {
		lo, hi = min(lo, v), max(hi, v)
	}
	span := float64(hi - lo)
	if span == 0 {
		r := opt.Range.orDefault()
		span = float64(r.Hi - r.Lo)
	}
	return &SmoothGradStepper{
		f: frozen(m, ag.ReLUGradient), x: x.Clone(), class: class, samples: opt.Samples,
		batch: batchOr(opt.Batch, m, true), sigma: opt.Noise * span,
		rng: rand.New(rand.NewPCG(opt.Seed, 0x5300)), sum: make([]float64, len(x.Data)),
	}, nil
}

// Step computes the gradients of up to Batch more noisy samples in one
// batched pass and reports whether all are done.
func (s *SmoothGradStepper) Step() bool {
	if s.next >= s.samples {
		return true
	}
	end := min(s.next+s.batch, s.samples)
	n := end - s.next
	size := len(s.x.Data)
	xs := make([]float32, n*size)
	for j := 0; j < n; j++ {
		for i, v := range s.x.Data {
			xs[j*size+i] = v + float32(s.sigma*s.rng.NormFloat64())
		}
	}
	g, _ := inputGrads(s.f, xs, n, s.class)
	for j := 0; j < n; j++ {
		for i, v := range g[j*size : (j+1)*size] {
			s.sum[i] += float64(v)
		}
	}
	s.next = end
	return s.next >= s.samples
}

// Progress returns how many samples are done and how many there are.
func (s *SmoothGradStepper) Progress() (done, total int) { return s.next, s.samples }

// Attribution returns the mean gradient over the samples done so far,
// shape [C, H, W] (all zero before the first Step).
func (s *SmoothGradStepper) Attribution() *tensor.Tensor {
	out := tensor.New(s.x.Shape...)
	if s.next == 0 {
		return out
	}
	for i, v := range s.sum {
		out.Data[i] = float32(v / float64(s.next))
	}
	return out
}

// SmoothGrad runs NewSmoothGrad to completion and returns its map
// [C, H, W].
func SmoothGrad(m *nn.Sequential, x *tensor.Tensor, class int, opt SmoothGradOptions) (*tensor.Tensor, error) {
	s, err := NewSmoothGrad(m, x, class, opt)
	if err != nil {
		return nil, err
	}
	run(s)
	return s.Attribution(), nil
}

// OcclusionOptions tune occlusion sensitivity.
type OcclusionOptions struct {
	Patch  int     // square patch side in pixels (0 means 4)
	Stride int     // step between patches (0 means Patch/2, at least 1)
	Fill   float32 // value written into the patch (all channels)
	Batch  int     // occluded images per Step (0 means AutoBatch)
}

// OcclusionStepper computes occlusion sensitivity a few patches per Step.
type OcclusionStepper struct {
	m            *nn.Sequential
	x            *tensor.Tensor
	class, patch int
	fill         float32
	pos          [][2]int // top-left corners
	batch, next  int
	y            float64
	sum, count   []float64
}

// NewOcclusion starts occlusion sensitivity (Zeiler and Fergus 2014): a
// Patch×Patch square, in all channels, is set to Fill at positions Stride
// apart (plus a last row and column flush with the border, so every pixel
// is covered), and each pixel gets the mean over the patches covering it
// of the drop y(x) − y(occluded) of the class logit: positive where
// hiding the pixel hurts the class. Shape [C, H, W], the same in every
// channel. Errors and panics as Saliency; a patch larger than the image
// is an error.
func NewOcclusion(m *nn.Sequential, x *tensor.Tensor, class int, opt OcclusionOptions) (*OcclusionStepper, error) {
	if err := checkClass(m, class); err != nil {
		return nil, err
	}
	checkInput(m, x)
	h, w := x.Shape[1], x.Shape[2]
	if opt.Patch == 0 {
		opt.Patch = 4
	}
	if opt.Stride == 0 {
		opt.Stride = max(opt.Patch/2, 1)
	}
	if opt.Patch < 1 || opt.Patch > min(h, w) || opt.Stride < 1 {
		return nil, fmt.Errorf("occlusion: patch %d with stride %d, want a patch of 1..%d pixels and a positive stride", opt.Patch, opt.Stride, min(h, w))
	}
	starts := func(n int) []int {
		var s []int
		for v := 0; v+opt.Patch <= n; v += opt.Stride {
			s = append(s, v)
		}
		if last := n - opt.Patch; s[len(s)-1] != last {
			s = append(s, last)
		}
		return s
	}
	var pos [][2]int
	for _, y := range starts(h) {
		for _, xx := range starts(w) {
			pos = append(pos, [2]int{y, xx})
		}
	}
	y := classLogits(m, append([]float32(nil), x.Data...), 1, class)[0]
	return &OcclusionStepper{
		m: m, x: x.Clone(), class: class, patch: opt.Patch, fill: opt.Fill, pos: pos,
		batch: batchOr(opt.Batch, m, false), y: float64(y),
		sum: make([]float64, h*w), count: make([]float64, h*w),
	}, nil
}

// Step evaluates up to Batch more occluded images in one batched forward
// pass and reports whether all patches are done.
func (s *OcclusionStepper) Step() bool {
	if s.next >= len(s.pos) {
		return true
	}
	end := min(s.next+s.batch, len(s.pos))
	n := end - s.next
	c, h, w := s.x.Shape[0], s.x.Shape[1], s.x.Shape[2]
	size := len(s.x.Data)
	xs := make([]float32, 0, n*size)
	for _, p := range s.pos[s.next:end] {
		start := len(xs)
		xs = append(xs, s.x.Data...)
		for k := 0; k < c; k++ {
			for y := p[0]; y < p[0]+s.patch; y++ {
				row := xs[start+k*h*w+y*w:]
				for xx := p[1]; xx < p[1]+s.patch; xx++ {
					row[xx] = s.fill
				}
			}
		}
	}
	ys := classLogits(s.m, xs, n, s.class)
	for j, p := range s.pos[s.next:end] {
		d := s.y - float64(ys[j])
		for y := p[0]; y < p[0]+s.patch; y++ {
			for xx := p[1]; xx < p[1]+s.patch; xx++ {
				s.sum[y*w+xx] += d
				s.count[y*w+xx]++
			}
		}
	}
	s.next = end
	return s.next >= len(s.pos)
}

// Progress returns how many patches are done and how many there are.
func (s *OcclusionStepper) Progress() (done, total int) { return s.next, len(s.pos) }

// Attribution returns the mean drop per pixel over the patches done so
// far (0 where none covered it yet), shape [C, H, W].
func (s *OcclusionStepper) Attribution() *tensor.Tensor {
	out := tensor.New(s.x.Shape...)
	hw := len(s.sum)
	for k := 0; k < s.x.Shape[0]; k++ {
		for i, v := range s.sum {
			if s.count[i] > 0 {
				out.Data[k*hw+i] = float32(v / s.count[i])
			}
		}
	}
	return out
}

// Occlusion runs NewOcclusion to completion and returns its map [C, H, W].
func Occlusion(m *nn.Sequential, x *tensor.Tensor, class int, opt OcclusionOptions) (*tensor.Tensor, error) {
	s, err := NewOcclusion(m, x, class, opt)
	if err != nil {
		return nil, err
	}
	run(s)
	return s.Attribution(), nil
}
