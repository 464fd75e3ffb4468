package featuremaps

import (
	"fmt"
	"math"

	ag "cnnviz/core/autograd"
	"cnnviz/core/nn"
	"cnnviz/core/tensor"
)

// Stats summarizes one layer's outputs over one or more input images.
// Channels are as in Layer.Channels (each unit of a flat layer is its own
// channel).
type Stats struct {
	Name, Kind string
	Shape      []int
	Images     int // inputs summarized

	Min, Max, Mean, Std float64 // over every value of every image (population std)

	// Sparsity is the fraction of values exactly zero, over all images.
	Sparsity float64
	// Blank is the fraction of channels entirely zero for an image ("blank
	// filters"), averaged over the images.
	Blank float64
	// DeadUnits is the fraction of units (positions of the output) that are
	// zero for every image; DeadChannels the fraction of channels zero at
	// every position for every image. They equal Sparsity and Blank for a
	// single image, and can only fall as images are added.
	DeadUnits, DeadChannels float64
}

// Accumulator gathers Stats for every layer of a model image by image. The
// zero value is not usable; call NewAccumulator.
type Accumulator struct {
	layers []acc
}

type acc struct {
	name, kind string
	shape      []int
	images     int
	count      float64 // values seen
	mean, m2   float64 // running mean and sum of squared deviations
	min, max   float64
	zeros      float64
	blank      float64 // sum over images of the blank fraction
	alive      []bool  // per unit: non-zero in some image
	aliveCh    []bool  // per channel
}

// NewAccumulator returns an empty accumulator for the layers of m.
func NewAccumulator(m *nn.Sequential) *Accumulator {
	a := &Accumulator{layers: make([]acc, len(m.Layers))}
	for i, s := range m.Spec.Layers {
		sh := m.OutShape(i)
		c, _ := channels(sh)
		a.layers[i] = acc{name: s.Name, kind: s.Kind, shape: sh, min: math.Inf(1), max: math.Inf(-1),
			alive: make([]bool, tensor.Numel(sh)), aliveCh: make([]bool, c)}
	}
	return a
}

// Add adds one image's outputs of layer i (len(data) = the layer's size).
// It panics if i or the length is wrong.
func (a *Accumulator) Add(i int, data []float32) {
	l := &a.layers[i]
	if len(data) != len(l.alive) {
		panic(fmt.Sprintf("featuremaps: Accumulator.Add layer %d (%s, %v) given %d values", i, l.name, l.shape, len(data)))
	}
	c, hw := channels(l.shape)
	var sum float64
	zeros, blank := 0, 0
	lo, hi := math.Inf(1), math.Inf(-1)
	for ch := range c {
		allZero := true
		for j := ch * hw; j < (ch+1)*hw; j++ {
			v := float64(data[j])
			sum += v
			lo, hi = math.Min(lo, v), math.Max(hi, v)
			if v == 0 {
				zeros++
			} else {
				allZero = false
				l.alive[j] = true
			}
		}
		if allZero {
			blank++
		} else {
			l.aliveCh[ch] = true
		}
	}
	// Two passes for this image, then Chan et al.'s merge of (count, mean, M2).
	n := float64(len(data))
	mean := sum / n
	var m2 float64
	for _, v := range data {
		d := float64(v) - mean
		m2 += d * d
	}
	tot := l.count + n
	delta := mean - l.mean
	l.m2 += m2 + delta*delta*l.count*n/tot
	l.mean += delta * n / tot
	l.count = tot
	l.min, l.max = math.Min(l.min, lo), math.Max(l.max, hi)
	l.zeros += float64(zeros)
	l.blank += float64(blank) / float64(c)
	l.images++
}

// AddImage adds the outputs of every layer for one image.
func (a *Accumulator) AddImage(layers []Layer) {
	for _, l := range layers {
		a.Add(l.Index, l.Data)
	}
}

// Stats returns the statistics so far, one per layer. With no image added
// every number is NaN.
func (a *Accumulator) Stats() []Stats {
	out := make([]Stats, len(a.layers))
	for i, l := range a.layers {
		s := Stats{Name: l.name, Kind: l.kind, Shape: l.shape, Images: l.images}
		if l.images == 0 {
			nan := math.NaN()
			s.Min, s.Max, s.Mean, s.Std, s.Sparsity, s.Blank, s.DeadUnits, s.DeadChannels = nan, nan, nan, nan, nan, nan, nan, nan
			out[i] = s
			continue
		}
		s.Min, s.Max, s.Mean = l.min, l.max, l.mean
		s.Std = math.Sqrt(l.m2 / l.count)
		s.Sparsity = l.zeros / l.count
		s.Blank = l.blank / float64(l.images)
		s.DeadUnits = fraction(l.alive)
		s.DeadChannels = fraction(l.aliveCh)
		out[i] = s
	}
	return out
}

// fraction returns the fraction of false entries.
func fraction(alive []bool) float64 {
	dead := 0
	for _, a := range alive {
		if !a {
			dead++
		}
	}
	return float64(dead) / float64(len(alive))
}

// Summarize returns the statistics of each layer of one captured input.
func Summarize(m *nn.Sequential, layers []Layer) []Stats {
	a := NewAccumulator(m)
	a.AddImage(layers)
	return a.Stats()
}

// StatsRun is a stepper computing LayerStats: each Step runs one batch of
// images forward and adds their outputs.
type StatsRun struct {
	m      *nn.Sequential
	images []float32
	n      int
	next   int
	batch  int
	acc    *Accumulator
}

// NewStatsRun prepares statistics of every layer of m over n images
// (flat, n·C·H·W values). It panics if the length is wrong.
func NewStatsRun(m *nn.Sequential, images []float32, n int) *StatsRun {
	checkImages(m, images, n)
	return &StatsRun{m: m, images: images, n: n, batch: batchFor(m, len(m.Layers)-1), acc: NewAccumulator(m)}
}

// Step processes the next batch of images and reports whether all are done.
func (r *StatsRun) Step() bool {
	if r.next >= r.n {
		return true
	}
	b := min(r.batch, r.n-r.next)
	size := tensor.Numel(r.m.Spec.Input)
	forward(r.m, r.images[r.next*size:(r.next+b)*size], b, len(r.m.Layers)-1, func(i int, v *ag.Var) {
		per := len(v.Value.Data) / b
		for j := range b {
			r.acc.Add(i, v.Value.Data[j*per:(j+1)*per])
		}
	})
	r.next += b
	return r.next >= r.n
}

// Progress returns how many images are done out of how many.
func (r *StatsRun) Progress() (done, total int) { return r.next, r.n }

// Stats returns the statistics of the images done so far.
func (r *StatsRun) Stats() []Stats { return r.acc.Stats() }

// LayerStats returns the statistics of every layer of m over n images
// (flat, n·C·H·W values), one forward pass per image. It panics if the
// length is wrong.
func LayerStats(m *nn.Sequential, images []float32, n int) []Stats {
	checkImages(m, images, n)
	a := NewAccumulator(m)
	size := tensor.Numel(m.Spec.Input)
	for j := range n {
		a.AddImage(Capture(m, images[j*size:(j+1)*size]))
	}
	return a.Stats()
}
