package tsne

import "math"

// quadTree is the Barnes–Hut space partition of the 2-D embedding (Barnes &
// Hut 1986, used for t-SNE by van der Maaten 2014). Every node covers a
// square cell and a contiguous range of perm; a node with more than
// leafSize points (and a cell not yet tiny) has up to four non-empty
// children. Nodes are stored in depth-first preorder: a node's first child
// is the next node and skip is the index just past its subtree, so a
// traversal needs no stack. Each node keeps the centre of mass and count of
// its points, so far-away groups of points can be summarized; pts holds the
// points' coordinates in perm order, so a leaf reads them contiguously.
type quadTree struct {
	perm  []int32   // point index at each position
	pos   []int32   // position of each point
	pts   []float64 // coordinates in perm order
	nodes []qnode
	theta float64
}

type qnode struct {
	cx, cy float64 // centre of mass
	cnt    float64 // number of points
	crit   float64 // (side/θ)²: summarize when the squared distance exceeds it
	bx, by float64 // cell centre
	hw     float64 // cell half width
	lo, hi int32   // range in perm
	skip   int32   // index just past the subtree (own index + 1 for a leaf)
	leaf   bool
}

const (
	leafSize = 8  // points summed directly in a leaf
	maxDepth = 48 // deeper cells stay leaves (coincident points)
)

// build partitions the n points y (n×2) for accuracy theta and returns the
// work units done (about 3 per point per level).
func (q *quadTree) build(y []float64, theta float64) int {
	n := len(y) / 2
	if cap(q.perm) < n {
		q.perm, q.pos, q.pts = make([]int32, n), make([]int32, n), make([]float64, 2*n)
	}
	q.perm, q.pos, q.pts = q.perm[:n], q.pos[:n], q.pts[:2*n]
	q.theta = theta
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for i := 0; i < n; i++ {
		q.perm[i] = int32(i)
		minX, maxX = min(minX, y[2*i]), max(maxX, y[2*i])
		minY, maxY = min(minY, y[2*i+1]), max(maxY, y[2*i+1])
	}
	hw := max(maxX-minX, maxY-minY)/2*(1+1e-9) + 1e-300
	q.nodes = q.nodes[:0]
	work := 2*n + q.split(y, (minX+maxX)/2, (minY+maxY)/2, hw, 0, n, 0)
	for p, i := range q.perm {
		q.pos[i] = int32(p)
		q.pts[2*p], q.pts[2*p+1] = y[2*i], y[2*i+1]
	}
	return work + 2*n
}

// split appends the node for perm[lo:hi] in the cell centred at (bx, by)
// with half width hw, then its subtrees.
func (q *quadTree) split(y []float64, bx, by, hw float64, lo, hi, depth int) int {
	var sx, sy float64
	for _, p := range q.perm[lo:hi] {
		sx += y[2*p]
		sy += y[2*p+1]
	}
	cnt := float64(hi - lo)
	me := len(q.nodes)
	crit := math.Inf(1)
	if q.theta > 0 {
		crit = 4 * hw * hw / (q.theta * q.theta)
	}
	q.nodes = append(q.nodes, qnode{cx: sx / cnt, cy: sy / cnt, cnt: cnt, crit: crit,
		bx: bx, by: by, hw: hw, lo: int32(lo), hi: int32(hi)})
	work := 3 * (hi - lo)
	if hi-lo <= leafSize || depth >= maxDepth {
		q.nodes[me].leaf = true
		q.nodes[me].skip = int32(me + 1)
		return work
	}
	// Split the range by x, then each half by y.
	mx := partition(q.perm[lo:hi], y, 0, bx) + lo
	m0 := partition(q.perm[lo:mx], y, 1, by) + lo
	m1 := partition(q.perm[mx:hi], y, 1, by) + mx
	h := hw / 2
	for c, r := range [4][2]int{{lo, m0}, {m0, mx}, {mx, m1}, {m1, hi}} {
		if r[0] == r[1] {
			continue
		}
		cbx, cby := bx-h, by-h
		if c >= 2 {
			cbx = bx + h
		}
		if c&1 == 1 {
			cby = by + h
		}
		work += q.split(y, cbx, cby, h, r[0], r[1], depth+1)
	}
	q.nodes[me].skip = int32(len(q.nodes))
	return work
}

// partition reorders idx so that points with coordinate axis below split
// come first and returns how many there are.
func partition(idx []int32, y []float64, axis int, split float64) int {
	i, j := 0, len(idx)-1
	for i <= j {
		if y[2*int(idx[i])+axis] < split {
			i++
		} else {
			idx[i], idx[j] = idx[j], idx[i]
			j--
		}
	}
	return i
}

// repulse returns the Barnes–Hut estimates, for point i at (px, py), of
// the unnormalized repulsive force Σ_j w_ij²·(y_i − y_j) and of
// Σ_j w_ij with w_ij = 1/(1+|y_i − y_j|²), summing over j ≠ i. A cell is
// summarized by its centre of mass when it does not contain point i and
// its side is less than θ times the distance to that centre; otherwise it
// is opened. With θ = 0 every cell is opened and the sums are exact. It
// also returns the number of nodes and leaf points visited.
func (q *quadTree) repulse(i int32, px, py float64) (fx, fy, z float64, visits int) {
	self := int(q.pos[i])
	nodes := q.nodes
	for nd := 0; nd < len(nodes); {
		node := &nodes[nd]
		visits++
		if node.leaf {
			pts := q.pts[2*node.lo : 2*node.hi]
			for k := 0; k < len(pts); k += 2 {
				if int(node.lo)+k/2 == self {
					continue
				}
				dx, dy := px-pts[k], py-pts[k+1]
				w := 1 / (1 + dx*dx + dy*dy)
				z += w
				w *= w
				fx += w * dx
				fy += w * dy
			}
			visits += int(node.hi - node.lo)
			nd = int(node.skip)
			continue
		}
		dx, dy := px-node.cx, py-node.cy
		d2 := dx*dx + dy*dy
		if d2 > node.crit && (math.Abs(px-node.bx) > node.hw || math.Abs(py-node.by) > node.hw) {
			w := 1 / (1 + d2)
			z += node.cnt * w
			w *= w * node.cnt
			fx += w * dx
			fy += w * dy
			nd = int(node.skip)
			continue
		}
		nd++
	}
	return fx, fy, z, visits
}
