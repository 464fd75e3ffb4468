//go:build !js

package attack

import (
	"testing"

	"cnnviz/models"
)

// TestShippedRobustness measures PGD-40 (L∞ 0.3, random start) on 100
// seeded test images against the two shipped mnist models: the standard
// one falls below 5 %, the adversarially trained one keeps at least 68 %
// (71 % of these 100; issue 15's goal of 70 % is met on 1,000 images with
// 72.6 %, which TestMeasureRobustness gives). It takes seconds, so it runs
// under -short too.
func TestShippedRobustness(t *testing.T) {
	imgs, labels := testImages(t, 100, 1)
	for _, tc := range []struct {
		name     string
		min, max float64
	}{
		{"mnist", 0, 0.05},
		{models.Robust, 0.68, 1},
	} {
		m := builtin(t, tc.name)
		c, err := NewCurve(m, imgs, labels, CurveOptions{Eps: []float64{0, 0.3}, Steps: 40, RandomStart: true, Seed: 1, Batch: 16})
		if err != nil {
			t.Fatal(err)
		}
		for !c.Step() {
		}
		acc := c.Accuracy()
		t.Logf("%s: clean %.0f%%, PGD-40 at eps 0.3 %.0f%%", tc.name, 100*acc[0], 100*acc[1])
		if acc[1] < tc.min || acc[1] > tc.max {
			t.Errorf("%s: PGD-40 accuracy %v, want %v..%v", tc.name, acc[1], tc.min, tc.max)
		}
	}
}
