package tsne

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// KNN is a stepper that finds, for each of n points, its k nearest other
// points by Euclidean distance: with a vantage-point tree (Yianilos 1993)
// below BlockKNNPoints points, else with the blocked brute-force search
// described in knnblock.go (float32 matrix products choose candidates,
// exact float64 distances rank them), which returns exactly the same
// neighbours and distances and has no random choices. The rest of this
// comment describes the tree.
//
// The tree is built over a permutation of the points: the node of a range
// [lo, hi) is the point at position lo (the vantage point, chosen at random
// from the range with the seeded generator); the remaining points are split
// at the median of their distance to it into an inside range [lo+1, mid)
// (distance <= threshold) and an outside range [mid, hi). A query keeps the
// k best candidates in a max-heap and skips a side when the triangle
// inequality shows that nothing in it can beat the current k-th distance.
// Neighbours are ordered by (distance, index), so ties resolve the same way
// as a brute-force sort would.
//
// Work units (about a nanosecond each natively): one distance costs
// distUnits(d), about d/2 + 8. Both the build and the queries can stop
// after any distance: the build of a range resumes at its next point, and a
// query keeps its pending subtrees on an explicit stack, so one Step
// overruns Budget by at most one distance plus the selection that ends a
// range (4 units per point of the range) or the k results that end a
// query.
type KNN struct {
	x    []float64 // n×d, or nil when x32 is set
	x32  []float32
	n, d int
	k    int
	rng  *rand.Rand

	// Budget is the number of work units one Step may start.
	Budget int

	items []int32   // permutation of point indices
	thr   []float64 // threshold of the node at position lo
	mid   []int32   // start of the outside range of the node at lo
	dtmp  []float64 // distances to the current vantage point, by position
	stack [][2]int32
	cur   [2]int32 // range being built, when curAt > 0
	curAt int      // next position of cur whose distance is needed

	built bool
	xs    []float64 // float64 points in tree order (row p is items[p]), once built
	next  int       // queries are done in tree order: next is a position
	open  bool      // the query at position next has begun
	prev  int32     // point of the previous query, or -1
	seen  []int32   // per point: 1 + the position whose query offered it
	work  int
	units int // distUnits(d)

	frames []frame   // pending subtrees of the open query
	idx    []int32   // n×k
	dist   []float64 // n×k squared distances
	heap   []cand

	block bool      // the blocked brute-force search replaces the tree
	blk   *blockKNN // its state, once begun
}

type cand struct {
	d  float64 // distance (not squared)
	d2 float64 // squared distance
	i  int32
}

// frame is a pending subtree [lo, hi) of a query, to be searched if its
// test still passes when it is popped: side 0 always, side 1 (inside) when
// dv − τ <= thr, side 2 (outside) when dv + τ >= thr, with τ the k-th
// distance at that time (the order a recursive search would test in).
type frame struct {
	lo, hi  int32
	side    int32
	dv, thr float64
}

// less orders candidates by distance, then index.
func (a cand) less(b cand) bool { return a.d < b.d || (a.d == b.d && a.i < b.i) }

// distUnits is the work of one distance in d dimensions: about a
// nanosecond per unit natively with the four-way unrolled loops.
func distUnits(d int) int { return d/2 + 8 }

// NewKNN returns a stepper for the k nearest neighbours of each row of x
// (n×d, row-major). It panics if len(x) != n*d or k is not in 1..n-1. x must
// not change until the stepper is done.
func NewKNN(x []float64, n, d, k int, seed uint64) *KNN {
	if n < 2 || d < 1 || len(x) != n*d {
		panic(fmt.Sprintf("tsne.NewKNN: len(x) = %d, want n*d = %d*%d with n >= 2, d >= 1", len(x), n, d))
	}
	s := newKNN(n, d, k, seed)
	s.x = x
	return s
}

// NewKNN32 is NewKNN for float32 points, which it reads in place (no
// float64 copy); distances are accumulated in float64.
func NewKNN32(x []float32, n, d, k int, seed uint64) *KNN {
	if n < 2 || d < 1 || len(x) != n*d {
		panic(fmt.Sprintf("tsne.NewKNN32: len(x) = %d, want n*d = %d*%d with n >= 2, d >= 1", len(x), n, d))
	}
	s := newKNN(n, d, k, seed)
	s.x32 = x
	return s
}

func newKNN(n, d, k int, seed uint64) *KNN {
	if k < 1 || k > n-1 {
		panic(fmt.Sprintf("tsne.NewKNN: k = %d, want 1..n-1 = 1..%d", k, n-1))
	}
	return newKNNMode(n, d, k, seed, n >= BlockKNNPoints)
}

// newKNNMode is newKNN with the search chosen: blocked brute force when
// block is true, else the vantage-point tree.
func newKNNMode(n, d, k int, seed uint64, block bool) *KNN {
	s := &KNN{n: n, d: d, k: k, Budget: DefaultBudget, block: block,
		idx: make([]int32, n*k), dist: make([]float64, n*k), heap: make([]cand, 0, k), units: distUnits(d)}
	if block {
		return s
	}
	s.rng = rand.New(rand.NewPCG(seed, 0x7670))
	s.items, s.thr, s.mid, s.dtmp = make([]int32, n), make([]float64, n), make([]int32, n), make([]float64, n)
	for i := range s.items {
		s.items[i] = int32(i)
	}
	s.stack = append(s.stack, [2]int32{0, int32(n)})
	s.prev = -1
	return s
}

// Neighbors returns the k nearest neighbours of every row of x (n×d) as
// n×k indices and squared distances, nearest first; it runs a KNN stepper
// to completion and panics like NewKNN.
func Neighbors(x []float64, n, d, k int, seed uint64) (idx []int32, dist2 []float64) {
	s := NewKNN(x, n, d, k, seed)
	for !s.Step() {
	}
	return s.Result()
}

// Result returns the n×k neighbour indices and squared distances, nearest
// first (ties by smaller index); rows not yet queried are zero. The slices
// are the stepper's own.
func (s *KNN) Result() (idx []int32, dist2 []float64) { return s.idx, s.dist }

// Progress returns the fraction 0..1 of the work done (for the tree, the
// build counted as the first fifth; for the blocked search, the rows
// done).
func (s *KNN) Progress() float64 {
	if s.block {
		return float64(s.next) / float64(s.n)
	}
	if !s.built {
		return 0.1
	}
	return 0.2 + 0.8*float64(s.next)/float64(s.n)
}

// Work returns the work units done by the most recent Step.
func (s *KNN) Work() int { return s.work }

// Step does a bounded slice of the build or the queries and reports whether
// all queries are done.
func (s *KNN) Step() bool {
	s.work = 0
	if s.block {
		if s.blk == nil {
			s.beginBlock()
		}
		s.stepBlock()
		return s.next == s.n
	}
	for !s.built && s.work < s.Budget {
		if s.curAt == 0 {
			if len(s.stack) == 0 {
				s.finishBuild()
				break
			}
			s.cur = s.stack[len(s.stack)-1]
			s.stack = s.stack[:len(s.stack)-1]
			s.beginRange()
			continue
		}
		s.buildRange()
	}
	for s.built && s.next < s.n && s.work < s.Budget {
		if !s.open {
			s.beginQuery()
		}
		if s.search() {
			s.finishQuery()
			s.open = false
			s.next++
		}
	}
	return s.built && s.next == s.n
}

// finishBuild copies float64 points into tree order, so that a subtree's
// points are contiguous in memory, and prepares the queries.
func (s *KNN) finishBuild() {
	s.built = true
	s.dtmp, s.stack = nil, nil
	s.seen = make([]int32, s.n)
	s.work += allocUnits(4 * s.n)
	if s.x != nil {
		d := s.d
		s.xs = make([]float64, s.n*d)
		for p, i := range s.items {
			copy(s.xs[p*d:p*d+d], s.x[int(i)*d:int(i)*d+d])
		}
		s.work += allocUnits(8*s.n*d) + s.n*d/2
	}
}

// dPos returns the squared distance between the query point q (at tree
// position qp) and the point at tree position p.
func (s *KNN) dPos(q int32, qp, p int) float64 {
	d := s.d
	if s.xs != nil {
		return dist2(s.xs[qp*d:qp*d+d], s.xs[p*d:p*d+d])
	}
	v := int(s.items[p])
	if s.x32 != nil {
		return dist2f32(s.x32[int(q)*d:int(q)*d+d], s.x32[v*d:v*d+d])
	}
	return dist2(s.x[int(q)*d:int(q)*d+d], s.x[v*d:v*d+d])
}

// beginQuery starts the query of the point at tree position next. The
// previous query's point is usually close (tree order keeps neighbours
// together), so its neighbours and itself are offered first: the k-th
// distance starts small and the search prunes early. Points offered are
// marked so the search does not offer them twice; the result is the same
// as without the seeds.
func (s *KNN) beginQuery() {
	s.heap = s.heap[:0]
	s.frames = append(s.frames[:0], frame{lo: 0, hi: int32(s.n)})
	s.open = true
	q, mark := s.items[s.next], int32(s.next+1)
	if s.prev >= 0 {
		seeds := s.idx[int(s.prev)*s.k : int(s.prev)*s.k+s.k]
		s.seed(q, s.prev, mark)
		for _, c := range seeds {
			s.seed(q, c, mark)
		}
	}
	s.prev = q
}

// seed offers point c (not q itself) to the query of q.
func (s *KNN) seed(q, c int32, mark int32) {
	if c == q || s.seen[c] == mark {
		return
	}
	s.seen[c] = mark
	d2 := s.d2(q, c)
	s.offer(cand{math.Sqrt(d2), d2, c})
	s.work += s.units
}

// d2 returns the squared distance between points i and j.
func (s *KNN) d2(i, j int32) float64 {
	d := s.d
	if s.x32 != nil {
		return dist2f32(s.x32[int(i)*d:int(i)*d+d], s.x32[int(j)*d:int(j)*d+d])
	}
	return dist2(s.x[int(i)*d:int(i)*d+d], s.x[int(j)*d:int(j)*d+d])
}

// dist2 returns the squared Euclidean distance between a and b (len(b) >=
// len(a)), summed in four interleaved partial sums.
func dist2(a, b []float64) float64 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(a); i += 4 {
		p, q := a[i:i+4:i+4], b[i:i+4:i+4]
		t0, t1, t2, t3 := p[0]-q[0], p[1]-q[1], p[2]-q[2], p[3]-q[3]
		s0 += t0 * t0
		s1 += t1 * t1
		s2 += t2 * t2
		s3 += t3 * t3
	}
	for ; i < len(a); i++ {
		t := a[i] - b[i]
		s0 += t * t
	}
	return (s0 + s1) + (s2 + s3)
}

// dist2f32 is dist2 for float32 points, accumulated in float64.
func dist2f32(a, b []float32) float64 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(a); i += 4 {
		p, q := a[i:i+4:i+4], b[i:i+4:i+4]
		t0, t1 := float64(p[0])-float64(q[0]), float64(p[1])-float64(q[1])
		t2, t3 := float64(p[2])-float64(q[2]), float64(p[3])-float64(q[3])
		s0 += t0 * t0
		s1 += t1 * t1
		s2 += t2 * t2
		s3 += t3 * t3
	}
	for ; i < len(a); i++ {
		t := float64(a[i]) - float64(b[i])
		s0 += t * t
	}
	return (s0 + s1) + (s2 + s3)
}

// beginRange starts building range cur: a leaf is done at once; otherwise
// it draws the vantage point and schedules the distances.
func (s *KNN) beginRange() {
	lo, hi := int(s.cur[0]), int(s.cur[1])
	s.work += 4
	if hi-lo <= 1 {
		return
	}
	v := lo + s.rng.IntN(hi-lo)
	s.items[lo], s.items[v] = s.items[v], s.items[lo]
	s.curAt = lo + 1
}

// buildRange computes distances to the vantage point of range cur until
// the budget is used, then splits the range at the median and pushes its
// two halves.
func (s *KNN) buildRange() {
	lo, hi := int(s.cur[0]), int(s.cur[1])
	vp := s.items[lo]
	p := s.curAt
	for ; p < hi && s.work < s.Budget; p++ {
		s.dtmp[p] = math.Sqrt(s.d2(vp, s.items[p]))
		s.work += s.units
	}
	s.curAt = p
	if p < hi {
		return
	}
	s.curAt = 0
	m := lo + 1 + (hi-lo-1)/2
	s.selectNth(lo+1, hi, m)
	s.work += 4 * (hi - lo)
	s.thr[lo] = s.dtmp[m]
	s.mid[lo] = int32(m)
	s.stack = append(s.stack, [2]int32{int32(m), int32(hi)}, [2]int32{int32(lo + 1), int32(m)})
}

// selectNth reorders positions [lo, hi) (items and dtmp together) so that
// position m holds the element of rank m-lo by distance, with no larger
// distance before it and no smaller after it (Hoare's quickselect).
func (s *KNN) selectNth(lo, hi, m int) {
	hi--
	for lo < hi {
		pv := s.dtmp[lo+(hi-lo)/2]
		i, j := lo, hi
		for i <= j {
			for s.dtmp[i] < pv {
				i++
			}
			for s.dtmp[j] > pv {
				j--
			}
			if i <= j {
				s.dtmp[i], s.dtmp[j] = s.dtmp[j], s.dtmp[i]
				s.items[i], s.items[j] = s.items[j], s.items[i]
				i++
				j--
			}
		}
		switch {
		case m <= j:
			hi = j
		case m >= i:
			lo = i
		default:
			return
		}
	}
}

// finishQuery pops the heap of the query at position next into its
// point's rows of the result, nearest first.
func (s *KNN) finishQuery() { s.popRow(int(s.items[s.next])) }

// tau is the current k-th distance, or +Inf while the heap is not full.
func (s *KNN) tau() float64 {
	if len(s.heap) < s.k {
		return math.Inf(1)
	}
	return s.heap[0].d
}

// search continues the query at tree position next, a node at a time, until its
// stack of pending subtrees is empty (it returns true) or the budget is
// used. It visits nodes in the order of the recursive search: the side of
// the vantage point's threshold that holds the query first, each side only
// if it can still hold a candidate.
func (s *KNN) search() bool {
	qp := s.next
	q, mark := s.items[qp], int32(qp+1)
	for len(s.frames) > 0 {
		if s.work >= s.Budget {
			return false
		}
		f := s.frames[len(s.frames)-1]
		s.frames = s.frames[:len(s.frames)-1]
		if f.lo >= f.hi {
			continue
		}
		// A small slack keeps rounding in the distances from pruning a
		// subtree whose best point ties the current k-th candidate.
		switch slack := 1e-12 * (f.dv + f.thr); f.side {
		case 1:
			if f.dv-s.tau() > f.thr+slack {
				continue
			}
		case 2:
			if f.dv+s.tau() < f.thr-slack {
				continue
			}
		}
		lo, hi := int(f.lo), int(f.hi)
		s.work += s.units
		v := s.items[lo]
		d2 := s.dPos(q, qp, lo)
		dv := math.Sqrt(d2)
		if v != q && s.seen[v] != mark {
			s.offer(cand{dv, d2, v})
		}
		if hi-lo == 1 {
			continue
		}
		thr, m := s.thr[lo], s.mid[lo]
		in := frame{lo: int32(lo + 1), hi: m, side: 1, dv: dv, thr: thr}
		out := frame{lo: m, hi: int32(hi), side: 2, dv: dv, thr: thr}
		if dv < thr {
			s.frames = append(s.frames, out, in)
		} else {
			s.frames = append(s.frames, in, out)
		}
	}
	return true
}

func (s *KNN) offer(c cand) {
	if len(s.heap) < s.k {
		s.heap = append(s.heap, c)
		for j := len(s.heap) - 1; j > 0; {
			p := (j - 1) / 2
			if !s.heap[p].less(s.heap[j]) {
				break
			}
			s.heap[p], s.heap[j] = s.heap[j], s.heap[p]
			j = p
		}
		return
	}
	if c.less(s.heap[0]) {
		s.heap[0] = c
		s.siftDown(0)
	}
}

func (s *KNN) siftDown(j int) {
	h := s.heap
	for {
		l := 2*j + 1
		if l >= len(h) {
			return
		}
		big := l
		if r := l + 1; r < len(h) && h[l].less(h[r]) {
			big = r
		}
		if !h[j].less(h[big]) {
			return
		}
		h[j], h[big] = h[big], h[j]
		j = big
	}
}
