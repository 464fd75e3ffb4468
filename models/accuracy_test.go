//go:build !js

package models

import (
	"testing"

	"cnnviz/models/mnist"
)

func loadTestSet(t *testing.T) *mnist.Set {
	t.Helper()
	s, err := mnist.LoadDefault("test")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestShippedAccuracy measures the shipped MNIST models on all 10,000
// MNIST test images, from the weights in the repository (robust's in half
// precision).
func TestShippedAccuracy(t *testing.T) {
	set := loadTestSet(t)
	for _, tc := range []struct {
		name string
		min  float64
	}{{"mnist", 0.993}, {"convnetjs", 0.988}, {Robust, 0.99}} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Builtin(tc.name)
			if err != nil {
				t.Fatal(err)
			}
			const chunk = 500
			x := make([]float32, chunk*784)
			correct := 0
			for b := 0; b < set.Count; b += chunk {
				for i := 0; i < chunk; i++ {
					set.Float(b+i, x[i*784:])
				}
				logits := m.Logits(x, chunk)
				for i := 0; i < chunk; i++ {
					row := logits[i*10 : (i+1)*10]
					best := 0
					for k, v := range row {
						if v > row[best] {
							best = k
						}
					}
					if best == int(set.Labels[b+i]) {
						correct++
					}
				}
			}
			acc := float64(correct) / float64(set.Count)
			t.Logf("%s: %d of %d test images correct (%.2f%%)", tc.name, correct, set.Count, 100*acc)
			if acc < tc.min {
				t.Fatalf("%s test accuracy %.2f%%, want at least %.1f%%", tc.name, 100*acc, 100*tc.min)
			}
		})
	}
}
