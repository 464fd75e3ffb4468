package train

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"cnnviz/core/nn"
	"cnnviz/models"
	"cnnviz/models/mnist"
)

// bands is a synthetic MNIST-shaped set: digit d is a bright band of rows
// starting at row 2d, with a little noise, so that a small network learns it
// in a few dozen steps.
func bands(n int, seed uint64) *mnist.Set {
	r := rand.New(rand.NewPCG(seed, 1))
	s := &mnist.Set{Count: n, Rows: 28, Cols: 28, Images: make([]byte, n*784), Labels: make([]uint8, n)}
	for i := 0; i < n; i++ {
		d := r.IntN(10)
		s.Labels[i] = uint8(d)
		img := s.Images[i*784 : (i+1)*784]
		for y := 2 * d; y < 2*d+5; y++ {
			for x := 4; x < 24; x++ {
				img[y*28+x] = 200
			}
		}
		for j := 0; j < 30; j++ {
			img[r.IntN(784)] = uint8(r.IntN(256))
		}
	}
	return s
}

func newTrainer(t *testing.T, opts Options) *Trainer {
	t.Helper()
	spec, err := models.Architecture("convnetjs")
	if err != nil {
		t.Fatal(err)
	}
	tr, err := New(nn.MustBuild(spec, opts.Seed), bands(640, 1), bands(100, 2), opts)
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

func TestCheckpointResumesExactly(t *testing.T) {
	for _, opt := range []string{"adam", "sgd"} {
		t.Run(opt, func(t *testing.T) {
			opts := Options{Seed: 9, Optimizer: opt, Augment: true, ValEvery: 1000}
			whole := newTrainer(t, opts)
			run(whole, 12)
			half := newTrainer(t, opts)
			run(half, 6)
			b, err := half.Checkpoint()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := models.Load(b); err != nil {
				t.Fatalf("a checkpoint does not open as a model: %v", err)
			}
			resumed, err := Resume(b, half.data, half.val)
			if err != nil {
				t.Fatal(err)
			}
			run(resumed, 12)
			w1, w2 := weights(whole.Model), weights(resumed.Model)
			for i := range w1 {
				if math.Float32bits(w1[i]) != math.Float32bits(w2[i]) {
					t.Fatalf("weight %d after resuming: %v, uninterrupted %v", i, w2[i], w1[i])
				}
			}
		})
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
	} {
		if _, err := New(m, bands(10, 1), bands(10, 2), tc.opts); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%+v) error = %v, want containing %q", tc.opts, err, tc.want)
		}
	}
	model, _ := models.Save(m)
	if _, err := Resume(model, bands(10, 1), bands(10, 2)); err == nil || !strings.Contains(err.Error(), "not a training checkpoint") {
		t.Errorf("Resume(plain model) = %v", err)
	}
}
