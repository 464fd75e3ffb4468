package tsne

import (
	"testing"
	"time"

	"cnnviz/core/tsne/synth"
)

// benchData is 10 Gaussian clusters in 50-D, the size t-SNE sees after
// its PCA step.
func benchData(n int) synth.Dataset { return synth.Gaussians(1, 10, n/10, 50, 3) }

// benchIterations times gradient iterations after the setup, done by Step
// with the default budget; run it with -benchtime=Nx to average over the
// first N iterations (early exaggeration included). It also reports the
// setup time, measured once, and the longest Step.
func benchIterations(b *testing.B, n int, theta float64) {
	ds := benchData(n)
	opt := DefaultOptions()
	opt.Theta = theta
	opt.MaxIter = 1 << 30
	t := New(ds.X, ds.N, ds.D, opt)
	start := time.Now()
	t.Run(0)
	setup := time.Since(start)
	var worst time.Duration
	b.ResetTimer()
	for b.Loop() {
		for it := t.Iteration(); t.Iteration() == it; {
			s := time.Now()
			t.Step()
			worst = max(worst, time.Since(s))
		}
	}
	b.ReportMetric(float64(setup.Milliseconds()), "setup-ms")
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/iter")
	b.ReportMetric(float64(worst.Microseconds())/1000, "worst-step-ms")
}

func BenchmarkIterationBH_500(b *testing.B)    { benchIterations(b, 500, 0.5) }
func BenchmarkIterationBH_2000(b *testing.B)   { benchIterations(b, 2000, 0.5) }
func BenchmarkIterationBH_10000(b *testing.B)  { benchIterations(b, 10000, 0.5) }
func BenchmarkIterationExact_500(b *testing.B) { benchIterations(b, 500, 0) }
func BenchmarkIterationExact_2000(b *testing.B) {
	benchIterations(b, 2000, 0)
}

// BenchmarkSetup_10000 times the whole setup (neighbours, calibration,
// symmetrization) for 10,000 points in 50-D and reports the largest Step.
func BenchmarkSetup_10000(b *testing.B) { benchSetup(b, 10000, 50) }

// BenchmarkSetup_2000x784 includes the PCA from 784 to 50 dimensions.
func BenchmarkSetup_2000x784(b *testing.B) { benchSetup(b, 2000, 784) }

func benchSetup(b *testing.B, n, d int) {
	ds := synth.Gaussians(1, 10, n/10, d, 3)
	var worst time.Duration
	steps := 0
	for b.Loop() {
		t := New(ds.X, ds.N, ds.D, DefaultOptions())
		for !t.SetupDone() {
			s := time.Now()
			t.Step()
			steps++
			worst = max(worst, time.Since(s))
		}
	}
	b.ReportMetric(float64(worst.Microseconds())/1000, "worst-step-ms")
	b.ReportMetric(float64(steps)/float64(b.N), "steps")
}
