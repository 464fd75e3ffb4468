package explorer

import (
	"fmt"
	"math"
	"math/rand/v2"

	"cnnviz/core/nn"
	"cnnviz/core/pca"
	"cnnviz/core/tensor"
	"cnnviz/core/tsne"
	"cnnviz/core/tsne/synth"
	"cnnviz/models/mnist"
)

// EmbedJob is the scheduler name of the embedding view's stepper, and
// MeaningJob that of its per-layer metrics.
const (
	EmbedJob   = "embedding"
	MeaningJob = "embedding-meaning"
)

// EmbedSizes are the numbers of test images the embedding view offers.
var EmbedSizes = []int{500, 1000, 2000, 5000, 10000}

// PixelsSource names the raw input as an embedding source.
const PixelsSource = "pixels"

// ProjectDims is the width above which a layer's activations are reduced
// before t-SNE or PCA by a seeded Gaussian random projection to this many
// dimensions. A random projection keeps all pairwise distances within a
// few percent (Johnson & Lindenstrauss 1984; the relative error of a squared
// distance has standard deviation √(2/ProjectDims) ≈ 6%), and it keeps
// memory bounded: conv1 of the mnist model has 12,544 values per image,
// which for 10,000 images would need half a gigabyte, and its covariance
// matrix for PCA another 1.2 GB.
const ProjectDims = 512

// EmbedSources returns the selectable sources of net: PixelsSource, then
// every layer's name in order.
func EmbedSources(net *nn.Sequential) []string {
	out := []string{PixelsSource}
	for _, l := range net.Spec.Layers {
		out = append(out, l.Name)
	}
	return out
}

// sourceIndex returns -1 for PixelsSource, else the layer index; an error
// names an unknown source.
func sourceIndex(net *nn.Sequential, source string) (int, error) {
	if source == PixelsSource || source == "" {
		return -1, nil
	}
	if i := net.Index(source); i >= 0 {
		return i, nil
	}
	return 0, fmt.Errorf("model %s has no layer %q (sources: %v)", net.Spec.Name, source, EmbedSources(net))
}

// Features is a stepper that computes the flattened activations of one
// source (the model input or a layer's output) for the first N images of a
// test set, a few images per Step, together with each image's label and
// the model's prediction. Sources wider than the projection width (when
// it is set) are reduced by a seeded Gaussian random projection as the
// images are processed (see ProjectDims).
type Features struct {
	Net    *nn.Sequential
	Set    *mnist.Set
	Source string
	N      int
	// Full is the source's width; D the width stored in X (Full, or the
	// projection width).
	Full, D int
	// X holds N×D values, row-major; rows >= Done() are zero.
	X []float32
	// Labels and Pred are the true and predicted class of each image.
	Labels, Pred []int

	layer int
	proj  []float32 // Full×D, or nil
	next  int
	batch int
	in    []float32
	plan  *nn.Plan // runs the network on batch images, made at the first Step
}

// NewFeatures prepares the features of source for the first n images of
// set. proj > 0 reduces sources wider than proj by random projection
// (seeded with seed); proj = 0 keeps every value. It returns an error for an
// unknown source, a missing test set or n outside 2..set.Count.
func NewFeatures(net *nn.Sequential, set *mnist.Set, source string, n, proj int, seed uint64) (*Features, error) {
	if set == nil {
		return nil, ErrTestLoading
	}
	if n < 2 || n > set.Count {
		return nil, fmt.Errorf("n = %d images, want 2..%d", n, set.Count)
	}
	li, err := sourceIndex(net, source)
	if err != nil {
		return nil, err
	}
	full := 1
	shape := net.Spec.Input[:]
	if li >= 0 {
		shape = net.OutShape(li)
	}
	for _, s := range shape {
		full *= s
	}
	f := &Features{Net: net, Set: set, Source: source, N: n, Full: full, D: full, layer: li,
		Labels: make([]int, n), Pred: make([]int, n)}
	if f.Source == "" {
		f.Source = PixelsSource
	}
	if proj > 0 && full > proj {
		f.D = proj
		f.proj = RandomProjection(full, proj, seed)
	}
	f.X = make([]float32, n*f.D)
	// About 2–4 ms of work per Step natively: the network's multiply-adds
	// per image plus the projection's.
	macs := ForwardMACs(net)
	if f.proj != nil {
		macs += full * f.D
	}
	f.batch = max(1, min(16, featureStepMACs/max(1, macs)))
	return f, nil
}

// featureStepMACs is the multiply-adds one Features Step aims at: about
// 2–4 ms natively, 5–10 ms under WebAssembly.
const featureStepMACs = 8_000_000

// ForwardMACs returns the multiply-adds of one image's forward pass
// through net's convolution and dense layers.
func ForwardMACs(net *nn.Sequential) int {
	total := 0
	for i, l := range net.Spec.Layers {
		in := net.Spec.Input[:]
		if j := net.Spec.Prev(i); j >= 0 {
			in = net.OutShape(j)
		}
		out := net.OutShape(i)
		per := 1
		for _, v := range out {
			per *= v
		}
		switch l.Kind {
		case "conv2d":
			total += per * in[0] / max(1, l.Groups) * l.Kernel[0] * l.Kernel[1]
		case "dense":
			n := 1
			for _, v := range in {
				n *= v
			}
			total += per * n
		}
	}
	return total
}

// RandomProjection returns a full×k matrix (row-major) of independent
// N(0, 1/k) entries, seeded: multiplying a row vector by it keeps squared
// lengths in expectation.
func RandomProjection(full, k int, seed uint64) []float32 {
	r := rand.New(rand.NewPCG(seed, 0x9e0))
	m := make([]float32, full*k)
	s := 1 / math.Sqrt(float64(k))
	for i := range m {
		m[i] = float32(r.NormFloat64() * s)
	}
	return m
}

// Done returns the number of images processed.
func (f *Features) Done() int { return f.next }

// Progress returns the fraction 0..1 of images processed.
func (f *Features) Progress() float64 { return float64(f.next) / float64(f.N) }

// Step processes the next few images and reports whether all are done.
func (f *Features) Step() bool {
	if f.next >= f.N {
		return true
	}
	b := min(f.batch, f.N-f.next)
	in := f.Net.Spec.Input
	per := in[0] * in[1] * in[2]
	if f.plan == nil {
		f.plan = nn.NewPlan(f.Net, f.batch)
		f.in = make([]float32, f.batch*per)
	}
	x := f.in
	clear(x[b*per:]) // a last, partial batch runs on blank images
	var one []float32
	for j := 0; j < b; j++ {
		one = f.Set.Float(f.next+j, one)
		copy(x[j*per:], FitInput(one, in[:]))
		f.Labels[f.next+j] = int(f.Set.Labels[f.next+j])
	}
	logits := f.plan.Forward(x)
	src := x
	if f.layer >= 0 {
		src = f.plan.Output(f.layer)
	}
	k := len(logits) / f.batch
	for j := 0; j < b; j++ {
		f.Pred[f.next+j] = argmax(logits[j*k : j*k+k])
	}
	dst := f.X[f.next*f.D : (f.next+b)*f.D]
	if f.proj != nil {
		tensor.Gemm(false, false, b, f.D, f.Full, src, f.Full, f.proj, f.D, dst, f.D, false)
	} else {
		copy(dst, src[:b*f.Full])
	}
	f.next += b
	if f.next >= f.N {
		f.plan, f.in = nil, nil
	}
	return f.next >= f.N
}

// EmbedOptions configure an Embedding.
type EmbedOptions struct {
	Source string // PixelsSource or a layer name
	N      int    // first N test images
	Method string // "tsne" (default) or "pca"
	TSNE   tsne.Options
}

// Embedding is the embedding view's computation as one stepper: the
// source's features for N test images (Features, projected to ProjectDims
// when wider), then t-SNE (package tsne) or a 2-component PCA (package
// pca). Positions, Phase and the KL history are readable between Steps.
type Embedding struct {
	Opt  EmbedOptions
	Feat *Features
	T    *tsne.TSNE // nil until the features are done, or for PCA
	P    *pca.PCA
	// KLIter and KL sample the divergence every KLEvery iterations and
	// at the end (t-SNE's Options.KLEvery, unless that is set; read when
	// t-SNE starts, after the features).
	KLIter  []int
	KL      []float64
	KLEvery int
	// Until, when > 0, makes Step report done at that iteration (the
	// "step" button); MaxIter still ends the run.
	Until int
	pos   []float32
	posAt int // iteration (or -1 for PCA) of pos
}

// NewEmbedding prepares an embedding; errors name a bad source, size or
// method. The t-SNE options are checked by tsne.New when the features are
// done: give non-negative values.
func NewEmbedding(net *nn.Sequential, set *mnist.Set, o EmbedOptions) (*Embedding, error) {
	if o.Method == "" {
		o.Method = "tsne"
	}
	if o.Method != "tsne" && o.Method != "pca" {
		return nil, fmt.Errorf("method %q, want tsne or pca", o.Method)
	}
	if o.TSNE.Perplexity < 0 || o.TSNE.LearningRate < 0 || o.TSNE.EarlyExaggeration < 0 || o.TSNE.Theta < 0 {
		return nil, fmt.Errorf("t-SNE options must not be negative")
	}
	f, err := NewFeatures(net, set, o.Source, o.N, ProjectDims, 1)
	if err != nil {
		return nil, err
	}
	return &Embedding{Opt: o, Feat: f, KLEvery: 10, posAt: -2}, nil
}

// NewSynthEmbedding returns an embedding of a synthetic data set (package
// synth), for the teaching mode: its points are the features, its labels
// serve as both labels and predictions.
func NewSynthEmbedding(ds synth.Dataset, o EmbedOptions) (*Embedding, error) {
	if o.Method == "" {
		o.Method = "tsne"
	}
	if o.Method != "tsne" && o.Method != "pca" {
		return nil, fmt.Errorf("method %q, want tsne or pca", o.Method)
	}
	o.Source, o.N = ds.Name, ds.N
	f := &Features{Source: ds.Name, N: ds.N, Full: ds.D, D: ds.D, X: ds.X, Labels: ds.Labels, Pred: ds.Labels, layer: -1, next: ds.N}
	return &Embedding{Opt: o, Feat: f, KLEvery: 10, posAt: -2}, nil
}

// Restart returns a new Embedding with options o that reuses e's features
// when the source and N are unchanged.
func (e *Embedding) Restart(o EmbedOptions) (*Embedding, error) {
	if o.Method == "" {
		o.Method = "tsne"
	}
	if o.Source != e.Opt.Source || o.N != e.Opt.N || e.Feat.Done() < e.Feat.N {
		if e.Feat.Net == nil {
			return nil, fmt.Errorf("a synthetic embedding can only restart with the same data")
		}
		return NewEmbedding(e.Feat.Net, e.Feat.Set, o)
	}
	if o.Method != "tsne" && o.Method != "pca" {
		return nil, fmt.Errorf("method %q, want tsne or pca", o.Method)
	}
	return &Embedding{Opt: o, Feat: e.Feat, KLEvery: 10, posAt: -2}, nil
}

// Step does a bounded slice: a few images, or one slice of PCA or t-SNE.
// It reports done when the method has finished (or Until is reached).
func (e *Embedding) Step() bool {
	if e.Feat.Done() < e.Feat.N {
		e.Feat.Step()
		return false
	}
	if e.Opt.Method == "pca" {
		if e.P == nil {
			e.P = pca.New(e.Feat.X, e.Feat.N, e.Feat.D, 2)
		}
		return e.P.Step()
	}
	if e.T == nil {
		opt := e.Opt.TSNE
		if opt.KLEvery == 0 {
			opt.KLEvery = e.KLEvery
		}
		e.T = tsne.New(e.Feat.X, e.Feat.N, e.Feat.D, opt)
	}
	done := e.T.Step()
	// t-SNE evaluates the KL in slices of its Steps (Options.KLEvery).
	its, kl := e.T.KLHistory()
	for m := len(e.KL); m < len(kl); m++ {
		e.KLIter = append(e.KLIter, its[m])
		e.KL = append(e.KL, kl[m])
	}
	return done || (e.Until > 0 && e.T.Iteration() >= e.Until)
}

// Iteration returns the t-SNE iteration (0 for PCA or before setup).
func (e *Embedding) Iteration() int {
	if e.T == nil {
		return 0
	}
	return e.T.Iteration()
}

// Phase says what Step is doing: "activations", a tsne phase, "pca" or
// "done".
func (e *Embedding) Phase() string {
	switch {
	case e.Feat.Done() < e.Feat.N:
		return "activations"
	case e.Opt.Method == "pca":
		if e.P != nil && e.P.Done() {
			return "done"
		}
		return "pca"
	case e.T == nil:
		return "neighbors"
	}
	return e.T.Phase()
}

// Progress returns the fraction 0..1 of the current phase (activations
// or PCA; 1 otherwise).
func (e *Embedding) Progress() float64 {
	if e.Feat.Done() < e.Feat.N {
		return e.Feat.Progress()
	}
	if e.P != nil {
		return e.P.Progress()
	}
	return 1
}

// Ready reports whether Positions is meaningful.
func (e *Embedding) Ready() bool {
	if e.Opt.Method == "pca" {
		return e.P != nil && e.P.Done()
	}
	return e.T != nil && e.T.SetupDone()
}

// Version changes whenever Positions changes.
func (e *Embedding) Version() int {
	if e.Opt.Method == "pca" {
		if e.Ready() {
			return 1
		}
		return 0
	}
	if e.T == nil || !e.T.SetupDone() {
		return 0
	}
	return e.T.Iteration() + 1
}

// Positions returns the current n×2 coordinates (nil before Ready). The
// slice is cached per Version and must not be modified.
func (e *Embedding) Positions() []float32 {
	if !e.Ready() {
		return nil
	}
	if v := e.Version(); v != e.posAt {
		if e.P != nil {
			s := e.P.Scores()
			e.pos = make([]float32, len(s))
			for i, v := range s {
				e.pos[i] = float32(v)
			}
		} else {
			e.pos = e.T.Positions()
		}
		e.posAt = v
	}
	return e.pos
}

// EmbedResult is the outcome of Embed.
type EmbedResult struct {
	Coords     []float32 // n×2
	Labels     []int
	Pred       []int
	KL         float64 // final KL (0 for PCA)
	Iterations int
}

// Embed runs an embedding to completion: the plain form of Embedding,
// used by the JS API and the tests.
func Embed(net *nn.Sequential, set *mnist.Set, o EmbedOptions) (EmbedResult, error) {
	e, err := NewEmbedding(net, set, o)
	if err != nil {
		return EmbedResult{}, err
	}
	for !e.Step() {
	}
	return e.Result(), nil
}

// Result returns the current coordinates, labels, predictions, KL and
// iteration count.
func (e *Embedding) Result() EmbedResult {
	r := EmbedResult{Coords: append([]float32(nil), e.Positions()...), Labels: e.Feat.Labels, Pred: e.Feat.Pred, Iterations: e.Iteration()}
	if e.T != nil {
		r.KL = e.T.KL()
	}
	return r
}

// MeaningK is the neighbourhood size of the neighbour-preservation score.
const MeaningK = 10

// Meaning measures every source of a model on the first N test images: the
// leave-one-out 1-nearest-neighbour accuracy of the activations (how well
// the layer's geometry separates the classes) and the fraction of each
// image's MeaningK nearest neighbours in pixel space that stay among its
// MeaningK nearest in the layer (how much of the image's own appearance
// the layer keeps). Distances are exact Euclidean distances on the full
// activations, no projection. It is a stepper: per source it computes the
// features and then the neighbours (a tsne.KNN stepper).
type Meaning struct {
	Net     *nn.Sequential
	Set     *mnist.Set
	N       int
	Sources []string
	// OneNN and Kept hold one value per finished source, in order.
	OneNN, Kept []float64

	seed   uint64
	feat   *Features
	knn    *tsne.KNN
	pixKNN []int32
}

// NewMeaning prepares the metrics over the first n test images.
func NewMeaning(net *nn.Sequential, set *mnist.Set, n int, seed uint64) (*Meaning, error) {
	if set == nil {
		return nil, ErrTestLoading
	}
	if n <= MeaningK || n > set.Count {
		return nil, fmt.Errorf("n = %d images, want %d..%d", n, MeaningK+1, set.Count)
	}
	return &Meaning{Net: net, Set: set, N: n, Sources: EmbedSources(net), seed: seed}, nil
}

// Done reports whether every source is measured.
func (m *Meaning) Done() bool { return len(m.OneNN) == len(m.Sources) }

// Progress returns the fraction 0..1 of the work done, counting sources.
func (m *Meaning) Progress() float64 {
	p := float64(len(m.OneNN))
	if m.knn != nil {
		p += 0.3 + 0.7*m.knn.Progress()
	} else if m.feat != nil {
		p += 0.3 * m.feat.Progress()
	}
	return p / float64(len(m.Sources))
}

// Step does a bounded slice and reports whether all sources are done.
func (m *Meaning) Step() bool {
	if m.Done() {
		return true
	}
	src := m.Sources[len(m.OneNN)]
	if m.feat == nil {
		f, err := NewFeatures(m.Net, m.Set, src, m.N, 0, 0)
		if err != nil {
			panic(err) // sources come from EmbedSources, n was checked
		}
		m.feat = f
	}
	if m.feat.Done() < m.N {
		m.feat.Step()
		return false
	}
	if m.knn == nil {
		m.knn = tsne.NewKNN32(m.feat.X, m.N, m.feat.D, MeaningK, m.seed)
		return false
	}
	if !m.knn.Step() {
		return false
	}
	idx, _ := m.knn.Result()
	if m.pixKNN == nil {
		m.pixKNN = append([]int32(nil), idx...)
	}
	hit := 0
	for i := 0; i < m.N; i++ {
		if m.feat.Labels[i] == m.feat.Labels[idx[i*MeaningK]] {
			hit++
		}
	}
	m.OneNN = append(m.OneNN, float64(hit)/float64(m.N))
	m.Kept = append(m.Kept, tsne.Overlap(m.pixKNN, idx, MeaningK))
	m.feat, m.knn = nil, nil
	return m.Done()
}

// SynthNames are the teaching data sets of SynthData.
var SynthNames = []string{"gaussians", "sizes", "nested", "rings", "walk"}

// SynthData returns a teaching data set by name (see package synth): five
// separated Gaussian clusters of 60 points in 20-D, two clusters of very
// different spread, three groups of three clusters, two linked rings, or a
// 300-step random walk in 20-D.
func SynthData(name string, seed uint64) (synth.Dataset, error) {
	switch name {
	case "gaussians":
		return synth.Gaussians(seed, 5, 60, 20, 3), nil
	case "sizes":
		return synth.Sizes(seed, 300, 20), nil
	case "nested":
		return synth.Nested(seed, 30, 20), nil
	case "rings":
		return synth.Rings(seed, 300, 3, 0.05), nil
	case "walk":
		return synth.RandomWalk(seed, 300, 20), nil
	}
	return synth.Dataset{}, fmt.Errorf("unknown data set %q (known: %v)", name, SynthNames)
}
