//go:build !js

package attack

import (
	"os"
	"strconv"
	"testing"
	"time"

	"cnnviz/models"
)

// TestMeasureRobustness measures PGD-40 robust accuracy on a seeded
// 1,000-image test subset (seed 1), for the model named by
// $CNNVIZ_ROBUST (a built-in name or a model file); it is skipped
// without it, as it takes minutes:
//
//	CNNVIZ_ROBUST=mnist go test -run Measure -v -timeout 2h ./core/attack
//
// $CNNVIZ_ROBUST_N changes the number of images, $CNNVIZ_ROBUST_EPS the
// single radius (default 0.3). It asserts only that the curve does not
// rise.
func TestMeasureRobustness(t *testing.T) {
	name := os.Getenv("CNNVIZ_ROBUST")
	if name == "" {
		t.Skip("set CNNVIZ_ROBUST to a model name or file to measure")
	}
	m, err := models.Builtin(name)
	if err != nil {
		b, rerr := os.ReadFile(name)
		if rerr != nil {
			t.Fatal(err, rerr)
		}
		if m, err = models.Load(b); err != nil {
			t.Fatal(err)
		}
	}
	n := 1000
	if s := os.Getenv("CNNVIZ_ROBUST_N"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	eps := []float64{0, 0.1, 0.2, 0.3}
	if s := os.Getenv("CNNVIZ_ROBUST_EPS"); s != "" {
		e, _ := strconv.ParseFloat(s, 64)
		eps = []float64{0, e}
	}
	imgs, labels := testImages(t, n, 1)
	c, err := NewCurve(m, imgs, labels, CurveOptions{Eps: eps, Steps: 40, RandomStart: true, Seed: 1, Batch: 16})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for !c.Step() {
	}
	acc := c.Accuracy()
	f, bw := c.Passes()
	t.Logf("%s, %d images, PGD-40 L∞ random start: eps %v → accuracy %v (%v, %d forward and %d backward image passes)", name, n, eps, acc, time.Since(start).Round(time.Second), f, bw)
	for i := 1; i < len(acc); i++ {
		if acc[i] > acc[i-1] {
			t.Errorf("accuracy rose from %v to %v", acc[i-1], acc[i])
		}
	}
}
