package tsne

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/dsp/fourier"
)

// Grid parameters of the FFT repulsion (see doc.go). With a centred
// stencil of fftStencil nodes the interpolated kernels are within about
// 1e-3 of the exact forces at the default spacing (tests).
const (
	fftStencil  = 4    // Lagrange interpolation nodes per axis
	fftSpacing  = 0.35 // largest node spacing, in embedding units
	fftMinNodes = 64   // nodes across the wider side at least
	fftMaxNodes = 128  // nodes needed per side at most (the spacing grows beyond)
	maxStencil  = 8
)

// fftRepulsion computes the t-SNE repulsion and normalization by
// interpolation on a regular grid and FFT convolution (the method of
// FIt-SNE, Linderman et al. 2019, with centred interpolation stencils and
// difference kernels; see doc.go).
//
// The grid has nx × ny nodes at spacing s, node (a, b) at (ox + a·s,
// oy + b·s). Each point spreads a unit charge to the p × p nodes of its
// stencil with Lagrange weights; the node potentials of the kernels
// kx(d) = d_x/(1+|d|²)² and ky(d) = d_y/(1+|d|²)² come from a circular
// convolution on the zero-padded mx × my grid (mx = 2·nx, my = 2·ny),
// computed with real FFTs along x and complex FFTs along y; and each point
// reads its force back with the same weights. Z = cᵀ·Kz·c − n, with the
// kernel kz(d) = 1/(1+|d|²), comes from the charge spectrum by Parseval's
// identity, without an inverse transform.
//
// Spectra are stored column-major, one contiguous column of my
// coefficients per x frequency (hx = mx/2+1 of them), so the y transforms
// work in place. The kernels' spectra depend only on (s, mx, my) and are
// cached: the spacing is taken from a geometric ladder so it changes
// rarely.
type fftRepulsion struct {
	p        int     // stencil nodes per axis
	spacing  float64 // largest node spacing
	minNodes int     // nodes across the wider side at least
	maxNodes int

	nx, ny, mx, my, hx int
	s, ox, oy          float64

	kerS           float64 // grid of the cached kernel spectra
	kerMx, kerMy   int
	kz, kx, ky     []complex128 // kernel spectra / (mx·my), hx columns of my
	charge         []float64    // ny × nx
	spec           []complex128 // charge spectrum, hx columns of my
	prod           []complex128 // product spectrum after the y inverse, hx columns of ny
	potx, poty     []float64    // node potentials, ny × nx
	base           []int32      // per point: first stencil node in x and y
	wts            []float64    // per point: p weights in x, then p in y
	rowFFT         *fourier.FFT
	colFFT         *fourier.CmplxFFT
	row            []float64
	rowC, col      []complex128
	denom          []float64 // Lagrange denominators
	selfK          []float64 // kz at node offsets −(p−1)..p−1 in x and y, (2p−1)²
	selfS          float64   // spacing of selfK
	jobs, jobsDone int       // line transforms in this iteration
	kerJobs        int       // of which for the kernel spectra
	kernelDirty    bool
	z              float64
}

func newFFTRepulsion() *fftRepulsion {
	return &fftRepulsion{p: fftStencil, spacing: fftSpacing, minNodes: fftMinNodes, maxNodes: fftMaxNodes}
}

// ladderStep is the ratio between successive node spacings below the
// largest: 2^(1/8), so the kernels are recomputed at most once per 9%
// change of the embedding's extent.
const ladderStep = 1.0905077326652577

// friendly returns the smallest even m >= n whose only prime factors are
// 2, 3 and 5, lengths that gonum's FFT handles fast.
func friendly(n int) int {
	for m := max(n, 2); ; m++ {
		if m%2 != 0 {
			continue
		}
		r := m
		for _, f := range [...]int{2, 3, 5} {
			for r%f == 0 {
				r /= f
			}
		}
		if r == 1 {
			return m
		}
	}
}

// setGrid chooses the grid for positions y (n×2) and the per-point
// stencils, and reports the units of work done. The spacing is the
// largest ladder value that puts at least minNodes nodes across the wider
// side, and at most the largest spacing; the grid covers the bounding box
// with margins for the stencils.
func (f *fftRepulsion) setGrid(y []float64) int {
	n := len(y) / 2
	minX, minY, maxX, maxY := y[0], y[1], y[0], y[1]
	for i := 1; i < n; i++ {
		if v := y[2*i]; v < minX {
			minX = v
		} else if v > maxX {
			maxX = v
		}
		if v := y[2*i+1]; v < minY {
			minY = v
		} else if v > maxY {
			maxY = v
		}
	}
	ex, ey := maxX-minX, maxY-minY
	e := max(ex, ey, 1e-12)
	// The finest useful spacing, or coarser for a grid of minNodes, but
	// never more than maxNodes nodes; on the ladder below the largest.
	target := max(min(f.spacing, e/float64(f.minNodes-f.p-2)), e/float64(f.maxNodes-f.p-2))
	s := f.spacing
	for s < target {
		s *= 2
	}
	for s/ladderStep >= target {
		s /= ladderStep
	}
	// Nodes needed; a grid is kept while it is large enough and at most
	// a quarter larger than needed, and a new one gets 10% to spare, so
	// that the kernels' spectra are recomputed rarely.
	nx, ny := int(ex/s)+f.p+2, int(ey/s)+f.p+2
	mx, my := f.mx, f.my
	if s != f.s || nx > mx/2 || ny > my/2 || 4*mx > 5*2*nx+32 || 4*my > 5*2*ny+32 {
		mx, my = friendly(2*(nx+nx/10)), friendly(2*(ny+ny/10))
	}
	nx, ny = mx/2, my/2
	if s != f.kerS || mx != f.kerMx || my != f.kerMy {
		f.kernelDirty = true
	}
	if mx != f.mx || my != f.my {
		f.mx, f.my, f.hx = mx, my, mx/2+1
		f.spec, f.prod = grow(f.spec, f.hx*my), grow(f.prod, f.hx*ny)
		if f.rowFFT == nil {
			f.rowFFT, f.colFFT = fourier.NewFFT(mx), fourier.NewCmplxFFT(my)
		}
		f.rowFFT.Reset(mx)
		f.colFFT.Reset(my)
		f.row, f.rowC, f.col = make([]float64, mx), make([]complex128, f.hx), make([]complex128, my)
		f.charge, f.potx, f.poty = grow(f.charge, nx*ny), grow(f.potx, nx*ny), grow(f.poty, nx*ny)
	}
	f.nx, f.ny, f.s = nx, ny, s
	f.ox = (minX+maxX)/2 - s*float64(nx-1)/2
	f.oy = (minY+maxY)/2 - s*float64(ny-1)/2
	if len(f.base) != 2*n {
		f.base, f.wts = make([]int32, 2*n), make([]float64, 2*f.p*n)
	}
	if len(f.denom) != f.p {
		f.denom = make([]float64, f.p)
		for m := range f.denom {
			d := 1.0
			for k := 0; k < f.p; k++ {
				if k != m {
					d *= float64(m - k)
				}
			}
			f.denom[m] = 1 / d
		}
	}
	if s != f.selfS || len(f.selfK) != (2*f.p-1)*(2*f.p-1) {
		q := 2*f.p - 1
		f.selfK, f.selfS = make([]float64, q*q), s
		for a := 0; a < q; a++ {
			for b := 0; b < q; b++ {
				dx, dy := float64(a-f.p+1)*s, float64(b-f.p+1)*s
				f.selfK[a*q+b] = 1 / (1 + dx*dx + dy*dy)
			}
		}
	}
	f.reset()
	return 4*n + nx*ny
}

// grow returns s with length n, reallocated only when its capacity is
// too small.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// reset clears the charges and schedules the line transforms of one
// evaluation on the current grid.
func (f *fftRepulsion) reset() {
	clear(f.charge)
	f.jobsDone = 0
	f.kerJobs = 0
	if f.kernelDirty {
		f.kerJobs = 3 * (f.my + f.hx)
	}
	f.jobs = f.kerJobs + 3*(f.ny+f.hx)
}

// stencil sets the first node and the p Lagrange weights along one axis
// for grid coordinate u (position in node spacings from node 0) on an axis
// of nodes nodes. The stencil is centred: the p nodes nearest to u.
func (f *fftRepulsion) stencil(u float64, nodes int, w []float64) int32 {
	p := f.p
	b := int(math.Floor(u + 1 - float64(p)/2))
	b = min(max(b, 0), nodes-p)
	t := u - float64(b)
	for m := range w {
		v := f.denom[m]
		for k := 0; k < p; k++ {
			if k != m {
				v *= t - float64(k)
			}
		}
		w[m] = v
	}
	return int32(b)
}

// spread computes point i's stencils from its position (px, py) and adds
// its unit charge to the grid. It returns the work units.
func (f *fftRepulsion) spread(i int, px, py float64) int {
	p := f.p
	w := f.wts[2*p*i : 2*p*i+2*p]
	bx := f.stencil((px-f.ox)/f.s, f.nx, w[:p])
	by := f.stencil((py-f.oy)/f.s, f.ny, w[p:])
	f.base[2*i], f.base[2*i+1] = bx, by
	for b := 0; b < p; b++ {
		row := f.charge[(int(by)+b)*f.nx+int(bx):]
		wy := w[p+b]
		for a, wx := range w[:p] {
			row[a] += wy * wx
		}
	}
	return unitsSpread * p * p
}

// interpolate returns the repulsive force on point i, Σ_j w_ij²·(y_i − y_j)
// interpolated from the node potentials.
func (f *fftRepulsion) interpolate(i int) (fx, fy float64) {
	p := f.p
	w := f.wts[2*p*i : 2*p*i+2*p]
	bx, by := int(f.base[2*i]), int(f.base[2*i+1])
	for b := 0; b < p; b++ {
		o := (by+b)*f.nx + bx
		rx, ry := f.potx[o:o+p], f.poty[o:o+p]
		var sx, sy float64
		for a, wx := range w[:p] {
			sx += wx * rx[a]
			sy += wx * ry[a]
		}
		fx += w[p+b] * sx
		fy += w[p+b] * sy
	}
	return fx, fy
}

// self returns point i's interaction with itself through the grid,
// Σ_{a,b} L_a(y_i)·kz(g_a − g_b)·L_b(y_i) over its stencil nodes a and b,
// which cᵀ·Kz·c counts and Z must not (the force kernels are odd, so
// their self terms vanish). It is 1 up to the interpolation error; the
// sum groups the weights by node offset: Σ_{dx,dy} kz(dx, dy)·Cx(dx)·Cy(dy)
// with Cx the autocorrelation of the x weights.
func (f *fftRepulsion) self(i int) float64 {
	p := f.p
	q := 2*p - 1
	w := f.wts[2*p*i : 2*p*i+2*p]
	var cx, cy [2*maxStencil - 1]float64
	for a := 0; a < p; a++ {
		for b := 0; b < p; b++ {
			cx[a-b+p-1] += w[a] * w[b]
			cy[a-b+p-1] += w[p+a] * w[p+b]
		}
	}
	var z float64
	for a := 0; a < q; a++ {
		row := f.selfK[a*q : a*q+q]
		var r float64
		for b, k := range row {
			r += k * cy[b]
		}
		z += cx[a] * r
	}
	return z
}

// fftJob does the next line transform of the convolution and returns its
// work units; it reports done after the last one, when potx, poty and z
// are ready. The jobs, in order: the kernel spectra when the grid changed
// (3 kernels × (my rows + hx columns)); the charge's ny row transforms;
// its hx column transforms, then Z by Parseval; for each of x and y, hx
// column products and inverse transforms, then ny inverse row transforms.
func (f *fftRepulsion) fftJob() (work int, done bool) {
	j := f.jobsDone
	f.jobsDone++
	rowUnits := unitsFFT * f.mx * bits(f.mx) / 2
	colUnits := unitsFFT * f.my * bits(f.my)
	if f.kerJobs > 0 {
		per := f.my + f.hx
		if j < f.kerJobs {
			k, l := j/per, j%per
			if l < f.my {
				f.kernelRow(k, l)
				return rowUnits, false
			}
			spec := f.kernelSpec(k)
			c := spec[(l-f.my)*f.my : (l-f.my+1)*f.my]
			f.colFFT.Coefficients(c, c)
			if j == f.kerJobs-1 {
				f.kernelDirty = false
				f.kerS, f.kerMx, f.kerMy = f.s, f.mx, f.my
			}
			return colUnits, false
		}
		j -= f.kerJobs
	}
	nx, ny, hx, my := f.nx, f.ny, f.hx, f.my
	switch {
	case j < ny: // forward rows of the charge
		copy(f.row, f.charge[j*nx:j*nx+nx])
		clear(f.row[nx:])
		f.rowFFT.Coefficients(f.rowC, f.row)
		for k, v := range f.rowC {
			f.spec[k*my+j] = v
		}
		if j == 0 {
			// Rows ny..my-1 of the charge are zero.
			for k := 0; k < hx; k++ {
				clear(f.spec[k*my+ny : k*my+my])
			}
		}
		return rowUnits, false
	case j < ny+hx: // forward columns
		k := j - ny
		c := f.spec[k*my : k*my+my]
		f.colFFT.Coefficients(c, c)
		if k == hx-1 {
			f.z = f.parseval()
			return colUnits + 4*hx*my, false
		}
		return colUnits, false
	}
	j -= ny + hx
	pot, ker := f.potx, f.kx
	if j >= hx+ny {
		pot, ker = f.poty, f.ky
		j -= hx + ny
	}
	if j < hx { // product and inverse column k
		k := j
		s, kk := f.spec[k*my:k*my+my], ker[k*my:k*my+my]
		for r := range f.col {
			f.col[r] = s[r] * kk[r]
		}
		f.colFFT.Sequence(f.col, f.col)
		copy(f.prod[k*ny:k*ny+ny], f.col[:ny])
		return colUnits + 2*my, false
	}
	r := j - hx // inverse row r
	for k := range f.rowC {
		f.rowC[k] = f.prod[k*ny+r]
	}
	f.rowFFT.Sequence(f.row, f.rowC)
	copy(pot[r*nx:r*nx+nx], f.row[:nx])
	return rowUnits, f.jobsDone == f.jobs
}

// bits returns the number of bits of m, about log2(m).
func bits(m int) int {
	b := 0
	for ; m > 0; m >>= 1 {
		b++
	}
	return b
}

func (f *fftRepulsion) kernelSpec(k int) []complex128 {
	if len(f.kz) != f.hx*f.my {
		f.kz, f.kx, f.ky = grow(f.kz, f.hx*f.my), grow(f.kx, f.hx*f.my), grow(f.ky, f.hx*f.my)
	}
	return [...][]complex128{f.kz, f.kx, f.ky}[k]
}

// kernelRow fills row r (y offset) of kernel k (0: kz, 1: kx, 2: ky) on
// the circulant mx × my grid, scaled by 1/(mx·my) so the inverse
// transforms need no normalization, and stores its x transform.
func (f *fftRepulsion) kernelRow(k, r int) {
	spec := f.kernelSpec(k)
	mx, my := f.mx, f.my
	off := func(i, m int) float64 {
		if i > m/2 {
			i -= m
		}
		return float64(i) * f.s
	}
	dy := off(r, my)
	scale := 1 / float64(mx*my)
	for c := 0; c < mx; c++ {
		dx := off(c, mx)
		w := 1 / (1 + dx*dx + dy*dy)
		var v float64
		switch k {
		case 0:
			v = w
		case 1:
			if 2*c != mx {
				v = w * w * dx
			}
		case 2:
			if 2*r != my {
				v = w * w * dy
			}
		}
		f.row[c] = v * scale
	}
	f.rowFFT.Coefficients(f.rowC, f.row)
	for c, v := range f.rowC {
		spec[c*my+r] = v
	}
}

// parseval returns cᵀ·Kz·c from the charge spectrum: Σ over all
// frequencies of K̂z·|ĉ|², the half spectrum's inner columns counting
// twice.
func (f *fftRepulsion) parseval() float64 {
	var z float64
	for k := 0; k < f.hx; k++ {
		s, kk := f.spec[k*f.my:(k+1)*f.my], f.kz[k*f.my:(k+1)*f.my]
		var c float64
		for r, v := range s {
			c += real(kk[r]) * (real(v)*real(v) + imag(v)*imag(v))
		}
		if k != 0 && 2*k != f.mx {
			c *= 2
		}
		z += c
	}
	return z
}

func (f *fftRepulsion) String() string {
	return fmt.Sprintf("grid %d×%d (FFT %d×%d), spacing %.4g, stencil %d", f.nx, f.ny, f.mx, f.my, f.s, f.p)
}
