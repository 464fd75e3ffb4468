package tsne

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// KNN is a stepper that finds, for each of n points, its k nearest other
// points by Euclidean distance with a vantage-point tree (Yianilos 1993).
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
// Work units: building a range costs its size times (d+4); a query costs
// d+4 per node visited. One Step stops starting new ranges or queries once
// Budget units are done, so it overruns Budget by at most one range (n·(d+4)
// for the root) or one query (n·(d+4) at worst, far less in practice).
type KNN struct {
	x    []float64
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

	built bool
	next  int // next query point
	work  int

	idx  []int32   // n×k
	dist []float64 // n×k squared distances
	heap []cand
}

type cand struct {
	d float64 // distance (not squared)
	i int32
}

// less orders candidates by distance, then index.
func (a cand) less(b cand) bool { return a.d < b.d || (a.d == b.d && a.i < b.i) }

// NewKNN returns a stepper for the k nearest neighbours of each row of x
// (n×d, row-major). It panics if len(x) != n*d or k is not in 1..n-1. x must
// not change until the stepper is done.
func NewKNN(x []float64, n, d, k int, seed uint64) *KNN {
	if n < 2 || d < 1 || len(x) != n*d {
		panic(fmt.Sprintf("tsne.NewKNN: len(x) = %d, want n*d = %d*%d with n >= 2, d >= 1", len(x), n, d))
	}
	if k < 1 || k > n-1 {
		panic(fmt.Sprintf("tsne.NewKNN: k = %d, want 1..n-1 = 1..%d", k, n-1))
	}
	s := &KNN{x: x, n: n, d: d, k: k, rng: rand.New(rand.NewPCG(seed, 0x7670)), Budget: DefaultBudget,
		items: make([]int32, n), thr: make([]float64, n), mid: make([]int32, n), dtmp: make([]float64, n),
		idx: make([]int32, n*k), dist: make([]float64, n*k), heap: make([]cand, 0, k)}
	for i := range s.items {
		s.items[i] = int32(i)
	}
	s.stack = append(s.stack, [2]int32{0, int32(n)})
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

// Progress returns the fraction 0..1 of the work done (build counted as
// the first fifth).
func (s *KNN) Progress() float64 {
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
	for !s.built && s.work < s.Budget {
		if len(s.stack) == 0 {
			s.built = true
			s.dtmp, s.stack = nil, nil
			break
		}
		r := s.stack[len(s.stack)-1]
		s.stack = s.stack[:len(s.stack)-1]
		s.buildRange(int(r[0]), int(r[1]))
	}
	for s.built && s.next < s.n && s.work < s.Budget {
		s.query(s.next)
		s.next++
	}
	return s.built && s.next == s.n
}

func (s *KNN) row(i int32) []float64 { return s.x[int(i)*s.d : int(i)*s.d+s.d] }

func dist2(a, b []float64) float64 {
	var sum float64
	b = b[:len(a)]
	for j, v := range a {
		t := v - b[j]
		sum += t * t
	}
	return sum
}

func (s *KNN) buildRange(lo, hi int) {
	s.work += (hi - lo) * (s.d + 4)
	if hi-lo <= 1 {
		return
	}
	v := lo + s.rng.IntN(hi-lo)
	s.items[lo], s.items[v] = s.items[v], s.items[lo]
	vp := s.row(s.items[lo])
	for p := lo + 1; p < hi; p++ {
		s.dtmp[p] = math.Sqrt(dist2(vp, s.row(s.items[p])))
	}
	m := lo + 1 + (hi-lo-1)/2
	s.selectNth(lo+1, hi, m)
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

func (s *KNN) query(qi int) {
	s.heap = s.heap[:0]
	q := s.x[qi*s.d : qi*s.d+s.d]
	s.search(0, s.n, q, int32(qi))
	// Pop the max-heap from the back to get ascending order.
	row := s.idx[qi*s.k : qi*s.k+s.k]
	drow := s.dist[qi*s.k : qi*s.k+s.k]
	for r := len(s.heap) - 1; r >= 0; r-- {
		c := s.heap[0]
		row[r], drow[r] = c.i, dist2(q, s.row(c.i))
		s.heap[0] = s.heap[len(s.heap)-1]
		s.heap = s.heap[:len(s.heap)-1]
		s.siftDown(0)
	}
}

// tau is the current k-th distance, or +Inf while the heap is not full.
func (s *KNN) tau() float64 {
	if len(s.heap) < s.k {
		return math.Inf(1)
	}
	return s.heap[0].d
}

func (s *KNN) search(lo, hi int, q []float64, skip int32) {
	if lo >= hi {
		return
	}
	s.work += s.d + 4
	v := s.items[lo]
	dv := math.Sqrt(dist2(q, s.row(v)))
	if v != skip {
		s.offer(cand{dv, v})
	}
	if hi-lo == 1 {
		return
	}
	thr, m := s.thr[lo], int(s.mid[lo])
	// A small slack keeps rounding in the distances from pruning a
	// subtree whose best point ties the current k-th candidate.
	slack := 1e-12 * (dv + thr)
	if dv < thr {
		if dv-s.tau() <= thr+slack {
			s.search(lo+1, m, q, skip)
		}
		if dv+s.tau() >= thr-slack {
			s.search(m, hi, q, skip)
		}
	} else {
		if dv+s.tau() >= thr-slack {
			s.search(m, hi, q, skip)
		}
		if dv-s.tau() <= thr+slack {
			s.search(lo+1, m, q, skip)
		}
	}
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
