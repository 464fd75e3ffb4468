//go:build !js

package main

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"cnnviz/models"
	"cnnviz/models/mnist"
)

var data, val = mnist.Bands(320, 1), mnist.Bands(100, 2)

func trained(t *testing.T, c config, log io.Writer) []byte {
	t.Helper()
	m, err := trainModel(c, data, val, log)
	if err != nil {
		t.Fatal(err)
	}
	b, err := models.Save(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var small = config{model: "convnetjs", epochs: 5, batch: 32, lr: 5e-3, shift: 2, seed: 1}

func TestSameSeedSameFile(t *testing.T) {
	a, b := trained(t, small, io.Discard), trained(t, small, io.Discard)
	if !bytes.Equal(a, b) {
		t.Fatal("two runs with the same flags wrote different files")
	}
	other := small
	other.seed = 2
	if bytes.Equal(a, trained(t, other, io.Discard)) {
		t.Fatal("runs with seeds 1 and 2 wrote the same file")
	}
}

func TestTrainsAndReportsEachEpoch(t *testing.T) {
	var log strings.Builder
	b := trained(t, small, &log)
	for _, want := range []string{"epoch 1: test accuracy", "epoch 5: test accuracy", "epoch 5/5 [" + strings.Repeat("=", 30) + "] 100%"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, log.String())
		}
	}
	if strings.Contains(log.String(), "epoch 6") {
		t.Errorf("log goes on past 5 epochs:\n%s", log.String())
	}
	m, err := models.Load(b)
	if err != nil {
		t.Fatal(err)
	}
	right := 0
	x := make([]float32, 784)
	for i := 0; i < val.Count; i++ {
		logits := m.Logits(val.Float(i, x), 1)
		best := 0
		for k, v := range logits {
			if v > logits[best] {
				best = k
			}
		}
		if best == int(val.Labels[i]) {
			right++
		}
	}
	if right < 95 {
		t.Errorf("after 5 epochs on the band set %d of 100 validation images right, want >= 95", right)
	}
}

func TestOptions(t *testing.T) {
	o, steps, err := small.options(320, 100)
	if err != nil {
		t.Fatal(err)
	}
	if steps != 50 || o.CosineSteps != 50 || o.ValEvery != 10 || o.ValSize != 100 || !o.Augment || o.Shift != 2 || o.Seed != 1 {
		t.Errorf("options(320, 100) = %+v, %d steps; want 50 steps of cosine decay, validation of 100 every 10, shifts of 2", o, steps)
	}
	noShift := small
	noShift.shift = 0
	if o, _, _ := noShift.options(320, 100); o.Augment {
		t.Error("-shift 0 left augmentation on")
	}
	for _, bad := range []config{{model: "convnetjs", epochs: 0, batch: 32}, {model: "convnetjs", epochs: 1, batch: 400}} {
		if _, _, err := bad.options(320, 100); err == nil || !strings.Contains(err.Error(), "full batch") {
			t.Errorf("options(%+v) error = %v, want one about a full batch", bad, err)
		}
	}
	diverge := small
	diverge.lr = 1e5
	if _, err := trainModel(diverge, data, val, io.Discard); err == nil || !strings.Contains(err.Error(), "too high") {
		t.Errorf("trainModel with lr 1e5: error %v, want the divergence error", err)
	}
}
