package tsne

import (
	"testing"
	"time"

	"cnnviz/core/tsne/synth"
)

// TestStepsStayNearBudget_10000 runs the setup and a few iterations of the
// default method (FFT) for 10,000 points in 64-D, the size of the page's
// largest embedding (so the PCA to 50 dimensions runs too), with the KL
// evaluated by Step at every iteration, and checks every Step's work
// units: at most Budget plus the largest indivisible item, and that item
// at most twice the Budget, so no Step does more than three budgets of
// work. A unit is weighted to be about a nanosecond of native work here
// (the default budget of 3,000,000 units is about 3 ms); under WebAssembly
// a unit takes about two to three times as long. A random walk keeps the
// neighbour search fast (its points lie near a curve), so the test runs in
// a few seconds; the phases and their items are the same as for any data.
func TestStepsStayNearBudget_10000(t *testing.T) {
	const n, d, iters = 10000, 64, 3
	ds := synth.RandomWalk(7, n, d)
	opt := DefaultOptions()
	opt.KLEvery = 1
	e := New(ds.X, ds.N, ds.D, opt)
	if got := e.Options().Method; got != MethodFFT {
		t.Fatalf("Options().Method = %q at n = %d, want %q", got, n, MethodFFT)
	}
	item := maxItemUnits(e)
	if item > 2*opt.Budget {
		t.Errorf("largest item %d units, want <= 2·Budget = %d", item, 2*opt.Budget)
	}
	bound := opt.Budget + item
	worst := map[string]int{}
	var worstTime time.Duration
	var worstPhase string
	for e.Iteration() < iters {
		ph := e.Phase()
		if ph == "optimize" {
			ph = [...]string{"begin", "spread", "fft", "points", "attract", "kl", "update"}[e.stage]
		}
		start := time.Now()
		e.Step()
		if el := time.Since(start); el > worstTime {
			worstTime, worstPhase = el, ph
		}
		worst[ph] = max(worst[ph], e.Work())
		if e.Work() > bound {
			t.Fatalf("a Step in phase %s did %d units, want <= Budget + largest item = %d", ph, e.Work(), bound)
		}
	}
	for _, ph := range []string{"pca", "neighbors", "calibrate", "symmetrize", "kl"} {
		if _, ok := worst[ph]; !ok {
			t.Errorf("no Step began in phase %s, want every long phase seen", ph)
		}
	}
	if its, kl := e.KLHistory(); len(its) != iters || len(kl) != iters || its[iters-1] != iters {
		t.Errorf("KLHistory() = %v, %v, want %d values, the last at iteration %d", its, kl, iters, iters)
	} else if got, want := kl[iters-1], e.computeKL(); got != want {
		t.Errorf("KLHistory's last value = %v, want computeKL = %v (bit-identical)", got, want)
	}
	t.Logf("worst Step units by phase %v (bound %d); slowest Step %v in %s", worst, bound, worstTime, worstPhase)
}
