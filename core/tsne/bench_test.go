package tsne

import (
	"math"
	"testing"
	"time"

	"cnnviz/core/tsne/synth"
)

// benchData is 10 Gaussian clusters in 50-D, the size t-SNE sees after
// its PCA step.
func benchData(n int) synth.Dataset { return synth.Gaussians(1, 10, n/10, 50, 3) }

// benchIterations times gradient iterations after the setup, done by Step
// with the default budget; run it with -benchtime=Nx to average over the
// first N iterations (early exaggeration included). With spread > 0 the
// embedding is first stretched to that extent, the size a run reaches
// after 1,000 iterations (about 100 units at N = 10,000), where the FFT
// method's grid is largest. It also reports the setup time, measured once,
// the longest Step and, for the FFT method, the grid's side in nodes.
func benchIterations(b *testing.B, n int, method string, spread float64) {
	ds := benchData(n)
	opt := DefaultOptions()
	opt.Method = method
	opt.MaxIter = 1 << 30
	t := New(ds.X, ds.N, ds.D, opt)
	start := time.Now()
	t.Run(0)
	setup := time.Since(start)
	if spread > 0 {
		stretch(t.y, spread)
		t.iter = opt.ExaggerationIters
	}
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
	if t.fft != nil {
		b.ReportMetric(float64(max(t.fft.nx, t.fft.ny)), "grid-nodes")
	}
}

// stretch scales the n×2 positions y about their mean so that the wider
// side of their bounding box is spread units.
func stretch(y []float64, spread float64) {
	lo, hi := [2]float64{math.Inf(1), math.Inf(1)}, [2]float64{math.Inf(-1), math.Inf(-1)}
	for k, v := range y {
		lo[k%2], hi[k%2] = min(lo[k%2], v), max(hi[k%2], v)
	}
	f := spread / max(hi[0]-lo[0], hi[1]-lo[1])
	for k := range y {
		y[k] *= f
	}
}

func BenchmarkIterationExact_500(b *testing.B)  { benchIterations(b, 500, MethodExact, 0) }
func BenchmarkIterationExact_2000(b *testing.B) { benchIterations(b, 2000, MethodExact, 0) }
func BenchmarkIterationBH_500(b *testing.B)     { benchIterations(b, 500, MethodBH, 0) }
func BenchmarkIterationBH_2000(b *testing.B)    { benchIterations(b, 2000, MethodBH, 0) }
func BenchmarkIterationBH_10000(b *testing.B)   { benchIterations(b, 10000, MethodBH, 0) }
func BenchmarkIterationFFT_500(b *testing.B)    { benchIterations(b, 500, MethodFFT, 0) }
func BenchmarkIterationFFT_2000(b *testing.B)   { benchIterations(b, 2000, MethodFFT, 0) }
func BenchmarkIterationFFT_10000(b *testing.B)  { benchIterations(b, 10000, MethodFFT, 0) }

// The _spread variants time iterations on an embedding stretched to the
// extent of a finished run: 50 units at N = 2,000, 100 at N = 10,000.
func BenchmarkIterationBH_2000_spread50(b *testing.B)    { benchIterations(b, 2000, MethodBH, 50) }
func BenchmarkIterationBH_10000_spread100(b *testing.B)  { benchIterations(b, 10000, MethodBH, 100) }
func BenchmarkIterationFFT_2000_spread50(b *testing.B)   { benchIterations(b, 2000, MethodFFT, 50) }
func BenchmarkIterationFFT_10000_spread100(b *testing.B) { benchIterations(b, 10000, MethodFFT, 100) }

// BenchmarkSetup_10000 times the whole setup (neighbours, calibration,
// symmetrization) for 10,000 points in 50-D and reports the time of each
// phase and the largest Step.
func BenchmarkSetup_10000(b *testing.B) { benchSetup(b, 10000, 50) }

// BenchmarkSetup_10000x64 adds the PCA from 64 to 50 dimensions: the
// shape of the page's largest embedding (the mnist model's gap layer).
func BenchmarkSetup_10000x64(b *testing.B) { benchSetup(b, 10000, 64) }

// BenchmarkSetup_2000x784 includes the PCA from 784 to 50 dimensions.
func BenchmarkSetup_2000x784(b *testing.B) { benchSetup(b, 2000, 784) }

func benchSetup(b *testing.B, n, d int) {
	ds := synth.Gaussians(1, 10, n/10, d, 3)
	var worst time.Duration
	steps, worstUnits := 0, 0
	phases := map[string]time.Duration{}
	for b.Loop() {
		t := New(ds.X, ds.N, ds.D, DefaultOptions())
		for !t.SetupDone() {
			ph := t.Phase()
			s := time.Now()
			t.Step()
			el := time.Since(s)
			phases[ph] += el
			steps++
			worst = max(worst, el)
			worstUnits = max(worstUnits, t.Work())
		}
	}
	for ph, el := range phases {
		b.ReportMetric(float64(el.Microseconds())/1000/float64(b.N), ph+"-ms")
	}
	b.ReportMetric(float64(worst.Microseconds())/1000, "worst-step-ms")
	b.ReportMetric(float64(worstUnits), "worst-step-units")
	b.ReportMetric(float64(steps)/float64(b.N), "steps")
}
