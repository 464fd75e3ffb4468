package explorer

import (
	"fmt"
	"math"
	"time"

	"cnnviz/core/nn"
	"cnnviz/core/train"
	"cnnviz/models"
	"cnnviz/models/checkpoint"
	"cnnviz/models/mnist"
)

// TrainedModel is the name under which the network being trained is listed
// among the App's models, so that every view can show it.
const TrainedModel = "trained"

// TrainJob is the scheduler name of the training stepper.
const TrainJob = "train"

// Training is the session behind the Training view: the architecture text,
// the options, the trainer and the measurements the charts show. The
// network being trained is registered in the App as TrainedModel; while it
// runs, Training refreshes the App's outputs every RefreshEvery so that
// the other views follow the weights as they change.
//
// Settings (Text, Opts) take effect at the next Reset.
type Training struct {
	// Text is the architecture as a layer list (nn.ParseText).
	Text string
	// Opts are the training options; Seed also seeds the initial weights.
	Opts train.Options
	// T is the current trainer; nil until the first Reset.
	T *train.Trainer
	// Data is the training set; nil while it loads. DataErr says why it
	// could not be loaded.
	Data    *mnist.Set
	DataErr error
	// Running is set while the training stepper runs.
	Running bool
	// Rate holds examples per second, one entry per RateEvery of running,
	// and RateStep the optimizer step at which each was measured.
	Rate, RateStep []float64
	// Now is the clock (nil: time.Now); tests replace it.
	Now func() time.Time
	// RefreshEvery is the time between refreshes of the App's outputs
	// while training runs.
	RefreshEvery time.Duration
	// RateEvery is the time over which one Rate sample is measured.
	RateEvery time.Duration
	// Slice is the time one Step may spend: it makes trainer steps (each
	// a chunk of Opts.Chunk images) until Slice has passed, at least one.
	// Zero means one trainer step per Step. A slice longer than the
	// scheduler's budget gives training most of each frame; the frame
	// rate stays at Slice plus the time to draw. While the user draws,
	// Step makes one trainer step only, to keep the pen responsive.
	Slice time.Duration
	// OnStop, if set, is called when the stepper stops by itself: with
	// the trainer's error after a divergence, or nil when the requested
	// steps are done.
	OnStop func(err error)

	app         *App
	until       int  // the stepper stops after this many optimizer steps; <0: never
	validate    bool // run a validation pass when until is reached
	finalPass   bool // that pass is running
	lastRefresh time.Time
	rateAt      time.Time
	rateEx      int
	// The charts' series (Curves) and what they were computed for.
	curves    TrainCurves
	curvesOf  *train.Trainer
	curvesKey [3]int
}

// NewTraining returns a session on a's models with the convnetjs
// architecture and Adam, not yet started.
func NewTraining(a *App) *Training {
	spec, err := models.Architecture("convnetjs")
	if err != nil {
		panic(err) // shipped architecture
	}
	return &Training{
		Text:         spec.Text(),
		Opts:         train.Options{Optimizer: "adam", LR: train.DefaultAdamLR, Batch: 32, Seed: 1, Chunk: DefaultChunk, ValEvery: 50, ValSize: 1000},
		RefreshEvery: 250 * time.Millisecond,
		RateEvery:    time.Second,
		app:          a,
		until:        -1,
	}
}

// DefaultChunk is the number of images per trainer Step: for the
// convnetjs network 4 images forward and backward take about 2 ms in
// the browser, so several steps fit into a frame's budget.
const DefaultChunk = 4

func (s *Training) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// ParseArchitecture reads an architecture text and checks that it can
// learn MNIST: 1×28×28 inputs and ten outputs.
func ParseArchitecture(text string) (nn.Spec, error) {
	spec, err := nn.ParseText(text)
	if err != nil {
		return nn.Spec{}, err
	}
	if in := spec.Input; len(in) != 3 || in[0] != 1 || in[1] != 28 || in[2] != 28 {
		return nn.Spec{}, fmt.Errorf("input %v: MNIST images need input 1x28x28", in)
	}
	if len(spec.Classes) != 10 {
		return nn.Spec{}, fmt.Errorf("the network ends in %d outputs; MNIST needs 10 (end with dense 10)", len(spec.Classes))
	}
	return spec, nil
}

// Reset builds a fresh network from Text with the seeded initial weights
// (nn.Build with Opts.Seed), a fresh trainer with Opts, and shows it as
// TrainedModel. It needs the training and test sets.
func (s *Training) Reset() error {
	spec, err := ParseArchitecture(s.Text)
	if err != nil {
		return err
	}
	if err := s.Opts.Check(); err != nil {
		return err
	}
	if err := s.app.needTest(); err != nil {
		return err
	}
	if s.Data == nil {
		return fmt.Errorf("the training images are still loading")
	}
	net, err := nn.Build(spec, s.Opts.Seed)
	if err != nil {
		return err
	}
	t, err := train.New(net, s.Data, s.app.Test, s.Opts)
	if err != nil {
		return err
	}
	s.install(t)
	return nil
}

// Resume continues training from a checkpoint (checkpoint.Save bytes).
func (s *Training) Resume(b []byte) error {
	if err := s.app.needTest(); err != nil {
		return err
	}
	if s.Data == nil {
		return fmt.Errorf("the training images are still loading")
	}
	t, err := checkpoint.Resume(b, s.Data, s.app.Test)
	if err != nil {
		return err
	}
	s.Text = t.Model.Spec.Text()
	s.Opts = t.Opts
	s.install(t)
	return nil
}

// install makes t the session's trainer and its model TrainedModel.
func (s *Training) install(t *train.Trainer) {
	s.Pause()
	s.T = t
	s.Rate, s.RateStep = nil, nil
	a := s.app
	if m := a.Model(TrainedModel); m != nil {
		m.Net = t.Model
	} else {
		a.models = append(a.models, &Model{Name: TrainedModel, Net: t.Model})
	}
	if a.State.Model == TrainedModel {
		if a.State.Layer != "" && t.Model.Index(a.State.Layer) < 0 {
			a.State.Layer, a.State.Channel = "", -1
		}
		a.ModelChanged()
	}
}

// Start runs training until Pause (steps < 0) or until steps more
// optimizer steps are done, followed by a validation pass when validate
// is set, and selects TrainedModel in the App. It resets first when there
// is no trainer or the last one stopped on an error.
func (s *Training) Start(steps int, validate bool) error {
	if s.T == nil || s.T.Err() != nil {
		if err := s.Reset(); err != nil {
			return err
		}
	}
	if err := s.app.SetModel(TrainedModel); err != nil {
		return err
	}
	s.until, s.validate, s.finalPass = -1, validate, false
	if steps >= 0 {
		s.until = s.T.Steps() + steps
	}
	s.Running = true
	s.rateAt, s.rateEx = s.now(), s.T.Examples
	s.lastRefresh = s.now()
	s.app.Sched.Start(TrainJob, (*trainStepper)(s))
	return nil
}

// Pause stops the training stepper and refreshes everything that depends
// on the weights (including the scan of the test set).
func (s *Training) Pause() {
	if !s.Running {
		return
	}
	s.Running = false
	s.app.Sched.Stop(TrainJob)
	if s.app.State.Model == TrainedModel {
		s.app.ModelChanged()
	}
}

// Step does one bounded piece of training (one trainer Step) and keeps
// the measurements; it reports true when the session stopped (an error,
// or the requested number of steps done). The scheduler calls it through
// Start; the API calls it directly.
func (s *Training) Step() (done bool) {
	t := s.T
	if t == nil {
		return true
	}
	start := s.now()
	ok := t.Step()
	now := s.now()
	for ok && s.Slice > 0 && now.Sub(start) < s.Slice && !s.app.Drawing() && !s.reached() {
		ok = t.Step()
		now = s.now()
	}
	if d := now.Sub(s.rateAt); d >= s.RateEvery {
		s.Rate = append(s.Rate, float64(t.Examples-s.rateEx)/d.Seconds())
		s.RateStep = append(s.RateStep, float64(t.Steps()))
		s.rateAt, s.rateEx = now, t.Examples
	}
	if now.Sub(s.lastRefresh) >= s.RefreshEvery {
		s.lastRefresh = now
		s.app.Invalidate()
	}
	reached := ok && s.reached()
	fresh := len(t.Validation) > 0 && t.Validation[len(t.Validation)-1].Step == t.Steps()
	if reached && s.validate && !s.finalPass && !fresh {
		s.finalPass = true
		t.StartValidation()
		return false
	}
	if !ok || reached {
		s.Running = false
		s.app.ModelChanged()
		if s.OnStop != nil {
			s.OnStop(t.Err())
		}
		return true
	}
	return false
}

// reached reports whether the requested number of steps is done (and no
// validation pass runs).
func (s *Training) reached() bool {
	return s.until >= 0 && s.T.Steps() >= s.until && !s.T.Validating()
}

// trainStepper is the scheduler's view of a session.
type trainStepper Training

func (ts *trainStepper) Step() bool { return (*Training)(ts).Step() }

// Checkpoint returns the trainer's checkpoint (weights, optimizer state,
// options and step), or an error when nothing was trained yet.
func (s *Training) Checkpoint() ([]byte, error) {
	if s.T == nil {
		return nil, fmt.Errorf("nothing trained yet")
	}
	return checkpoint.Save(s.T)
}

// ModelFile returns the trained weights with their architecture as a
// model file (models.Save).
func (s *Training) ModelFile() ([]byte, error) {
	if s.T == nil {
		return nil, fmt.Errorf("nothing trained yet")
	}
	return models.Save(s.T.Model)
}

// Smooth returns the exponential moving average of xs with weight alpha
// for each new value, bias-corrected as in Adam (Kingma & Ba 2015) so that
// the first values are not pulled towards zero: out[i] = m_i / (1−(1−α)^(i+1))
// with m_i = (1−α)·m_{i−1} + α·x_i, m_{−1} = 0. It panics unless 0 < alpha ≤ 1.
func Smooth(xs []float64, alpha float64) []float64 {
	if !(alpha > 0 && alpha <= 1) {
		panic(fmt.Sprintf("explorer: Smooth with alpha %v", alpha))
	}
	out := make([]float64, len(xs))
	m, keep := 0.0, 1.0
	for i, x := range xs {
		m = (1-alpha)*m + alpha*x
		keep *= 1 - alpha
		out[i] = m / (1 - keep)
	}
	return out
}

// CellImages returns the test-set indices of the validation images with
// true class truth that the last validation pass predicted as pred.
func (s *Training) CellImages(truth, pred int) []int {
	if s.T == nil || s.app.Test == nil {
		return nil
	}
	var out []int
	for i, k := range s.T.ValIndex {
		if i < len(s.T.ValPred) && s.T.ValPred[i] == pred && int(s.app.Test.Labels[k]) == truth {
			out = append(out, k)
		}
	}
	return out
}

// LastAccuracy returns the last validation accuracy, or NaN before the
// first validation pass.
func (s *Training) LastAccuracy() float64 {
	if s.T == nil || len(s.T.Validation) == 0 {
		return math.NaN()
	}
	return s.T.Validation[len(s.T.Validation)-1].Accuracy
}

// Train is the plain function behind a session: it builds spec with
// opts.Seed, trains it on data for steps optimizer steps, validating on
// val, then runs a final validation pass, and returns the trainer. It
// stops early with the trainer's error when the loss diverges.
func Train(spec nn.Spec, data, val *mnist.Set, opts train.Options, steps int) (*train.Trainer, error) {
	net, err := nn.Build(spec, opts.Seed)
	if err != nil {
		return nil, err
	}
	t, err := train.New(net, data, val, opts)
	if err != nil {
		return nil, err
	}
	for t.Steps() < steps || t.Validating() {
		if !t.Step() {
			return t, t.Err()
		}
	}
	if n := len(t.Validation); n == 0 || t.Validation[n-1].Step != t.Steps() {
		t.StartValidation()
		for t.Validating() {
			t.Step()
		}
	}
	return t, nil
}
