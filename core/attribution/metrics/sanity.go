package metrics

import (
	"fmt"
	"math"
	"sort"

	"cnnviz/core/nn"
	"cnnviz/core/tensor"
)

// SanityPoint compares the map after one more layer was randomized with
// the original map.
type SanityPoint struct {
	// Layer is the layer randomized last ("" for the original model);
	// every parametric layer above it is random too.
	Layer string
	// Spearman is the rank correlation of the raw maps, SpearmanAbs that
	// of their absolute values (Adebayo et al. report both).
	Spearman, SpearmanAbs float64
	// Pearson is the linear correlation of the raw maps.
	Pearson float64
	// SSIM is a single-window structural similarity of the two maps, each
	// min-max normalised to [0, 1].
	SSIM float64
}

// SanityStepper runs the cascading randomization test of Adebayo et al.
// (2018), one map per Step.
type SanityStepper struct {
	m, random *nn.Sequential
	x         *tensor.Tensor
	class     int
	f         MapFunc
	layers    []int // parametric layers, top first
	orig      []float32
	points    []SanityPoint
	err       error
}

// NewSanity starts the cascading randomization check of method f on
// input x and class. It works on a clone of m: the first Step computes the
// original map, each further Step replaces the weights of the next
// parametric layer, from the top down and cumulatively, by fresh random
// weights (the He initialisation nn.Build uses, seeded with seed) and
// compares the new map with the original. m itself is not changed.
func NewSanity(m *nn.Sequential, x *tensor.Tensor, class int, f MapFunc, seed uint64) *SanityStepper {
	s := &SanityStepper{m: m.Clone(), random: nn.MustBuild(m.Spec, seed), x: x, class: class, f: f}
	for i := len(m.Layers) - 1; i >= 0; i-- {
		if len(m.Layers[i].Params()) > 0 {
			s.layers = append(s.layers, i)
		}
	}
	return s
}

// Step computes the next map and reports whether the check is done (every
// layer randomized, or the method failed: see Err).
func (s *SanityStepper) Step() bool {
	if s.err != nil || len(s.points) > len(s.layers) {
		return true
	}
	k := len(s.points)
	name := ""
	if k > 0 {
		i := s.layers[k-1]
		name = s.m.Spec.Layers[i].Name
		src, dst := s.random.Layers[i].Params(), s.m.Layers[i].Params()
		for j := range dst {
			copy(dst[j].Var.Value.Data, src[j].Var.Value.Data)
		}
	}
	mp, err := s.f(s.m, s.x, s.class)
	if err != nil {
		s.err = fmt.Errorf("sanity check after randomizing %q: %v", name, err)
		return true
	}
	if k == 0 {
		s.orig = mp
	}
	s.points = append(s.points, Compare(name, s.orig, mp))
	return len(s.points) > len(s.layers)
}

// Err returns the method's error that stopped the check, or nil.
func (s *SanityStepper) Err() error { return s.err }

// Progress returns how many maps are done and how many there will be.
func (s *SanityStepper) Progress() (done, total int) { return len(s.points), len(s.layers) + 1 }

// Points returns the comparisons so far: first the original with itself,
// then one per randomized layer from the top down.
func (s *SanityStepper) Points() []SanityPoint { return append([]SanityPoint(nil), s.points...) }

// Sanity runs NewSanity to completion.
func Sanity(m *nn.Sequential, x *tensor.Tensor, class int, f MapFunc, seed uint64) ([]SanityPoint, error) {
	s := NewSanity(m, x, class, f, seed)
	for !s.Step() {
	}
	return s.Points(), s.Err()
}

// Compare computes the similarities of map b with map a (same length),
// labelled with layer. It panics when the lengths differ.
func Compare(layer string, a, b []float32) SanityPoint {
	if len(a) != len(b) {
		panic(fmt.Sprintf("metrics: comparing maps of %d and %d values", len(a), len(b)))
	}
	abs := func(v []float32) []float32 {
		o := make([]float32, len(v))
		for i, x := range v {
			o[i] = float32(math.Abs(float64(x)))
		}
		return o
	}
	return SanityPoint{
		Layer:       layer,
		Spearman:    Spearman(a, b),
		SpearmanAbs: Spearman(abs(a), abs(b)),
		Pearson:     Pearson(a, b),
		SSIM:        SSIM(a, b),
	}
}

// Pearson returns the correlation coefficient of a and b, or 0 when
// either is constant (the coefficient is then undefined).
func Pearson(a, b []float32) float64 {
	if len(a) != len(b) {
		panic(fmt.Sprintf("metrics: Pearson of %d and %d values", len(a), len(b)))
	}
	n := float64(len(a))
	if n == 0 {
		return 0
	}
	var ma, mb float64
	for i := range a {
		ma += float64(a[i])
		mb += float64(b[i])
	}
	ma /= n
	mb /= n
	var sab, saa, sbb float64
	for i := range a {
		da, db := float64(a[i])-ma, float64(b[i])-mb
		sab += da * db
		saa += da * da
		sbb += db * db
	}
	if saa == 0 || sbb == 0 {
		return 0
	}
	return sab / math.Sqrt(saa*sbb)
}

// ranks returns the rank of each value of v (0-based), ties sharing the
// mean of their ranks.
func ranks(v []float32) []float32 {
	idx := make([]int, len(v))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return v[idx[a]] < v[idx[b]] })
	r := make([]float32, len(v))
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && v[idx[j+1]] == v[idx[i]] {
			j++
		}
		mean := float32(i+j) / 2
		for k := i; k <= j; k++ {
			r[idx[k]] = mean
		}
		i = j + 1
	}
	return r
}

// Spearman returns the rank correlation of a and b (Pearson of their
// ranks, ties averaged), or 0 when either is constant.
func Spearman(a, b []float32) float64 { return Pearson(ranks(a), ranks(b)) }

// SSIM returns the structural similarity of a and b computed as one window
// over the whole map, after min-max normalising each to [0, 1] (a
// constant map becomes all 0), with the usual constants C1 = 0.01², C2 =
// 0.03² for a dynamic range of 1. It is 1 for maps equal after
// normalisation.
func SSIM(a, b []float32) float64 {
	if len(a) != len(b) {
		panic(fmt.Sprintf("metrics: SSIM of %d and %d values", len(a), len(b)))
	}
	na, nb := minMax(a), minMax(b)
	n := float64(len(a))
	if n == 0 {
		return 1
	}
	var ma, mb float64
	for i := range na {
		ma += na[i]
		mb += nb[i]
	}
	ma /= n
	mb /= n
	var vab, vaa, vbb float64
	for i := range na {
		da, db := na[i]-ma, nb[i]-mb
		vab += da * db
		vaa += da * da
		vbb += db * db
	}
	vab /= n
	vaa /= n
	vbb /= n
	const c1, c2 = 0.01 * 0.01, 0.03 * 0.03
	return (2*ma*mb + c1) * (2*vab + c2) / ((ma*ma + mb*mb + c1) * (vaa + vbb + c2))
}

func minMax(v []float32) []float64 {
	out := make([]float64, len(v))
	if len(v) == 0 {
		return out
	}
	lo, hi := float64(v[0]), float64(v[0])
	for _, x := range v {
		lo, hi = min(lo, float64(x)), max(hi, float64(x))
	}
	if hi > lo {
		for i, x := range v {
			out[i] = (float64(x) - lo) / (hi - lo)
		}
	}
	return out
}
