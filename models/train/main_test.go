//go:build !js

package main

import (
	"math"
	"testing"

	"cnnviz/core/nn"
	"cnnviz/models"
)

// trainSteps runs a few steps on a fixed synthetic batch and returns the
// final weights and the losses.
func trainSteps(t *testing.T, workers, steps int) ([]float32, []float64) {
	t.Helper()
	spec, err := models.Architecture("convnetjs")
	if err != nil {
		t.Fatal(err)
	}
	m := nn.MustBuild(spec, 3)
	tr := newTrainer(m, workers)
	x := make([]float32, 16*784)
	labels := make([]int, 16)
	for i := range labels {
		labels[i] = i % 10
		// Each class lights a different band of rows.
		for y := 2 * labels[i]; y < 2*labels[i]+6; y++ {
			for c := 4; c < 24; c++ {
				x[i*784+y*28+c] = 1
			}
		}
	}
	opt := &nn.Adam{LR: 3e-3}
	var losses []float64
	for s := 0; s < steps; s++ {
		loss, _ := tr.step(x, labels, opt)
		losses = append(losses, loss)
	}
	var w []float32
	for _, p := range m.Params() {
		w = append(w, p.Var.Value.Data...)
	}
	return w, losses
}

func TestTrainerIsDeterministic(t *testing.T) {
	a, la := trainSteps(t, 2, 5)
	b, lb := trainSteps(t, 2, 5)
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			t.Fatalf("weight %d differs between two runs: %v and %v", i, a[i], b[i])
		}
	}
	for i := range la {
		if la[i] != lb[i] {
			t.Fatalf("loss %d differs: %v and %v", i, la[i], lb[i])
		}
	}
}

func TestTrainerSplitMatchesSingleWorker(t *testing.T) {
	// Two workers sum their shards' gradients scaled by shard size, which is
	// the gradient of the mean loss over the whole batch: the losses match a
	// single worker's to float32 rounding.
	_, one := trainSteps(t, 1, 5)
	_, two := trainSteps(t, 2, 5)
	for i := range one {
		if math.Abs(one[i]-two[i]) > 1e-4*math.Max(1, math.Abs(one[i])) {
			t.Fatalf("step %d loss: one worker %v, two workers %v", i, one[i], two[i])
		}
	}
	if !(one[len(one)-1] < one[0]) {
		t.Fatalf("loss did not fall: %v", one)
	}
}
