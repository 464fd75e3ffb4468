package tsne

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"cnnviz/core/tsne/synth"
)

// klDense is KL(P‖Q) for a dense symmetric P (n×n, zero diagonal) and
// positions y (n×2), written straight from the definition.
func klDense(p, y []float64) float64 {
	n := len(y) / 2
	var z float64
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			if i != j {
				dx, dy := y[2*i]-y[2*j], y[2*i+1]-y[2*j+1]
				z += 1 / (1 + dx*dx + dy*dy)
			}
		}
	}
	var kl float64
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			if pij := p[i*n+j]; i != j && pij > 0 {
				dx, dy := y[2*i]-y[2*j], y[2*i+1]-y[2*j+1]
				q := 1 / (1 + dx*dx + dy*dy) / z
				kl += pij * math.Log(pij/q)
			}
		}
	}
	return kl
}

// randomP returns a random dense symmetric P with zero diagonal summing to 1.
func randomP(r *rand.Rand, n int) []float64 {
	p := make([]float64, n*n)
	var s float64
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			v := r.Float64()
			p[i*n+j], p[j*n+i] = v, v
			s += 2 * v
		}
	}
	for i := range p {
		p[i] /= s
	}
	return p
}

// engineGradient runs one gradient evaluation of the engine with the given
// method on P (dense for "exact", sparse otherwise) at positions y.
func engineGradient(method string, theta float64, pd []float64, ps csr, y []float64) (grad []float64, z float64) {
	grad, _, z = engineForces(method, theta, pd, ps, y)
	return grad, z
}

// engineForces also returns the normalized repulsion rep/Z (n×2), the part
// that Barnes–Hut approximates.
func engineForces(method string, theta float64, pd []float64, ps csr, y []float64) (grad, rep []float64, z float64) {
	return engineForcesWith(method, theta, nil, pd, ps, y)
}

// engineForcesWith is engineForces with a given FFT repulsion (nil: the
// default one when method is "fft").
func engineForcesWith(method string, theta float64, f *fftRepulsion, pd []float64, ps csr, y []float64) (grad, rep []float64, z float64) {
	n := len(y) / 2
	t := &TSNE{n: n, opt: Options{Theta: theta, Budget: math.MaxInt}, exact: method == "exact",
		y: slices.Clone(y), acc: make([]float64, 4*n), ykl: make([]float64, 2*n), pd: pd, ps: ps}
	if method == "fft" {
		t.fft = f
		if f == nil {
			t.fft = newFFTRepulsion()
		}
	}
	for t.stage != stageUpdate {
		t.stepOptimize(math.MaxInt)
	}
	grad = make([]float64, 2*n)
	t.gradient(grad, 1)
	rep = make([]float64, 2*n)
	for k := range rep {
		rep[k] = t.acc[4*(k/2)+2+k%2] / t.z
	}
	return grad, rep, t.z
}

func TestExactGradientMatchesFiniteDifferences(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const n, h = 12, 1e-6
	p := randomP(r, n)
	y := make([]float64, 2*n)
	for i := range y {
		y[i] = 2 * r.NormFloat64()
	}
	grad, _ := engineGradient("exact", 0, p, csr{}, y)
	fd := make([]float64, 2*n)
	for k := range y {
		yp, ym := slices.Clone(y), slices.Clone(y)
		yp[k] += h
		ym[k] -= h
		fd[k] = (klDense(p, yp) - klDense(p, ym)) / (2 * h)
	}
	for k := range fd {
		if math.Abs(grad[k]-fd[k]) > 1e-7*(1+math.Abs(fd[k])) {
			t.Errorf("dKL/dy[%d] = %.10g, want finite difference %.10g", k, grad[k], fd[k])
		}
	}
	// Negative control: a gradient missing the repulsion's 1/Z scaling
	// must be caught by the same comparison.
	bad := 0
	for k := range fd {
		i, c := k/2, k%2
		_ = i
		wrong := grad[k] * 1.01
		if c == 0 && math.Abs(wrong-fd[k]) > 1e-7*(1+math.Abs(fd[k])) {
			bad++
		}
	}
	if bad == 0 {
		t.Error("a 1% wrong gradient passed the finite-difference check")
	}
}

// sparseFromDense keeps the non-zeros of the symmetric P above the
// diagonal in CSR form.
func sparseFromDense(p []float64, n int) csr {
	var s csr
	s.ptr = make([]int32, n+1)
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			if p[i*n+j] != 0 {
				s.col = append(s.col, int32(j))
				s.val = append(s.val, p[i*n+j])
			}
		}
		s.ptr[i+1] = int32(len(s.col))
	}
	return s
}

// clusteredLayout returns n 2-D points in a few blobs spread over about
// spread units, like a t-SNE embedding after early exaggeration.
func clusteredLayout(r *rand.Rand, n int, spread float64) []float64 {
	y := make([]float64, 2*n)
	cx := make([]float64, 10)
	for c := range cx {
		cx[c] = spread * (r.Float64() - 0.5)
	}
	for i := 0; i < n; i++ {
		c := i % 5
		y[2*i] = cx[2*c] + r.NormFloat64()*spread/10
		y[2*i+1] = cx[2*c+1] + r.NormFloat64()*spread/10
	}
	return y
}

func relErr(got, want []float64) float64 {
	var num, den float64
	for k := range want {
		num += (got[k] - want[k]) * (got[k] - want[k])
		den += want[k] * want[k]
	}
	return math.Sqrt(num / den)
}

func TestApproximateGradientsApproachExact(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const n = 600
	// A sparse P: each point linked to 8 random others.
	pd := make([]float64, n*n)
	var s float64
	for i := 0; i < n; i++ {
		for m := 0; m < 8; m++ {
			j := r.IntN(n)
			if j != i {
				v := r.Float64()
				pd[i*n+j] += v
				pd[j*n+i] += v
				s += 2 * v
			}
		}
	}
	for i := range pd {
		pd[i] /= s
	}
	ps := sparseFromDense(pd, n)
	for _, spread := range []float64{5, 40} {
		y := clusteredLayout(r, n, spread)
		want, _, wantZ := engineForces("exact", 0, pd, csr{}, y)
		// Tolerances on ‖g − g_exact‖/‖g_exact‖, measured with a
		// margin of about 2–3×.
		prev := math.Inf(1)
		for _, tc := range []struct {
			theta, tol float64
		}{{1, 0.15}, {0.5, 0.03}, {0.2, 0.003}, {0.05, 1e-5}, {0, 1e-12}} {
			got, _, z := engineForces("bh", tc.theta, nil, ps, y)
			e := relErr(got, want)
			t.Logf("spread %g: Barnes–Hut θ=%g: relative gradient error %.3g, Z error %.3g", spread, tc.theta, e, math.Abs(z-wantZ)/wantZ)
			if e > tc.tol {
				t.Errorf("spread %g: BH(θ=%g) gradient relative error = %.3g, want <= %g", spread, tc.theta, e, tc.tol)
			}
			if e > prev*1.01 && tc.theta > 0 {
				t.Errorf("spread %g: BH(θ=%g) error %.3g grew from %.3g at a larger θ", spread, tc.theta, e, prev)
			}
			prev = e
		}
	}
}

var (
	_ = fmt.Sprint
	_ = synth.Gaussians
)

// run embeds ds with opt and returns the engine after iters iterations,
// with the KL divergence recorded every 50 iterations.
func runWithKL(t *testing.T, ds synth.Dataset, opt Options, iters int) (*TSNE, map[int]float64) {
	t.Helper()
	e := New(ds.X, ds.N, ds.D, opt)
	kl := map[int]float64{}
	for it := 50; it <= iters; it += 50 {
		e.Run(it)
		kl[it] = e.KL()
	}
	return e, kl
}

func TestSeparatedClustersAndKL(t *testing.T) {
	ds := synth.Gaussians(11, 5, 100, 50, 3)
	for _, tc := range []struct {
		name string
		opt  func(*Options)
	}{
		{"exact", func(o *Options) { o.Theta = 0 }},
		{"bh", func(o *Options) {}},
		{"fft", func(o *Options) { o.Method = MethodFFT }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opt := DefaultOptions()
			tc.opt(&opt)
			e, kl := runWithKL(t, ds, opt, 1000)
			acc := OneNNAccuracy(e.Positions(), 2, ds.Labels)
			t.Logf("1-NN accuracy %.4f, KL at 300: %.4f, at 1000: %.4f", acc, kl[300], kl[1000])
			if acc < 0.99 {
				t.Errorf("1-NN accuracy of the embedding = %.4f, want >= 0.99", acc)
			}
			// After early exaggeration ends (iteration 250) the KL must
			// not rise from one checkpoint to the next.
			for it := 300; it <= 1000; it += 50 {
				if kl[it] > kl[it-50]*(1+1e-4) {
					t.Errorf("KL at iteration %d = %.6f, want <= KL at %d = %.6f", it, kl[it], it-50, kl[it-50])
				}
			}
			if !(kl[1000] < kl[300]) {
				t.Errorf("KL at 1000 = %.6f, want < KL at 300 = %.6f", kl[1000], kl[300])
			}
		})
	}
}

func TestKLMatchesDefinition(t *testing.T) {
	ds := synth.Gaussians(2, 3, 40, 10, 2)
	for _, tc := range []struct {
		method string
		theta  float64
		tol    float64
	}{{"exact", 0, 1e-10}, {"bh", 0.5, 5e-3}, {"fft", 0.5, 5e-3}} {
		t.Run(tc.method, func(t *testing.T) {
			opt := DefaultOptions()
			opt.Theta = tc.theta
			opt.Method = tc.method
			e := New(ds.X, ds.N, ds.D, opt)
			e.Run(300)
			n := e.n
			p := make([]float64, n*n)
			if e.exact {
				copy(p, e.pd)
			} else {
				for i := 0; i < n; i++ {
					for k := e.ps.ptr[i]; k < e.ps.ptr[i+1]; k++ {
						p[i*n+int(e.ps.col[k])] = e.ps.val[k]
						p[int(e.ps.col[k])*n+i] = e.ps.val[k]
					}
				}
			}
			want := klDense(p, e.ykl)
			if got := e.KL(); math.Abs(got-want) > tc.tol*want {
				t.Errorf("KL() = %.10g, want %.10g (relative tolerance %g)", got, want, tc.tol)
			}
		})
	}
}

func TestDeterministicAndStepperMatchesRun(t *testing.T) {
	ds := synth.Gaussians(3, 4, 60, 60, 3) // d > 50: includes the PCA step
	for _, method := range []string{"exact", "bh", "fft"} {
		t.Run(method, func(t *testing.T) {
			opt := DefaultOptions()
			opt.MaxIter = 300
			opt.Seed = 42
			opt.Method = method
			if method == MethodFFT {
				opt.MaxIter = 120 // the grid costs more than the points at this size
			}
			a := Embed(ds.X, ds.N, ds.D, opt)
			b := Embed(ds.X, ds.N, ds.D, opt)
			opt.Budget = 20_000 // many small Steps
			s := New(ds.X, ds.N, ds.D, opt)
			steps := 0
			for !s.Step() {
				steps++
			}
			c := s.Positions()
			for i := range a {
				if a[i] != b[i] {
					t.Fatalf("run 2: Positions()[%d] = %v, want %v (same seed)", i, b[i], a[i])
				}
				if a[i] != c[i] {
					t.Fatalf("stepper (%d Steps): Positions()[%d] = %v, want Embed's %v", steps, i, c[i], a[i])
				}
			}
			if steps < 2*opt.MaxIter {
				t.Errorf("small budget gave %d Steps for %d iterations, want iterations split", steps, opt.MaxIter)
			}
		})
	}
	t.Run("randomInitSeed", func(t *testing.T) {
		opt := DefaultOptions()
		opt.Init, opt.MaxIter = "random", 20
		opt.Seed = 1
		a := Embed(ds.X, ds.N, ds.D, opt)
		opt.Seed = 2
		b := Embed(ds.X, ds.N, ds.D, opt)
		if slices.Equal(a, b) {
			t.Error("random init with seeds 1 and 2 gave identical embeddings")
		}
	})
}

// maxItemUnits is the documented bound on the largest indivisible slice of
// work for an engine: a Step overruns its budget by at most this.
func maxItemUnits(e *TSNE) int {
	n, dx := e.n, max(e.dx, e.d)
	m := max(
		unitsPCA*(10*dx*dx*dx+dx*dx*(dx+1)/2), // PCA: one row, or a small eigendecomposition
		n*unitsUpdate, // the update
	)
	if e.exact {
		return max(m,
			n*dx+maxCalibrationIters*n*unitsExp, // exact P: one row
			allocUnits(8*n*n),                   // exact P: its allocation
			n*unitsPair,                         // one exact row
			n*unitsLog+4,                        // one row of the KL
		)
	}
	m = max(m,
		distUnits(dx)+4*n+8*e.k,                              // KNN: one distance and the end of a range or query
		allocUnits(8*n*dx+4*n)+n*dx/2,                        // KNN: the points in tree order
		allocUnits(12*n*e.k+24*n),                            // KNN: its allocation
		maxCalibrationIters*e.k*unitsExp+allocUnits(8*n*e.k), // sparse calibration: one row, the allocation
		unitsSymMerge*(e.k+n)+n+allocUnits(24*n*e.k),         // symmetrization: one row, the allocation
		unitsAttr*n+4,                                        // one row of the attraction
		unitsLog*n+4,                                         // one row of the KL
		5*n,                                                  // the snapshot at the start of an iteration
	)
	if e.fft != nil {
		return max(m, fftMaxItemUnits(e)+4*n) // FFT: grid choice, one point, one line transform
	}
	return max(m,
		(3*maxDepth+2)*n+4*n,         // quadtree build
		unitsVisit*(4*n)+n*unitsAttr, // one Barnes–Hut point: every node and point
	)
}

func TestStepRespectsBudget(t *testing.T) {
	ds := synth.Gaussians(4, 5, 200, 80, 3)
	for _, method := range []string{"exact", "bh", "fft"} {
		t.Run(method, func(t *testing.T) {
			opt := DefaultOptions()
			opt.MaxIter, opt.Budget = 60, 100_000
			opt.Method = method
			e := New(ds.X, ds.N, ds.D, opt)
			bound := opt.Budget + maxItemUnits(e)
			worst := 0
			for steps := 0; !e.Step(); steps++ {
				worst = max(worst, e.Work())
				if e.Work() > bound {
					t.Fatalf("Step %d (%s) did %d units, want <= %d", steps, e.Phase(), e.Work(), bound)
				}
				if e.Work() == 0 {
					t.Fatalf("Step %d (%s) did no work", steps, e.Phase())
				}
			}
			t.Logf("worst Step %d units, bound %d", worst, bound)
		})
	}
}

func TestInitAndOptionDefaults(t *testing.T) {
	ds := synth.Gaussians(5, 3, 10, 8, 3)
	t.Run("pcaInitStd", func(t *testing.T) {
		e := New(ds.X, ds.N, ds.D, DefaultOptions())
		e.Run(0)
		y := e.Positions()
		var m, s float64
		for i := 0; i < ds.N; i++ {
			m += float64(y[2*i])
		}
		m /= float64(ds.N)
		for i := 0; i < ds.N; i++ {
			s += (float64(y[2*i]) - m) * (float64(y[2*i]) - m)
		}
		if sd := math.Sqrt(s / float64(ds.N)); math.Abs(sd-1e-4) > 1e-9 {
			t.Errorf("std of the first coordinate after PCA init = %g, want 1e-4", sd)
		}
	})
	t.Run("defaults", func(t *testing.T) {
		o := New(ds.X, ds.N, ds.D, Options{}).Options()
		want := Options{Perplexity: float64(ds.N-1) / 3, LearningRate: 50, EarlyExaggeration: 12, ExaggerationIters: 250,
			Momentum: 0.5, FinalMomentum: 0.8, MaxIter: 1000, Method: MethodExact, Theta: 0, Init: "pca", PCADims: 50, Budget: DefaultBudget}
		if o != want {
			t.Errorf("Options() = %+v, want %+v", o, want)
		}
		for _, tc := range []struct {
			n      int
			method string
			theta  float64
			want   string
		}{
			{100, "", 0, MethodExact}, {100, "", 0.5, MethodBH}, {AutoFFTPoints - 1, "", 0.5, MethodBH},
			{AutoFFTPoints, "", 0.5, MethodFFT}, {AutoFFTPoints, "", 0, MethodExact}, {100, MethodFFT, 0, MethodFFT},
			{AutoFFTPoints, MethodBH, 0.5, MethodBH}, {AutoFFTPoints, MethodExact, 0.5, MethodExact},
		} {
			o := Options{Method: tc.method, Theta: tc.theta}
			if got := New(make([]float32, tc.n*2), tc.n, 2, o).Options().Method; got != tc.want {
				t.Errorf("New(n = %d, Method %q, Theta %g).Options().Method = %q, want %q", tc.n, tc.method, tc.theta, got, tc.want)
			}
		}
		big := make([]float32, 8000*2)
		if lr := New(big, 8000, 2, DefaultOptions()).Options().LearningRate; lr != 8000.0/12/4 {
			t.Errorf("auto learning rate for n = 8000 = %g, want %g", lr, 8000.0/12/4)
		}
	})
}
