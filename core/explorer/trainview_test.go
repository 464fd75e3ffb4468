package explorer

import (
	"math"
	"strings"
	"testing"
	"time"

	"cnnviz/core/train"
)

func TestTrainViewOptionsRoundTrip(t *testing.T) {
	d := DefaultTrainViewOptions()
	tests := []struct {
		name string
		o    TrainViewOptions
		keys int
	}{
		{"defaults", d, 0},
		{"all", TrainViewOptions{Arch: "mnist", Optimizer: "sgd", LR: 0.03, Batch: 128, WeightDecay: 1e-4, Augment: true}, 6},
		{"lr only", TrainViewOptions{Optimizer: "adam", LR: 1e-4, Batch: 32}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			vals := tc.o.Values()
			if len(vals) != tc.keys {
				t.Errorf("Values() = %v, want %d keys", vals, tc.keys)
			}
			s := Default()
			for k, v := range vals {
				s.SetOption(k, v)
			}
			s2, err := DecodeHash(EncodeHash(s))
			if err != nil {
				t.Fatal(err)
			}
			got, err := TrainViewOptionsOf(s2)
			if err != nil || got != tc.o {
				t.Errorf("TrainViewOptionsOf(%v) = %+v, %v; want %+v", vals, got, err, tc.o)
			}
		})
	}
}

func TestTrainViewOptionsReject(t *testing.T) {
	tests := []struct{ key, value, want string }{
		{KeyTrainArch, "lenet", "architecture \"lenet\" is not one of"},
		{KeyTrainOpt, "rmsprop", "optimizer"},
		{KeyTrainLR, "0", "learning rate"},
		{KeyTrainLR, "11", "learning rate"},
		{KeyTrainLR, "fast", "learning rate"},
		{KeyTrainBatch, "0", "batch"},
		{KeyTrainBatch, "2048", "batch"},
		{KeyTrainWD, "-0.1", "weight decay"},
		{KeyTrainAug, "yes", "augmentation"},
		{"train.nope", "1", "unknown"},
	}
	for _, tc := range tests {
		t.Run(tc.key+"="+tc.value, func(t *testing.T) {
			o := DefaultTrainViewOptions()
			if err := o.Set(tc.key, tc.value); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Set(%q, %q) = %v, want an error containing %q", tc.key, tc.value, err, tc.want)
			}
			if o != DefaultTrainViewOptions() {
				t.Errorf("Set(%q, %q) changed the options to %+v", tc.key, tc.value, o)
			}
			if tc.key == "train.nope" {
				return
			}
			s := Default()
			s.SetOption(tc.key, tc.value)
			s.SetOption(KeyTrainAug, "1")
			if tc.key == KeyTrainAug {
				s.SetOption(KeyTrainAug, tc.value)
			}
			got, err := TrainViewOptionsOf(s)
			want := DefaultTrainViewOptions()
			want.Augment = tc.key != KeyTrainAug
			if err == nil || !strings.Contains(err.Error(), tc.key) || got != want {
				t.Errorf("TrainViewOptionsOf(%v) = %+v, %v; want %+v and an error naming %s", s.Options, got, err, want, tc.key)
			}
		})
	}
}

// TestTrainViewOptionsApply checks that a link's settings reach the
// session, and that SGD without a rate gets SGD's default rate (a link
// made after switching to SGD has no train.lr).
func TestTrainViewOptionsApply(t *testing.T) {
	_, s := trainingApp(t)
	o := TrainViewOptions{Arch: "mnist", Optimizer: "sgd", Batch: 64, WeightDecay: 1e-3, Augment: true}
	o.Apply(s)
	if s.Text != ArchitectureText("mnist") || s.Opts.Optimizer != "sgd" || s.Opts.LR != 0.01 || s.Opts.Batch != 64 ||
		s.Opts.WeightDecay != 1e-3 || !s.Opts.Augment {
		t.Errorf("after Apply(%+v): %q, %+v", o, ArchName(s.Text), s.Opts)
	}
	DefaultTrainViewOptions().Apply(s)
	if s.Text != ArchitectureText("mnist") || s.Opts.LR != train.DefaultAdamLR || s.Opts.Optimizer != "adam" {
		t.Errorf("after Apply(defaults): %q, %+v; want mnist kept and Adam's rate", ArchName(s.Text), s.Opts)
	}
}

// TestTrainingSetters checks that the buttons' setters change the session
// and write a link that restores the same settings.
func TestTrainingSetters(t *testing.T) {
	a, s := trainingApp(t)
	s.Opts.Optimizer, s.Opts.LR = "adam", train.DefaultAdamLR
	s.SetOptimizer("sgd")
	s.StepLR(1)
	s.StepBatch(-1)
	s.StepWeightDecay(1)
	s.ToggleAugment()
	if err := s.UseArchitecture("mnist"); err != nil {
		t.Fatal(err)
	}
	if err := s.UseArchitecture("lenet"); err == nil {
		t.Errorf("UseArchitecture(lenet) = nil, want an error")
	}
	want := train.Options{Optimizer: "sgd", LR: 0.03, Batch: 4, WeightDecay: 1e-5, Augment: true}
	o := s.Opts
	if o.Optimizer != want.Optimizer || o.LR != want.LR || o.Batch != 8 || o.WeightDecay != want.WeightDecay || !o.Augment {
		t.Errorf("after the setters: %+v, want sgd, lr 0.03, batch 8, decay 1e-5, augment", o)
	}
	back := NewTraining(a)
	lo, err := TrainViewOptionsOf(a.State)
	if err != nil {
		t.Fatal(err)
	}
	lo.Apply(back)
	if back.Text != s.Text || back.Opts.Optimizer != o.Optimizer || back.Opts.LR != o.LR || back.Opts.Batch != o.Batch ||
		back.Opts.WeightDecay != o.WeightDecay || back.Opts.Augment != o.Augment {
		t.Errorf("the link %v restores %+v, want %+v", a.State.Options, back.Opts, o)
	}
	if err := s.UseText("input 1x28x28\nflatten\ndense 10"); err != nil || a.State.Option(KeyTrainArch, "") != "" {
		t.Errorf("UseText: %v, link arch %q; want no error and no arch", err, a.State.Option(KeyTrainArch, ""))
	}
	if err := s.UseText("input 1x28x28\nflatten\ndense 7"); err == nil {
		t.Errorf("UseText of a 7-class network = nil, want an error")
	}
}

func TestStepChoice(t *testing.T) {
	tests := []struct {
		cur  float64
		d    int
		want float64
	}{
		{3e-3, 1, 0.01},
		{3e-3, -1, 1e-3},
		{1e-4, -1, 1e-4},
		{1, 1, 1},
		{0.005, 1, 0.01}, // between two choices: the next one up
		{0.005, -1, 1e-3},
		{5, 1, 1},
		{1e-5, 1, 3e-4},
	}
	for _, tc := range tests {
		if got := StepChoice(LRChoices, tc.cur, tc.d); got != tc.want {
			t.Errorf("StepChoice(LRChoices, %v, %d) = %v, want %v", tc.cur, tc.d, got, tc.want)
		}
	}
	if got := StepChoice(BatchChoices, 32, 1); got != 64 {
		t.Errorf("StepChoice(BatchChoices, 32, 1) = %d, want 64", got)
	}
}

func TestConfusionShares(t *testing.T) {
	conf := [][]int{{8, 2, 0}, {0, 0, 0}, {1, 1, 2}}
	got := ConfusionShares(conf)
	want := []float32{0.8, 0.2, 0, 0, 0, 0, 0.25, 0.25, 0.5}
	for i := range want {
		if math.Abs(float64(got[i]-want[i])) > 1e-6 {
			t.Fatalf("ConfusionShares(%v) = %v, want %v", conf, got, want)
		}
	}
}

// TestTrainingCurvesAndStatus runs a session and checks the charts'
// series against Smooth and the validation points, and the status line.
func TestTrainingCurvesAndStatus(t *testing.T) {
	a, s := trainingApp(t)
	if c := s.Curves(); c.Loss != nil {
		t.Errorf("Curves before training = %+v, want empty", c)
	}
	if l, bad := s.Status(); bad || !strings.Contains(l[0], "Press Run to train the convnetjs network") {
		t.Errorf("Status before training = %q, %v", l, bad)
	}
	if err := s.Start(8, true); err != nil {
		t.Fatal(err)
	}
	for i := 0; s.Running && i < 10000; i++ {
		a.Sched.Tick(2 * time.Millisecond)
	}
	c := s.Curves()
	loss := Smooth(s.T.Losses, curveSmoothing)
	acc := Smooth(s.T.BatchAccuracy, curveSmoothing)
	if len(c.Loss) != 8 || len(c.Accuracy) != 8 || len(c.ValStep) != len(s.T.Validation) || len(c.ValStep) == 0 {
		t.Fatalf("Curves = %+v, want 8 steps and %d validations", c, len(s.T.Validation))
	}
	for i := range loss {
		if c.Loss[i] != loss[i] || math.Abs(c.Accuracy[i]-100*acc[i]) > 1e-9 {
			t.Fatalf("Curves step %d = %v, %v; want %v, %v", i, c.Loss[i], c.Accuracy[i], loss[i], 100*acc[i])
		}
	}
	for i, p := range s.T.Validation {
		if c.ValStep[i] != float64(p.Step) || c.ValAccPct[i] != 100*p.Accuracy {
			t.Errorf("validation point %d = (%v, %v), want (%v, %v)", i, c.ValStep[i], c.ValAccPct[i], p.Step, 100*p.Accuracy)
		}
	}
	if again := s.Curves(); &again.Loss[0] != &c.Loss[0] {
		t.Errorf("Curves recomputed without a new step")
	}
	lines, bad := s.Status()
	if bad || !strings.Contains(lines[0], "convnetjs · step 8 · 64 images (epoch 0.64)") || !strings.Contains(lines[0], "validation") {
		t.Errorf("Status = %q, %v", lines, bad)
	}
	if s.SettingsPending() || strings.Contains(lines[0], "new settings") {
		t.Errorf("settings pending right after Start: %q", lines[0])
	}
	s.StepBatch(1)
	if lines, _ := s.Status(); !s.SettingsPending() || !strings.Contains(lines[0], "new settings apply at Reset") {
		t.Errorf("after a batch change Status = %q, want new settings pending", lines)
	}
}

// TestTrainCall checks the scripted run: it waits for the training and
// test sets, then trains the requested steps through the session and reports them;
// a load error, bad options and a divergence are errors.
func TestTrainCall(t *testing.T) {
	a, s := trainingApp(t)
	data := s.Data
	s.Data = nil
	opts := train.Options{Optimizer: "sgd", Batch: 8, Chunk: 3, Seed: 5, ValEvery: 4, ValSize: 20}
	call, err := s.Call(s.Text, opts, 6)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if call.Step() {
			t.Fatalf("the call finished without training data")
		}
	}
	// With the training set but not the test set, which validation
	// uses: the call asks for it and waits.
	s.Data = data
	test := a.Test
	a.Test = nil
	if call.Step() || !a.TestRequested() {
		t.Fatalf("without the test set: the call finished or did not ask for it")
	}
	a.Test = test
	a.Sched.Start("call", call)
	for i := 0; a.Sched.Running("call") && i < 100000; i++ {
		a.Sched.Tick(2 * time.Millisecond)
	}
	r, err := call.Result()
	if err != nil {
		t.Fatal(err)
	}
	if r.Steps != 6 || r.Examples != 48 || len(r.Losses) != 6 || r.Loss != r.Losses[5] || r.Took <= 0 ||
		len(r.Validation) == 0 || r.Validation[len(r.Validation)-1].Step != 6 || r.Accuracy != s.LastAccuracy() {
		t.Errorf("Result = %+v, want 6 steps of 8 images, validated at step 6", r)
	}
	if s.Opts.LR != 0.01 {
		t.Errorf("the call's zero rate became %v, want SGD's default 0.01", s.Opts.LR)
	}
	for _, tc := range []struct {
		text  string
		opts  train.Options
		steps int
		want  string
	}{
		{s.Text, opts, 0, "steps"},
		{"input 1x28x28\nflatten\ndense 3", opts, 1, "MNIST needs 10"},
		{s.Text, train.Options{Optimizer: "sgd", Batch: 0, ValEvery: 4, ValSize: 20}, 1, "batch"},
	} {
		if _, err := s.Call(tc.text, tc.opts, tc.steps); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Call(steps %d, %+v) = %v, want an error containing %q", tc.steps, tc.opts, err, tc.want)
		}
	}
	// A divergence rejects with the trainer's error.
	bad := opts
	bad.LR = 1e6
	call, err = s.Call(s.Text, bad, 50)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; !call.Step() && i < 100000; i++ {
		a.Sched.Tick(2 * time.Millisecond)
	}
	if _, err := call.Result(); err == nil || !strings.Contains(err.Error(), "learning rate") {
		t.Errorf("Result after divergence = %v, want the trainer's error about the learning rate", err)
	}
	// A training set that cannot load rejects at once.
	s.Data, s.DataErr = nil, s.LoadData([]byte("not gzip"), nil)
	call, _ = s.Call(s.Text, opts, 1)
	if !call.Step() {
		t.Fatalf("the call waits after the training set failed to load")
	}
	if _, err := call.Result(); err == nil || !strings.Contains(err.Error(), "training set") {
		t.Errorf("Result after a load error = %v, want it", err)
	}
}
