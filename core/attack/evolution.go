package attack

import (
	"math"
	"math/rand/v2"
	"slices"
)

// evolutionBatch is how many candidates one Step of the one-pixel attack
// runs through the network.
const evolutionBatch = 10

// evolution is the one-pixel attack (Su et al. 2019): differential
// evolution over candidates (row, column, one value per channel), the
// fitness of a candidate being the probability of the attacked class
// with that one pixel set (untargeted), or one minus the target's
// probability. It sees only the network's outputs. Each generation makes
// one trial per member, x_r1 + F·(x_r2 − x_r3) with F = 0.5 and three
// other random members (DE/rand/1, no crossover), and a trial replaces
// its parent when it is at least as fit. It stops at success or after
// the given number of generations.
type evolution struct {
	sc      *scorer
	c, h, w int
	clean   []float32
	label   int
	target  int
	gens    int
	rng     *rand.Rand

	pop, trial [][]float64 // members: row, col, values...
	fit        []float64
	gen        int // generations done
	next       int // next member (of pop in generation 0, else of trial) to evaluate
	trialFit   []float64
	batch      []float32
	pred       []int
	curve      []float64
	bestIdx    int
	success    bool
	done       bool
}

func newEvolution(sc *scorer, shape []int, clean []float32, label, target, population, gens int, seed uint64) *evolution {
	e := &evolution{sc: sc, c: shape[0], h: shape[1], w: shape[2], clean: clean, label: label, target: target, gens: gens,
		rng: rand.New(rand.NewPCG(seed, 0xde)),
		fit: make([]float64, population), trialFit: make([]float64, population),
		batch: make([]float32, sc.batch*sc.size), pred: make([]int, sc.batch)}
	for range population {
		m := make([]float64, 2+e.c)
		m[0], m[1] = e.rng.Float64()*float64(e.h), e.rng.Float64()*float64(e.w)
		for j := 2; j < len(m); j++ {
			m[j] = e.rng.Float64()
		}
		e.pop = append(e.pop, m)
		e.trial = append(e.trial, make([]float64, len(m)))
	}
	return e
}

// maxSteps is the number of steps of a run that never succeeds.
func (e *evolution) maxSteps() int {
	per := (len(e.pop) + e.sc.batch - 1) / e.sc.batch
	return per * (e.gens + 1)
}

// set writes candidate m into img (a copy of the clean image).
func (e *evolution) set(m []float64, img []float32) {
	r := min(int(m[0]), e.h-1)
	c := min(int(m[1]), e.w-1)
	for ch := range e.c {
		img[(ch*e.h+r)*e.w+c] = float32(m[2+ch])
	}
}

// image returns the clean image with the best member's pixel set.
func (e *evolution) image(dst []float32) []float32 {
	dst = append(dst[:0], e.clean...)
	e.set(e.pop[e.bestIdx], dst)
	return dst
}

// fitness of image b of the last batch: lower is better.
func (e *evolution) fitness(b int) (float64, bool) {
	p := e.sc.probs[b*e.sc.classes : (b+1)*e.sc.classes]
	if e.target >= 0 {
		return 1 - float64(p[e.target]), e.pred[b] == e.target
	}
	return float64(p[e.label]), e.pred[b] != e.label
}

// step evaluates the next batch of candidates (the initial population in
// generation 0, then trials), and starts a new generation when a
// generation's candidates are all evaluated.
func (e *evolution) step() bool {
	if e.done {
		return true
	}
	n := len(e.pop)
	if e.gen > 0 && e.next == 0 {
		e.mutate()
	}
	cands := e.pop
	fit := e.fit
	if e.gen > 0 {
		cands, fit = e.trial, e.trialFit
	}
	end := min(e.next+e.sc.batch, n)
	size := e.sc.size
	for b := range e.sc.batch {
		img := e.batch[b*size : (b+1)*size]
		copy(img, e.clean)
		if e.next+b < end {
			e.set(cands[e.next+b], img)
		}
	}
	e.sc.forward(e.batch, e.pred)
	for b := 0; e.next+b < end; b++ {
		f, ok := e.fitness(b)
		fit[e.next+b] = f
		if ok {
			e.success = true
		}
	}
	e.next = end
	if e.next < n {
		return false
	}
	e.next = 0
	if e.gen > 0 {
		for i := range e.pop {
			if e.trialFit[i] <= e.fit[i] {
				e.pop[i], e.trial[i] = e.trial[i], e.pop[i]
				e.fit[i] = e.trialFit[i]
			}
		}
	}
	e.bestIdx = 0
	for i, f := range e.fit {
		if f < e.fit[e.bestIdx] {
			e.bestIdx = i
		}
	}
	e.curve = append(e.curve, e.fit[e.bestIdx])
	e.gen++
	// Success is decided on the population after selection: the best
	// member is then the one that succeeded or fitter still.
	e.done = e.gen > e.gens || e.success && e.bestSucceeds()
	return e.done
}

// bestSucceeds reports whether the best member's fitness is a success:
// below the largest other class's probability for an untargeted attack.
func (e *evolution) bestSucceeds() bool {
	img := e.image(nil)
	for b := range e.sc.batch {
		copy(e.batch[b*e.sc.size:], img)
	}
	e.sc.forward(e.batch, e.pred)
	_, ok := e.fitness(0)
	return ok
}

// mutate makes one trial per member: x_r1 + 0.5·(x_r2 − x_r3), clipped
// to the image and to 0..1.
func (e *evolution) mutate() {
	n := len(e.pop)
	for i := range e.trial {
		var r [3]int
		for j := range r {
			for {
				r[j] = e.rng.IntN(n)
				if r[j] != i && !slices.Contains(r[:j], r[j]) {
					break
				}
			}
		}
		a, b, c := e.pop[r[0]], e.pop[r[1]], e.pop[r[2]]
		t := e.trial[i]
		for j := range t {
			t[j] = a[j] + 0.5*(b[j]-c[j])
		}
		t[0] = min(max(t[0], 0), math.Nextafter(float64(e.h), 0))
		t[1] = min(max(t[1], 0), math.Nextafter(float64(e.w), 0))
		for j := 2; j < len(t); j++ {
			t[j] = min(max(t[j], 0), 1)
		}
	}
}
