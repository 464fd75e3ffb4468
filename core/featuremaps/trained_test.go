//go:build !js

package featuremaps

import (
	"fmt"
	"strings"
	"testing"

	"cnnviz/models"
	"cnnviz/models/mnist"
)

// TestSparsityByDepth computes the statistics of the trained models over
// the first 500 MNIST test images and logs sparsity and blank filters
// against depth (run with -v to see the table). It checks the invariants
// of Stats on real data; whether sparsity grows with depth is reported, not
// asserted.
func TestSparsityByDepth(t *testing.T) {
	set, err := mnist.LoadDefault("test")
	if err != nil {
		t.Fatal(err)
	}
	const n = 500
	imgs := make([]float32, 0, n*784)
	for i := range n {
		imgs = append(imgs, set.Float(i, nil)...)
	}
	for _, arch := range archs {
		t.Run(arch, func(t *testing.T) {
			m, err := models.Builtin(arch)
			if err != nil {
				t.Fatal(err)
			}
			run := NewStatsRun(m, imgs, n)
			for !run.Step() {
			}
			var b strings.Builder
			fmt.Fprintf(&b, "%s over %d MNIST test images\n%-8s %-13s %-12s %9s %9s %9s %9s %9s %9s\n", arch, n,
				"layer", "kind", "shape", "sparsity", "blank", "deadunit", "deadchan", "mean", "std")
			var relu []float64
			for _, s := range run.Stats() {
				checkInvariants(t, s)
				fmt.Fprintf(&b, "%-8s %-13s %-12s %9.4f %9.4f %9.4f %9.4f %9.4f %9.4f\n", s.Name, s.Kind, fmt.Sprint(s.Shape),
					s.Sparsity, s.Blank, s.DeadUnits, s.DeadChannels, s.Mean, s.Std)
				if s.Kind == "relu" {
					relu = append(relu, s.Sparsity)
				}
			}
			grows := true
			for i := 1; i < len(relu); i++ {
				grows = grows && relu[i] >= relu[i-1]
			}
			fmt.Fprintf(&b, "ReLU sparsity by depth %.3f: grows monotonically: %v", relu, grows)
			t.Log(b.String())
		})
	}
}
