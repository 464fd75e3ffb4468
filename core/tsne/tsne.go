package tsne

import (
	"fmt"
	"math"
	"math/rand/v2"

	"cnnviz/core/pca"
)

// DefaultBudget is the default number of work units one Step may start.
// Units are weighted so that one is roughly a nanosecond of native work on
// the development machine (see the phase descriptions in doc.go); the
// default aims at about 3 ms per Step natively.
const DefaultBudget = 3_000_000

// Work weights of the inner loops, in units.
const (
	unitsPair   = 6  // exact gradient: one pair (i, j) with i < j
	unitsVisit  = 8  // Barnes–Hut: one tree node or leaf point visited
	unitsAttr   = 5  // one stored pair (i < j) of the sparse P in the attractive force
	unitsLog    = 25 // one pair in the KL evaluation
	unitsExp    = 20 // one exp in the perplexity calibration
	unitsUpdate = 20 // one point in the gains/momentum update
	unitsSpread = 3  // FFT method: one stencil node spread or interpolated
	unitsFFT    = 8  // FFT method: per element and bit of a line transform
	unitsPCA    = 2  // one unit of package pca (a multiply-add)
)

// Methods of the gradient, for Options.Method.
const (
	MethodExact = "exact" // O(n²) P and gradient
	MethodBH    = "bh"    // sparse P, Barnes–Hut repulsion with Theta
	MethodFFT   = "fft"   // sparse P, interpolation and FFT repulsion (FIt-SNE)
)

// AutoFFTPoints is the size from which the automatic method (Method "")
// uses the FFT repulsion rather than Barnes–Hut: the measured crossover
// under WebAssembly, where an FFT iteration costs about 30–45 ms whatever
// the size and a Barnes–Hut one 8 ms at 2,000 points, 100 ms at 10,000.
const AutoFFTPoints = 5000

// Options configure a t-SNE run. Start from DefaultOptions: a zero field
// takes the default shown, except Theta, whose zero means exact when
// Method is automatic.
type Options struct {
	Perplexity        float64 // effective number of neighbours (30); lowered to (n−1)/3 when larger
	LearningRate      float64 // 0 = auto: max(n/EarlyExaggeration/4, 50), the scikit-learn convention for a gradient that includes the factor 4
	EarlyExaggeration float64 // factor on P during the first ExaggerationIters iterations (12)
	ExaggerationIters int     // length of early exaggeration and of the low-momentum phase (250)
	Momentum          float64 // momentum during early exaggeration (0.5)
	FinalMomentum     float64 // momentum afterwards (0.8)
	MaxIter           int     // Step reports done after this many iterations (1000)
	Method            string  // "" = automatic: "exact" when Theta = 0, else "bh" below AutoFFTPoints points and "fft" from there; or MethodExact, MethodBH, MethodFFT
	Theta             float64 // Barnes–Hut accuracy (DefaultOptions: 0.5); with Method "", 0 = exact O(n²) P and gradient
	Init              string  // "pca" (default): first two principal components scaled to std 1e-4; "random": N(0, 1e-4²)
	Seed              uint64  // seeds the random init and the vantage-point tree
	PCADims           int     // inputs with more dimensions are first reduced to this many by PCA (50)
	Budget            int     // work units per Step (DefaultBudget)
	KLEvery           int     // 0: KL only on demand; else Step also evaluates it, in slices, every KLEvery iterations and after the last (see KLHistory)
}

// DefaultOptions returns the defaults: perplexity 30, automatic learning
// rate, early exaggeration 12 for 250 iterations with momentum 0.5, then
// momentum 0.8, 1000 iterations, automatic method (Barnes–Hut with θ = 0.5
// below AutoFFTPoints points, the FFT repulsion from there), PCA
// initialization, PCA to 50 dimensions.
func DefaultOptions() Options {
	return Options{Perplexity: 30, EarlyExaggeration: 12, ExaggerationIters: 250, Momentum: 0.5,
		FinalMomentum: 0.8, MaxIter: 1000, Theta: 0.5, Init: "pca", PCADims: 50, Budget: DefaultBudget}
}

func (o *Options) fill(n int) {
	def := DefaultOptions()
	if o.Perplexity == 0 {
		o.Perplexity = def.Perplexity
	}
	if o.EarlyExaggeration == 0 {
		o.EarlyExaggeration = def.EarlyExaggeration
	}
	if o.ExaggerationIters == 0 {
		o.ExaggerationIters = def.ExaggerationIters
	}
	if o.Momentum == 0 {
		o.Momentum = def.Momentum
	}
	if o.FinalMomentum == 0 {
		o.FinalMomentum = def.FinalMomentum
	}
	if o.MaxIter == 0 {
		o.MaxIter = def.MaxIter
	}
	if o.Init == "" {
		o.Init = def.Init
	}
	if o.PCADims == 0 {
		o.PCADims = def.PCADims
	}
	if o.Budget == 0 {
		o.Budget = def.Budget
	}
	if o.LearningRate == 0 {
		o.LearningRate = max(float64(n)/o.EarlyExaggeration/4, 50)
	}
	o.Perplexity = min(o.Perplexity, float64(n-1)/3)
	if o.Method == "" {
		switch {
		case o.Theta == 0:
			o.Method = MethodExact
		case n < AutoFFTPoints:
			o.Method = MethodBH
		default:
			o.Method = MethodFFT
		}
	}
}

// Setup and optimization phases, in order.
const (
	phasePCA = iota
	phaseInit
	phaseExactP
	phaseKNN
	phaseCalibrate
	phaseSymmetrize
	phaseOptimize
)

// Stages of one optimization iteration.
const (
	stageBegin  = iota
	stageSpread // FFT: spread the points' charges to the grid
	stageFFT    // FFT: the convolution, one line transform at a time
	stagePoints
	stageAttract // sparse P: the attraction, one row of pairs at a time
	stageKL      // KL at this iteration's positions, when KLEvery asks for it
	stageUpdate
)

// TSNE is a t-SNE run as a stepper: New prepares it, each Step does a
// bounded slice of the setup (PCA, neighbours, perplexity calibration) or
// of the current gradient iteration, and Positions, Iteration and KL are
// readable between Steps.
type TSNE struct {
	opt   Options
	n     int
	raw   []float32 // input, n×d
	d     int
	x     []float64 // input after PCA, n×dx
	dx    int
	exact bool
	fft   *fftRepulsion // nil unless Method is "fft"
	k     int           // neighbours per point (sparse P)

	phase int
	pca   *pca.PCA
	knn   *KNN
	sym   *symmetrizer
	row   int
	cond  []float64 // n×k conditional P (sparse)
	dtmp  []float64

	pd []float64 // dense symmetric P, n×n (exact)
	ps csr       // sparse symmetric P (Barnes–Hut)

	y, upd, gains []float64 // n×2
	acc           []float64 // n×4 force accumulators: attractive x, y, repulsive x, y
	ya            []float64 // sparse P: n×4 position x, y and attraction x, y
	ykl           []float64 // positions where the last completed iteration took its gradient
	z, zkl        float64
	tree          quadTree
	stage         int
	next          int // next point/row of the current gradient
	iter          int
	kl            float64
	klIter        int     // iteration of the cached kl, or -1
	klSum         float64 // KL being summed by stageKL
	klIters       []int   // KLHistory
	klVals        []float64

	work int
	rng  *rand.Rand
}

// New prepares t-SNE of n points with d features, x row-major (len n*d).
// Zero fields of opt take the defaults listed on Options. No heavy work is
// done here: call Step (or Run) to do the setup and the iterations.
// It panics if len(x) != n*d, n < 4, d < 1, if Perplexity, LearningRate,
// EarlyExaggeration or Theta is negative, if Method is not "", "exact",
// "bh" or "fft", or if Init is not "pca" or "random". x must hold finite values and must not change until setup is
// done.
func New(x []float32, n, d int, opt Options) *TSNE {
	if n < 4 || d < 1 || len(x) != n*d {
		panic(fmt.Sprintf("tsne.New: len(x) = %d, want n*d = %d*%d with n >= 4, d >= 1", len(x), n, d))
	}
	if opt.Perplexity < 0 || opt.LearningRate < 0 || opt.EarlyExaggeration < 0 || opt.Theta < 0 || opt.Budget < 0 || opt.KLEvery < 0 {
		panic(fmt.Sprintf("tsne.New: negative option in %+v", opt))
	}
	if opt.Init != "" && opt.Init != "pca" && opt.Init != "random" {
		panic(fmt.Sprintf("tsne.New: Init = %q, want \"pca\" or \"random\"", opt.Init))
	}
	switch opt.Method {
	case "", MethodExact, MethodBH, MethodFFT:
	default:
		panic(fmt.Sprintf("tsne.New: Method = %q, want \"\", %q, %q or %q", opt.Method, MethodExact, MethodBH, MethodFFT))
	}
	opt.fill(n)
	t := &TSNE{opt: opt, n: n, raw: x, d: d, exact: opt.Method == MethodExact, klIter: -1,
		rng: rand.New(rand.NewPCG(opt.Seed, 0x75e)),
		y:   make([]float64, 2*n), upd: make([]float64, 2*n), gains: make([]float64, 2*n),
		acc: make([]float64, 4*n), ykl: make([]float64, 2*n)}
	for i := range t.gains {
		t.gains[i] = 1
	}
	if opt.Method == MethodFFT {
		t.fft = newFFTRepulsion()
	}
	t.k = min(n-1, int(3*opt.Perplexity))
	if d > opt.PCADims {
		t.pca = pca.New(x, n, d, opt.PCADims)
		t.dx = opt.PCADims
	} else {
		t.x = make([]float64, n*d)
		for i, v := range x {
			t.x[i] = float64(v)
		}
		t.dx = d
		t.phase = phaseInit
	}
	return t
}

// Run does the setup and iterations until Iteration() >= iters (it may pass
// MaxIter).
func (t *TSNE) Run(iters int) {
	for t.phase < phaseOptimize || t.iter < iters {
		t.work = 0
		t.advance(math.MaxInt)
	}
}

// Embed runs t-SNE to completion (MaxIter iterations) and returns the n×2
// embedding. It panics like New.
func Embed(x []float32, n, d int, opt Options) []float32 {
	t := New(x, n, d, opt)
	t.Run(t.opt.MaxIter)
	return t.Positions()
}

// Step does at most about Options.Budget work units (the slice it is on
// may overrun the budget by one row, point or tree build; see doc.go) and
// reports whether MaxIter iterations are done. After that it does nothing.
func (t *TSNE) Step() bool {
	t.work = 0
	for t.work < t.opt.Budget && !t.Done() {
		t.advance(t.opt.Budget)
	}
	return t.Done()
}

// Done reports whether MaxIter iterations are complete.
func (t *TSNE) Done() bool { return t.phase == phaseOptimize && t.iter >= t.opt.MaxIter }

// Work returns the work units done by the most recent Step.
func (t *TSNE) Work() int { return t.work }

// Options returns the options in effect, with defaults filled in, the
// automatic learning rate resolved and the perplexity possibly lowered.
func (t *TSNE) Options() Options { return t.opt }

// Iteration returns the number of completed gradient iterations.
func (t *TSNE) Iteration() int { return t.iter }

// Phase names what Step is doing: "pca", "init", "affinities" (exact P),
// "neighbors", "calibrate", "symmetrize", "optimize" or "done".
func (t *TSNE) Phase() string {
	if t.Done() {
		return "done"
	}
	return [...]string{"pca", "init", "affinities", "neighbors", "calibrate", "symmetrize", "optimize"}[t.phase]
}

// SetupDone reports whether the setup is complete and iterations have
// begun (Positions is meaningful from then on).
func (t *TSNE) SetupDone() bool { return t.phase == phaseOptimize }

// Positions returns a new n×2 slice (x0, y0, x1, y1, ...) of the current
// embedding; all zeros before the initialization phase is done.
func (t *TSNE) Positions() []float32 {
	out := make([]float32, len(t.y))
	for i, v := range t.y {
		out[i] = float32(v)
	}
	return out
}

// advance does one slice of the current phase, adding to t.work.
func (t *TSNE) advance(budget int) {
	switch t.phase {
	case phasePCA:
		t.pca.Budget = max(1, (budget-t.work)/unitsPCA)
		done := t.pca.Step()
		t.work += unitsPCA * t.pca.Work()
		if done {
			t.x = t.pca.Scores()
			t.pca = nil
			t.phase = phaseInit
			if t.opt.Init == "pca" {
				t.initFromScores(t.x, t.dx) // moves on to the affinities
			}
		}
	case phaseInit:
		t.stepInit(budget)
	case phaseExactP:
		t.stepExactP(budget)
	case phaseKNN:
		t.knn.Budget = max(1, budget-t.work)
		done := t.knn.Step()
		t.work += t.knn.Work()
		if done {
			t.phase = phaseCalibrate
			t.cond = make([]float64, t.n*t.k)
			t.work += allocUnits(8 * t.n * t.k)
		}
	case phaseCalibrate:
		t.stepCalibrate(budget)
	case phaseSymmetrize:
		if t.sym.step(&t.work, budget) {
			t.ps = t.sym.out
			t.sym, t.cond, t.knn = nil, nil, nil
			t.phase = phaseOptimize
		}
	case phaseOptimize:
		t.stepOptimize(budget)
	}
}

// initFromScores sets y to the first two columns of the n×cols scores,
// scaled so that the first has standard deviation 1e-4 (as openTSNE does).
func (t *TSNE) initFromScores(s []float64, cols int) {
	var mean, ss float64
	for i := 0; i < t.n; i++ {
		mean += s[i*cols]
	}
	mean /= float64(t.n)
	for i := 0; i < t.n; i++ {
		ss += (s[i*cols] - mean) * (s[i*cols] - mean)
	}
	sd := math.Sqrt(ss / float64(t.n))
	scale := 1e-4 / sd
	if sd == 0 || math.IsNaN(sd) {
		scale = 0
	}
	for i := 0; i < t.n; i++ {
		t.y[2*i] = s[i*cols] * scale
		t.y[2*i+1] = s[i*cols+1] * scale
	}
	t.centre()
	t.initDone()
}

func (t *TSNE) initDone() {
	if t.exact {
		t.phase = phaseExactP
		t.pd = make([]float64, t.n*t.n)
		t.dtmp = make([]float64, t.n-1)
		t.work += allocUnits(8 * t.n * t.n)
	} else {
		t.phase = phaseKNN
		t.knn = NewKNN(t.x, t.n, t.dx, t.k, t.opt.Seed)
		t.work += allocUnits(12*t.n*t.k + 24*t.n)
	}
}

func (t *TSNE) stepInit(budget int) {
	if t.opt.Init == "random" || t.d < 2 {
		for i := range t.y {
			t.y[i] = 1e-4 * t.rng.NormFloat64()
		}
		t.work += 10 * t.n
		t.initDone()
		return
	}
	if t.pca == nil {
		t.pca = pca.New(t.raw, t.n, t.d, 2)
	}
	t.pca.Budget = max(1, (budget-t.work)/unitsPCA)
	done := t.pca.Step()
	t.work += unitsPCA * t.pca.Work()
	if done {
		s := t.pca.Scores()
		t.pca = nil
		t.initFromScores(s, 2)
	}
}

// stepExactP computes conditional distributions over all other points, a
// row at a time, then symmetrizes P in place.
func (t *TSNE) stepExactP(budget int) {
	n, logPerp := t.n, math.Log(t.opt.Perplexity)
	for ; t.row < n && t.work < budget; t.row++ {
		i := t.row
		xi := t.x[i*t.dx : i*t.dx+t.dx]
		for j, m := 0, 0; j < n; j++ {
			if j != i {
				t.dtmp[m] = dist2(xi, t.x[j*t.dx:j*t.dx+t.dx])
				m++
			}
		}
		row := t.pd[i*n : i*n+n]
		_, _, it := calibrate(t.dtmp, row[1:], logPerp)
		// row[1:] holds p_j|i for j != i in order; shift into place.
		copy(row[:i], row[1:i+1])
		row[i] = 0
		t.work += n*t.dx + it*n*unitsExp
	}
	if t.row < n {
		return
	}
	// Rows n..2n−1 symmetrize P, one row of pairs at a time.
	scale := 1 / (2 * float64(n))
	for ; t.row < 2*n && t.work < budget; t.row++ {
		i := t.row - n
		for j := i + 1; j < n; j++ {
			v := (t.pd[i*n+j] + t.pd[j*n+i]) * scale
			t.pd[i*n+j], t.pd[j*n+i] = v, v
		}
		t.work += 2*(n-i) + 1
	}
	if t.row < 2*n {
		return
	}
	t.row, t.dtmp, t.x = 0, nil, nil
	t.phase = phaseOptimize
}

func (t *TSNE) stepCalibrate(budget int) {
	idx, d2 := t.knn.Result()
	k, logPerp := t.k, math.Log(t.opt.Perplexity)
	for ; t.row < t.n && t.work < budget; t.row++ {
		i := t.row
		_, _, it := calibrate(d2[i*k:i*k+k], t.cond[i*k:i*k+k], logPerp)
		t.work += it * k * unitsExp
	}
	if t.row == t.n {
		t.row, t.x = 0, nil
		t.sym = newSymmetrizer(t.n, k, idx, t.cond)
		t.phase = phaseSymmetrize
	}
}

// stepOptimize advances the current iteration: begin (snapshot and tree
// or grid), per-point forces, the attraction over the sparse P, the KL
// when it is due, then the update.
func (t *TSNE) stepOptimize(budget int) {
	n := t.n
	switch t.stage {
	case stageBegin:
		clear(t.acc)
		t.z = 0
		t.next = 0
		t.stage = stagePoints
		t.work += 2 * n
		if !t.exact {
			if len(t.ya) != 4*n {
				t.ya = make([]float64, 4*n)
			}
			for i := 0; i < n; i++ {
				t.ya[4*i], t.ya[4*i+1], t.ya[4*i+2], t.ya[4*i+3] = t.y[2*i], t.y[2*i+1], 0, 0
			}
			t.work += 2 * n
		}
		switch {
		case t.fft != nil:
			t.work += t.fft.setGrid(t.y)
			t.stage = stageSpread
		case !t.exact:
			t.work += t.tree.build(t.y, t.opt.Theta)
		}
	case stageSpread:
		for ; t.next < n && t.work < budget; t.next++ {
			t.work += t.fft.spread(t.next, t.y[2*t.next], t.y[2*t.next+1])
		}
		if t.next == n {
			t.next = 0
			t.stage = stageFFT
		}
	case stageFFT:
		for t.work < budget {
			w, done := t.fft.fftJob()
			t.work += w
			if done {
				t.z = t.fft.z // fftPoint subtracts the self terms
				t.stage = stagePoints
				break
			}
		}
	case stagePoints:
		for ; t.next < n && t.work < budget; t.next++ {
			switch {
			case t.fft != nil:
				t.fftPoint(t.next)
			case t.exact:
				t.exactRow(t.next)
			default:
				t.bhPoint(t.next)
			}
		}
		if t.next == n {
			t.next = 0
			t.stage = stageAttract
			if t.exact {
				t.stage = t.afterForces()
			}
		}
	case stageAttract:
		for ; t.next < n && t.work < budget; t.next++ {
			lo, hi := t.ps.ptr[t.next], t.ps.ptr[t.next+1]
			attractRow(t.ps.col[lo:hi], t.ps.val[lo:hi], t.ya, t.next)
			t.work += unitsAttr*int(hi-lo) + 4
		}
		if t.next == n {
			for i := 0; i < n; i++ {
				t.acc[4*i], t.acc[4*i+1] = t.ya[4*i+2], t.ya[4*i+3]
			}
			t.work += n
			t.next = 0
			t.stage = t.afterForces()
		}
	case stageKL:
		for ; t.next < n && t.work < budget; t.next++ {
			t.klSum += t.klRow(t.next, t.y, t.z)
		}
		if t.next == n {
			t.next = 0
			t.stage = stageUpdate
		}
	case stageUpdate:
		t.update()
		t.work += n * unitsUpdate
		t.stage = stageBegin
		if t.klIters != nil && t.klIters[len(t.klIters)-1] == -1 {
			t.kl, t.klIter = t.klSum, t.iter
			t.klIters[len(t.klIters)-1] = t.iter
			t.klVals = append(t.klVals, t.klSum)
		}
	}
}

// afterForces returns the stage after the forces: stageKL when the
// iteration about to complete is one at which KLEvery asks for the KL
// (marking it pending in the history), else stageUpdate.
func (t *TSNE) afterForces() int {
	it, e := t.iter+1, t.opt.KLEvery
	if e <= 0 || (it%e != 0 && it != t.opt.MaxIter) {
		return stageUpdate
	}
	t.klSum = 0
	t.klIters = append(t.klIters, -1)
	return stageKL
}

// KLHistory returns the iterations at which Step evaluated the KL (every
// Options.KLEvery iterations and at MaxIter) and the values, as KL would
// have returned them right after those iterations. The slices are the
// TSNE's own and grow as Steps complete iterations.
func (t *TSNE) KLHistory() (iters []int, kl []float64) {
	m := len(t.klVals)
	return t.klIters[:m:m], t.klVals
}

// attractRow adds the attraction of the stored pairs (i, j), j = col[e] >
// i, of row i of the sparse P: p_ij·w_ij·(y_i − y_j) to i's accumulator and
// its opposite to j's. ya holds n×4 values: position x, y and attraction
// x, y, so the scattered reads and writes of j touch one cache line.
func attractRow(col []int32, val, ya []float64, i int) {
	val = val[:len(col)]
	pi := ya[4*i : 4*i+4 : 4*i+4]
	px, py := pi[0], pi[1]
	var ax, ay float64
	for e, j := range col {
		q := ya[4*int(j) : 4*int(j)+4 : 4*int(j)+4]
		dx, dy := px-q[0], py-q[1]
		a := val[e] / (1 + dx*dx + dy*dy)
		fx, fy := a*dx, a*dy
		ax += fx
		ay += fy
		q[2] -= fx
		q[3] -= fy
	}
	pi[2] += ax
	pi[3] += ay
}

// exactRow adds the interactions of pairs (i, j>i) to both points'
// accumulators: attractive p_ij·w_ij·(y_i − y_j) and repulsive
// w_ij²·(y_i − y_j), and 2·w_ij to Z. The four accumulators of a point sit
// side by side in acc (attr x, attr y, rep x, rep y) so the scattered
// updates touch one cache line.
func (t *TSNE) exactRow(i int) {
	n := t.n
	ax, ay, rx, ry, z := exactKernel(t.pd[i*n+i+1:i*n+n], t.y[2*i+2:], t.acc[4*i+4:], t.y[2*i], t.y[2*i+1])
	a := t.acc[4*i : 4*i+4]
	a[0] += ax
	a[1] += ay
	a[2] += rx
	a[3] += ry
	t.z += 2 * z
	t.work += (n - i) * unitsPair
}

// exactKernel is the inner loop of exactRow over the points after i: p[m],
// y[2m:2m+2] and acc[4m:4m+4] belong to the same point.
func exactKernel(p, y, acc []float64, xi, yi float64) (ax, ay, rx, ry, z float64) {
	y = y[:2*len(p)]
	acc = acc[:4*len(p)]
	for m, pm := range p {
		dx, dy := xi-y[2*m], yi-y[2*m+1]
		w := 1 / (1 + dx*dx + dy*dy)
		z += w
		a, r := pm*w, w*w
		adx, ady, rdx, rdy := a*dx, a*dy, r*dx, r*dy
		ax += adx
		ay += ady
		rx += rdx
		ry += rdy
		f := acc[4*m : 4*m+4 : 4*m+4]
		f[0] -= adx
		f[1] -= ady
		f[2] -= rdx
		f[3] -= rdy
	}
	return
}

// bhPoint computes point i's Barnes–Hut repulsion.
func (t *TSNE) bhPoint(i int) {
	fx, fy, z, visits := t.tree.repulse(int32(i), t.y[2*i], t.y[2*i+1])
	t.z += z
	t.acc[4*i+2], t.acc[4*i+3] = fx, fy
	t.work += visits * unitsVisit
}

// fftPoint reads point i's interpolated repulsion.
func (t *TSNE) fftPoint(i int) {
	fx, fy := t.fft.interpolate(i)
	t.z -= t.fft.self(i)
	t.acc[4*i+2], t.acc[4*i+3] = fx, fy
	t.work += 3 * unitsSpread * t.fft.p * t.fft.p
}

// gradient writes the KL gradient 4·(α·attr − rep/Z) into dst (n×2).
func (t *TSNE) gradient(dst []float64, alpha float64) {
	for k := range dst {
		i, c := k/2, k%2
		dst[k] = 4 * (alpha*t.acc[4*i+c] - t.acc[4*i+2+c]/t.z)
	}
}

// update applies one step of gradient descent with momentum and
// per-parameter gains (Jacobs 1988, as in van der Maaten's implementation
// and scikit-learn), then recentres the embedding.
func (t *TSNE) update() {
	alpha, mom := 1.0, t.opt.FinalMomentum
	if t.iter < t.opt.ExaggerationIters {
		alpha, mom = t.opt.EarlyExaggeration, t.opt.Momentum
	}
	lr := t.opt.LearningRate
	copy(t.ykl, t.y)
	t.zkl = t.z
	for k := range t.y {
		i, c := k/2, k%2
		g := 4 * (alpha*t.acc[4*i+c] - t.acc[4*i+2+c]/t.z)
		if g*t.upd[k] < 0 {
			t.gains[k] += 0.2
		} else {
			t.gains[k] = max(t.gains[k]*0.8, 0.01)
		}
		t.upd[k] = mom*t.upd[k] - lr*t.gains[k]*g
		t.y[k] += t.upd[k]
	}
	t.centre()
	t.iter++
}

func (t *TSNE) centre() {
	var mx, my float64
	for i := 0; i < t.n; i++ {
		mx += t.y[2*i]
		my += t.y[2*i+1]
	}
	mx /= float64(t.n)
	my /= float64(t.n)
	for i := 0; i < t.n; i++ {
		t.y[2*i] -= mx
		t.y[2*i+1] -= my
	}
}

// KL returns the Kullback–Leibler divergence KL(P‖Q) = Σ p_ij log(p_ij/q_ij)
// (without exaggeration) at the positions where the latest completed
// iteration evaluated its gradient, that is one update behind Positions; 0
// before the first iteration. In exact mode it is exact and costs n²/2
// logarithms, the time of about three iterations; with Barnes–Hut or the
// FFT it uses the method's estimate of the normalization Z, so it is an
// estimate (within 0.5% in the tests), and costs one logarithm per stored
// pair of P, about a quarter of an iteration. The value is cached until the
// next iteration completes. KL does all that work at once: a stepper that
// wants the KL as it goes sets Options.KLEvery and reads KLHistory, whose
// values Step computes in slices (and which KL then returns from cache).
func (t *TSNE) KL() float64 {
	if t.iter == 0 || t.phase != phaseOptimize {
		return 0
	}
	if t.klIter != t.iter {
		t.kl = t.computeKL()
		t.klIter = t.iter
	}
	return t.kl
}

func (t *TSNE) computeKL() float64 {
	var kl float64
	work := t.work
	for i := 0; i < t.n; i++ {
		kl += t.klRow(i, t.ykl, t.zkl)
	}
	t.work = work
	return kl
}

// klRow returns the KL terms of the pairs (i, j > i), counted twice, at
// positions y with normalization z, and adds its work units.
func (t *TSNE) klRow(i int, y []float64, z float64) float64 {
	n := t.n
	var kl float64
	px, py := y[2*i], y[2*i+1]
	if t.exact {
		for j := i + 1; j < n; j++ {
			p := t.pd[i*n+j]
			if p <= 0 {
				continue
			}
			dx, dy := px-y[2*j], py-y[2*j+1]
			kl += 2 * p * math.Log(p*z*(1+dx*dx+dy*dy))
		}
		t.work += unitsLog*(n-i) + 4
		return kl
	}
	lo, hi := t.ps.ptr[i], t.ps.ptr[i+1]
	for e := lo; e < hi; e++ {
		j, p := t.ps.col[e], t.ps.val[e]
		dx, dy := px-y[2*j], py-y[2*j+1]
		kl += 2 * p * math.Log(p*z*(1+dx*dx+dy*dy))
	}
	t.work += unitsLog*int(hi-lo) + 4
	return kl
}
