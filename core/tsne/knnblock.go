package tsne

import (
	"math"

	"cnnviz/core/tensor"
)

// The blocked brute-force search (used by KNN from BlockKNNPoints points)
// computes the squared distances of a block of query rows to all points
// with one float32 matrix product, |a − b|² = |a|² + |b|² − 2·a·b, and then
// uses them only to choose candidates: each row keeps every point whose
// float32 distance could, within a proven rounding bound, be among its k
// nearest, and the candidates are ranked by exact float64 distances with
// the same (distance, index) order as the vantage-point tree. The result
// is therefore exactly the tree's, bit for bit.
//
// Error bound. The points are centred (mean subtracted in float64) and
// scaled by a power of two so that the largest norm R lies in [1/2, 1);
// then each is rounded to float32 (p_i) and stored with its squared norm
// beside it, so that the product of the row [−2·p_i, 1] with [p_j, |p_j|²]
// is v_ij = |p_j|² − 2·p_i·p_j, the squared distance less |p_i|² (constant
// along the row). With u = 2⁻²⁴ and r_i = |p_i|, the centring and rounding
// move |a − b| by at most about u·(r_i + r_j), so the squared distance by
// about 2u·(r_i + r_j)²; a dot product of d+1 terms computed in float32 in
// any order errs by at most (d+1)·u·Σ|terms| <= (d+1)·u·(r_i + r_j)²; the
// norm's rounding and the float32 arithmetic of the bounds below add a few
// u·(r_i + r_j)² more. Hence with e_ij = c·(r_i + r_j)², c = 3·(d+16)·u
// (well over twice the sum), v_ij is within e_ij of the exact value. If U
// is the k-th smallest of v_ij + e_ij over j ≠ i, k points lie within U,
// so every one of the k nearest has v_ij − e_ij <= U: those are the
// candidates. For typical data e_ij is a few parts in 10⁵ of the squared
// distances and only a handful of points beyond the k nearest are kept;
// data far from their mean relative to their spread (say two tight
// clusters far apart) keep more, which costs time but not exactness.

// BlockKNNPoints is the number of points from which KNN uses the blocked
// brute-force search instead of the vantage-point tree. On ten Gaussian
// clusters in 50-D with k = 90, the tree's best case, the two cost about
// the same natively at every size and the blocked search is faster under
// WebAssembly with SIMD from about 2,000 points (0.19 s against 0.22 s);
// on one isotropic Gaussian, where the tree prunes little, the blocked
// search is four to eight times faster at 10,000 points.
const BlockKNNPoints = 2000

const (
	knnBlockRows = 64 // query rows per matrix product
	// knnMACsPerUnit is the multiply-adds of the float32 product per work
	// unit (about a nanosecond natively).
	knnMACsPerUnit = 3
	// knnUnitsPerCol is the work of the two selection passes per point of
	// a row.
	knnUnitsPerCol = 5
)

// blockKNN is the state of the blocked search.
type blockKNN struct {
	d1      int       // d + 1, the stride of p and ablk
	p       []float32 // n×(d+1): centred, scaled point, then its squared norm
	pt      []float32 // the transpose of p, (d+1)×n: the product's B
	r       []float32 // norms of the points in p
	rmax    float32   // the largest of r
	total   int       // candidates ranked so far
	c       float32   // the error bound's factor
	ablk    []float32 // rows×(d+1): −2·p_i, then 1
	out     []float32 // rows×n: v_ij
	scratch []float32 // GEMM packing buffers
	chunk   int       // columns per product

	stage, prow  int       // preparation: stage, next row
	mean, tmp    []float64 // the points' mean; one row in float64
	rmax2, scale float64   // the largest centred squared norm; the scale

	row0, rows int  // current block
	col        int  // next column of the block's product
	r0         int  // next row of the block to rank
	ranking    bool // the candidates of row r0 are chosen
	cands      []int32
	cpos       int // next candidate to rank
	top        []float32
	mark       []int32 // per point: 1 + the row whose heap holds it
}

// beginBlock allocates the state of the blocked search, charged as one
// item; prepareBlock then fills the float32 points.
func (s *KNN) beginBlock() {
	n, d := s.n, s.d
	b := &blockKNN{d1: d + 1}
	rows := min(knnBlockRows, n)
	// A chunk of the product is at most about n·d units, the size of the
	// other items of the search.
	b.chunk = 8
	for b.chunk < n && rows*2*b.chunk*b.d1/knnMACsPerUnit <= n*d {
		b.chunk *= 2
	}
	b.mean = make([]float64, d)
	b.p = make([]float32, n*b.d1)
	b.pt = make([]float32, n*b.d1)
	b.r = make([]float32, n)
	b.mark = make([]int32, n)
	b.ablk = make([]float32, rows*b.d1)
	b.out = make([]float32, rows*n)
	b.scratch = make([]float32, tensor.GemmScratch(rows, b.d1))
	b.top = make([]float32, 0, s.k)
	b.cands = make([]int32, 0, 2*s.k)
	b.c = float32(3 * float64(d+16) * 0x1p-24)
	s.blk = b
	s.work += allocUnits(4*n*(2*b.d1+2)+4*rows*(n+b.d1)+8*d) + 4
}

// prepareBlock does the passes over the points that precede the search,
// a row at a time while the budget lasts: the mean (stage 0), the largest
// centred norm (1), then the centred, scaled float32 points, their norms
// and the transpose (2). It reports whether they are done.
func (s *KNN) prepareBlock() bool {
	b := s.blk
	n, d := s.n, s.d
	row := func(i int) []float64 {
		if s.x32 != nil {
			r := b.tmp[:d]
			for j, v := range s.x32[i*d : i*d+d] {
				r[j] = float64(v)
			}
			return r
		}
		return s.x[i*d : i*d+d]
	}
	if b.tmp == nil {
		b.tmp = make([]float64, d)
	}
	for b.stage < 3 && s.work < s.Budget {
		if b.prow == n {
			switch b.stage {
			case 0:
				for j := range b.mean {
					b.mean[j] /= float64(n)
				}
			case 1:
				// A power of two puts the largest norm in [1/2, 1): exact,
				// and far from float32 overflow and underflow.
				b.scale = 1
				if m := b.rmax2; m > 0 && !math.IsInf(m, 0) && !math.IsNaN(m) {
					_, e := math.Frexp(math.Sqrt(m))
					b.scale = math.Ldexp(1, -e)
				}
			}
			b.stage++
			b.prow = 0
			continue
		}
		i := b.prow
		x := row(i)
		switch b.stage {
		case 0:
			for j, v := range x {
				b.mean[j] += v
			}
		case 1:
			var ss float64
			for j, m := range b.mean {
				t := x[j] - m
				ss += t * t
			}
			b.rmax2 = max(b.rmax2, ss)
		case 2:
			p := b.p[i*b.d1 : i*b.d1+b.d1]
			var ss float64
			for j, m := range b.mean {
				v := float32((x[j] - m) * b.scale)
				p[j] = v
				ss += float64(v) * float64(v)
				b.pt[j*n+i] = v
			}
			p[d] = float32(ss)
			b.pt[d*n+i] = p[d]
			b.r[i] = float32(math.Sqrt(ss))
			b.rmax = max(b.rmax, b.r[i])
			s.work += d
		}
		s.work += d + 4
		b.prow++
	}
	return b.stage == 3
}

// stepBlock advances the blocked search until the budget is used or all
// rows are done.
func (s *KNN) stepBlock() {
	b := s.blk
	n := s.n
	if b.stage < 3 && !s.prepareBlock() {
		return
	}
	for s.next < n && s.work < s.Budget {
		if b.rows == 0 { // a new block: its rows of A
			b.row0, b.rows, b.col, b.r0 = s.next, min(len(b.ablk)/b.d1, n-s.next), 0, 0
			for r := 0; r < b.rows; r++ {
				src := b.p[(b.row0+r)*b.d1:]
				dst := b.ablk[r*b.d1 : r*b.d1+b.d1]
				for j := range s.d {
					dst[j] = -2 * src[j]
				}
				dst[s.d] = 1
			}
			s.work += b.rows * b.d1
			continue
		}
		if b.col < n { // one chunk of the product
			w := min(b.chunk, n-b.col)
			tensor.GemmTo(false, false, b.rows, w, b.d1, b.ablk, b.d1, b.pt[b.col:], n,
				b.out[b.col:], n, false, b.scratch)
			s.work += b.rows*w*b.d1/knnMACsPerUnit + 1
			b.col += w
			continue
		}
		i := b.row0 + b.r0
		if !b.ranking {
			s.chooseCandidates(i, b.out[b.r0*n:b.r0*n+n])
			b.ranking, b.cpos = true, 0
			s.heap = s.heap[:0]
			s.work += knnUnitsPerCol * n
			continue
		}
		for ; b.cpos < len(b.cands) && s.work < s.Budget; b.cpos++ {
			j := b.cands[b.cpos]
			d2 := s.d2(int32(i), j)
			s.offer(cand{math.Sqrt(d2), d2, j})
			s.work += s.units
		}
		if b.cpos < len(b.cands) {
			return
		}
		s.popRow(i)
		b.ranking = false
		b.r0++
		s.next++
		if b.r0 == b.rows {
			b.rows = 0
		}
	}
}

// chooseCandidates fills blk.cands with the points j ≠ i whose bounds
// allow them among the k nearest of i, given row v of the product (see
// the error bound above), in one pass over the row.
//
// A max-heap holds the k smallest upper bounds v_ij + e_ij seen so far; its
// top only decreases, so a point is kept while its lower bound is within
// the current top, and the few kept are checked against the final top at
// the end. The heap starts with the previous point (i−1) and its
// neighbours, usually close to i as well, so that the top is small from
// the start; they are marked so that the pass does not add them twice.
// Since e_ij >= 0 and e_ij <= the row's largest bound em, most points are
// passed over with one comparison: v_ij > top + em.
func (s *KNN) chooseCandidates(i int, v []float32) {
	b := s.blk
	k, ri, c := s.k, b.r[i], b.c
	v = v[:s.n]
	top := b.top[:0]
	mark := int32(i + 1)
	bound := func(j int) float32 {
		w := ri + b.r[j]
		return c * w * w
	}
	if i > 0 {
		seed := func(j int32) {
			if int(j) != i && b.mark[j] != mark && len(top) < k {
				b.mark[j] = mark
				top = heapPush(top, v[j]+bound(int(j)))
			}
		}
		seed(int32(i - 1))
		for _, j := range s.idx[(i-1)*k : i*k] {
			seed(j)
		}
	}
	wm := ri + b.rmax
	em := c * wm * wm
	lim := float32(math.Inf(1))
	if len(top) == k {
		lim = top[0] + em
	}
	cands := b.cands[:0]
	for j, vj := range v {
		if vj > lim || j == i {
			continue
		}
		e := bound(j)
		if len(top) < k {
			if b.mark[j] != mark {
				top = heapPush(top, vj+e)
				if len(top) == k {
					lim = top[0] + em
				}
			}
			cands = append(cands, int32(j))
			continue
		}
		if vj-e > top[0] {
			continue
		}
		cands = append(cands, int32(j))
		if up := vj + e; up < top[0] && b.mark[j] != mark {
			top[0] = up
			heapDown(top)
			lim = top[0] + em
		}
	}
	u := top[0]
	b.top = top
	kept := cands[:0]
	for _, j := range cands {
		if v[j]-bound(int(j)) <= u {
			kept = append(kept, j)
		}
	}
	b.cands = kept
	b.total += len(kept)
}

// heapPush adds x to the float32 max-heap h.
func heapPush(h []float32, x float32) []float32 {
	h = append(h, x)
	for q := len(h) - 1; q > 0; {
		p := (q - 1) / 2
		if h[p] >= h[q] {
			break
		}
		h[p], h[q] = h[q], h[p]
		q = p
	}
	return h
}

// heapDown restores the max-heap h after its top decreased.
func heapDown(h []float32) {
	for q := 0; ; {
		l := 2*q + 1
		if l >= len(h) {
			return
		}
		if l+1 < len(h) && h[l+1] > h[l] {
			l++
		}
		if h[q] >= h[l] {
			return
		}
		h[q], h[l] = h[l], h[q]
		q = l
	}
}

// popRow pops the heap of point i's query into its rows of the result,
// nearest first.
func (s *KNN) popRow(i int) {
	row := s.idx[i*s.k : i*s.k+s.k]
	drow := s.dist[i*s.k : i*s.k+s.k]
	for r := len(s.heap) - 1; r >= 0; r-- {
		c := s.heap[0]
		row[r], drow[r] = c.i, c.d2
		s.heap[0] = s.heap[len(s.heap)-1]
		s.heap = s.heap[:len(s.heap)-1]
		s.siftDown(0)
	}
	s.work += 8 * s.k
}
