package checkpoint

import (
	"math"
	"strings"
	"testing"

	"cnnviz/core/nn"
	"cnnviz/core/train"
	"cnnviz/models"
	"cnnviz/models/mnist"
	"cnnviz/models/safetensors"
)

var data, val = mnist.Bands(640, 1), mnist.Bands(100, 2)

func newTrainer(t *testing.T, opts train.Options) *train.Trainer {
	t.Helper()
	spec, err := models.Architecture("convnetjs")
	if err != nil {
		t.Fatal(err)
	}
	tr, err := train.New(nn.MustBuild(spec, opts.Seed), data, val, opts)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func run(tr *train.Trainer, steps int) {
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

func TestResumesExactly(t *testing.T) {
	for _, opt := range []string{"adam", "sgd"} {
		t.Run(opt, func(t *testing.T) {
			opts := train.Options{Seed: 9, Optimizer: opt, Augment: true, CosineSteps: 20, ValEvery: 1000}
			whole := newTrainer(t, opts)
			run(whole, 12)
			half := newTrainer(t, opts)
			run(half, 6)
			// Half a batch more, which the checkpoint leaves out.
			for i := 0; i < 2; i++ {
				half.Step()
			}
			b, err := Save(half)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := models.Load(b); err != nil {
				t.Fatalf("a checkpoint does not open as a model: %v", err)
			}
			resumed, err := Resume(b, data, val)
			if err != nil {
				t.Fatal(err)
			}
			if got := resumed.Steps(); got != 6 {
				t.Errorf("resumed at step %d, want 6", got)
			}
			if resumed.Opts != half.Opts {
				t.Errorf("resumed options %+v, want %+v", resumed.Opts, half.Opts)
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

func TestResumeAtStepZero(t *testing.T) {
	// Before its first step a trainer has no optimizer buffers; its
	// checkpoint resumes all the same.
	b, err := Save(newTrainer(t, train.Options{Seed: 2}))
	if err != nil {
		t.Fatal(err)
	}
	tr, err := Resume(b, data, val)
	if err != nil {
		t.Fatal(err)
	}
	if !tr.Step() || tr.Err() != nil {
		t.Fatalf("resumed trainer does not step: %v", tr.Err())
	}
}

// edit decodes b, lets change alter it and encodes it again.
func edit(t *testing.T, b []byte, change func(*safetensors.File)) []byte {
	t.Helper()
	f, err := safetensors.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	change(f)
	out, err := safetensors.Encode(f)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestResumeErrors(t *testing.T) {
	adam := newTrainer(t, train.Options{Seed: 1})
	run(adam, 2)
	good, err := Save(adam)
	if err != nil {
		t.Fatal(err)
	}
	sgd := newTrainer(t, train.Options{Seed: 1, Optimizer: "sgd"})
	run(sgd, 2)
	goodSGD, err := Save(sgd)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := models.Save(adam.Model)
	if err != nil {
		t.Fatal(err)
	}
	setMeta := func(k, v string) func(*safetensors.File) {
		return func(f *safetensors.File) { f.Metadata[k] = v }
	}
	drop := func(name string) func(*safetensors.File) {
		return func(f *safetensors.File) {
			for i, tn := range f.Tensors {
				if tn.Name == name {
					f.Tensors = append(f.Tensors[:i], f.Tensors[i+1:]...)
					return
				}
			}
			t.Fatalf("no tensor %q to drop", name)
		}
	}
	tests := []struct {
		name string
		file []byte
		want []string // the user-level problem first, then a detail
	}{
		{"a text file", []byte("hello, this is not a checkpoint"), []string{"not a cnnviz model file"}},
		{"cut short", good[:len(good)/2], []string{"cut short"}},
		{"a plain model", plain, []string{"a model file, not a training checkpoint", `"training"`}},
		{"metadata not JSON", edit(t, good, setMeta(MetaKey, "{step: 3")), []string{"checkpoint is damaged", "not valid JSON"}},
		{"negative step", edit(t, good, setMeta(MetaKey, `{"options":{},"step":-4}`)), []string{"checkpoint is damaged", "-4 is negative"}},
		{"bad options", edit(t, good, setMeta(MetaKey, `{"options":{"optimizer":"rmsprop"},"step":2}`)), []string{"cannot be resumed", `optimizer "rmsprop"`}},
		{"adam step not a number", edit(t, good, setMeta("optimizer.t", "two")), []string{"checkpoint is damaged", `"two" is not a step count`}},
		{"missing buffer", edit(t, good, drop("optimizer.v.fc.bias")), []string{"checkpoint is incomplete", `"optimizer.v.fc.bias"`}},
		{"buffer of the wrong size", edit(t, good, func(f *safetensors.File) {
			for i, tn := range f.Tensors {
				if tn.Name == "optimizer.m.fc.bias" {
					f.Tensors[i].Shape, f.Tensors[i].Data = []int{3}, tn.Data[:3]
				}
			}
		}), []string{"checkpoint is damaged", "has 3 values, want 10"}},
		{"buffers of another optimizer", edit(t, goodSGD, func(f *safetensors.File) {
			f.Tensors = append(f.Tensors, safetensors.Tensor{Name: "optimizer.m.fc.bias", Shape: []int{10}, Data: make([]float32, 10)})
		}), []string{"does not match its optimizer sgd", `"optimizer.m.fc.bias"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Resume(tc.file, data, val)
			if err == nil {
				t.Fatalf("Resume() error = nil, want one containing %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Resume() error = %q, want it to contain %q", err, w)
				}
			}
		})
	}
}
