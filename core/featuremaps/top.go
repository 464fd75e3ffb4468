package featuremaps

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"cnnviz/core/nn"
	"cnnviz/core/tensor"
)

// Top is one image's response in one channel: the channel's maximum over
// positions, and where it is (row Y, column X of the layer's output; 0, 0
// for a flat layer). ReceptiveField(spec, layer, Y, X) is the input crop
// that produced it.
type Top struct {
	Image int // index into the image set searched
	Value float32
	Y, X  int
}

// better orders Tops: larger value first, then smaller image index.
func better(a, b Top) bool {
	return a.Value > b.Value || (a.Value == b.Value && a.Image < b.Image)
}

// channelMax returns the maximum of one channel's hw values (the first on
// ties) and its row and column.
func channelMax(d []float32, w int) (float32, int, int) {
	best, at := d[0], 0
	for j, v := range d[1:] {
		if v > best {
			best, at = v, j+1
		}
	}
	return best, at / w, at % w
}

// TopImages returns, for every channel of layer (flat layers: every unit),
// the k images among n (flat, n·C·H·W values) whose maximum activation in
// that channel is largest, best first; equal values keep the lower image
// index first. It runs a TopSearch to the end. It panics if the lengths
// are wrong, layer is out of range or k < 1.
func TopImages(m *nn.Sequential, layer int, images []float32, n, k int) [][]Top {
	s := NewTopSearch(m, layer, images, n, k)
	for !s.Step() {
	}
	return s.Result()
}

func checkTop(m *nn.Sequential, layer int, images []float32, n, k int) {
	checkImages(m, images, n)
	if layer < 0 || layer >= len(m.Layers) || k < 1 {
		panic(fmt.Sprintf("featuremaps: top %d images for layer %d of %d", k, layer, len(m.Layers)))
	}
}

// TopSearch is the stepper form of TopImages: each Step runs one batch of
// images forward through the layers up to the chosen one (about
// BatchBudget multiply-adds, with an nn.Plan, which allocates nothing
// after the first batch) and updates the running top k of every channel.
type TopSearch struct {
	m        *nn.Sequential
	layer    int
	images   []float32
	n, k     int
	next     int
	batch    int
	c, hw, w int
	top      [][]Top  // per channel, sorted, at most k
	plan     *nn.Plan // runs the network for the current batch size
}

// NewTopSearch prepares the search of TopImages. It panics as TopImages.
func NewTopSearch(m *nn.Sequential, layer int, images []float32, n, k int) *TopSearch {
	checkTop(m, layer, images, n, k)
	c, hw := channels(m.OutShape(layer))
	w := 1
	if sh := m.OutShape(layer); len(sh) == 3 {
		w = sh[2]
	}
	return &TopSearch{m: m, layer: layer, images: images, n: n, k: k, batch: batchFor(m, layer),
		c: c, hw: hw, w: w, top: make([][]Top, c)}
}

// Batch returns the number of images one Step processes.
func (s *TopSearch) Batch() int { return s.batch }

// Step processes the next batch and reports whether every image is done.
func (s *TopSearch) Step() bool {
	if s.next >= s.n {
		return true
	}
	b := min(s.batch, s.n-s.next)
	size := tensor.Numel(s.m.Spec.Input)
	if s.plan == nil || s.plan.Batch() != b {
		s.plan = nn.NewPlan(s.m, b) // once, and once more for a last short batch
	}
	out := s.plan.ForwardTo(s.images[s.next*size:(s.next+b)*size], s.layer)
	for j := range b {
		for ch := range s.c {
			off := (j*s.c + ch) * s.hw
			val, y, x := channelMax(out[off:off+s.hw], s.w)
			s.insert(ch, Top{Image: s.next + j, Value: val, Y: y, X: x})
		}
	}
	s.next += b
	return s.next >= s.n
}

// insert puts t into channel ch's list if it is among the best k.
func (s *TopSearch) insert(ch int, t Top) {
	l := s.top[ch]
	if len(l) == s.k && !better(t, l[len(l)-1]) {
		return
	}
	at := len(l)
	for at > 0 && better(t, l[at-1]) {
		at--
	}
	l = slices.Insert(l, at, t)
	if len(l) > s.k {
		l = l[:s.k]
	}
	s.top[ch] = l
}

// Progress returns how many images are done out of how many.
func (s *TopSearch) Progress() (done, total int) { return s.next, s.n }

// Result returns a copy of the top images found so far, per channel.
func (s *TopSearch) Result() [][]Top {
	out := make([][]Top, len(s.top))
	for i, l := range s.top {
		out[i] = slices.Clone(l)
	}
	return out
}

// Sample returns k distinct indices from [0, total) drawn with r, in the
// order drawn (a partial Fisher–Yates shuffle), so a seeded generator gives
// the same sample every time. It panics unless 0 ≤ k ≤ total.
func Sample(r *rand.Rand, total, k int) []int {
	if k < 0 || k > total {
		panic(fmt.Sprintf("featuremaps: sample of %d from %d", k, total))
	}
	idx := make([]int, total)
	for i := range idx {
		idx[i] = i
	}
	for i := range k {
		j := i + r.IntN(total-i)
		idx[i], idx[j] = idx[j], idx[i]
	}
	return idx[:k:k]
}
