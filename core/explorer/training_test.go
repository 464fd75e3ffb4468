package explorer

import (
	"math"
	"strings"
	"testing"
	"time"

	"cnnviz/core/train"
	"cnnviz/models"
)

func TestSmooth(t *testing.T) {
	tests := []struct {
		name  string
		in    []float64
		alpha float64
		want  []float64
	}{
		// Bias correction makes a constant series stay constant.
		{"constant", []float64{3, 3, 3, 3}, 0.1, []float64{3, 3, 3, 3}},
		// alpha 1 keeps only the newest value.
		{"alpha1", []float64{1, 5, 2}, 1, []float64{1, 5, 2}},
		// [0, 1] with alpha 1/2: weights 1/4 and 1/2, normalised by 3/4.
		{"two", []float64{0, 1}, 0.5, []float64{0, 2.0 / 3}},
		{"empty", nil, 0.5, []float64{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Smooth(tc.in, tc.alpha)
			if len(got) != len(tc.want) {
				t.Fatalf("Smooth(%v, %v) = %v, want %v", tc.in, tc.alpha, got, tc.want)
			}
			for i := range got {
				if math.Abs(got[i]-tc.want[i]) > 1e-12 {
					t.Fatalf("Smooth(%v, %v) = %v, want %v", tc.in, tc.alpha, got, tc.want)
				}
			}
		})
	}
}

func TestParseArchitecture(t *testing.T) {
	spec, _ := models.Architecture("convnetjs")
	tests := []struct {
		name, text, wantErr string
	}{
		{"convnetjs", spec.Text(), ""},
		{"wrong input", "input 1x32x32\nflatten\ndense 10", "need input 1x28x28"},
		{"five classes", "input 1x28x28\nflatten\ndense 5", "MNIST needs 10"},
		{"bad line", "input 1x28x28\nconv eight 3x3\nflatten\ndense 10", "line 2"},
		{"unknown layer", "input 1x28x28\nsoftmax\n", "unknown layer"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseArchitecture(tc.text)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("ParseArchitecture(%q) = %v, want no error", tc.text, err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("ParseArchitecture(%q) = %v, want an error containing %q", tc.text, err, tc.wantErr)
			}
		})
	}
}

// fakeClock advances by step on every reading.
type fakeClock struct {
	t    time.Time
	step time.Duration
}

func (c *fakeClock) now() time.Time { c.t = c.t.Add(c.step); return c.t }

func trainingApp(t *testing.T) (*App, *Training) {
	t.Helper()
	a := newApp(t)
	a.SetTestSet(fakeSet(40, 2))
	s := NewTraining(a)
	s.Data = fakeSet(100, 3)
	s.Opts = train.Options{Optimizer: "sgd", LR: 0.01, Batch: 8, Chunk: 3, Seed: 5, ValEvery: 4, ValSize: 20}
	clk := &fakeClock{t: time.Unix(0, 0), step: time.Millisecond}
	s.Now = clk.now
	s.RateEvery = 10 * time.Millisecond
	s.Slice = 5 * time.Millisecond
	return a, s
}

// The session, stepped by the scheduler across frames, gives the same
// curve and weights as the plain function Train.
func TestTrainingSessionMatchesTrain(t *testing.T) {
	a, s := trainingApp(t)
	const steps = 10
	if err := s.Start(steps, true); err != nil {
		t.Fatal(err)
	}
	if a.State.Model != TrainedModel || a.Current().Net != s.T.Model {
		t.Fatalf("after Start the App shows %q, want the trained network", a.State.Model)
	}
	for i := 0; s.Running && i < 10000; i++ {
		a.Sched.Tick(2 * time.Millisecond)
	}
	spec, _ := ParseArchitecture(s.Text)
	want, err := Train(spec, s.Data, a.Test, s.Opts, steps)
	if err != nil {
		t.Fatal(err)
	}
	got := s.T
	if got.Steps() != steps || len(got.Losses) != len(want.Losses) {
		t.Fatalf("session took %d steps with %d losses, want %d and %d", got.Steps(), len(got.Losses), steps, len(want.Losses))
	}
	for i := range want.Losses {
		if got.Losses[i] != want.Losses[i] {
			t.Fatalf("loss %d = %v, want %v (bit for bit)", i, got.Losses[i], want.Losses[i])
		}
	}
	if len(got.Validation) != len(want.Validation) || got.Validation[len(got.Validation)-1] != want.Validation[len(want.Validation)-1] {
		t.Errorf("validation = %v, want %v", got.Validation, want.Validation)
	}
	for i, p := range got.Model.Params() {
		q := want.Model.Params()[i]
		for j := range p.Var.Value.Data {
			if p.Var.Value.Data[j] != q.Var.Value.Data[j] {
				t.Fatalf("weight %s[%d] = %v, want %v", p.Name, j, p.Var.Value.Data[j], q.Var.Value.Data[j])
			}
		}
	}
	// Every validation image is in exactly one confusion cell.
	total := 0
	for tr := 0; tr < 10; tr++ {
		for pr := 0; pr < 10; pr++ {
			imgs := s.CellImages(tr, pr)
			if len(imgs) != got.Confusion[tr][pr] {
				t.Errorf("CellImages(%d, %d) has %d images, want Confusion %d", tr, pr, len(imgs), got.Confusion[tr][pr])
			}
			for _, k := range imgs {
				if int(a.Test.Labels[k]) != tr {
					t.Errorf("CellImages(%d, %d) lists image %d labelled %d", tr, pr, k, a.Test.Labels[k])
				}
			}
			total += len(imgs)
		}
	}
	if total != 20 {
		t.Errorf("confusion cells hold %d images, want 20", total)
	}
	if len(s.Rate) == 0 {
		t.Errorf("no examples-per-second samples after %d steps", steps)
	}
}

// A learning rate far too high stops training with an error that names
// it; the session and the App stay usable.
func TestTrainingDiverges(t *testing.T) {
	a, s := trainingApp(t)
	s.Opts.LR = 1e6
	var stopped error
	s.OnStop = func(err error) { stopped = err }
	if err := s.Start(-1, false); err != nil {
		t.Fatal(err)
	}
	for i := 0; s.Running && i < 10000; i++ {
		a.Sched.Tick(2 * time.Millisecond)
	}
	if s.Running || s.T.Err() == nil || !strings.Contains(s.T.Err().Error(), "learning rate") {
		t.Fatalf("after divergence Running = %v, Err = %v; want stopped with an error about the learning rate", s.Running, s.T.Err())
	}
	if stopped != s.T.Err() {
		t.Errorf("OnStop got %v, want the trainer's error %v", stopped, s.T.Err())
	}
	a.Refresh()
	for _, v := range a.Logits {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			t.Fatalf("logits after divergence = %v, want finite (the weights before the bad step)", a.Logits)
		}
	}
	// Start again resets to a fresh network.
	s.Opts.LR = 0.01
	if err := s.Start(1, false); err != nil {
		t.Fatal(err)
	}
	if s.T.Err() != nil || s.T.Steps() != 0 {
		t.Errorf("Start after divergence: Err = %v, Steps = %d, want a fresh trainer", s.T.Err(), s.T.Steps())
	}
}

// Reset with an architecture whose layers differ replaces the listed
// network and drops a layer selection it no longer has; a checkpoint
// resumes the same run.
func TestTrainingResetAndResume(t *testing.T) {
	a, s := trainingApp(t)
	if err := s.Start(3, false); err != nil {
		t.Fatal(err)
	}
	for i := 0; s.Running && i < 10000; i++ {
		a.Sched.Tick(2 * time.Millisecond)
	}
	a.SetLayer("conv2")
	ck, err := s.Checkpoint()
	if err != nil {
		t.Fatal(err)
	}
	s.Text = "input 1x28x28\nconv 4 3x3\nrelu\nflatten\ndense 10"
	if err := s.Reset(); err != nil {
		t.Fatal(err)
	}
	if a.Current().Net != s.T.Model || a.State.Layer != "" {
		t.Errorf("after Reset: current net is trained = %v, layer %q; want true and \"\"", a.Current().Net == s.T.Model, a.State.Layer)
	}
	shipped := len(models.Architectures()) + len(models.PhotoModels())
	if n := len(a.Models()); a.Model(TrainedModel) == nil || n != shipped+1 {
		t.Errorf("models after two trainers: %d, want %d (one trained entry)", n, shipped+1)
	}
	if err := s.Resume(ck); err != nil {
		t.Fatal(err)
	}
	if s.T.Steps() != 3 || s.T.Model.Spec.Name != "convnetjs" {
		t.Errorf("Resume: %d steps of %s, want 3 of convnetjs", s.T.Steps(), s.T.Model.Spec.Name)
	}
	if err := s.Resume([]byte("not a model")); err == nil {
		t.Errorf("Resume(garbage) = nil, want an error")
	}
	b, err := s.ModelFile()
	if err != nil {
		t.Fatal(err)
	}
	m, err := models.Load(b)
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float32, 784)
	a.Test.Float(0, x)
	got, want := m.Logits(x, 1), s.T.Model.Logits(x, 1)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("saved model logits = %v, want %v", got, want)
		}
	}
}
