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

// csr is a sparse symmetric matrix in compressed sparse row form.
type csr struct {
	ptr []int32 // n+1 row starts
	col []int32
	val []float64
}

// symmetrizer builds the sparse P = (C + Cᵀ)/(2n) from the conditional
// probabilities C given as n rows of k (idx, val) pairs, in slices: count
// the row lengths, scatter both directions row by row, then sort and merge
// each row. Rows of the result list their columns in increasing order. The
// total cost is about n·k·log(k).
type symmetrizer struct {
	n, k   int
	idx    []int32
	cond   []float64
	ptr    []int32 // row starts of the unsorted, unmerged lists
	fill   []int32
	ents   []entry
	row    int
	phase  int
	out    csr
	sorted []entry
}

type entry struct {
	col int32
	val float64
}

func newSymmetrizer(n, k int, idx []int32, cond []float64) *symmetrizer {
	return &symmetrizer{n: n, k: k, idx: idx, cond: cond}
}

// step does some rows of work (at least one) and reports completion;
// it adds the units it did to *work.
func (s *symmetrizer) step(work *int, budget int) bool {
	n, k := s.n, s.k
	switch s.phase {
	case 0: // count row lengths: own k plus every time the row is someone's neighbour
		s.ptr = make([]int32, n+1)
		for i := 0; i < n; i++ {
			s.ptr[i+1] += int32(k)
		}
		for _, j := range s.idx {
			s.ptr[j+1]++
		}
		for i := 0; i < n; i++ {
			s.ptr[i+1] += s.ptr[i]
		}
		s.fill = slices.Clone(s.ptr[:n])
		s.ents = make([]entry, s.ptr[n])
		s.phase = 1
		*work += 2 * n * k
	case 1: // scatter both directions
		for ; s.row < n && *work < budget; s.row++ {
			i := s.row
			for m := 0; m < k; m++ {
				j, v := s.idx[i*k+m], s.cond[i*k+m]
				s.ents[s.fill[i]] = entry{j, v}
				s.fill[i]++
				s.ents[s.fill[j]] = entry{int32(i), v}
				s.fill[j]++
			}
			*work += 4 * k
		}
		if s.row == n {
			s.row, s.phase = 0, 2
			s.fill = nil
			s.out.ptr = make([]int32, n+1)
			s.out.col = make([]int32, 0, 3*n*k/2)
			s.out.val = make([]float64, 0, 3*n*k/2)
		}
	case 2: // sort each row by column and merge duplicates
		scale := 1 / (2 * float64(n))
		for ; s.row < n && *work < budget; s.row++ {
			r := s.ents[s.ptr[s.row]:s.ptr[s.row+1]]
			slices.SortFunc(r, func(a, b entry) int { return int(a.col) - int(b.col) })
			for e := 0; e < len(r); e++ {
				if e+1 < len(r) && r[e+1].col == r[e].col {
					r[e+1].val += r[e].val
					continue
				}
				s.out.col = append(s.out.col, r[e].col)
				s.out.val = append(s.out.val, r[e].val*scale)
			}
			s.out.ptr[s.row+1] = int32(len(s.out.col))
			*work += 12 * len(r)
		}
		if s.row == n {
			s.ents, s.ptr = nil, nil
			s.phase = 3
		}
	}
	return s.phase == 3
}
