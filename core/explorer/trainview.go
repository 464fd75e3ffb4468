package explorer

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"cnnviz/core/train"
	"cnnviz/models"
	"cnnviz/models/mnist"
)

// The URL option keys of the training view (State.Options).
const (
	KeyTrainArch  = "train.arch"
	KeyTrainOpt   = "train.opt"
	KeyTrainLR    = "train.lr"
	KeyTrainBatch = "train.batch"
	KeyTrainWD    = "train.wd"
	KeyTrainAug   = "train.aug"
)

// The settings that the training view's − and + buttons step through.
var (
	LRChoices    = []float64{1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1}
	BatchChoices = []int{8, 16, 32, 64, 128, 256}
	WDChoices    = []float64{0, 1e-5, 1e-4, 1e-3, 1e-2}
)

// StepChoice returns the choice after (d = 1) or before (d = −1) cur in
// the ascending choices; a cur between two choices steps to the one on
// that side.
func StepChoice[T int | float64](choices []T, cur T, d int) T {
	i := 0
	for j, x := range choices {
		if x <= cur {
			i = j
		}
	}
	if d > 0 && choices[i] < cur {
		return choices[min(i+1, len(choices)-1)]
	}
	return choices[max(0, min(len(choices)-1, i+d))]
}

// DefaultLR returns the learning rate an optimizer starts with.
func DefaultLR(optimizer string) float64 {
	if optimizer == "sgd" {
		return 0.01
	}
	return train.DefaultAdamLR
}

// TrainViewOptions are the training settings a link carries (the Key*
// names above). The zero Arch keeps the session's architecture, the zero
// LR means DefaultLR of the optimizer.
type TrainViewOptions struct {
	Arch        string  // one of models.Architectures, or ""
	Optimizer   string  // "adam" or "sgd"
	LR          float64 // 0 or in (0, 10]
	Batch       int     // 1..1024
	WeightDecay float64 // 0..1
	Augment     bool
}

// DefaultTrainViewOptions returns the settings of a link without any
// training option.
func DefaultTrainViewOptions() TrainViewOptions {
	return TrainViewOptions{Optimizer: "adam", Batch: 32}
}

var trainKeys = []string{KeyTrainArch, KeyTrainOpt, KeyTrainLR, KeyTrainBatch, KeyTrainWD, KeyTrainAug}

// Set parses one URL option into o; the empty value restores the default.
// It returns an error naming the setting and what is allowed, and leaves o
// unchanged, when the key is unknown or the value not allowed.
func (o *TrainViewOptions) Set(key, value string) error {
	d := DefaultTrainViewOptions()
	switch key {
	case KeyTrainArch:
		if value != "" {
			if _, err := models.Architecture(value); err != nil {
				return fmt.Errorf("architecture %q is not one of %v", value, models.Architectures())
			}
		}
		o.Arch = value
	case KeyTrainOpt:
		switch value {
		case "":
			o.Optimizer = d.Optimizer
		case "adam", "sgd":
			o.Optimizer = value
		default:
			return fmt.Errorf("optimizer %q is not adam or sgd", value)
		}
	case KeyTrainLR:
		f, err := strconv.ParseFloat(value, 64)
		switch {
		case value == "":
			o.LR = d.LR
		case err != nil || !(f > 0 && f <= 10):
			return fmt.Errorf("learning rate %q is not a number above 0 and at most 10", value)
		default:
			o.LR = f
		}
	case KeyTrainBatch:
		n, err := strconv.Atoi(value)
		switch {
		case value == "":
			o.Batch = d.Batch
		case err != nil || n < 1 || n > 1024:
			return fmt.Errorf("batch %q is not a whole number in 1..1024", value)
		default:
			o.Batch = n
		}
	case KeyTrainWD:
		f, err := strconv.ParseFloat(value, 64)
		switch {
		case value == "":
			o.WeightDecay = d.WeightDecay
		case err != nil || !(f >= 0 && f <= 1):
			return fmt.Errorf("weight decay %q is not a number in 0..1", value)
		default:
			o.WeightDecay = f
		}
	case KeyTrainAug:
		switch value {
		case "":
			o.Augment = false
		case "1":
			o.Augment = true
		default:
			return fmt.Errorf("augmentation %q is not 1 or empty", value)
		}
	default:
		return fmt.Errorf("unknown training option %q", key)
	}
	return nil
}

// TrainViewOptionsOf reads the training options of s. A value that Set
// rejects keeps its default; the first such error is returned beside the
// options.
func TrainViewOptionsOf(s State) (TrainViewOptions, error) {
	o := DefaultTrainViewOptions()
	var first error
	for _, k := range trainKeys {
		if v, ok := s.Options[k]; ok {
			if err := o.Set(k, v); err != nil && first == nil {
				first = fmt.Errorf("link option %s: %v; using the default", k, err)
			}
		}
	}
	return o, first
}

// Values returns the URL options of o, leaving out defaults, so that
// TrainViewOptionsOf of a state holding them gives o back.
func (o TrainViewOptions) Values() map[string]string {
	d := DefaultTrainViewOptions()
	out := map[string]string{}
	if o.Arch != d.Arch {
		out[KeyTrainArch] = o.Arch
	}
	if o.Optimizer != d.Optimizer {
		out[KeyTrainOpt] = o.Optimizer
	}
	if o.LR != d.LR {
		out[KeyTrainLR] = strconv.FormatFloat(o.LR, 'g', -1, 64)
	}
	if o.Batch != d.Batch {
		out[KeyTrainBatch] = strconv.Itoa(o.Batch)
	}
	if o.WeightDecay != d.WeightDecay {
		out[KeyTrainWD] = strconv.FormatFloat(o.WeightDecay, 'g', -1, 64)
	}
	if o.Augment {
		out[KeyTrainAug] = "1"
	}
	return out
}

// Apply makes o the session's next settings (they take effect at Reset).
func (o TrainViewOptions) Apply(s *Training) {
	if o.Arch != "" {
		spec, err := models.Architecture(o.Arch)
		if err == nil {
			s.Text = spec.Text()
		}
	}
	s.Opts.Optimizer = o.Optimizer
	s.Opts.LR = o.LR
	if o.LR == 0 {
		s.Opts.LR = DefaultLR(o.Optimizer)
	}
	s.Opts.Batch, s.Opts.WeightDecay, s.Opts.Augment = o.Batch, o.WeightDecay, o.Augment
}

// UseArchitecture makes the shipped architecture name the next one and
// keeps it in the link.
func (s *Training) UseArchitecture(name string) error {
	spec, err := models.Architecture(name)
	if err != nil {
		return err
	}
	s.Text = spec.Text()
	s.app.SetOption(KeyTrainArch, name)
	return nil
}

// UseText makes an architecture text (one layer per line) the next one;
// the link then no longer names a shipped architecture.
func (s *Training) UseText(text string) error {
	if _, err := ParseArchitecture(text); err != nil {
		return err
	}
	s.Text = text
	s.app.SetOption(KeyTrainArch, "")
	return nil
}

// SetOptimizer switches to "adam" or "sgd" with its default learning rate.
func (s *Training) SetOptimizer(name string) {
	if s.Opts.Optimizer == name {
		return
	}
	s.Opts.Optimizer, s.Opts.LR = name, DefaultLR(name)
	s.app.SetOption(KeyTrainOpt, name)
	s.app.SetOption(KeyTrainLR, "")
}

// StepLR, StepBatch and StepWeightDecay move the setting to the next
// (d = 1) or previous (d = −1) of its choices and keep it in the link.
func (s *Training) StepLR(d int) {
	s.Opts.LR = StepChoice(LRChoices, s.Opts.LR, d)
	s.app.SetOption(KeyTrainLR, strconv.FormatFloat(s.Opts.LR, 'g', -1, 64))
}

// StepBatch: see StepLR.
func (s *Training) StepBatch(d int) {
	s.Opts.Batch = StepChoice(BatchChoices, s.Opts.Batch, d)
	s.app.SetOption(KeyTrainBatch, strconv.Itoa(s.Opts.Batch))
}

// StepWeightDecay: see StepLR.
func (s *Training) StepWeightDecay(d int) {
	s.Opts.WeightDecay = StepChoice(WDChoices, s.Opts.WeightDecay, d)
	s.app.SetOption(KeyTrainWD, strconv.FormatFloat(s.Opts.WeightDecay, 'g', -1, 64))
}

// ToggleAugment switches the ±2 pixel shifts on or off.
func (s *Training) ToggleAugment() {
	s.Opts.Augment = !s.Opts.Augment
	v := ""
	if s.Opts.Augment {
		v = "1"
	}
	s.app.SetOption(KeyTrainAug, v)
}

// ConfusionShares returns the k×k confusion matrix conf (rows: true
// class, columns: answer) as row shares, row-major: each row sums to 1, or
// is all 0 when the class had no image.
func ConfusionShares(conf [][]int) []float32 {
	k := len(conf)
	share := make([]float32, k*k)
	for i, row := range conf {
		sum := 0
		for _, n := range row {
			sum += n
		}
		for j, n := range row {
			if sum > 0 {
				share[i*k+j] = float32(n) / float32(sum)
			}
		}
	}
	return share
}

// TrainCurves are the series of the training charts: the smoothed loss
// and batch accuracy (in %) per step, and the validation accuracy (in %)
// at the steps it was measured.
type TrainCurves struct {
	Loss, Accuracy     []float64
	ValStep, ValAccPct []float64
}

// curveSmoothing is the weight of a new value in the charts' smoothing.
const curveSmoothing = 0.05

// Curves returns the chart series of the current trainer, recomputed only
// when it made steps or validated since the last call.
func (s *Training) Curves() TrainCurves {
	t := s.T
	if t == nil {
		return TrainCurves{}
	}
	key := [3]int{len(t.Losses), len(t.BatchAccuracy), len(t.Validation)}
	if s.curvesOf == t && s.curvesKey == key {
		return s.curves
	}
	c := TrainCurves{Loss: Smooth(t.Losses, curveSmoothing), Accuracy: Smooth(t.BatchAccuracy, curveSmoothing)}
	for i := range c.Accuracy {
		c.Accuracy[i] *= 100
	}
	for _, p := range t.Validation {
		c.ValStep = append(c.ValStep, float64(p.Step))
		c.ValAccPct = append(c.ValAccPct, 100*p.Accuracy)
	}
	s.curves, s.curvesOf, s.curvesKey = c, t, key
	return c
}

// SettingsPending reports whether the settings differ from those of the
// current trainer, so that they apply only at the next Reset.
func (s *Training) SettingsPending() bool {
	t := s.T
	if t == nil {
		return false
	}
	o := t.Opts
	return o.Optimizer != s.Opts.Optimizer || o.LR != s.Opts.LR || o.Batch != s.Opts.Batch ||
		o.WeightDecay != s.Opts.WeightDecay || o.Augment != s.Opts.Augment || Canonical(s.Text) != t.Model.Spec.Text()
}

// Canonical returns an architecture text as Spec.Text writes it, or the
// text itself when it does not parse.
func Canonical(text string) string {
	if spec, err := ParseArchitecture(text); err == nil {
		return spec.Text()
	}
	return text
}

// ArchName returns "the <name> network" for an architecture text, or
// "the network" when it does not parse.
func ArchName(text string) string {
	if spec, err := ParseArchitecture(text); err == nil {
		return "the " + spec.Name + " network"
	}
	return "the network"
}

// Status returns the lines that say where training stands: the step,
// images, epoch, smoothed loss, validation accuracy and speed, whether new
// settings wait for a Reset, and the trainer's error or validation. bad is
// set when the lines report an error.
func (s *Training) Status() (lines []string, bad bool) {
	t := s.T
	if t == nil {
		return []string{"60 000 training images loaded. Press Run to train " + ArchName(s.Text) + " from random weights (seed " +
			strconv.FormatUint(s.Opts.Seed, 10) + ")."}, false
	}
	count := 1
	if s.Data != nil {
		count = max(1, s.Data.Count)
	}
	l := fmt.Sprintf("%s · step %d · %d images (epoch %.2f)", t.Model.Spec.Name, t.Steps(), t.Examples, float64(t.Examples)/float64(count))
	if n := len(t.Losses); n > 0 {
		l += fmt.Sprintf(" · loss %.3f", Smooth(t.Losses[max(0, n-50):], 0.1)[min(n, 50)-1])
	}
	if acc := s.LastAccuracy(); !math.IsNaN(acc) {
		l += fmt.Sprintf(" · validation %.1f%%", 100*acc)
	}
	if n := len(s.Rate); n > 0 && s.Running {
		l += fmt.Sprintf(" · %.0f images/s", s.Rate[n-1])
	}
	if s.SettingsPending() {
		l += " · new settings apply at Reset"
	}
	lines = []string{l}
	if err := t.Err(); err != nil {
		return append(lines, err.Error()+". Lower it and press Run to start again."), true
	}
	if t.Validating() {
		lines = append(lines, "validating on 1000 test images…")
	}
	return lines, false
}

// TrainCallOptions returns the options cnnviz.train starts from: Adam at
// its default rate, batch 32, seed 1, the session's chunk, validation
// every 50 steps on 1000 images.
func (s *Training) TrainCallOptions() train.Options {
	return train.Options{Optimizer: "adam", Batch: 32, Seed: 1, Chunk: s.Opts.Chunk, ValEvery: 50, ValSize: 1000}
}

// TrainCall is a scripted training run as a stepper: it waits for the
// training set, resets the session with its architecture and options,
// trains Steps optimizer steps and a final validation pass through the
// session's own stepper (so that every view follows), and is done when
// the session stops.
type TrainCall struct {
	s       *Training
	text    string
	opts    train.Options
	steps   int
	started bool
	err     error
	t0      time.Time
}

// Call returns a TrainCall on s. A zero opts.LR becomes DefaultLR of the
// optimizer; the options are checked when the call starts.
func (s *Training) Call(text string, opts train.Options, steps int) (*TrainCall, error) {
	if _, err := ParseArchitecture(text); err != nil {
		return nil, err
	}
	if steps < 1 {
		return nil, fmt.Errorf("steps = %d, want at least 1", steps)
	}
	if opts.LR == 0 {
		opts.LR = DefaultLR(opts.Optimizer)
	}
	if err := opts.Check(); err != nil {
		return nil, err
	}
	return &TrainCall{s: s, text: text, opts: opts, steps: steps}, nil
}

// Step starts the session once the training and test sets are there and reports
// done when the session stopped (or could not start).
func (j *TrainCall) Step() bool {
	s := j.s
	if j.started {
		return !s.Running
	}
	if s.DataErr != nil {
		j.err = s.DataErr
		return true
	}
	if s.Data == nil || s.app.needTest() != nil { // validation uses the test set
		return false
	}
	j.started = true
	s.Text, s.Opts = j.text, j.opts
	if err := s.Reset(); err != nil {
		j.err = err
		return true
	}
	j.t0 = s.now()
	if err := s.Start(j.steps, true); err != nil {
		j.err = err
		return true
	}
	return false
}

// TrainResult is the outcome of a TrainCall.
type TrainResult struct {
	Loss, Accuracy float64
	Losses         []float64
	Validation     []train.ValPoint
	Steps          int
	Examples       int
	Took           time.Duration
}

// Result returns the finished call's outcome, or why it failed: the
// training set could not load, the loss diverged, or the run was stopped
// before its steps were done.
func (j *TrainCall) Result() (TrainResult, error) {
	if j.err != nil {
		return TrainResult{}, j.err
	}
	t := j.s.T
	if !j.started || t == nil {
		return TrainResult{}, fmt.Errorf("training has not started")
	}
	if err := t.Err(); err != nil {
		return TrainResult{}, err
	}
	if t.Steps() < j.steps {
		return TrainResult{}, fmt.Errorf("training was stopped at step %d of %d", t.Steps(), j.steps)
	}
	return TrainResult{Loss: t.Losses[len(t.Losses)-1], Accuracy: j.s.LastAccuracy(), Losses: t.Losses,
		Validation: t.Validation, Steps: t.Steps(), Examples: t.Examples, Took: j.s.now().Sub(j.t0)}, nil
}

// TrainArchitectures returns the names of the shipped architectures the
// training view offers.
func TrainArchitectures() []string { return models.Architectures() }

// ArchitectureText returns a shipped architecture as text, or "" for an
// unknown name.
func ArchitectureText(name string) string {
	spec, err := models.Architecture(name)
	if err != nil {
		return ""
	}
	return spec.Text()
}

// LoadData parses the MNIST training set from the bytes of its image and
// label files (gzipped or not) and makes it the session's data; on failure
// DataErr says what is wrong with the files.
func (s *Training) LoadData(images, labels []byte) error {
	set, err := mnist.Parse(images, labels)
	if err != nil {
		s.DataErr = fmt.Errorf("the MNIST training set is damaged: %v", err)
		return s.DataErr
	}
	s.Data, s.DataErr = set, nil
	return nil
}
