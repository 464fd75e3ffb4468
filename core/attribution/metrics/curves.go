package metrics

import (
	"fmt"
	"sort"

	"cnnviz/core/attribution"
	"cnnviz/core/nn"
	"cnnviz/core/tensor"
)

// CurveOptions tune deletion and insertion curves.
type CurveOptions struct {
	// Fraction is the share of the pixels removed or inserted per point
	// of the curve (0 means 0.05, so 21 points from 0 to 1).
	Fraction float64
	// Baseline replaces removed pixels: attribution.BaselineBlack (the
	// default), BaselineBlur or BaselineNoise.
	Baseline  attribution.Baseline
	BlurSigma float64           // for BaselineBlur (0 means 3 pixels)
	Range     attribution.Range // input range (zero value: [0, 1])
	Seed      uint64            // for BaselineNoise
	Batch     int               // curve points per Step (0 means attribution.AutoBatch)
}

// Curve is a deletion or insertion curve: Scores[k] is the class
// probability with a share Fractions[k] of the pixels removed (deletion)
// or inserted (insertion), Fractions running from 0 to 1.
type Curve struct {
	Fractions, Scores []float64
	// AUC is the area under the curve by the trapezoidal rule over the
	// points computed so far (the full [0, 1] once done).
	AUC float64
}

// CurveStepper computes a deletion or insertion curve a few points per
// Step.
type CurveStepper struct {
	m         *nn.Sequential
	x, base   *tensor.Tensor
	class     int
	insertion bool
	order     []int // pixels, highest attribution first
	counts    []int // pixels changed at each point
	scores    []float64
	batch     int
}

// NewDeletion starts the deletion curve of attr, a map of H·W values at
// the input's resolution (upsample a CAM first; reduce [C, H, W] maps
// with attribution.ReduceChannels), for x [C, H, W] and class: pixels are
// replaced by the baseline, all channels at once, in decreasing order of
// attr (ties in raster order). It returns an error for a bad class or
// options and panics on mismatched shapes.
func NewDeletion(m *nn.Sequential, x *tensor.Tensor, class int, attr []float32, opt CurveOptions) (*CurveStepper, error) {
	return newCurve(m, x, class, attr, opt, false)
}

// NewInsertion starts the insertion curve: the image starts as the
// baseline and the pixels of x are put back in decreasing order of attr.
// As NewDeletion otherwise.
func NewInsertion(m *nn.Sequential, x *tensor.Tensor, class int, attr []float32, opt CurveOptions) (*CurveStepper, error) {
	return newCurve(m, x, class, attr, opt, true)
}

func newCurve(m *nn.Sequential, x *tensor.Tensor, class int, attr []float32, opt CurveOptions, insertion bool) (*CurveStepper, error) {
	if !tensor.SameShape(x.Shape, m.Spec.Input) {
		panic(fmt.Sprintf("metrics: model %s expects input %v, got %v", m.Spec.Name, m.Spec.Input, x.Shape))
	}
	hw := x.Shape[1] * x.Shape[2]
	if len(attr) != hw {
		panic(fmt.Sprintf("metrics: attribution of %d values for a %dx%d input", len(attr), x.Shape[1], x.Shape[2]))
	}
	if class < 0 || class >= len(m.Spec.Classes) {
		return nil, fmt.Errorf("class %d is outside 0..%d", class, len(m.Spec.Classes)-1)
	}
	if opt.Fraction != 0 && (opt.Fraction < 1e-3 || opt.Fraction > 1) {
		return nil, fmt.Errorf("curve step fraction %v, want 0.001..1", opt.Fraction)
	}
	if opt.Fraction == 0 {
		opt.Fraction = 0.05
	}
	base, err := attribution.BaselineInput(x, opt.Baseline, opt.Range, opt.BlurSigma, opt.Seed)
	if err != nil {
		return nil, err
	}
	order := make([]int, hw)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return attr[order[a]] > attr[order[b]] })
	var counts []int
	for k := 0; ; k++ {
		c := int(float64(k)*opt.Fraction*float64(hw) + 0.5)
		if c >= hw {
			counts = append(counts, hw)
			break
		}
		if len(counts) == 0 || c > counts[len(counts)-1] {
			counts = append(counts, c)
		}
	}
	batch := opt.Batch
	if batch <= 0 {
		batch = attribution.AutoBatch(m, false)
	}
	return &CurveStepper{m: m, x: x.Clone(), base: base, class: class, insertion: insertion,
		order: order, counts: counts, batch: batch}, nil
}

// Step evaluates up to Batch more points of the curve in one batched
// forward pass and reports whether the curve is complete.
func (s *CurveStepper) Step() bool {
	k0 := len(s.scores)
	if k0 >= len(s.counts) {
		return true
	}
	k1 := min(k0+s.batch, len(s.counts))
	c, hw := s.x.Shape[0], s.x.Shape[1]*s.x.Shape[2]
	from, to := s.x.Data, s.base.Data // deletion: x, then baseline pixels
	if s.insertion {
		from, to = to, from
	}
	xs := make([]float32, 0, (k1-k0)*len(s.x.Data))
	for k := k0; k < k1; k++ {
		start := len(xs)
		xs = append(xs, from...)
		img := xs[start:]
		for _, p := range s.order[:s.counts[k]] {
			for ch := 0; ch < c; ch++ {
				img[ch*hw+p] = to[ch*hw+p]
			}
		}
	}
	for _, p := range attribution.ClassProbs(s.m, xs, k1-k0, s.class) {
		s.scores = append(s.scores, float64(p))
	}
	return len(s.scores) >= len(s.counts)
}

// Progress returns how many points are done and how many there are.
func (s *CurveStepper) Progress() (done, total int) { return len(s.scores), len(s.counts) }

// Curve returns the points computed so far and their AUC.
func (s *CurveStepper) Curve() Curve {
	hw := float64(s.x.Shape[1] * s.x.Shape[2])
	c := Curve{Scores: append([]float64(nil), s.scores...)}
	for k := range s.scores {
		c.Fractions = append(c.Fractions, float64(s.counts[k])/hw)
	}
	for k := 1; k < len(c.Scores); k++ {
		c.AUC += (c.Fractions[k] - c.Fractions[k-1]) * (c.Scores[k] + c.Scores[k-1]) / 2
	}
	return c
}

// Deletion runs NewDeletion to completion.
func Deletion(m *nn.Sequential, x *tensor.Tensor, class int, attr []float32, opt CurveOptions) (Curve, error) {
	s, err := NewDeletion(m, x, class, attr, opt)
	if err != nil {
		return Curve{}, err
	}
	for !s.Step() {
	}
	return s.Curve(), nil
}

// Insertion runs NewInsertion to completion.
func Insertion(m *nn.Sequential, x *tensor.Tensor, class int, attr []float32, opt CurveOptions) (Curve, error) {
	s, err := NewInsertion(m, x, class, attr, opt)
	if err != nil {
		return Curve{}, err
	}
	for !s.Step() {
	}
	return s.Curve(), nil
}

// Confidence holds average drop and increase in confidence, in percent.
type Confidence struct {
	// AverageDrop is 100·mean_i max(0, Y_i − O_i)/Y_i: lower is better.
	AverageDrop float64
	// IncreaseRate is 100·(share of images with O_i > Y_i): higher is
	// better.
	IncreaseRate float64
	N            int // images evaluated
}

// ConfidenceStepper computes average drop and increase in confidence over
// a set of images, a batch of images per Step.
type ConfidenceStepper struct {
	m           *nn.Sequential
	xs          []*tensor.Tensor
	maps        [][]float32
	classes     []int
	batch, next int
	drop        float64
	inc         int
}

// NewConfidence starts the confidence metrics of Chattopadhyay et al.
// (2018) for images xs [C, H, W] with their maps (each H·W values at the
// input's resolution) and target classes. For each image, Y is the class
// probability of x and O that of x ⊙ E, where E is the map with the ReLU
// applied and min-max normalised to [0, 1] (a map with no positive value
// gives E = 0). It returns an error for a bad class and panics on
// mismatched lengths or shapes.
func NewConfidence(m *nn.Sequential, xs []*tensor.Tensor, maps [][]float32, classes []int, batch int) (*ConfidenceStepper, error) {
	if len(xs) != len(maps) || len(xs) != len(classes) {
		panic(fmt.Sprintf("metrics: %d images, %d maps, %d classes", len(xs), len(maps), len(classes)))
	}
	for i, x := range xs {
		if !tensor.SameShape(x.Shape, m.Spec.Input) || len(maps[i]) != x.Shape[1]*x.Shape[2] {
			panic(fmt.Sprintf("metrics: image %d has shape %v and a map of %d values; model input %v", i, x.Shape, len(maps[i]), m.Spec.Input))
		}
		if c := classes[i]; c < 0 || c >= len(m.Spec.Classes) {
			return nil, fmt.Errorf("image %d: class %d is outside 0..%d", i, c, len(m.Spec.Classes)-1)
		}
	}
	if batch <= 0 {
		batch = max(1, attribution.AutoBatch(m, false)/2)
	}
	return &ConfidenceStepper{m: m, xs: xs, maps: maps, classes: classes, batch: batch}, nil
}

// Step evaluates up to Batch more images, each with and without its
// mask, in one batched forward pass, and reports whether all are done.
func (s *ConfidenceStepper) Step() bool {
	if s.next >= len(s.xs) {
		return true
	}
	end := min(s.next+s.batch, len(s.xs))
	var both []float32
	for i := s.next; i < end; i++ {
		x := s.xs[i]
		e := attribution.Post{ReLU: true, Norm: attribution.NormMinMax}.Apply(s.maps[i])
		hw := len(e)
		both = append(both, x.Data...)
		for ch := 0; ch < x.Shape[0]; ch++ {
			for p, v := range e {
				both = append(both, x.Data[ch*hw+p]*v)
			}
		}
	}
	logits := attribution.Logits(s.m, both, 2*(end-s.next))
	k := len(s.m.Spec.Classes)
	for i := s.next; i < end; i++ {
		j := 2 * (i - s.next)
		c := s.classes[i]
		y := float64(tensor.Softmax(logits[j*k : (j+1)*k])[c])
		o := float64(tensor.Softmax(logits[(j+1)*k : (j+2)*k])[c])
		if y > 0 && y > o {
			s.drop += (y - o) / y
		}
		if o > y {
			s.inc++
		}
	}
	s.next = end
	return s.next >= len(s.xs)
}

// Progress returns how many images are done and how many there are.
func (s *ConfidenceStepper) Progress() (done, total int) { return s.next, len(s.xs) }

// Result returns the metrics over the images done so far.
func (s *ConfidenceStepper) Result() Confidence {
	if s.next == 0 {
		return Confidence{}
	}
	n := float64(s.next)
	return Confidence{AverageDrop: 100 * s.drop / n, IncreaseRate: 100 * float64(s.inc) / n, N: s.next}
}

// ConfidenceMetrics runs NewConfidence to completion.
func ConfidenceMetrics(m *nn.Sequential, xs []*tensor.Tensor, maps [][]float32, classes []int) (Confidence, error) {
	s, err := NewConfidence(m, xs, maps, classes, 0)
	if err != nil {
		return Confidence{}, err
	}
	for !s.Step() {
	}
	return s.Result(), nil
}
