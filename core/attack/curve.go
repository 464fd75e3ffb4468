package attack

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"cnnviz/core/inputopt"
	"cnnviz/core/nn"
	"cnnviz/core/tensor"
)

// CurveOptions configure a robust-accuracy curve.
type CurveOptions struct {
	// Eps lists the radii, increasing, from 0 or more.
	Eps []float64
	// Norm is the ball (the zero value means L∞).
	Norm inputopt.Norm
	// Steps is PGD's number of moves at each radius (0 means 40); the step
	// size is 2.5·eps/Steps.
	Steps       int
	RandomStart bool
	Seed        uint64
	// Batch is how many images one Step attacks at once (0 means 8).
	Batch int
}

// Curve measures robust accuracy, the fraction of images that PGD cannot
// make misclassified, at each radius of a list, as a stepper. An image
// that an attack fools at one radius is fooled at every larger one (the
// larger ball contains the adversarial image), so the larger radii attack
// only the images still standing, and the curve never rises. A step is
// one PGD move on one batch, or one clean forward pass on a batch.
type Curve struct {
	opt    CurveOptions
	sc     *scorer
	images [][]float32
	labels []int
	robust []bool // still classified correctly at every radius so far
	acc    []float64

	eps   int   // index of the radius being attacked; −1 while scoring clean images
	queue []int // images left to attack at this radius
	cur   []int // images in the running batch
	pgd   *pgd
	done  bool
	steps int
}

// NewCurve prepares a curve of m's robust accuracy on images ([C·H·W]
// each, not copied) with their labels.
func NewCurve(m *nn.Sequential, images [][]float32, labels []int, opt CurveOptions) (*Curve, error) {
	size := tensor.Numel(m.Spec.Input)
	switch {
	case len(images) == 0 || len(images) != len(labels):
		return nil, fmt.Errorf("attack: %d images and %d labels: want as many of each, at least one", len(images), len(labels))
	case len(opt.Eps) == 0:
		return nil, fmt.Errorf("attack: no radii: want at least one eps")
	case opt.Steps < 0 || opt.Batch < 0:
		return nil, fmt.Errorf("attack: %d steps and batch %d: want numbers ≥ 0", opt.Steps, opt.Batch)
	}
	if opt.Norm == inputopt.NormNone {
		opt.Norm = inputopt.LInf
	}
	if opt.Norm != inputopt.LInf && opt.Norm != inputopt.L2 {
		return nil, fmt.Errorf("attack: unknown norm %d", int(opt.Norm))
	}
	for i, e := range opt.Eps {
		if !(e >= 0 && e <= 1e3) || (i > 0 && e <= opt.Eps[i-1]) {
			return nil, fmt.Errorf("attack: radii %v: want increasing numbers from 0", opt.Eps)
		}
	}
	for i, img := range images {
		if len(img) != size {
			return nil, fmt.Errorf("attack: image %d has %d values, want %d", i, len(img), size)
		}
		if labels[i] < 0 || labels[i] >= len(m.Spec.Classes) {
			return nil, fmt.Errorf("attack: label %d of image %d: want 0..%d", labels[i], i, len(m.Spec.Classes)-1)
		}
	}
	if opt.Steps == 0 {
		opt.Steps = 40
	}
	if opt.Batch == 0 {
		opt.Batch = 8
	}
	opt.Batch = min(opt.Batch, len(images))
	opt.Eps = slices.Clone(opt.Eps)
	c := &Curve{opt: opt, sc: newScorer(m, opt.Batch), images: images, labels: labels,
		robust: make([]bool, len(images)), eps: -1}
	for i := range images {
		c.queue = append(c.queue, i)
	}
	return c, nil
}

// Step does one PGD move on one batch (or scores one batch of clean
// images) and reports whether the curve is finished.
func (c *Curve) Step() bool {
	if c.done {
		return true
	}
	c.steps++
	switch {
	case c.eps < 0:
		c.clean()
	case len(c.queue) > 0 || c.pgd != nil:
		if c.pgd == nil {
			c.start()
		}
		// A batch ends after its last move, or as soon as every image in
		// it is fooled: more moves cannot unfool them.
		if c.pgd.step() || c.allFooled() {
			for j, i := range c.cur {
				if c.pgd.fooled[j] {
					c.robust[i] = false
				}
			}
			c.pgd, c.cur = nil, c.cur[:0]
		}
	}
	if len(c.queue) == 0 && c.pgd == nil {
		c.finishRadius()
	}
	return c.done
}

// allFooled reports whether every image of the running batch is fooled.
func (c *Curve) allFooled() bool {
	for j := range c.cur {
		if !c.pgd.fooled[j] {
			return false
		}
	}
	return true
}

// fill loads the next batch from the queue into a flat batch, padding
// with copies of the first image, whose results are ignored.
func (c *Curve) fill() ([]float32, []int) {
	n := min(c.opt.Batch, len(c.queue))
	c.cur = append(c.cur[:0], c.queue[:n]...)
	c.queue = c.queue[n:]
	size := c.sc.size
	x := make([]float32, c.opt.Batch*size)
	class := make([]int, c.opt.Batch)
	for b := range c.opt.Batch {
		i := c.cur[min(b, n-1)]
		copy(x[b*size:], c.images[i])
		class[b] = c.labels[i]
	}
	return x, class
}

// clean scores one batch of clean images.
func (c *Curve) clean() {
	x, class := c.fill()
	pred := make([]int, c.opt.Batch)
	c.sc.forward(x, pred)
	for j, i := range c.cur {
		c.robust[i] = pred[j] == class[j]
	}
	c.cur = c.cur[:0]
}

// start begins PGD on the next batch of the queue at the current radius.
func (c *Curve) start() {
	eps := c.opt.Eps[c.eps]
	x, class := c.fill()
	rule := inputopt.Sign
	if c.opt.Norm == inputopt.L2 {
		rule = inputopt.L2Step
	}
	seed := c.opt.Seed ^ uint64(c.eps)<<32 ^ uint64(c.cur[0])
	con := inputopt.Constraint{Norm: c.opt.Norm, Eps: eps}
	c.pgd = newPGD(c.sc, x, class, false, con, rule, 2.5*eps/float64(c.opt.Steps), c.opt.Steps, c.opt.RandomStart, seed)
}

// finishRadius records the accuracy of the radius just done (or of the
// clean images) and queues the images still standing for the next.
func (c *Curve) finishRadius() {
	n := 0
	for _, ok := range c.robust {
		if ok {
			n++
		}
	}
	acc := float64(n) / float64(len(c.robust))
	if c.eps < 0 {
		c.eps = 0
		if c.opt.Eps[0] == 0 { // radius 0 is the clean accuracy
			c.acc = append(c.acc, acc)
			c.eps = 1
		}
	} else {
		c.acc = append(c.acc, acc)
		c.eps++
	}
	if c.eps >= len(c.opt.Eps) {
		c.done = true
		return
	}
	for i, ok := range c.robust {
		if ok {
			c.queue = append(c.queue, i)
		}
	}
}

// Done reports whether every radius is measured.
func (c *Curve) Done() bool { return c.done }

// Accuracy returns the robust accuracy at each radius measured so far,
// in the order of Eps.
func (c *Curve) Accuracy() []float64 { return slices.Clone(c.acc) }

// Eps returns the radii.
func (c *Curve) Eps() []float64 { return slices.Clone(c.opt.Eps) }

// Steps returns how many steps have been taken.
func (c *Curve) Steps() int { return c.steps }

// Passes returns how many images have been run forward and backward.
func (c *Curve) Passes() (forward, backward int) { return c.sc.forwards, c.sc.backwards }

// Subset returns n distinct indices in 0..total−1, a seeded random
// choice, in increasing order. It panics when n > total.
func Subset(total, n int, seed uint64) []int {
	if n > total || n < 0 {
		panic(fmt.Sprintf("attack: subset of %d from %d", n, total))
	}
	p := rand.New(rand.NewPCG(seed, 0x5b)).Perm(total)[:n]
	slices.Sort(p)
	return p
}
