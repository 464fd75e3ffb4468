package tsne

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// fftMaxItemUnits bounds the largest indivisible item of the FFT method:
// choosing the grid, one point's spreading or forces, one line transform
// (the largest grid has at most 2·(maxNodes+10%) nodes per side, rounded
// up to an FFT-friendly length).
func fftMaxItemUnits(e *TSNE) int {
	if e.fft == nil {
		return 0
	}
	m := friendly(2 * (e.fft.maxNodes + e.fft.maxNodes/10))
	nodes := (m / 2) * (m / 2)
	p2 := e.fft.p * e.fft.p
	return max(4*e.n+nodes, unitsSpread*p2, 3*unitsSpread*p2+e.n*unitsAttr, unitsFFT*m*bits(m)+2*m+4*m*m)
}

// directRepulsion returns, straight from the definitions, the unnormalized
// repulsion Σ_{j≠i} w_ij²·(y_i − y_j) (n×2) and Z = Σ_{i≠j} w_ij.
func directRepulsion(y []float64) (rep []float64, z float64) {
	n := len(y) / 2
	rep = make([]float64, 2*n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			if i == j {
				continue
			}
			dx, dy := y[2*i]-y[2*j], y[2*i+1]-y[2*j+1]
			w := 1 / (1 + dx*dx + dy*dy)
			z += w
			rep[2*i] += w * w * dx
			rep[2*i+1] += w * w * dy
		}
	}
	return rep, z
}

// fftEvaluate runs the FFT repulsion on y with f's current grid (call
// f.setGrid first) and returns the unnormalized repulsion and Z.
func fftEvaluate(f *fftRepulsion, y []float64) (rep []float64, z float64) {
	n := len(y) / 2
	f.reset()
	for i := 0; i < n; i++ {
		f.spread(i, y[2*i], y[2*i+1])
	}
	for {
		if _, done := f.fftJob(); done {
			break
		}
	}
	rep = make([]float64, 2*n)
	z = f.z
	for i := 0; i < n; i++ {
		rep[2*i], rep[2*i+1] = f.interpolate(i)
		z -= f.self(i)
	}
	return rep, z
}

// TestFFTExactOnNodes: points placed exactly on grid nodes are spread and
// read back without interpolation error, so the FFT convolution must give
// the direct sums to rounding. This checks the circulant kernel layout,
// the transforms' normalization, the signs and Z by Parseval's identity.
func TestFFTExactOnNodes(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, tc := range []struct {
		name   string
		n      int
		spread float64
	}{{"small", 40, 3}, {"wide", 300, 30}, {"thin", 200, 0}} {
		t.Run(tc.name, func(t *testing.T) {
			y := clusteredLayout(r, tc.n, tc.spread+1)
			if tc.spread == 0 { // a 40 × 1 strip: a rectangular grid
				for i := 0; i < tc.n; i++ {
					y[2*i], y[2*i+1] = 40*r.Float64(), r.Float64()
				}
			}
			f := newFFTRepulsion()
			f.setGrid(y)
			for i := 0; i < tc.n; i++ {
				y[2*i] = f.ox + math.Round((y[2*i]-f.ox)/f.s)*f.s
				y[2*i+1] = f.oy + math.Round((y[2*i+1]-f.oy)/f.s)*f.s
			}
			got, gotZ := fftEvaluate(f, y)
			want, wantZ := directRepulsion(y)
			if e := relErr(got, want); e > 1e-10 {
				t.Errorf("%s: FFT repulsion relative error %.3g, want <= 1e-10", f, e)
			}
			if e := math.Abs(gotZ-wantZ) / wantZ; e > 1e-10 {
				t.Errorf("%s: Z = %.12g, want %.12g", f, gotZ, wantZ)
			}
			// Negative control: a half-node shift breaks the identity.
			for i := range y {
				y[i] += f.s / 2
			}
			got, _ = fftEvaluate(f, y)
			want, _ = directRepulsion(y)
			if e := relErr(got, want); e < 1e-10 {
				t.Errorf("off the nodes: relative error %.3g, want interpolation error > 1e-10", e)
			}
		})
	}
}

// TestFFTRepulsionApproachesExact compares the FFT repulsion and Z with
// the direct sums on random clustered layouts of 2,000 points, at the
// default grid and at finer and coarser spacings. Tolerances are the
// measured errors with a margin of about 1.5–2×; the error must shrink
// with the spacing.
func TestFFTRepulsionApproachesExact(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const n = 2000
	for _, tc := range []struct {
		spread       float64
		tolF, tolZ   float64 // at the default grid
		coarseFactor float64 // error at spacing 0.7 over error at spacing 0.25, at least
	}{
		{1, 2e-6, 4e-7, 0},   // extent 1.9: the minimum grid (64 nodes), spacing 0.026
		{5, 4e-4, 5e-5, 0},   // extent 8: the minimum grid, spacing 0.13
		{20, 1e-2, 4e-5, 10}, // extent 33: spacing 0.35
		{40, 5e-2, 6e-5, 10}, // extent 58: at the node cap, spacing 0.45
		{100, 0.7, 8e-3, 10}, // extent 150: at the node cap, spacing 1.2
	} {
		t.Run(fmt.Sprint("spread", tc.spread), func(t *testing.T) {
			y := clusteredLayout(r, n, tc.spread)
			want, wantZ := directRepulsion(y)
			f := newFFTRepulsion()
			f.setGrid(y)
			got, z := fftEvaluate(f, y)
			eF, eZ := relErr(got, want), math.Abs(z-wantZ)/wantZ
			t.Logf("default %s: force error %.3g, Z error %.3g", f, eF, eZ)
			if eF > tc.tolF || eZ > tc.tolZ {
				t.Errorf("%s: relative errors of force %.3g and Z %.3g, want <= %g and %g", f, eF, eZ, tc.tolF, tc.tolZ)
			}
			if tc.coarseFactor == 0 {
				return
			}
			prev := math.Inf(1)
			var first float64
			for _, sp := range []float64{0.7, 0.5, 0.35, 0.25} {
				f := newFFTRepulsion()
				f.spacing, f.maxNodes = sp, 2000
				f.setGrid(y)
				got, _ := fftEvaluate(f, y)
				e := relErr(got, want)
				t.Logf("spacing %g: %s: force error %.3g", sp, f, e)
				if e >= prev {
					t.Errorf("spacing %g: force error %.3g, want < %.3g at the coarser spacing", sp, e, prev)
				}
				if first == 0 {
					first = e
				}
				prev = e
			}
			if first < tc.coarseFactor*prev {
				t.Errorf("force error from spacing 0.7 to 0.25 fell from %.3g to %.3g, want a factor >= %g", first, prev, tc.coarseFactor)
			}
		})
	}
}

// TestFFTGradientFollowsExact: the gradient of one FFT iteration (exact
// sparse attraction, FFT repulsion) against the exact gradient with the
// same sparse P, on layouts like those of the early and late phases.
func TestFFTGradientFollowsExact(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	const n = 1500
	pd := make([]float64, n*n)
	var s float64
	for i := 0; i < n; i++ {
		for m := 0; m < 10; m++ {
			j := (i + 1 + r.IntN(20)) % n // neighbours in the same cluster (i % 5)
			j = j - j%5 + i%5
			if j != i && j < n {
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
	for _, tc := range []struct {
		spread, tol float64
	}{{5, 5e-3}, {30, 3e-2}} {
		y := clusteredLayout(r, n, tc.spread)
		want, _, wantZ := engineForces("exact", 0, pd, csr{}, y)
		got, _, z := engineForces("fft", 0, nil, ps, y)
		e := relErr(got, want)
		t.Logf("spread %g: gradient relative error %.3g, Z relative error %.3g", tc.spread, e, math.Abs(z-wantZ)/wantZ)
		if e > tc.tol {
			t.Errorf("spread %g: FFT gradient relative error = %.3g, want <= %g", tc.spread, e, tc.tol)
		}
	}
}

// TestFFTKernelCache: an evaluation that reuses the cached kernel spectra
// (the grid kept from a slightly different layout) gives the same bits as
// a fresh one.
func TestFFTKernelCache(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	y := clusteredLayout(r, 500, 30)
	f := newFFTRepulsion()
	f.setGrid(y)
	fftEvaluate(f, y)
	y2 := slices.Clone(y)
	for i := range y2 {
		y2[i] *= 1.01
	}
	f.setGrid(y2)
	if f.kerJobs != 0 {
		t.Fatalf("grid %s changed for a 1%% larger layout, want the cached kernels used", f)
	}
	got, gotZ := fftEvaluate(f, y2)
	g := newFFTRepulsion() // the same grid, computed afresh
	g.setGrid(y2)
	if g.kerJobs == 0 || g.nx != f.nx || g.ny != f.ny || g.s != f.s {
		t.Fatalf("fresh grid %s (kernel jobs %d), want %s with new kernels", g, g.kerJobs, f)
	}
	want, wantZ := fftEvaluate(g, y2)
	if !slices.Equal(got, want) || gotZ != wantZ {
		t.Errorf("cached kernels: Z = %v, want %v from fresh kernels (forces equal: %v)", gotZ, wantZ, slices.Equal(got, want))
	}
}
