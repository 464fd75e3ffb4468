// Package gradcheck compares the gradients that package autograd computes
// with central finite differences. Tests across cnnviz use it for single
// ops, layers and whole networks.
//
// Everything runs in float32, as the models do, so the step and tolerances
// are chosen for it: with values of order one, float32 rounds a function
// value to about 1e-7 relative, so a central difference with step h carries
// a rounding error near 1e-7·|f|/h, and a truncation error near h²·|f”'|/6.
// The default step h = 1e-2 balances the two at about 1e-5, well inside the
// default tolerance of 1e-2 relative plus 1e-3 absolute; a wrong gradient
// (a missing term, a transposed index, a factor off) is off by far more.
// Inputs must keep away from kinks (ReLU at zero, max-pool ties) by more
// than h, or the finite difference itself is wrong.
package gradcheck

import (
	"fmt"
	"math"
	"math/rand/v2"

	"cnnviz/core/autograd"
	"cnnviz/core/tensor"
)

// Options tune a check; zero fields take the defaults in the package doc.
type Options struct {
	Step   float64 // central-difference step h (default 1e-2)
	RelTol float64 // relative tolerance (default 1e-2)
	AbsTol float64 // absolute tolerance (default 1e-3)
	// MaxPerVar bounds how many elements of each Var are checked, chosen at
	// random (default all; set it for large Vars).
	MaxPerVar int
	// Region, if set, fingerprints the piecewise-linear region the
	// function is in (which ReLUs are on, which element wins each max-pool
	// window). Whole networks are only piecewise smooth: a step can carry
	// some unit across its kink, and the finite difference is then wrong,
	// not the gradient. An element whose ±step changes the fingerprint is
	// skipped; the check fails when more than half of all checked elements,
	// or every element of some Var, is skipped, since it would prove too
	// little.
	Region func() string
	Seed   uint64 // seeds the projection and the element choice
}

func (o Options) withDefaults() Options {
	if o.Step == 0 {
		o.Step = 1e-2
	}
	if o.RelTol == 0 {
		o.RelTol = 1e-2
	}
	if o.AbsTol == 0 {
		o.AbsTol = 1e-3
	}
	return o
}

// Check evaluates f, which must rebuild its result from the current values
// of vars on every call, projects the result onto a fixed random tensor to
// get a scalar (never a constant such as the sum of a softmax), and compares
// the gradient Backward gives for each Var in vars with central differences.
// It returns an error describing the worst mismatch, or nil. The values of
// vars are restored before it returns.
func Check(f func() *autograd.Var, vars []*autograd.Var, opt Options) error {
	opt = opt.withDefaults()
	r := rand.New(rand.NewPCG(opt.Seed, 0x9e3779b97f4a7c15))
	y := f()
	proj := tensor.New(y.Value.Shape...)
	for i := range proj.Data {
		proj.Data[i] = float32(r.NormFloat64())
	}
	scalar := func() float64 { return float64(autograd.Dot(f(), proj).Value.Data[0]) }
	for _, v := range vars {
		v.ZeroGrad()
	}
	autograd.Backward(autograd.Dot(y, proj), nil)
	total, totalSkipped := 0, 0
	for vi, v := range vars {
		if v.Grad == nil {
			return fmt.Errorf("var %d %v got no gradient", vi, v.Value.Shape)
		}
		analytic := v.Grad.Clone()
		idx := r.Perm(v.Value.Size())
		if opt.MaxPerVar > 0 && len(idx) > opt.MaxPerVar {
			idx = idx[:opt.MaxPerVar]
		}
		skipped := 0
		for _, i := range idx {
			old := v.Value.Data[i]
			var base, upR, downR string
			if opt.Region != nil {
				base = opt.Region()
			}
			v.Value.Data[i] = old + float32(opt.Step)
			up := scalar()
			if opt.Region != nil {
				upR = opt.Region()
			}
			v.Value.Data[i] = old - float32(opt.Step)
			down := scalar()
			if opt.Region != nil {
				downR = opt.Region()
			}
			v.Value.Data[i] = old
			if upR != base || downR != base {
				skipped++
				continue
			}
			// Divide by the step actually taken after float32 rounding.
			h := float64(old+float32(opt.Step)) - float64(old-float32(opt.Step))
			num := (up - down) / h
			ana := float64(analytic.Data[i])
			if d := math.Abs(num - ana); d > opt.AbsTol+opt.RelTol*math.Max(math.Abs(num), math.Abs(ana)) {
				return fmt.Errorf("var %d %v element %d: analytic %.6g, numeric %.6g", vi, v.Value.Shape, i, ana, num)
			}
		}
		if skipped == len(idx) && skipped > 0 {
			return fmt.Errorf("var %d %v: every checked element crossed a kink; use a smaller step", vi, v.Value.Shape)
		}
		total += len(idx)
		totalSkipped += skipped
	}
	if 2*totalSkipped > total {
		return fmt.Errorf("%d of %d elements crossed a kink; use a smaller step", totalSkipped, total)
	}
	return nil
}

// CheckDirections is Check for large inputs: instead of every element it
// compares the directional derivative along n random unit directions per
// Var, (f(x+h·d) − f(x−h·d)) / 2h, with ⟨∇f, d⟩.
func CheckDirections(f func() *autograd.Var, vars []*autograd.Var, n int, opt Options) error {
	opt = opt.withDefaults()
	r := rand.New(rand.NewPCG(opt.Seed, 0x51ed2705))
	y := f()
	proj := tensor.New(y.Value.Shape...)
	for i := range proj.Data {
		proj.Data[i] = float32(r.NormFloat64())
	}
	scalar := func() float64 { return float64(autograd.Dot(f(), proj).Value.Data[0]) }
	for _, v := range vars {
		v.ZeroGrad()
	}
	autograd.Backward(autograd.Dot(y, proj), nil)
	for vi, v := range vars {
		if v.Grad == nil {
			return fmt.Errorf("var %d %v got no gradient", vi, v.Value.Shape)
		}
		orig := v.Value.Clone()
		for k := 0; k < n; k++ {
			d := make([]float64, v.Value.Size())
			var norm float64
			for i := range d {
				d[i] = r.NormFloat64()
				norm += d[i] * d[i]
			}
			norm = math.Sqrt(norm)
			var ana float64
			for i := range d {
				d[i] /= norm
				ana += d[i] * float64(v.Grad.Data[i])
			}
			step := func(s float64) float64 {
				for i := range d {
					v.Value.Data[i] = orig.Data[i] + float32(s*d[i])
				}
				return scalar()
			}
			num := (step(opt.Step) - step(-opt.Step)) / (2 * opt.Step)
			copy(v.Value.Data, orig.Data)
			if diff := math.Abs(num - ana); diff > opt.AbsTol+opt.RelTol*math.Max(math.Abs(num), math.Abs(ana)) {
				return fmt.Errorf("var %d %v direction %d: analytic %.6g, numeric %.6g", vi, v.Value.Shape, k, ana, num)
			}
		}
	}
	return nil
}
