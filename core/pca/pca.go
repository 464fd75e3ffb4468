package pca

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/lapack64"
	"gonum.org/v1/gonum/mat"
)

// DirectMaxDim is the largest input dimension for which the eigenvectors
// come from one dense eigendecomposition of the d×d covariance (about 10·d³
// flops, under a millisecond for d = 64). Larger d uses subspace iteration,
// whose work is split across Steps.
const DirectMaxDim = 64

// DefaultBudget is the default number of work units (one unit is about one
// multiply-add) that one Step may start; about 1–2 ms natively.
const DefaultBudget = 1 << 21

// Subspace iteration settings: extra columns beyond k and the largest
// number of passes over C.
const (
	oversample = 10
	maxPasses  = 100
)

// DefaultTol is the default convergence tolerance of the subspace
// iteration: it stops when no top-k Ritz value moved by more than
// DefaultTol times the largest one in a pass. Eigenvalues converge about
// twice as fast as eigenvectors, so 1e-6 gives directions to about 1e-3,
// plenty for a t-SNE preprocessing step, and stops early on the flat
// spectrum of isotropic noise, where individual directions are arbitrary.
const DefaultTol = 1e-6

const (
	phaseMean = iota
	phaseCov
	phaseEigen
	phaseScores
	phaseDone
)

// PCA is a stepper that fits the first k principal components of n points in
// d dimensions and projects the points onto them. Create it with New, call
// Step until it returns true (or call Run), then read Scores, Components,
// Variances and Mean.
type PCA struct {
	x       []float32
	n, d, k int

	// Tol is the subspace iteration's convergence tolerance (DefaultTol);
	// unused when d <= DirectMaxDim.
	Tol float64

	// Budget is the number of work units one Step may start (default
	// DefaultBudget). A Step finishes the row it is on, so it can exceed
	// Budget by at most the cost of one row: max(d²/2, d·(k+10)) units, or
	// one dense eigendecomposition / QR of a d×(k+10) matrix.
	Budget int

	phase int
	row   int
	work  int // units done in the last Step

	mean  []float64
	cov   []float64 // d×d, upper triangle accumulated, then mirrored
	comps []float64 // k×d, row c is component c
	vars  []float64 // k
	score []float64 // n×k

	// subspace iteration state
	l      int
	q      []float64 // d×l orthonormal columns, row-major
	z      []float64 // d×l, C·q
	ritz   []float64 // top-k Ritz values of the previous pass
	passes int
}

// New returns a stepper that will fit k components to x, which holds n rows
// of d values (row-major, len n*d). It panics if len(x) != n*d, n < 1, or k
// is not in 1..d. x must not change until the stepper is done.
func New(x []float32, n, d, k int) *PCA {
	if n < 1 || d < 1 || len(x) != n*d {
		panic(fmt.Sprintf("pca.New: len(x) = %d, want n*d = %d*%d with n, d >= 1", len(x), n, d))
	}
	if k < 1 || k > d {
		panic(fmt.Sprintf("pca.New: k = %d components, want 1..d = 1..%d", k, d))
	}
	return &PCA{x: x, n: n, d: d, k: k, Budget: DefaultBudget, Tol: DefaultTol,
		mean: make([]float64, d), cov: make([]float64, d*d)}
}

// Fit runs PCA on x (n×d row-major) to completion with tolerance tol (0
// means DefaultTol) and returns the finished stepper. It panics like New.
func Fit(x []float32, n, d, k int, tol float64) *PCA {
	p := New(x, n, d, k)
	if tol > 0 {
		p.Tol = tol
	}
	p.Run()
	return p
}

// Run calls Step until the fit is done.
func (p *PCA) Run() {
	for !p.Step() {
	}
}

// Done reports whether the fit is complete.
func (p *PCA) Done() bool { return p.phase == phaseDone }

// Work returns the work units done by the most recent Step.
func (p *PCA) Work() int { return p.work }

// Progress returns a rough fraction 0..1 of the work done.
func (p *PCA) Progress() float64 {
	switch p.phase {
	case phaseMean:
		return 0.05 * float64(p.row) / float64(p.n)
	case phaseCov:
		return 0.05 + 0.55*float64(p.row)/float64(p.n)
	case phaseEigen:
		return 0.6 + 0.3*float64(p.passes)/maxPasses
	case phaseScores:
		return 0.9 + 0.1*float64(p.row)/float64(p.n)
	}
	return 1
}

// Scores returns the n×k projections of the centred points onto the
// components (row-major), or nil before the fit is done. The slice is the
// stepper's own.
func (p *PCA) Scores() []float64 {
	if !p.Done() {
		return nil
	}
	return p.score
}

// Components returns the k unit-length principal directions as a k×d
// row-major matrix, strongest first, or nil before the eigen phase is done.
func (p *PCA) Components() []float64 { return p.comps }

// Variances returns the variance along each component (the covariance
// eigenvalues, divisor n−1, or 1 when n = 1), strongest first, or nil
// before the eigen phase is done.
func (p *PCA) Variances() []float64 { return p.vars }

// Mean returns the d column means (valid once the first phase is done).
func (p *PCA) Mean() []float64 { return p.mean }

// Step does a bounded slice of the fit (see Budget) and reports whether the
// fit is complete. Calling Step after completion does nothing.
func (p *PCA) Step() bool {
	p.work = 0
	for p.phase != phaseDone && p.work < p.Budget {
		switch p.phase {
		case phaseMean:
			p.stepMean()
		case phaseCov:
			p.stepCov()
		case phaseEigen:
			p.stepEigen()
		case phaseScores:
			p.stepScores()
		}
	}
	return p.phase == phaseDone
}

func (p *PCA) stepMean() {
	d := p.d
	for ; p.row < p.n && p.work < p.Budget; p.row++ {
		r := p.x[p.row*d : p.row*d+d]
		for j, v := range r {
			p.mean[j] += float64(v)
		}
		p.work += d
	}
	if p.row == p.n {
		for j := range p.mean {
			p.mean[j] /= float64(p.n)
		}
		p.row, p.phase = 0, phaseCov
	}
}

func (p *PCA) stepCov() {
	d := p.d
	c := make([]float64, d)
	for ; p.row < p.n && p.work < p.Budget; p.row++ {
		r := p.x[p.row*d : p.row*d+d]
		for j, v := range r {
			c[j] = float64(v) - p.mean[j]
		}
		for a := 0; a < d; a++ {
			ca := c[a]
			if ca == 0 {
				continue
			}
			dst := p.cov[a*d+a : a*d+d]
			for b, cb := range c[a:] {
				dst[b] += ca * cb
			}
		}
		p.work += d * (d + 1) / 2
	}
	if p.row == p.n {
		div := float64(p.n - 1)
		if p.n == 1 {
			div = 1
		}
		for a := 0; a < d; a++ {
			for b := a; b < d; b++ {
				v := p.cov[a*d+b] / div
				p.cov[a*d+b], p.cov[b*d+a] = v, v
			}
		}
		p.row, p.phase = 0, phaseEigen
		if d > DirectMaxDim {
			p.startSubspace()
		}
	}
}

// stepEigen does one unit of the eigen phase: the whole dense
// decomposition for small d, otherwise some rows of Z = C·Q or the
// end-of-pass QR and Rayleigh–Ritz step.
func (p *PCA) stepEigen() {
	d := p.d
	if d <= DirectMaxDim {
		var es mat.EigenSym
		if !es.Factorize(mat.NewSymDense(d, p.cov), true) {
			panic("pca: eigendecomposition of the covariance did not converge")
		}
		var v mat.Dense
		es.VectorsTo(&v)
		p.setComponents(es.Values(nil), v.RawMatrix().Data, d)
		p.work += 10 * d * d * d
		return
	}
	l := p.l
	for ; p.row < d && p.work < p.Budget; p.row++ {
		crow := p.cov[p.row*d : p.row*d+d]
		zr := p.z[p.row*l : p.row*l+l]
		clear(zr)
		for c, cv := range crow {
			if cv == 0 {
				continue
			}
			qr := p.q[c*l : c*l+l]
			for j, qv := range qr {
				zr[j] += cv * qv
			}
		}
		p.work += d * l
	}
	if p.row < d {
		return
	}
	// End of a pass: T = Qᵀ·C·Q, its eigenvalues are the Ritz values.
	p.row = 0
	p.passes++
	t := make([]float64, l*l)
	for r := 0; r < d; r++ {
		qr, zr := p.q[r*l:r*l+l], p.z[r*l:r*l+l]
		for a, qa := range qr {
			for b, zb := range zr {
				t[a*l+b] += qa * zb
			}
		}
	}
	for a := 0; a < l; a++ { // symmetrize rounding
		for b := a + 1; b < l; b++ {
			m := (t[a*l+b] + t[b*l+a]) / 2
			t[a*l+b], t[b*l+a] = m, m
		}
	}
	var es mat.EigenSym
	if !es.Factorize(mat.NewSymDense(l, t), true) {
		panic("pca: eigendecomposition of the projected covariance did not converge")
	}
	vals := es.Values(nil)
	top := make([]float64, p.k)
	for i := range top {
		top[i] = vals[l-1-i]
	}
	converged := p.ritz != nil
	for i, v := range top {
		if p.ritz != nil && math.Abs(v-p.ritz[i]) > p.Tol*math.Abs(top[0]) {
			converged = false
		}
	}
	p.ritz = top
	p.work += d*l*l + 10*l*l*l
	if converged || p.passes >= maxPasses {
		var w mat.Dense
		es.VectorsTo(&w)
		// V = Q·W: d×l times l×l.
		v := make([]float64, d*l)
		wd := w.RawMatrix().Data
		for r := 0; r < d; r++ {
			for a, qa := range p.q[r*l : r*l+l] {
				for b := 0; b < l; b++ {
					v[r*l+b] += qa * wd[a*l+b]
				}
			}
		}
		p.setComponents(vals, v, l)
		p.q, p.z, p.cov = nil, nil, nil
		return
	}
	copy(p.q, p.z)
	orthonormalize(p.q, d, l)
	p.work += 2 * d * l * l
}

func (p *PCA) startSubspace() {
	d := p.d
	p.l = min(p.k+oversample, d)
	p.q = make([]float64, d*p.l)
	p.z = make([]float64, d*p.l)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range p.q {
		p.q[i] = rng.NormFloat64()
	}
	orthonormalize(p.q, d, p.l)
}

// orthonormalize replaces the columns of the m×c row-major matrix a by an
// orthonormal basis of their span (thin QR with LAPACK's Geqrf and Orgqr).
func orthonormalize(a []float64, m, c int) {
	g := blas64.General{Rows: m, Cols: c, Stride: c, Data: a}
	tau := make([]float64, c)
	work := []float64{0}
	lapack64.Geqrf(g, tau, work, -1)
	work = make([]float64, int(work[0]))
	lapack64.Geqrf(g, tau, work, len(work))
	lapack64.Orgqr(g, tau, work, -1)
	if need := int(work[0]); need > len(work) {
		work = make([]float64, need)
	}
	lapack64.Orgqr(g, tau, work, len(work))
}

// setComponents takes ascending eigenvalues vals and the matching
// eigenvectors as columns of a d×cols row-major matrix vecs, keeps the top k,
// fixes their signs and moves to the scores phase.
func (p *PCA) setComponents(vals, vecs []float64, cols int) {
	d, k := p.d, p.k
	p.comps = make([]float64, k*d)
	p.vars = make([]float64, k)
	for c := 0; c < k; c++ {
		src := len(vals) - 1 - c
		p.vars[c] = max(vals[src], 0)
		row := p.comps[c*d : c*d+d]
		big := 0
		for r := 0; r < d; r++ {
			row[r] = vecs[r*cols+src]
			if math.Abs(row[r]) > math.Abs(row[big]) {
				big = r
			}
		}
		if row[big] < 0 {
			for r := range row {
				row[r] = -row[r]
			}
		}
	}
	p.score = make([]float64, p.n*k)
	p.row, p.phase = 0, phaseScores
}

func (p *PCA) stepScores() {
	d, k := p.d, p.k
	c := make([]float64, d)
	for ; p.row < p.n && p.work < p.Budget; p.row++ {
		r := p.x[p.row*d : p.row*d+d]
		for j, v := range r {
			c[j] = float64(v) - p.mean[j]
		}
		for j := 0; j < k; j++ {
			var s float64
			for a, w := range p.comps[j*d : j*d+d] {
				s += w * c[a]
			}
			p.score[p.row*k+j] = s
		}
		p.work += d * k
	}
	if p.row == p.n {
		p.phase = phaseDone
	}
}
