package attack

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"cnnviz/core/inputopt"
	"cnnviz/core/nn"
	"cnnviz/core/tensor"
)

// Method is an attack algorithm.
type Method int

const (
	// PGD is projected gradient descent (the default).
	PGD Method = iota
	// FGSM is the fast gradient sign method: one L∞ step of size Eps.
	FGSM
	// DeepFool steps to the nearest boundary of the linearized network.
	DeepFool
	// OnePixel changes one pixel, found by differential evolution.
	OnePixel
	// Fooling ascends a target class's log-probability from noise.
	Fooling
)

var methodNames = []string{"pgd", "fgsm", "deepfool", "onepixel", "fooling"}

// String returns the method's name as users write it.
func (m Method) String() string {
	if m >= 0 && int(m) < len(methodNames) {
		return methodNames[m]
	}
	return fmt.Sprintf("method(%d)", int(m))
}

// Methods returns every method's name.
func Methods() []string { return slices.Clone(methodNames) }

// ParseMethod returns the method with the given name.
func ParseMethod(s string) (Method, error) {
	i := slices.Index(methodNames, strings.ToLower(s))
	if i < 0 {
		return 0, fmt.Errorf("unknown attack %q (known: %s)", s, strings.Join(methodNames, ", "))
	}
	return Method(i), nil
}

// ParseNorm returns the norm named "linf", "l2" or "none".
func ParseNorm(s string) (inputopt.Norm, error) {
	switch strings.ToLower(s) {
	case "linf", "inf", "l-inf":
		return inputopt.LInf, nil
	case "l2":
		return inputopt.L2, nil
	case "none":
		return inputopt.NormNone, nil
	}
	return 0, fmt.Errorf("unknown norm %q (known: linf, l2, none)", s)
}

// Options configure one attack. Zero values mean the defaults given.
type Options struct {
	Method Method
	// Norm is PGD's ball: LInf (the zero value NormNone means LInf for
	// PGD; fooling images always use none).
	Norm inputopt.Norm
	// Unconstrained makes PGD ignore the ball (box only): with a target
	// and a real image this is a class model started from the image.
	Unconstrained bool
	// Eps is the ball's radius (0 means 0.3 for L∞, 2 for L2).
	Eps float64
	// Steps is PGD's number of moves (0 means 40), DeepFool's largest
	// number of iterations (0 means 50), OnePixel's number of generations
	// (0 means 100) and the fooling ascent's (0 means 200).
	Steps int
	// Alpha is the step size (0 means 2.5·Eps/Steps for PGD, 0.01 for
	// fooling images).
	Alpha float64
	// RandomStart starts PGD at a seeded random point of the ball.
	RandomStart bool
	Seed        uint64
	// Targeted makes the attack aim at class Target rather than away from
	// the label. Fooling images are always targeted.
	Targeted bool
	Target   int
	// Overshoot is DeepFool's overshoot (0 means 0.02).
	Overshoot float64
	// Population is OnePixel's population (0 means 100).
	Population int
	// Confidence stops fooling images once the target's probability
	// reaches it (0 means 0.99).
	Confidence float64
}

// Result is an attack's outcome on one image.
type Result struct {
	Method Method
	// Clean, Adversarial and Perturbation (Adversarial − Clean) are
	// [C·H·W]; for fooling images Clean is the starting noise.
	Clean, Adversarial, Perturbation []float32
	// Label is the class attacked: the true label, or the clean
	// prediction when none was given. Target is −1 when untargeted.
	Label, Target        int
	CleanPred, AdvPred   int
	CleanProbs, AdvProbs []float32
	// LInf and L2 are the perturbation's norms.
	LInf, L2 float64
	// Success: the prediction left Label (untargeted) or became Target.
	Success bool
	// Curve is the loss at each PGD, FGSM or fooling evaluation, the
	// perturbation's L2 norm after each DeepFool iteration, or the best
	// fitness (the attacked class's probability) after each one-pixel
	// generation.
	Curve []float64
	// Forwards and Backwards count images run through the network.
	Forwards, Backwards int
}

// Run is an attack as a stepper.
type Run struct {
	opt    Options
	sc     *scorer
	clean  []float32
	label  int
	target int
	pgd    *pgd
	df     *deepfool
	de     *evolution
	done   bool
	steps  int
}

// New checks opt and prepares an attack of m on the image x ([C·H·W] in
// 0..1, copied) whose true class is label (−1: the clean prediction).
// Errors describe bad options or input.
func New(m *nn.Sequential, x []float32, label int, opt Options) (*Run, error) {
	size, k := tensor.Numel(m.Spec.Input), len(m.Spec.Classes)
	if len(x) != size {
		return nil, fmt.Errorf("attack: image has %d values, want %d (%v)", len(x), size, m.Spec.Input)
	}
	for i, v := range x {
		if !(v >= 0 && v <= 1) {
			return nil, fmt.Errorf("attack: pixel %d is %v, want 0..1", i, v)
		}
	}
	if label < -1 || label >= k {
		return nil, fmt.Errorf("attack: label %d: want -1..%d", label, k-1)
	}
	if err := opt.check(k); err != nil {
		return nil, err
	}
	r := &Run{opt: opt, clean: slices.Clone(x), label: label, target: -1}
	if opt.Targeted || opt.Method == Fooling {
		r.target = opt.Target
	}
	batch := 1
	if opt.Method == OnePixel {
		batch = evolutionBatch
	}
	r.sc = newScorer(m, batch)
	if opt.Method == Fooling {
		rng := rand.New(rand.NewPCG(opt.Seed, 0xf0))
		for i := range r.clean {
			r.clean[i] = rng.Float32()
		}
	}
	if r.label < 0 || opt.Method == Fooling {
		r.label = r.predict(r.clean)
	}
	o := &r.opt
	switch o.Method {
	case PGD, FGSM, Fooling:
		c := inputopt.Constraint{Norm: o.Norm, Eps: o.Eps}
		rule := inputopt.Sign
		if o.Norm == inputopt.L2 {
			rule = inputopt.L2Step
		}
		if o.Unconstrained || o.Method == Fooling {
			c.Norm = inputopt.NormNone
		}
		class := r.label
		if r.target >= 0 {
			class = r.target
		}
		r.pgd = newPGD(r.sc, r.clean, []int{class}, r.target >= 0, c, rule, o.Alpha, o.Steps, o.RandomStart && o.Method == PGD, o.Seed)
	case DeepFool:
		r.df = newDeepFool(r.sc, r.clean, r.label, o.Steps, o.Overshoot)
	case OnePixel:
		r.de = newEvolution(r.sc, m.Spec.Input, r.clean, r.label, r.target, o.Population, o.Steps, o.Seed)
	}
	return r, nil
}

// check fills in defaults and validates the options.
func (o *Options) check(classes int) error {
	bad := func(x float64) bool { return !(x >= 0) || math.IsInf(x, 0) }
	if o.Method < PGD || o.Method > Fooling {
		return fmt.Errorf("attack: unknown method %d", int(o.Method))
	}
	if o.Method == FGSM {
		o.Norm, o.Steps, o.RandomStart, o.Unconstrained = inputopt.LInf, 1, false, false
	}
	if o.Norm == inputopt.NormNone {
		o.Norm = inputopt.LInf
	}
	if o.Norm != inputopt.LInf && o.Norm != inputopt.L2 {
		return fmt.Errorf("attack: unknown norm %d", int(o.Norm))
	}
	switch {
	case bad(o.Eps):
		return fmt.Errorf("attack: eps %v: want a finite number ≥ 0", o.Eps)
	case bad(o.Alpha):
		return fmt.Errorf("attack: step size %v: want a finite number ≥ 0", o.Alpha)
	case o.Steps < 0 || o.Steps > 100000:
		return fmt.Errorf("attack: %d steps: want 0..100000", o.Steps)
	case o.Population != 0 && (o.Population < 4 || o.Population > 10000):
		return fmt.Errorf("attack: population %d: want 4..10000", o.Population)
	case bad(o.Overshoot) || o.Overshoot > 1:
		return fmt.Errorf("attack: overshoot %v: want 0..1", o.Overshoot)
	case !(o.Confidence >= 0 && o.Confidence < 1):
		return fmt.Errorf("attack: confidence %v: want 0..1 (below 1)", o.Confidence)
	case (o.Targeted || o.Method == Fooling) && (o.Target < 0 || o.Target >= classes):
		return fmt.Errorf("attack: target class %d: want 0..%d", o.Target, classes-1)
	}
	if o.Eps == 0 {
		o.Eps = 0.3
		if o.Norm == inputopt.L2 {
			o.Eps = 2
		}
	}
	if o.Steps == 0 {
		o.Steps = map[Method]int{PGD: 40, DeepFool: 50, OnePixel: 100, Fooling: 200}[o.Method]
	}
	if o.Alpha == 0 {
		switch o.Method {
		case FGSM:
			o.Alpha = o.Eps
		case Fooling:
			o.Alpha = 0.01
		default:
			o.Alpha = 2.5 * o.Eps / float64(o.Steps)
		}
	}
	if o.Overshoot == 0 {
		o.Overshoot = 0.02
	}
	if o.Population == 0 {
		o.Population = 100
	}
	if o.Confidence == 0 {
		o.Confidence = 0.99
	}
	return nil
}

// predict returns the network's class for one image.
func (r *Run) predict(x []float32) int {
	pred := make([]int, r.sc.batch)
	in := make([]float32, r.sc.batch*r.sc.size)
	for b := range r.sc.batch {
		copy(in[b*r.sc.size:], x)
	}
	r.sc.forward(in, pred)
	return pred[0]
}

// Step does a bounded amount of work: one forward and backward pass
// (PGD, FGSM, fooling, one class of a DeepFool iteration) or one batch
// of forward passes (OnePixel). It reports whether the attack is done;
// after that it does nothing.
func (r *Run) Step() bool {
	if r.done {
		return true
	}
	r.steps++
	switch {
	case r.pgd != nil:
		r.done = r.pgd.step()
		if r.opt.Method == Fooling && r.sc.probs[r.target] >= float32(r.opt.Confidence) {
			r.done = true
		}
	case r.df != nil:
		r.done = r.df.step()
	case r.de != nil:
		r.done = r.de.step()
	}
	return r.done
}

// Done reports whether the attack has finished.
func (r *Run) Done() bool { return r.done }

// Options returns the options with defaults filled in.
func (r *Run) Options() Options { return r.opt }

// Engine returns the shared input optimizer that PGD, FGSM and fooling
// images step, or nil for DeepFool and OnePixel.
func (r *Run) Engine() *inputopt.Engine {
	if r.pgd == nil {
		return nil
	}
	return r.pgd.eng
}

// Progress returns the steps done and an estimate of the steps in all
// (the most an attack that may stop early can take).
func (r *Run) Progress() (done, total int) {
	switch {
	case r.pgd != nil:
		total = r.opt.Steps + 1
	case r.df != nil:
		total = r.opt.Steps * r.sc.classes
	case r.de != nil:
		total = r.de.maxSteps()
	}
	if r.done {
		total = r.steps
	}
	return r.steps, total
}

// Result returns the attack's outcome so far: its best adversarial image.
func (r *Run) Result() Result {
	res := Result{Method: r.opt.Method, Clean: slices.Clone(r.clean), Label: r.label, Target: r.target}
	switch {
	case r.pgd != nil:
		res.Adversarial = slices.Clone(r.pgd.best)
		if math.IsInf(r.pgd.bestLoss[0], -1) { // not evaluated yet
			copy(res.Adversarial, r.pgd.eng.X)
		}
		res.Curve = slices.Clone(r.pgd.curve)
	case r.df != nil:
		res.Adversarial = slices.Clone(r.df.x)
		res.Curve = slices.Clone(r.df.curve)
	case r.de != nil:
		res.Adversarial = r.de.image(nil)
		res.Curve = slices.Clone(r.de.curve)
	}
	res.Forwards, res.Backwards = r.sc.forwards, r.sc.backwards
	res.CleanPred, res.CleanProbs = r.classify(res.Clean)
	res.AdvPred, res.AdvProbs = r.classify(res.Adversarial)
	res.Perturbation = make([]float32, len(res.Clean))
	var l2 float64
	for i, v := range res.Adversarial {
		d := float64(v) - float64(res.Clean[i])
		res.Perturbation[i] = float32(d)
		res.LInf = max(res.LInf, math.Abs(d))
		l2 += d * d
	}
	res.L2 = math.Sqrt(l2)
	if r.target >= 0 {
		res.Success = res.AdvPred == r.target
	} else {
		res.Success = res.AdvPred != r.label
	}
	return res
}

// classify runs one image without counting the pass as the attack's.
func (r *Run) classify(x []float32) (int, []float32) {
	f := r.sc.forwards
	pred := r.predict(x)
	r.sc.forwards = f
	return pred, slices.Clone(r.sc.probs[:r.sc.classes])
}

// Attack runs an attack to completion: New, then Step until done.
func Attack(m *nn.Sequential, x []float32, label int, opt Options) (Result, error) {
	r, err := New(m, x, label, opt)
	if err != nil {
		return Result{}, err
	}
	for !r.Step() {
	}
	return r.Result(), nil
}
