package explorer

import (
	"fmt"
	"math"
	"math/rand/v2"

	"cnnviz/core/featuremaps"
	"cnnviz/core/render"
	"cnnviz/models/mnist"
)

// Colour-scale modes of the feature-map view (State option "scale").
const (
	ScaleChannel = "channel" // each channel spans the whole colormap
	ScaleLayer   = "layer"   // one scale for all channels of a layer
	ScaleGlobal  = "global"  // one magnitude for every layer
)

// ScaleMode returns the feature-map colour-scale mode of s: the option
// "scale" when it names a mode, else ScaleChannel.
func ScaleMode(s State) string {
	switch m := s.Option("scale", ScaleChannel); m {
	case ScaleLayer, ScaleGlobal:
		return m
	}
	return ScaleChannel
}

// Signed reports whether any value of d is negative: such a layer (a
// convolution before its ReLU, the logits) is drawn with a diverging map.
func Signed(d []float32) bool {
	for _, v := range d {
		if v < 0 {
			return true
		}
	}
	return false
}

// FeatureScales returns the colour scales of every channel of every
// activation, out[i][c] for channel c of layer i (a flat layer has one
// channel per unit, featuremaps.Layer.Channels). Signedness is decided per
// layer, so that a signed layer is drawn with one diverging map whatever
// its channels hold. Modes:
//
//   - ScaleChannel: each channel of a spatial layer gets its own range; a
//     flat layer (GAP vector, logits), whose "channels" are single numbers,
//     gets the layer's range, since a one-value range shows nothing.
//   - ScaleLayer: every channel of a layer shares the layer's range.
//   - ScaleGlobal: every layer shares one magnitude M = max |v| over all
//     layers: signed layers span ±M, unsigned ones [0, M], so a colour means
//     the same size of number everywhere.
//
// Unknown modes are read as ScaleChannel.
func FeatureScales(acts []Activation, mode string) [][]render.Scale {
	if mode != ScaleLayer && mode != ScaleGlobal {
		mode = ScaleChannel
	}
	// One pass over the data: the finite range of every channel.
	type span struct{ lo, hi float32 }
	spans := make([][]span, len(acts))
	var m float64 // global max |v|
	for i, a := range acts {
		c, hw := channelsOf(a.Shape)
		spans[i] = make([]span, c)
		for ch := range c {
			lo, hi := float32(math.Inf(1)), float32(math.Inf(-1))
			for _, v := range a.Data[ch*hw : (ch+1)*hw] {
				if v-v != 0 { // NaN or ±Inf
					continue
				}
				if v < lo {
					lo = v
				}
				if v > hi {
					hi = v
				}
			}
			spans[i][ch] = span{lo, hi}
			if lo <= hi {
				m = math.Max(m, math.Max(-float64(lo), float64(hi)))
			}
		}
	}
	// fit is render.Fit from a finite range (empty when lo > hi).
	fit := func(signed bool, lo, hi float32) render.Scale {
		if lo > hi {
			return render.Scale{Signed: signed}
		}
		if signed {
			a := math.Max(-float64(lo), float64(hi))
			return render.Scale{Min: -a, Max: a, Signed: true}
		}
		return render.Scale{Min: float64(lo), Max: float64(hi)}
	}
	out := make([][]render.Scale, len(acts))
	for i, a := range acts {
		lo, hi := float32(math.Inf(1)), float32(math.Inf(-1))
		for _, sp := range spans[i] {
			lo, hi = min(lo, sp.lo), max(hi, sp.hi)
		}
		sg := Signed(a.Data)
		_, hw := channelsOf(a.Shape)
		var shared render.Scale
		switch {
		case mode == ScaleGlobal && sg:
			shared = render.Scale{Min: -m, Max: m, Signed: true}
		case mode == ScaleGlobal:
			shared = render.Scale{Min: 0, Max: m}
		default:
			shared = fit(sg, lo, hi)
		}
		sc := make([]render.Scale, len(spans[i]))
		for ch, sp := range spans[i] {
			if mode == ScaleChannel && hw > 1 {
				sc[ch] = fit(sg, sp.lo, sp.hi)
			} else {
				sc[ch] = shared
			}
		}
		out[i] = sc
	}
	return out
}

// channelsOf is featuremaps.Layer.Channels for a bare shape.
func channelsOf(shape []int) (c, hw int) {
	return featuremaps.Layer{Shape: shape}.Channels()
}

// SampleImages returns the test images idx of set converted to the input
// shape of a model (FitInput), one after another: len(idx)·C·H·W values,
// ready for the featuremaps steppers. It panics if an index is out of
// range.
func SampleImages(set *mnist.Set, idx []int, shape []int) []float32 {
	size := shape[0] * shape[1] * shape[2]
	out := make([]float32, 0, len(idx)*size)
	pix := make([]float32, set.Rows*set.Cols)
	for _, i := range idx {
		pix = set.Float(i, pix)
		out = append(out, FitInput(pix, shape)...)
	}
	return out
}

// TestSample returns n distinct test-set indices drawn with seed (all of
// them, in order, when n ≥ the set's size), so that a statistic over a
// sample is reproducible from a link. It returns an error for n < 1.
func TestSample(set *mnist.Set, n int, seed uint64) ([]int, error) {
	if n < 1 {
		return nil, fmt.Errorf("sample size %d is not positive", n)
	}
	if n >= set.Count {
		idx := make([]int, set.Count)
		for i := range idx {
			idx[i] = i
		}
		return idx, nil
	}
	return featuremaps.Sample(rand.New(rand.NewPCG(seed, 0x5eed)), set.Count, n), nil
}

// sampleChunk is how many test images a job converts to the model's input
// shape per Step before its real work starts.
const sampleChunk = 500

// sampler converts test images to a model's input shape a chunk per Step.
type sampler struct {
	set    *mnist.Set
	idx    []int
	shape  []int
	images []float32
	done   int
}

// step converts the next chunk and reports whether all are converted.
func (s *sampler) step() bool {
	if s.done >= len(s.idx) {
		return true
	}
	size := s.shape[0] * s.shape[1] * s.shape[2]
	if s.images == nil {
		s.images = make([]float32, 0, len(s.idx)*size) // one allocation, no regrowth
	}
	end := min(len(s.idx), s.done+sampleChunk)
	pix := make([]float32, s.set.Rows*s.set.Cols)
	for _, i := range s.idx[s.done:end] {
		pix = s.set.Float(i, pix)
		s.images = append(s.images, FitInput(pix, s.shape)...)
	}
	s.done = end
	return false
}

// TopJob is the stepper behind the "top images" panel: it converts the
// test images idx to the model's input shape a chunk per Step, then runs
// featuremaps.TopSearch over them. Result's Image fields index idx (they
// are test-set positions only when idx is 0, 1, 2, …; use TestIndex).
type TopJob struct {
	Layer  int
	idx    []int
	mk     func(images []float32, n int) *featuremaps.TopSearch
	s      sampler
	search *featuremaps.TopSearch
}

// NewTopJob prepares the top k test images of every channel of layer of
// net over the test images idx. It panics as featuremaps.TopImages.
func NewTopJob(net *Model, layer int, set *mnist.Set, idx []int, k int) *TopJob {
	m := net.Net
	featuremaps.NewTopSearch(m, layer, nil, 0, k) // checks layer and k now
	return &TopJob{Layer: layer, idx: idx, s: sampler{set: set, idx: idx, shape: m.Spec.Input},
		mk: func(images []float32, n int) *featuremaps.TopSearch {
			return featuremaps.NewTopSearch(m, layer, images, n, k)
		}}
}

// Step converts a chunk of images or searches one batch, and reports
// whether the search is done.
func (j *TopJob) Step() bool {
	if !j.s.step() {
		return false
	}
	if j.search == nil {
		j.search = j.mk(j.s.images, len(j.idx))
	}
	return j.search.Step()
}

// Progress returns how many images are searched out of how many.
func (j *TopJob) Progress() (done, total int) {
	if j.search == nil {
		return 0, len(j.idx)
	}
	return j.search.Progress()
}

// Result returns the top images found so far per channel (nil before the
// search starts); Image fields index the job's idx.
func (j *TopJob) Result() [][]featuremaps.Top {
	if j.search == nil {
		return nil
	}
	return j.search.Result()
}

// TestIndex returns the test-set index of result image i.
func (j *TopJob) TestIndex(i int) int { return j.idx[i] }

// StatsJob is the stepper behind the sample statistics: it converts the
// test images idx a chunk per Step, then runs featuremaps.StatsRun.
type StatsJob struct {
	m   *Model
	s   sampler
	run *featuremaps.StatsRun
}

// NewStatsJob prepares the statistics of every layer of net over the test
// images idx.
func NewStatsJob(net *Model, set *mnist.Set, idx []int) *StatsJob {
	return &StatsJob{m: net, s: sampler{set: set, idx: idx, shape: net.Net.Spec.Input}}
}

// Step converts a chunk or runs one batch, and reports whether all images
// are done.
func (j *StatsJob) Step() bool {
	if !j.s.step() {
		return false
	}
	if j.run == nil {
		j.run = featuremaps.NewStatsRun(j.m.Net, j.s.images, len(j.s.idx))
	}
	return j.run.Step()
}

// Progress returns how many images are summarized out of how many.
func (j *StatsJob) Progress() (done, total int) {
	if j.run == nil {
		return 0, len(j.s.idx)
	}
	return j.run.Progress()
}

// Stats returns the statistics of the images done so far (nil before the
// first batch).
func (j *StatsJob) Stats() []featuremaps.Stats {
	if j.run == nil {
		return nil
	}
	return j.run.Stats()
}

// CurrentStats returns the statistics of every layer for the activations
// of one input (a.Acts).
func CurrentStats(net *Model, acts []Activation) []featuremaps.Stats {
	layers := make([]featuremaps.Layer, len(acts))
	for i, a := range acts {
		layers[i] = featuremaps.Layer{Index: i, Name: a.Name, Kind: a.Kind, Shape: a.Shape, Data: a.Data}
	}
	return featuremaps.Summarize(net.Net, layers)
}
