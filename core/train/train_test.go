package train

import (
	"math"
	"strings"
	"testing"

	"cnnviz/core/nn"
	"cnnviz/models"
	"cnnviz/models/mnist"
)

func newTrainer(t *testing.T, opts Options) *Trainer {
	t.Helper()
	spec, err := models.Architecture("convnetjs")
	if err != nil {
		t.Fatal(err)
	}
	tr, err := New(nn.MustBuild(spec, opts.Seed), mnist.Bands(640, 1), mnist.Bands(100, 2), opts)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func run(tr *Trainer, steps int) {
	for tr.Steps() < steps && tr.Step() {
	}
}

func weights(m *nn.Sequential) []float32 {
	var w []float32
	for _, p := range m.Params() {
		w = append(w, p.Var.Value.Data...)
	}
	return w
}

func TestSameSeedSameCurve(t *testing.T) {
	opts := Options{Seed: 5, Augment: true, ValEvery: 10, ValSize: 50}
	a, b := newTrainer(t, opts), newTrainer(t, opts)
	run(a, 20)
	run(b, 20)
	for i := range a.Losses {
		if math.Float64bits(a.Losses[i]) != math.Float64bits(b.Losses[i]) {
			t.Fatalf("loss %d: %v and %v", i, a.Losses[i], b.Losses[i])
		}
	}
	c := newTrainer(t, Options{Seed: 6, Augment: true, ValEvery: 10, ValSize: 50})
	run(c, 20)
	if c.Losses[19] == a.Losses[19] {
		t.Fatal("a different seed gave the same loss")
	}
}

func TestChunksSumToTheBatchGradient(t *testing.T) {
	// Splitting a batch into chunks changes only the order of float32
	// additions: the losses of the first steps agree to rounding.
	a := newTrainer(t, Options{Seed: 3, Chunk: 32})
	b := newTrainer(t, Options{Seed: 3, Chunk: 5})
	run(a, 5)
	run(b, 5)
	for i := range a.Losses {
		if math.Abs(a.Losses[i]-b.Losses[i]) > 1e-4 {
			t.Fatalf("step %d loss: chunk 32 %v, chunk 5 %v", i, a.Losses[i], b.Losses[i])
		}
	}
}

func TestLearnsAndValidates(t *testing.T) {
	tr := newTrainer(t, Options{Seed: 1, LR: 3e-3, ValEvery: 40, ValSize: 100})
	run(tr, 40)
	for tr.Validating() {
		tr.Step()
	}
	if len(tr.Validation) != 1 {
		t.Fatalf("%d validation passes after 40 steps, want 1", len(tr.Validation))
	}
	if acc := tr.Validation[0].Accuracy; acc < 0.9 {
		t.Fatalf("validation accuracy %v on the band set after 40 steps, want >= 0.9", acc)
	}
	total := 0
	for _, row := range tr.Confusion {
		for _, c := range row {
			total += c
		}
	}
	if total != 100 {
		t.Fatalf("confusion matrix counts %d images, want 100", total)
	}
	if tr.Losses[len(tr.Losses)-1] >= tr.Losses[0] {
		t.Fatalf("loss did not fall: first %v, last %v", tr.Losses[0], tr.Losses[len(tr.Losses)-1])
	}
}

func TestDivergenceStopsTraining(t *testing.T) {
	tr := newTrainer(t, Options{Seed: 1, Optimizer: "sgd", LR: 1e6, Momentum: 0.9})
	for i := 0; i < 400 && tr.Step(); i++ {
	}
	err := tr.Err()
	if err == nil || !strings.Contains(err.Error(), "learning rate 1e+06 is too high") {
		t.Fatalf("Err() = %v, want a divergence error naming the learning rate", err)
	}
	for _, w := range weights(tr.Model) {
		if math.IsNaN(float64(w)) || math.IsInf(float64(w), 0) {
			t.Fatal("the weights were left non-finite")
		}
	}
	if tr.Step() {
		t.Fatal("Step after the error went on training")
	}
}

func TestOptionErrors(t *testing.T) {
	spec, _ := models.Architecture("convnetjs")
	m := nn.MustBuild(spec, 1)
	for _, tc := range []struct {
		opts Options
		want string
	}{
		{Options{Optimizer: "rmsprop"}, `optimizer "rmsprop"`},
		{Options{LR: -1}, "learning rate -1"},
		{Options{LR: math.NaN()}, "learning rate NaN"},
		{Options{Batch: 5000}, "batch 5000"},
		{Options{Optimizer: "sgd", Momentum: 1}, "momentum 1"},
		{Options{Shift: 15}, "shift 15"},
		{Options{CosineSteps: -3}, "over -3 steps"},
	} {
		if _, err := New(m, mnist.Bands(10, 1), mnist.Bands(10, 2), tc.opts); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%+v) error = %v, want containing %q", tc.opts, err, tc.want)
		}
	}
}

func TestCosineDecay(t *testing.T) {
	tr := newTrainer(t, Options{Seed: 1, LR: 0.01, CosineSteps: 10})
	for _, tc := range []struct {
		step int
		want float64
	}{
		{0, 0.01},
		{5, 0.01 * (0.01 + 0.99*0.5)},
		{10, 0.0001},
		{50, 0.0001},
	} {
		if got := tr.LR(tc.step); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("LR(%d) = %v, want %v", tc.step, got, tc.want)
		}
	}
	// The optimizer takes each step with that step's rate.
	run(tr, 4)
	if got, want := tr.Optimizer().(*nn.Adam).LR, float32(tr.LR(3)); got != want {
		t.Errorf("Adam's LR after 4 steps = %v, want LR(3) = %v", got, want)
	}
	flat := newTrainer(t, Options{Seed: 1, LR: 0.01})
	if got := flat.LR(1000); got != 0.01 {
		t.Errorf("LR(1000) without decay = %v, want 0.01", got)
	}
	// Decay changes training from the second step on (the first uses LR).
	run(flat, 4)
	if flat.Losses[1] != tr.Losses[1] || flat.Losses[3] == tr.Losses[3] {
		t.Errorf("losses with decay %v, without %v: want equal at step 1, different at step 3", tr.Losses, flat.Losses)
	}
}

func TestShiftRange(t *testing.T) {
	for _, s := range []int{1, 2, 4} {
		tr := newTrainer(t, Options{Seed: 2, Augment: true, Shift: s})
		seen := map[int]bool{}
		for p := 0; p < 2000; p++ {
			dx, dy := tr.shift(p)
			if dx < -s || dx > s || dy < -s || dy > s {
				t.Fatalf("Shift %d: shift(%d) = %d, %d, want within ±%d", s, p, dx, dy, s)
			}
			seen[dx] = true
		}
		if len(seen) != 2*s+1 {
			t.Errorf("Shift %d: %d distinct x shifts in 2000 examples, want %d", s, len(seen), 2*s+1)
		}
	}
}

func TestSetStepsContinuesTheStream(t *testing.T) {
	// A trainer set to step 6 with the weights and Adam state of another
	// trainer after 6 steps goes on exactly as that one does.
	opts := Options{Seed: 4, Augment: true}
	a := newTrainer(t, opts)
	run(a, 6)
	b := newTrainer(t, opts)
	b.SetSteps(6)
	for i, p := range b.Model.Params() {
		copy(p.Var.Value.Data, a.Model.Params()[i].Var.Value.Data)
	}
	ao, bo := a.Optimizer().(*nn.Adam), b.Optimizer().(*nn.Adam)
	bo.T = ao.T
	for i := range ao.M {
		bo.M = append(bo.M, append([]float32(nil), ao.M[i]...))
		bo.V = append(bo.V, append([]float32(nil), ao.V[i]...))
	}
	if b.Examples != 6*32 {
		t.Errorf("Examples after SetSteps(6) = %d, want %d", b.Examples, 6*32)
	}
	run(a, 9)
	run(b, 9)
	w1, w2 := weights(a.Model), weights(b.Model)
	for i := range w1 {
		if math.Float32bits(w1[i]) != math.Float32bits(w2[i]) {
			t.Fatalf("weight %d: %v after SetSteps, %v uninterrupted", i, w2[i], w1[i])
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("SetSteps on a trainer that has trained did not panic")
		}
	}()
	a.SetSteps(1)
}
