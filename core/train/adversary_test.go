package train

import (
	"math/rand/v2"
	"slices"
	"testing"

	"cnnviz/core/nn"
)

// recorder is an Adversary that records its calls and, with zero set,
// blanks the images.
type recorder struct {
	zero   bool
	steps  []int
	images int
}

func (r *recorder) Perturb(p *nn.Plan, x []float32, labels []int, step int, rng *rand.Rand) {
	r.steps = append(r.steps, step)
	r.images += len(labels)
	if len(x) != len(labels)*28*28 || p.Batch() != len(labels) {
		panic("recorder: lengths do not fit")
	}
	if r.zero {
		clear(x)
	}
}

// TestAdversary checks that the trainer hands every chunk to the
// adversary with its step and trains on what the adversary returns: an
// adversary that changes nothing leaves training as it was, one that
// blanks the images changes the weights.
func TestAdversary(t *testing.T) {
	base := Options{Seed: 3, Batch: 16, Chunk: 8, ValEvery: 100, ValSize: 50}
	plain := newTrainer(t, base)
	run(plain, 4)

	same := &recorder{}
	o := base
	o.Adversary = same
	a := newTrainer(t, o)
	run(a, 4)
	if !slices.Equal(weights(a.Model), weights(plain.Model)) {
		t.Errorf("an adversary that changes nothing changed the weights")
	}
	if want := []int{0, 0, 1, 1, 2, 2, 3, 3}; !slices.Equal(same.steps, want) || same.images != 64 {
		t.Errorf("adversary called at steps %v for %d images, want %v and 64", same.steps, same.images, want)
	}

	o.Adversary = &recorder{zero: true}
	b := newTrainer(t, o)
	run(b, 4)
	if slices.Equal(weights(b.Model), weights(plain.Model)) {
		t.Errorf("training on blanked images gave the same weights as on the images")
	}
}
