package train

import (
	"fmt"
	"math"
	"math/rand/v2"

	"cnnviz/core/nn"
	"cnnviz/core/tensor"
	"cnnviz/models/mnist"
)

// Options are the training settings. Zero fields take the defaults noted.
type Options struct {
	Optimizer   string  `json:"optimizer"` // "sgd" (with momentum) or "adam" (default)
	LR          float64 `json:"lr"`        // default 0.01 for SGD, 0.003 for Adam
	Momentum    float64 `json:"momentum"`  // SGD only; default 0.9
	WeightDecay float64 `json:"weightDecay"`
	Batch       int     `json:"batch"`   // images per optimizer step; default 32
	Augment     bool    `json:"augment"` // random shifts of up to Shift pixels
	Shift       int     `json:"shift"`   // largest augmentation shift in pixels; default 2
	// CosineSteps, when positive, makes the learning rate decay along a
	// cosine from LR at step 0 to LR/100 at step CosineSteps (and stay
	// there); zero keeps it constant.
	CosineSteps int    `json:"cosineSteps,omitempty"`
	Seed        uint64 `json:"seed"`
	Chunk       int    `json:"chunk"`    // images per Step; default 8
	ValEvery    int    `json:"valEvery"` // optimizer steps between validation passes; default 100
	ValSize     int    `json:"valSize"`  // validation images; default 1000
	// Adversary, if set, replaces each chunk of training images by
	// adversarial ones before the training pass (adversarial training).
	Adversary Adversary `json:"-"`
}

// Adversary makes adversarial training images: Perturb replaces the
// images x (a batch of plan p, with their labels) in place, for optimizer
// step step, drawing any randomness from rng.
type Adversary interface {
	Perturb(p *nn.Plan, x []float32, labels []int, step int, rng *rand.Rand)
}

func (o Options) withDefaults() Options {
	if o.Optimizer == "" {
		o.Optimizer = "adam"
	}
	if o.LR == 0 {
		// Adam at 0.003 takes the convnetjs network to 97 % validation
		// accuracy in about 650 steps of 32, against 1,450 at 0.001.
		o.LR = DefaultAdamLR
		if o.Optimizer == "sgd" {
			o.LR = 0.01
		}
	}
	if o.Momentum == 0 && o.Optimizer == "sgd" {
		o.Momentum = 0.9
	}
	if o.Batch == 0 {
		o.Batch = 32
	}
	if o.Shift == 0 {
		o.Shift = 2
	}
	if o.Chunk == 0 {
		o.Chunk = 8
	}
	if o.ValEvery == 0 {
		o.ValEvery = 100
	}
	if o.ValSize == 0 {
		o.ValSize = 1000
	}
	return o
}

// Check reports the first option that is out of range.
func (o Options) Check() error {
	switch {
	case o.Optimizer != "sgd" && o.Optimizer != "adam":
		return fmt.Errorf("optimizer %q: want sgd or adam", o.Optimizer)
	case !(o.LR > 0) || o.LR > 1e6:
		return fmt.Errorf("learning rate %v: want a number above 0 and at most 1e6", o.LR)
	case o.Momentum < 0 || o.Momentum >= 1:
		return fmt.Errorf("momentum %v: want 0 to below 1", o.Momentum)
	case o.WeightDecay < 0 || o.WeightDecay > 1:
		return fmt.Errorf("weight decay %v: want 0 to 1", o.WeightDecay)
	case o.Batch < 1 || o.Batch > 1024:
		return fmt.Errorf("batch %d: want 1 to 1024", o.Batch)
	case o.Shift < 0 || o.Shift > 14:
		return fmt.Errorf("augmentation shift %d: want 0 to 14 pixels", o.Shift)
	case o.CosineSteps < 0:
		return fmt.Errorf("cosine decay over %d steps: want 0 (off) or more", o.CosineSteps)
	case o.Chunk < 1 || o.Chunk > 1024:
		return fmt.Errorf("chunk %d: want 1 to 1024", o.Chunk)
	case o.ValSize < 1 || o.ValEvery < 1:
		return fmt.Errorf("validation every %d steps on %d images: want positive numbers", o.ValEvery, o.ValSize)
	}
	return nil
}

// DefaultAdamLR is Adam's default learning rate.
const DefaultAdamLR = 0.003

// MaxLoss is the loss above which training counts as diverged. A network
// that guesses starts near log 10 ≈ 2.3; a mean loss of 100 means the true
// class gets a probability near e^−100: the weights have been thrown far
// off, usually by a learning rate far too high, and a loss on its way to
// overflow (NaN) is caught before it gets there.
const MaxLoss = 100

// ValPoint is the result of one validation pass.
type ValPoint struct {
	Step     int
	Accuracy float64
}

// Trainer trains Model on a training set and validates on a sample of a
// validation set. Read its exported fields between Steps; do not write them.
type Trainer struct {
	Model *nn.Sequential
	Opts  Options

	// Losses and BatchAccuracy hold one entry per optimizer step: the
	// batch's mean loss and the fraction of it classified correctly before
	// the step.
	Losses        []float64
	BatchAccuracy []float64
	// Validation holds one point per completed validation pass.
	Validation []ValPoint
	// Confusion[true][predicted] counts the last validation pass; ValPred
	// holds its prediction for each validation image (index into ValIndex).
	Confusion [][]int
	ValIndex  []int
	ValPred   []int
	// Examples counts training images processed.
	Examples int

	opt        nn.Optimizer
	data, val  *mnist.Set
	in         int // images per example: C·H·W
	step       int // optimizer steps taken
	inBatch    int // images of the current batch already processed
	batchLoss  float64
	batchRight int
	valPos     int // next validation image, or −1 when no pass is running
	valRight   int
	valConf    [][]int
	valPred    []int
	err        error
	x          []float32
	dLogits    []float32 // the loss's gradient for a chunk's logits
	img        []byte
	// plans run the model on chunks, one per chunk size used (the last
	// chunk of a batch and of a validation pass can be smaller).
	plans     map[int]*nn.Plan
	perm      []int // the current epoch's order
	permEpoch int
}

// New returns a trainer for m on data, validating on the first
// opts.ValSize images of val (both 28×28 MNIST-style sets whose labels are
// below m's class count).
func New(m *nn.Sequential, data, val *mnist.Set, opts Options) (*Trainer, error) {
	opts = opts.withDefaults()
	if err := opts.Check(); err != nil {
		return nil, err
	}
	in := m.Spec.Input
	for _, s := range []*mnist.Set{data, val} {
		if s == nil || s.Count == 0 {
			return nil, fmt.Errorf("no training or validation images")
		}
		if in[0] != 1 || in[1] != s.Rows || in[2] != s.Cols {
			return nil, fmt.Errorf("the model takes %v inputs, the images are 1×%d×%d", in, s.Rows, s.Cols)
		}
	}
	if len(m.Spec.Classes) < 10 {
		return nil, fmt.Errorf("the model has %d classes; MNIST needs 10", len(m.Spec.Classes))
	}
	t := &Trainer{Model: m, Opts: opts, data: data, val: val, in: in[1] * in[2], valPos: -1}
	t.opt = newOptimizer(opts)
	n := min(opts.ValSize, val.Count)
	for i := 0; i < n; i++ {
		t.ValIndex = append(t.ValIndex, i)
	}
	t.x = make([]float32, 4*opts.Chunk*t.in)
	t.dLogits = make([]float32, opts.Chunk*len(m.Spec.Classes))
	t.img = make([]byte, t.in)
	t.plans = map[int]*nn.Plan{}
	return t, nil
}

// plan returns the Plan that runs the model on n images.
func (t *Trainer) plan(n int) *nn.Plan {
	p := t.plans[n]
	if p == nil || p.Net() != t.Model {
		p = nn.NewPlan(t.Model, n)
		t.plans[n] = p
	}
	return p
}

func newOptimizer(o Options) nn.Optimizer {
	if o.Optimizer == "sgd" {
		return &nn.SGD{LR: float32(o.LR), Momentum: float32(o.Momentum), WeightDecay: float32(o.WeightDecay)}
	}
	return &nn.Adam{LR: float32(o.LR), WeightDecay: float32(o.WeightDecay)}
}

// Err is non-nil once training has stopped on a diverging loss.
func (t *Trainer) Err() error { return t.err }

// Steps is the number of optimizer steps taken.
func (t *Trainer) Steps() int { return t.step }

// Validating reports whether a validation pass is under way.
func (t *Trainer) Validating() bool { return t.valPos >= 0 }

// example returns the index of the training image at position p of the
// stream of examples: epoch p/n uses its own seeded permutation.
func (t *Trainer) example(p int) int {
	n := t.data.Count
	e, i := p/n, p%n
	// A permutation per epoch, regenerated on demand from (seed, epoch) so
	// that a resumed trainer draws the same order. Cache the current one.
	if t.permEpoch != e || t.perm == nil {
		t.perm = rand.New(rand.NewPCG(t.Opts.Seed, uint64(e)+1)).Perm(n)
		t.permEpoch = e
	}
	return t.perm[i]
}

// shift returns the augmentation shift of example p, from a generator
// seeded by (seed, p) so that it does not depend on anything else.
func (t *Trainer) shift(p int) (int, int) {
	r := rand.New(rand.NewPCG(t.Opts.Seed^0xa076_1d64_78bd_642f, uint64(p)))
	s := t.Opts.Shift
	return r.IntN(2*s+1) - s, r.IntN(2*s+1) - s
}

// LR returns the learning rate of optimizer step n: Opts.LR, or with
// Opts.CosineSteps set, a cosine decay from Opts.LR to Opts.LR/100.
func (t *Trainer) LR(n int) float64 {
	lr, c := t.Opts.LR, t.Opts.CosineSteps
	if c <= 0 {
		return lr
	}
	f := float64(min(n, c)) / float64(c)
	return lr * (0.01 + 0.99*0.5*(1+math.Cos(math.Pi*f)))
}

// Optimizer returns the trainer's optimizer, an *nn.SGD or an *nn.Adam,
// whose buffers a checkpoint saves and restores.
func (t *Trainer) Optimizer() nn.Optimizer { return t.opt }

// SetSteps makes t go on as if it had already taken n optimizer steps, as
// when resuming from a checkpoint: the next batch is the one that step n
// would train on. Restore the weights and the optimizer's buffers as well.
// It panics if t has taken a step or processed an image, or if n < 0.
func (t *Trainer) SetSteps(n int) {
	if t.step != 0 || t.inBatch != 0 || n < 0 {
		panic(fmt.Sprintf("train: SetSteps(%d) on a trainer at step %d with %d images of a batch done", n, t.step, t.inBatch))
	}
	t.step = n
	t.Examples = n * t.Opts.Batch
}

// Step does one bounded piece of work: a chunk of the current batch, or of
// a validation pass. It returns false once training has stopped on an
// error; training otherwise goes on for as long as Step is called.
func (t *Trainer) Step() bool {
	if t.err != nil {
		return false
	}
	if t.valPos >= 0 {
		t.validateChunk()
		return true
	}
	if t.inBatch == 0 {
		t.Model.ZeroGrad()
		t.batchLoss, t.batchRight = 0, 0
	}
	b := t.Opts.Batch
	n := min(t.Opts.Chunk, b-t.inBatch)
	labels := make([]int, n)
	for i := 0; i < n; i++ {
		p := t.step*b + t.inBatch + i
		k := t.example(p)
		src := t.data.Image(k)
		if t.Opts.Augment {
			dx, dy := t.shift(p)
			mnist.Shift(t.img, src, t.data.Rows, t.data.Cols, dx, dy)
			src = t.img
		}
		for j, v := range src {
			t.x[i*t.in+j] = float32(v) / 255
		}
		labels[i] = int(t.data.Labels[k])
	}
	// The chunk's share of the batch's mean loss: gradients of the chunks
	// add up to the gradient of the whole batch.
	p := t.plan(n)
	if t.Opts.Adversary != nil {
		pos := uint64(t.step*b + t.inBatch)
		t.Opts.Adversary.Perturb(p, t.x[:n*t.in], labels, t.step, rand.New(rand.NewPCG(t.Opts.Seed^0x5ad7_e4a1, pos)))
	}
	logits := p.Forward(t.x[:n*t.in])
	k := len(t.Model.Spec.Classes)
	grad := t.dLogits[:n*k]
	share := float32(n) / float32(b)
	loss := tensor.CrossEntropyRows(logits, k, labels, grad) * share
	for i := range grad {
		grad[i] *= share
	}
	t.batchRight += countCorrect(logits, labels)
	p.Backward(grad)
	t.batchLoss += float64(loss)
	t.inBatch += n
	t.Examples += n
	if t.inBatch < b {
		return true
	}
	t.inBatch = 0
	if math.IsNaN(t.batchLoss) || math.IsInf(t.batchLoss, 0) || t.batchLoss > MaxLoss {
		t.err = fmt.Errorf("training stopped at step %d: the loss became %.4g; the learning rate %v is too high for this network", t.step, t.batchLoss, t.Opts.LR)
		return false
	}
	if t.Opts.CosineSteps > 0 {
		setLR(t.opt, t.LR(t.step))
	}
	params := t.Model.Params()
	backup := make([][]float32, len(params))
	for i, p := range params {
		backup[i] = append([]float32(nil), p.Var.Value.Data...)
	}
	t.opt.Step(params)
	for i, p := range params {
		if !p.Var.Value.AllFinite() {
			for j, q := range params {
				copy(q.Var.Value.Data, backup[j])
			}
			t.err = fmt.Errorf("training stopped at step %d: weight %s became infinite or NaN; the learning rate %v is too high for this network", t.step, params[i].Name, t.Opts.LR)
			return false
		}
	}
	t.Losses = append(t.Losses, t.batchLoss)
	t.BatchAccuracy = append(t.BatchAccuracy, float64(t.batchRight)/float64(b))
	t.step++
	if t.step%t.Opts.ValEvery == 0 {
		t.StartValidation()
	}
	return true
}

// StartValidation begins a validation pass with the current weights (one
// runs by itself every ValEvery steps).
func (t *Trainer) StartValidation() {
	k := len(t.Model.Spec.Classes)
	t.valPos, t.valRight = 0, 0
	t.valConf = make([][]int, k)
	for i := range t.valConf {
		t.valConf[i] = make([]int, k)
	}
	t.valPred = make([]int, len(t.ValIndex))
}

func (t *Trainer) validateChunk() {
	n := min(4*t.Opts.Chunk, len(t.ValIndex)-t.valPos)
	x := t.x[:n*t.in]
	for i := 0; i < n; i++ {
		t.val.Float(t.ValIndex[t.valPos+i], x[i*t.in:])
	}
	logits := t.plan(n).Forward(x)
	k := len(logits) / n
	for i := 0; i < n; i++ {
		pred := argmax(logits[i*k : (i+1)*k])
		truth := int(t.val.Labels[t.ValIndex[t.valPos+i]])
		t.valPred[t.valPos+i] = pred
		t.valConf[truth][pred]++
		if pred == truth {
			t.valRight++
		}
	}
	t.valPos += n
	if t.valPos == len(t.ValIndex) {
		t.Validation = append(t.Validation, ValPoint{Step: t.step, Accuracy: float64(t.valRight) / float64(len(t.ValIndex))})
		t.Confusion, t.ValPred = t.valConf, t.valPred
		t.valPos = -1
	}
}

func setLR(o nn.Optimizer, lr float64) {
	switch o := o.(type) {
	case *nn.SGD:
		o.LR = float32(lr)
	case *nn.Adam:
		o.LR = float32(lr)
	}
}

func argmax(row []float32) int {
	best := 0
	for j, v := range row {
		if v > row[best] {
			best = j
		}
	}
	return best
}

func countCorrect(logits []float32, labels []int) int {
	k := len(logits) / len(labels)
	ok := 0
	for i, l := range labels {
		if argmax(logits[i*k:(i+1)*k]) == l {
			ok++
		}
	}
	return ok
}
