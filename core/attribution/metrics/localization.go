package metrics

import (
	"fmt"
	"math/rand/v2"

	"cnnviz/core/nn"
	"cnnviz/core/tensor"
)

// DigitSide is the side of an MNIST digit image.
const DigitSide = 28

// Box is a half-open pixel rectangle [X0, X1) × [Y0, Y1).
type Box struct{ X0, Y0, X1, Y1 int }

// Contains reports whether pixel (x, y) lies in b grown by tol pixels on
// every side.
func (b Box) Contains(x, y, tol int) bool {
	return x >= b.X0-tol && x < b.X1+tol && y >= b.Y0-tol && y < b.Y1+tol
}

// Sample is one localization scene: a [1, Size, Size] image holding one
// digit of class Label whose ink (every pixel > 0) lies exactly in Box.
type Sample struct {
	Image *tensor.Tensor
	Label int
	Box   Box
	// Index is the position of the digit in the source set.
	Index int
}

// SceneOptions tune LocalizationSet.
type SceneOptions struct {
	Size int // canvas side (0 means 56); at least DigitSide
	// Clutter is the number of fragments of other digits (of other
	// classes) scattered outside the target digit's 28×28 cell, where they
	// fit; 0 means none.
	Clutter      int
	FragmentSide int // side of a clutter fragment (0 means 10)
	Seed         uint64
}

// LocalizationSet builds n scenes from MNIST digits: digits[i] is a
// 28×28 image with values in [0, 1] (ink high) of class labels[i]. Each
// scene copies a randomly chosen digit to a random position of an empty
// Size×Size canvas, adds the clutter, and records the digit's ink box.
// Clutter fragments are square crops of other-class digits, centred near
// the middle of their source so that they hold strokes, combined with the
// canvas by max. Everything comes from one PCG generator seeded with Seed.
// It returns an error for bad options or an empty or mismatched digit set.
func LocalizationSet(digits [][]float32, labels []int, n int, opt SceneOptions) ([]Sample, error) {
	if len(digits) == 0 || len(digits) != len(labels) {
		return nil, fmt.Errorf("localization set from %d digits and %d labels, want the same positive number", len(digits), len(labels))
	}
	for i, d := range digits {
		if len(d) != DigitSide*DigitSide {
			return nil, fmt.Errorf("digit %d has %d pixels, want %d", i, len(d), DigitSide*DigitSide)
		}
	}
	if opt.Size == 0 {
		opt.Size = 56
	}
	if opt.FragmentSide == 0 {
		opt.FragmentSide = 10
	}
	if opt.Size < DigitSide || opt.Size > 1024 || n < 0 || opt.Clutter < 0 || opt.FragmentSide < 1 || opt.FragmentSide > DigitSide {
		return nil, fmt.Errorf("localization set: canvas %d (want %d..1024), %d scenes, %d fragments of side %d (want 1..%d)", opt.Size, DigitSide, n, opt.Clutter, opt.FragmentSide, DigitSide)
	}
	r := rand.New(rand.NewPCG(opt.Seed, 0x10ca1))
	S, F := opt.Size, opt.FragmentSide
	out := make([]Sample, 0, n)
	for tries := 0; len(out) < n; tries++ {
		if tries > 100*(n+1) {
			return nil, fmt.Errorf("localization set: the digits are (nearly) all blank")
		}
		i := r.IntN(len(digits))
		img := tensor.New(1, S, S)
		oy, ox := r.IntN(S-DigitSide+1), r.IntN(S-DigitSide+1)
		box := Box{X0: S, Y0: S}
		for y := 0; y < DigitSide; y++ {
			for x := 0; x < DigitSide; x++ {
				v := digits[i][y*DigitSide+x]
				img.Data[(oy+y)*S+ox+x] = v
				if v > 0 {
					box.X0, box.Y0 = min(box.X0, ox+x), min(box.Y0, oy+y)
					box.X1, box.Y1 = max(box.X1, ox+x+1), max(box.Y1, oy+y+1)
				}
			}
		}
		if box.X1 == 0 {
			continue // a blank digit has no box; draw another
		}
		cell := Box{X0: ox, Y0: oy, X1: ox + DigitSide, Y1: oy + DigitSide}
		for range opt.Clutter {
			j := r.IntN(len(digits))
			if labels[j] == labels[i] {
				continue
			}
			// A crop centred within ±4 pixels of the source's middle.
			sy := min(max(DigitSide/2-F/2+r.IntN(9)-4, 0), DigitSide-F)
			sx := min(max(DigitSide/2-F/2+r.IntN(9)-4, 0), DigitSide-F)
			for try := 0; try < 20; try++ {
				py, px := r.IntN(S-F+1), r.IntN(S-F+1)
				if px < cell.X1 && px+F > cell.X0 && py < cell.Y1 && py+F > cell.Y0 {
					continue
				}
				for y := 0; y < F; y++ {
					for x := 0; x < F; x++ {
						p := &img.Data[(py+y)*S+px+x]
						*p = max(*p, digits[j][(sy+y)*DigitSide+sx+x])
					}
				}
				break
			}
		}
		out = append(out, Sample{Image: img, Label: labels[i], Box: box, Index: i})
	}
	return out, nil
}

// Argmax returns the position (x, y) of the largest value of an h×w map
// (the first in raster order on ties). It panics when len(m) != h·w.
func Argmax(m []float32, h, w int) (x, y int) {
	if len(m) != h*w || h*w == 0 {
		panic(fmt.Sprintf("metrics: map of %d values as %dx%d", len(m), h, w))
	}
	best := 0
	for i, v := range m {
		if v > m[best] {
			best = i
		}
	}
	return best % w, best / w
}

// PointingHit is the pointing game for one map m (h×w, at the scene's
// resolution): whether its maximum lies in box grown by tol pixels.
func PointingHit(m []float32, h, w int, box Box, tol int) bool {
	x, y := Argmax(m, h, w)
	return box.Contains(x, y, tol)
}

// EnergyInBox returns the share of the map's positive mass, Σ max(m, 0),
// that lies inside box; 0 for a map with no positive value.
func EnergyInBox(m []float32, h, w int, box Box) float64 {
	if len(m) != h*w {
		panic(fmt.Sprintf("metrics: map of %d values as %dx%d", len(m), h, w))
	}
	var in, all float64
	for i, v := range m {
		if v <= 0 {
			continue
		}
		all += float64(v)
		if box.Contains(i%w, i/w, 0) {
			in += float64(v)
		}
	}
	if all == 0 {
		return 0
	}
	return in / all
}

// MapFunc computes an attribution map for image x and class on model m,
// as H·W values at x's resolution (upsample CAMs, reduce channels of
// gradient maps).
type MapFunc func(m *nn.Sequential, x *tensor.Tensor, class int) ([]float32, error)

// Localization is the result of the pointing game and energy inside the
// box over a set of scenes.
type Localization struct {
	Hits, N int
	// Accuracy is Hits/N.
	Accuracy float64
	// MeanEnergy is the mean of EnergyInBox over the scenes.
	MeanEnergy float64
}

// LocalizationStepper scores a map method on a set of scenes, one map per
// Step (so a Step costs one call of the method).
type LocalizationStepper struct {
	m       *nn.Sequential
	samples []Sample
	f       MapFunc
	tol     int
	next    int
	res     Localization
	energy  float64
	err     error
}

// NewLocalization starts the pointing game with tolerance tol pixels and
// energy inside the box for method f on samples, targeting each sample's
// true label. m must take the scenes' size (see attribution.WithInput).
func NewLocalization(m *nn.Sequential, samples []Sample, f MapFunc, tol int) *LocalizationStepper {
	return &LocalizationStepper{m: m, samples: samples, f: f, tol: tol}
}

// Step scores the next scene and reports whether the stepper is done: all
// scenes scored, or the method failed (see Err).
func (s *LocalizationStepper) Step() bool {
	if s.next >= len(s.samples) || s.err != nil {
		return true
	}
	sm := s.samples[s.next]
	h, w := sm.Image.Shape[1], sm.Image.Shape[2]
	mp, err := s.f(s.m, sm.Image, sm.Label)
	if err != nil {
		s.err = fmt.Errorf("scene %d: %v", s.next, err)
		return true
	}
	if PointingHit(mp, h, w, sm.Box, s.tol) {
		s.res.Hits++
	}
	s.energy += EnergyInBox(mp, h, w, sm.Box)
	s.next++
	s.res.N = s.next
	s.res.Accuracy = float64(s.res.Hits) / float64(s.next)
	s.res.MeanEnergy = s.energy / float64(s.next)
	return s.next >= len(s.samples)
}

// Err returns the method's error that stopped the stepper, or nil.
func (s *LocalizationStepper) Err() error { return s.err }

// Progress returns how many scenes are done and how many there are.
func (s *LocalizationStepper) Progress() (done, total int) { return s.next, len(s.samples) }

// Result returns the scores over the scenes done so far.
func (s *LocalizationStepper) Result() Localization { return s.res }

// Localize runs NewLocalization to completion.
func Localize(m *nn.Sequential, samples []Sample, f MapFunc, tol int) (Localization, error) {
	s := NewLocalization(m, samples, f, tol)
	for !s.Step() {
	}
	return s.Result(), s.Err()
}
