// Package eigen decomposes small dense symmetric matrices: the
// eigenvectors behind PCA and Eigen-CAM.
//
// It uses the cyclic Jacobi method: plane rotations, each of which zeroes
// one off-diagonal entry, swept over all pairs until the off-diagonal part
// vanishes. It takes about 10·n³ flops per sweep and some 6 to 10 sweeps,
// more than LAPACK's tridiagonal methods for large n, but it is accurate
// to the last bits on the small matrices (n up to a few hundred) that the
// page decomposes, and it is short: the page does not carry a LAPACK port
// for it (about 0.5 MB of a compressed download).
package eigen

import (
	"fmt"
	"math"
	"sort"
)

// maxSweeps bounds the sweeps; Jacobi converges quadratically, and
// matrices of the sizes used here need fewer than 15.
const maxSweeps = 60

// Sym returns the eigenvalues of the symmetric n×n matrix a (row-major)
// in ascending order, and the eigenvectors as the columns of vecs
// (row-major n×n, unit length): column j belongs to vals[j]. Only a's
// upper triangle is read, and a is not changed. It panics when len(a) is
// not n·n or n is negative. A vector's sign is arbitrary.
func Sym(n int, a []float64) (vals, vecs []float64) {
	if n < 0 || len(a) != n*n {
		panic(fmt.Sprintf("eigen: Sym of a %d×%d matrix given %d entries", n, n, len(a)))
	}
	m := make([]float64, n*n)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			m[i*n+j], m[j*n+i] = a[i*n+j], a[i*n+j]
		}
	}
	v := make([]float64, n*n)
	for i := 0; i < n; i++ {
		v[i*n+i] = 1
	}
	for sweep := 0; sweep < maxSweeps; sweep++ {
		var off, diag float64
		for i := 0; i < n; i++ {
			diag += m[i*n+i] * m[i*n+i]
			for j := i + 1; j < n; j++ {
				off += m[i*n+j] * m[i*n+j]
			}
		}
		if off <= 1e-32*diag || off == 0 {
			break
		}
		for p := 0; p < n-1; p++ {
			for q := p + 1; q < n; q++ {
				rotate(m, v, n, p, q)
			}
		}
	}
	vals = make([]float64, n)
	order := make([]int, n)
	for i := range vals {
		vals[i] = m[i*n+i]
		order[i] = i
	}
	sort.SliceStable(order, func(x, y int) bool { return vals[order[x]] < vals[order[y]] })
	sorted := make([]float64, n)
	vecs = make([]float64, n*n)
	for j, src := range order {
		sorted[j] = vals[src]
		for i := 0; i < n; i++ {
			vecs[i*n+j] = v[i*n+src]
		}
	}
	return sorted, vecs
}

// rotate applies the Jacobi rotation in the (p, q) plane that zeroes
// m[p][q]: m becomes Jᵀ·m·J and v becomes v·J.
func rotate(m, v []float64, n, p, q int) {
	apq := m[p*n+q]
	if apq == 0 {
		return
	}
	// t = tan of the rotation angle, the smaller root of
	// t² + 2θt − 1 = 0, which keeps the rotation below 45°.
	theta := (m[q*n+q] - m[p*n+p]) / (2 * apq)
	var t float64
	if math.IsInf(theta*theta, 0) {
		t = 1 / (2 * theta)
	} else {
		t = 1 / (math.Abs(theta) + math.Sqrt(theta*theta+1))
		if theta < 0 {
			t = -t
		}
	}
	c := 1 / math.Sqrt(t*t+1)
	s := t * c
	for k := 0; k < n; k++ { // columns p and q: m·J
		kp, kq := m[k*n+p], m[k*n+q]
		m[k*n+p], m[k*n+q] = c*kp-s*kq, s*kp+c*kq
	}
	for k := 0; k < n; k++ { // rows p and q: Jᵀ·(m·J)
		pk, qk := m[p*n+k], m[q*n+k]
		m[p*n+k], m[q*n+k] = c*pk-s*qk, s*pk+c*qk
	}
	m[p*n+q], m[q*n+p] = 0, 0 // zero by construction; drop the rounding
	for k := 0; k < n; k++ {
		kp, kq := v[k*n+p], v[k*n+q]
		v[k*n+p], v[k*n+q] = c*kp-s*kq, s*kp+c*kq
	}
}
