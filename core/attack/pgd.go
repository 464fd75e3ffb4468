package attack

import (
	"math"
	"math/rand/v2"

	"cnnviz/core/inputopt"
)

// pgd is projected gradient ascent on the attack loss of a batch of
// images through the shared engine. Each step evaluates the loss and its
// gradient at the current images, remembers the best iterate of each
// image, and moves; a last evaluation, after total moves, scores the
// final iterate.
type pgd struct {
	sc       *scorer
	clean    []float32 // [batch, size]: the ball's centres
	class    []int     // the true (untargeted) or target (targeted) class
	targeted bool
	eng      *inputopt.Engine
	total    int // moves
	moves    int
	done     bool

	best     []float32 // best iterate of each image
	bestLoss []float64
	fooled   []bool // some iterate was misclassified (or reached the target)
	loss     []float64
	pred     []int
	curve    []float64 // loss of image 0 at each evaluation
}

// newPGD starts PGD on clean (batch images, copied) against class. With
// random start, each image starts at a seeded uniform point of its L∞
// ball, or a random direction at a uniform radius of its L2 ball.
func newPGD(sc *scorer, clean []float32, class []int, targeted bool, c inputopt.Constraint, rule inputopt.Rule, alpha float64, moves int, random bool, seed uint64) *pgd {
	n := len(clean)
	x := append([]float32(nil), clean...)
	c.Box = true
	c.Center = append([]float32(nil), clean...)
	if random && c.Norm != inputopt.NormNone {
		rng := rand.New(rand.NewPCG(seed, 0x9d))
		for s := 0; s < n; s += sc.size {
			img := x[s : s+sc.size]
			switch c.Norm {
			case inputopt.LInf:
				for i := range img {
					img[i] += float32(c.Eps * (2*rng.Float64() - 1))
				}
			case inputopt.L2:
				d := make([]float64, len(img))
				var norm float64
				for i := range d {
					d[i] = rng.NormFloat64()
					norm += d[i] * d[i]
				}
				k := c.Eps * rng.Float64() / math.Sqrt(norm)
				for i := range img {
					img[i] += float32(k * d[i])
				}
			}
		}
	}
	b := sc.batch
	p := &pgd{
		sc: sc, clean: c.Center, class: class, targeted: targeted, total: moves,
		eng:  inputopt.New(x, rule, alpha, sc.size, c),
		best: append([]float32(nil), x...), bestLoss: make([]float64, b),
		fooled: make([]bool, b), loss: make([]float64, b), pred: make([]int, b),
	}
	for i := range p.bestLoss {
		p.bestLoss[i] = math.Inf(-1)
	}
	return p
}

// hit reports whether prediction pred is a success for image b.
func (p *pgd) hit(b, pred int) bool {
	if p.targeted {
		return pred == p.class[b]
	}
	return pred != p.class[b]
}

// step evaluates the current iterate and moves once (or, after the last
// move, only evaluates) and reports whether PGD is finished.
func (p *pgd) step() bool {
	if p.done {
		return true
	}
	x := p.eng.X
	g := p.sc.lossGrad(x, p.class, p.targeted, p.loss, p.pred)
	size := p.sc.size
	for b := range p.sc.batch {
		hit := p.hit(b, p.pred[b])
		// A successful iterate beats any unsuccessful one; among equals
		// the higher loss wins.
		better := (hit && !p.fooled[b]) || (hit == p.fooled[b] && p.loss[b] > p.bestLoss[b])
		if better {
			p.fooled[b] = p.fooled[b] || hit
			p.bestLoss[b] = p.loss[b]
			copy(p.best[b*size:(b+1)*size], x[b*size:(b+1)*size])
		}
	}
	p.curve = append(p.curve, p.loss[0])
	if p.moves == p.total {
		p.done = true
		return true
	}
	p.eng.Step(g)
	p.moves++
	return false
}
