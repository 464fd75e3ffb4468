package tsne

import (
	"math"
	"slices"
)

// PerplexityTol is the tolerance of the perplexity calibration: the binary
// search stops when the entropy of a point's conditional distribution (in
// nats, that is the log of its perplexity) is within PerplexityTol of
// log(Perplexity).
const PerplexityTol = 1e-5

const maxCalibrationIters = 200

// calibrate sets p to the conditional distribution p_j|i ∝ exp(−β·d2[j])
// over one point's candidate neighbours, with the precision β found by
// binary search so that its entropy H = −Σ p log p is within PerplexityTol
// of logPerp. It returns β, H and the number of search iterations. Distances
// are shifted by their minimum before exponentiating (this cancels in the
// normalization) so that far-away points cannot underflow every term.
func calibrate(d2, p []float64, logPerp float64) (beta, h float64, iters int) {
	dmin, mean := math.Inf(1), 0.0
	for _, v := range d2 {
		dmin = min(dmin, v)
		mean += v
	}
	mean = mean/float64(len(d2)) - dmin
	beta = 1
	if mean > 0 {
		beta = 1 / mean
	}
	lo, hi := 0.0, math.Inf(1)
	for iters = 1; ; iters++ {
		var sum, sd, sdd float64
		for j, v := range d2 {
			e := math.Exp(-beta * (v - dmin))
			p[j] = e
			sum += e
			sd += e * (v - dmin)
			sdd += e * (v - dmin) * (v - dmin)
		}
		mean := sd / sum
		h = math.Log(sum) + beta*mean
		for j := range p {
			p[j] /= sum
		}
		if math.Abs(h-logPerp) < PerplexityTol || iters == maxCalibrationIters {
			return beta, h, iters
		}
		if h > logPerp { // too flat: sharpen
			lo = beta
		} else {
			hi = beta
		}
		// Newton step on H(β), whose derivative is −β·Var(d); fall back
		// to doubling or bisection when it leaves the bracket.
		next := beta
		if v := sdd/sum - mean*mean; v > 0 && beta > 0 {
			next = beta + (h-logPerp)/(beta*v)
		}
		if !(next > lo && next < hi) || next == beta {
			if math.IsInf(hi, 1) {
				next = 2 * beta
			} else {
				next = (lo + hi) / 2
			}
		}
		beta = next
	}
}

// csr is the upper triangle (columns j > i) of a sparse symmetric matrix
// in compressed sparse row form; rows list their columns in increasing
// order.
type csr struct {
	ptr []int32 // n+1 row starts
	col []int32
	val []float64
}

// nnz returns the number of stored entries (half the non-zeros of the
// symmetric matrix).
func (c *csr) nnz() int {
	if len(c.ptr) == 0 {
		return 0
	}
	return int(c.ptr[len(c.ptr)-1])
}

// symmetrizer builds the upper triangle of the sparse P = (C + Cᵀ)/(2n)
// from the conditional probabilities C given as n rows of k (idx, val)
// pairs, a few rows per slice. Entry (i, j) with i < j gets C[i][j] from
// row i's own list and C[j][i] from the transposed lower part of C, which
// a counting pass and a scatter in row order build already sorted by
// column; each output row then merges its own upper neighbours, sorted,
// with that list. The cost is about n·k·log(k) for the small sorts.
type symmetrizer struct {
	n, k  int
	idx   []int32
	cond  []float64
	rptr  []int32 // row starts of the transposed lower part (counts first)
	rcol  []int32
	rval  []float64
	own   int // entries of C above the diagonal
	row   int
	phase int
	keys  []uint64
	out   csr
}

func newSymmetrizer(n, k int, idx []int32, cond []float64) *symmetrizer {
	return &symmetrizer{n: n, k: k, idx: idx, cond: cond, rptr: make([]int32, n+1), keys: make([]uint64, 0, k)}
}

// Work weights of the symmetrization, in units per entry of C.
const (
	unitsSymCount   = 2
	unitsSymScatter = 6
	unitsSymMerge   = 30
)

// step does some rows of work (at least one) and reports completion;
// it adds the units it did to *work.
func (s *symmetrizer) step(work *int, budget int) bool {
	n, k := s.n, s.k
	switch s.phase {
	case 0: // count the lower entries of each column of C
		for ; s.row < n && *work < budget; s.row++ {
			for _, j := range s.idx[s.row*k : s.row*k+k] {
				if int(j) < s.row {
					s.rptr[j+1]++
				} else {
					s.own++
				}
			}
			*work += unitsSymCount * k
		}
		if s.row == n {
			for i := 0; i < n; i++ {
				s.rptr[i+1] += s.rptr[i]
			}
			m := int(s.rptr[n])
			s.rcol, s.rval = make([]int32, m), make([]float64, m)
			s.out.ptr = make([]int32, n+1)
			s.out.col = make([]int32, 0, m+s.own)
			s.out.val = make([]float64, 0, m+s.own)
			*work += n + allocUnits(24*(m+s.own))
			s.row, s.phase = 0, 1
		}
	case 1: // scatter the lower entries, transposed, in row order
		fill := s.out.ptr // borrowed as the fill pointers
		if s.row == 0 {
			copy(fill, s.rptr)
		}
		for ; s.row < n && *work < budget; s.row++ {
			i := int32(s.row)
			for m, j := range s.idx[s.row*k : s.row*k+k] {
				if j < i {
					f := fill[j]
					s.rcol[f], s.rval[f] = i, s.cond[s.row*k+m]
					fill[j] = f + 1
				}
			}
			*work += unitsSymScatter * k
		}
		if s.row == n {
			clear(fill)
			s.row, s.phase = 0, 2
		}
	case 2: // merge each row's own upper entries with its transposed ones
		scale := 1 / (2 * float64(n))
		for ; s.row < n && *work < budget; s.row++ {
			i := s.row
			s.keys = s.keys[:0]
			for m, j := range s.idx[i*k : i*k+k] {
				if int(j) > i {
					s.keys = append(s.keys, uint64(j)<<32|uint64(m))
				}
			}
			slices.Sort(s.keys)
			rc, rv := s.rcol[s.rptr[i]:s.rptr[i+1]], s.rval[s.rptr[i]:s.rptr[i+1]]
			a, b := 0, 0
			for a < len(s.keys) || b < len(rc) {
				var j int32
				var v float64
				switch {
				case b == len(rc) || (a < len(s.keys) && int32(s.keys[a]>>32) < rc[b]):
					j, v = int32(s.keys[a]>>32), s.cond[i*k+int(uint32(s.keys[a]))]
					a++
				case a == len(s.keys) || rc[b] < int32(s.keys[a]>>32):
					j, v = rc[b], rv[b]
					b++
				default: // j is a neighbour of i and i one of j
					j, v = rc[b], s.cond[i*k+int(uint32(s.keys[a]))]+rv[b]
					a++
					b++
				}
				s.out.col = append(s.out.col, j)
				s.out.val = append(s.out.val, v*scale)
			}
			s.out.ptr[i+1] = int32(len(s.out.col))
			*work += unitsSymMerge * (len(s.keys) + len(rc))
		}
		if s.row == n {
			s.rptr, s.rcol, s.rval, s.keys = nil, nil, nil, nil
			s.phase = 3
		}
	}
	return s.phase == 3
}

// allocUnits is the work charged for allocating (and clearing) the given
// number of bytes: about a unit per 16 bytes.
func allocUnits(bytes int) int { return bytes / 16 }
