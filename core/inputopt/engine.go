package inputopt

import (
	"fmt"
	"math"
	"sync/atomic"
)

// Rule is an update rule for gradient ascent.
type Rule int

const (
	// Adam moves each value by about LR per step in the direction its
	// own recent gradients agree on (Kingma and Ba 2015, β1 = 0.9,
	// β2 = 0.999, ε = 1e-8).
	Adam Rule = iota + 1
	// Normalized is gradient ascent scaled so that the mean magnitude of
	// a step is LR: x += LR·g/mean|g|, per image.
	Normalized
	// Sign moves every value by LR in the direction of its gradient's
	// sign: the steepest ascent step in the L∞ norm (FGSM, PGD L∞).
	Sign
	// L2Step moves x by LR along g/‖g‖₂, per image: the steepest ascent
	// step in the L2 norm (PGD L2).
	L2Step
)

// String returns the rule's name.
func (r Rule) String() string {
	switch r {
	case Adam:
		return "adam"
	case Normalized:
		return "normalized"
	case Sign:
		return "sign"
	case L2Step:
		return "l2"
	}
	return fmt.Sprintf("rule(%d)", int(r))
}

// Norm selects the ball of a Constraint.
type Norm int

const (
	// NormNone is no ball: only the box, if any, constrains.
	NormNone Norm = iota
	// LInf is the ball max|x−c| ≤ Eps.
	LInf
	// L2 is the ball ‖x−c‖₂ ≤ Eps.
	L2
)

// String returns the norm's name as users write it.
func (n Norm) String() string {
	switch n {
	case NormNone:
		return "none"
	case LInf:
		return "linf"
	case L2:
		return "l2"
	}
	return fmt.Sprintf("norm(%d)", int(n))
}

// Constraint is the set an Engine projects into after every step.
type Constraint struct {
	// Box keeps every value in 0..1, the range of pixels.
	Box bool
	// Norm and Eps give a ball around Center; Center holds one image per
	// Engine.Size values (as many values as the engine). NormNone ignores
	// Eps and Center.
	Norm   Norm
	Eps    float64
	Center []float32
}

// Project moves x into the constraint, size values (one image) at a
// time: onto the ball first (clipping for L∞, scaling the difference for
// L2), then into the box, which keeps it in the ball because the centre
// is in the box. The result is in the ball exactly: |x−c| and ‖x−c‖₂,
// computed in float64 from the float32 values, are at most Eps. It
// panics when size does not divide len(x) or Center has another length.
func (c *Constraint) Project(x []float32, size int) {
	if size <= 0 || len(x)%size != 0 {
		panic(fmt.Sprintf("inputopt: project %d values in images of %d", len(x), size))
	}
	if c.Norm != NormNone && len(c.Center) != len(x) {
		panic(fmt.Sprintf("inputopt: centre has %d values, want %d", len(c.Center), len(x)))
	}
	switch c.Norm {
	case LInf:
		for i, v := range x {
			x[i] = clipTo(v, c.Center[i], c.Eps)
		}
	case L2:
		for s := 0; s < len(x); s += size {
			projectL2(x[s:s+size], c.Center[s:s+size], c.Eps)
		}
	}
	if c.Box {
		for i, v := range x {
			x[i] = min(max(v, 0), 1)
		}
	}
}

// clipTo returns v moved into [c−eps, c+eps], measured in float64.
func clipTo(v, c float32, eps float64) float32 {
	d := float64(v) - float64(c)
	if d >= -eps && d <= eps {
		return v
	}
	w := float32(float64(c) + math.Copysign(eps, d))
	for math.Abs(float64(w)-float64(c)) > eps { // rounding went outward
		w = math.Nextafter32(w, c)
	}
	return w
}

// projectL2 scales x−c down to L2 norm eps when it is longer. float32
// rounding can leave the scaled point a hair outside; it then shrinks by
// a factor that doubles its distance from 1 until the point is inside.
func projectL2(x, c []float32, eps float64) {
	n := dist2(x, c)
	k, shrink := eps/n, 1e-6
	for n > eps {
		if k <= 0 {
			copy(x, c)
			return
		}
		for i := range x {
			x[i] = float32(float64(c[i]) + k*(float64(x[i])-float64(c[i])))
		}
		n = dist2(x, c)
		k, shrink = 1-shrink, 2*shrink
	}
}

// dist2 is ‖x−c‖₂ in float64.
func dist2(x, c []float32) float64 {
	var s float64
	for i, v := range x {
		d := float64(v) - float64(c[i])
		s += d * d
	}
	return math.Sqrt(s)
}

// calls counts Engine.Step calls in the process.
var calls atomic.Int64

// Calls returns how many Engine steps the process has taken, over all
// engines.
func Calls() int64 { return calls.Load() }

// Engine is gradient ascent on X under a Constraint.
type Engine struct {
	// X holds the values being optimized, images of Size values each.
	X    []float32
	Rule Rule
	LR   float64
	// Size is the number of values per image (the unit of Normalized,
	// L2Step and the balls); 0 means len(X).
	Size       int
	Constraint Constraint

	steps int
	t     int
	m, v  []float32
}

// New returns an engine on x (used in place, not copied) that projects x
// into c at once.
func New(x []float32, rule Rule, lr float64, size int, c Constraint) *Engine {
	e := &Engine{X: x, Rule: rule, LR: lr, Size: size, Constraint: c}
	e.Constraint.Project(x, e.size())
	return e
}

func (e *Engine) size() int {
	if e.Size == 0 {
		return len(e.X)
	}
	return e.Size
}

// Steps returns how many steps this engine has taken.
func (e *Engine) Steps() int { return e.steps }

// Step moves X uphill along the gradient g (the gradient of what to
// maximize with respect to X) by the engine's rule, then projects X into
// the constraint. It panics when len(g) != len(X) or the rule is unknown.
func (e *Engine) Step(g []float32) {
	if len(g) != len(e.X) {
		panic(fmt.Sprintf("inputopt: gradient has %d values, want %d", len(g), len(e.X)))
	}
	calls.Add(1)
	e.steps++
	size := e.size()
	switch e.Rule {
	case Adam:
		e.adam(g)
	case Normalized:
		for s := 0; s < len(g); s += size {
			normalized(e.X[s:s+size], g[s:s+size], e.LR)
		}
	case Sign:
		lr := float32(e.LR)
		for i, v := range g {
			switch {
			case v > 0:
				e.X[i] += lr
			case v < 0:
				e.X[i] -= lr
			}
		}
	case L2Step:
		for s := 0; s < len(g); s += size {
			l2step(e.X[s:s+size], g[s:s+size], e.LR)
		}
	default:
		panic(fmt.Sprintf("inputopt: unknown rule %d", int(e.Rule)))
	}
	e.Constraint.Project(e.X, size)
}

// normalized is x += lr·g/mean|g|; a zero gradient leaves x.
func normalized(x, g []float32, lr float64) {
	var s float64
	for _, v := range g {
		s += math.Abs(float64(v))
	}
	if s == 0 {
		return
	}
	k := float32(lr * float64(len(g)) / s)
	for i, v := range g {
		x[i] += k * v
	}
}

// l2step is x += lr·g/‖g‖₂; a zero gradient leaves x.
func l2step(x, g []float32, lr float64) {
	var s float64
	for _, v := range g {
		s += float64(v) * float64(v)
	}
	if s == 0 {
		return
	}
	k := lr / math.Sqrt(s)
	for i, v := range g {
		x[i] += float32(k * float64(v))
	}
}

// adam moves X by LR·m̂/(√v̂ + ε) along g.
func (e *Engine) adam(g []float32) {
	const b1, b2, eps = 0.9, 0.999, 1e-8
	if e.m == nil {
		e.m, e.v = make([]float32, len(e.X)), make([]float32, len(e.X))
	}
	e.t++
	c1 := 1 - math.Pow(b1, float64(e.t))
	c2 := 1 - math.Pow(b2, float64(e.t))
	for i, gi := range g {
		e.m[i] = b1*e.m[i] + (1-b1)*gi
		e.v[i] = b2*e.v[i] + (1-b2)*gi*gi
		mh, vh := float64(e.m[i])/c1, float64(e.v[i])/c2
		e.X[i] += float32(e.LR * mh / (math.Sqrt(vh) + eps))
	}
}
