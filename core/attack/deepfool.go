package attack

import (
	"math"
	"slices"
)

// deepfool is DeepFool (Moosavi-Dezfooli et al. 2016) for one image as a
// stepper. Each iteration linearizes the network at x: with w_k the
// gradient of logit k minus that of the original class and f_k the
// logit difference, the nearest boundary of the linearization is along
// w_k for the k with the smallest |f_k|/‖w_k‖₂, at distance
// (|f_k|+1e-4)/‖w_k‖₂. The steps add up in r; x is the clean image plus
// (1+overshoot)·r, clipped to 0..1. A step computes one class's
// gradient, so an iteration takes as many steps as there are classes.
type deepfool struct {
	sc        *scorer
	clean, x  []float32
	label     int
	maxIter   int
	overshoot float64

	iter   int
	class  int         // next class whose gradient to take
	logits []float32   // at x, from class 0's pass
	grads  [][]float32 // per class, at x
	r      []float64   // accumulated perturbation
	curve  []float64
	done   bool
}

func newDeepFool(sc *scorer, clean []float32, label, maxIter int, overshoot float64) *deepfool {
	d := &deepfool{sc: sc, clean: clean, x: slices.Clone(clean), label: label, maxIter: maxIter, overshoot: overshoot,
		logits: make([]float32, sc.classes), grads: make([][]float32, sc.classes), r: make([]float64, len(clean))}
	for k := range d.grads {
		d.grads[k] = make([]float32, len(clean))
	}
	return d
}

// step takes the gradient of one logit at x; after the last class it
// checks the label and moves x to the nearest linearized boundary.
func (d *deepfool) step() bool {
	if d.done {
		return true
	}
	sc := d.sc
	logits := sc.plan.Forward(d.x)
	sc.forwards++
	if d.class == 0 {
		copy(d.logits, logits)
		if argmax(d.logits) != d.label || d.iter == d.maxIter {
			d.done = true
			return true
		}
	}
	clear(sc.seed)
	sc.seed[d.class] = 1
	copy(d.grads[d.class], sc.plan.InputGradientAfter(sc.seed))
	sc.backwards++
	d.class++
	if d.class < sc.classes {
		return false
	}
	d.class = 0
	d.iter++
	best, bestDist := -1, math.Inf(1)
	var bestW float64
	g0 := d.grads[d.label]
	for k, gk := range d.grads {
		if k == d.label {
			continue
		}
		var ww float64
		for i, v := range gk {
			w := float64(v) - float64(g0[i])
			ww += w * w
		}
		f := math.Abs(float64(d.logits[k]) - float64(d.logits[d.label]))
		if ww == 0 {
			continue
		}
		if dist := f / math.Sqrt(ww); dist < bestDist {
			best, bestDist, bestW = k, dist, ww
		}
	}
	if best < 0 { // flat: no direction changes any logit
		d.done = true
		return true
	}
	f := math.Abs(float64(d.logits[best]) - float64(d.logits[d.label]))
	k := (f + 1e-4) / bestW
	gb := d.grads[best]
	var l2 float64
	for i := range d.x {
		d.r[i] += k * (float64(gb[i]) - float64(g0[i]))
		v := min(max(float64(d.clean[i])+(1+d.overshoot)*d.r[i], 0), 1)
		d.x[i] = float32(v)
		l2 += (v - float64(d.clean[i])) * (v - float64(d.clean[i]))
	}
	d.curve = append(d.curve, math.Sqrt(l2))
	return false
}

// argmax returns the index of the largest value.
func argmax(x []float32) int {
	best := 0
	for i, v := range x {
		if v > x[best] {
			best = i
		}
	}
	return best
}
