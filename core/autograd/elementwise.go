package autograd

import (
	"fmt"

	"cnnviz/core/tensor"
)

// Add returns a + b (same shapes).
func Add(a, b *Var) *Var {
	tensor.MustSameShape("autograd: Add", a.Value, b.Value)
	y := tensor.New(a.Value.Shape...)
	for i := range y.Data {
		y.Data[i] = a.Value.Data[i] + b.Value.Data[i]
	}
	out := result(y, a, b)
	out.backward = func() {
		for _, p := range []*Var{a, b} {
			if needs(p) {
				axpy(p.grad().Data, out.Grad.Data, 1)
			}
		}
	}
	return out
}

// Sub returns a − b (same shapes).
func Sub(a, b *Var) *Var { return Add(a, Scale(b, -1)) }

// Mul returns the elementwise product a ⊙ b (same shapes).
func Mul(a, b *Var) *Var {
	tensor.MustSameShape("autograd: Mul", a.Value, b.Value)
	y := tensor.New(a.Value.Shape...)
	for i := range y.Data {
		y.Data[i] = a.Value.Data[i] * b.Value.Data[i]
	}
	out := result(y, a, b)
	out.backward = func() {
		if needs(a) {
			ga := a.grad().Data
			for i, g := range out.Grad.Data {
				ga[i] += g * b.Value.Data[i]
			}
		}
		if needs(b) {
			gb := b.grad().Data
			for i, g := range out.Grad.Data {
				gb[i] += g * a.Value.Data[i]
			}
		}
	}
	return out
}

// Scale returns s·a.
func Scale(a *Var, s float32) *Var {
	y := tensor.New(a.Value.Shape...)
	for i, v := range a.Value.Data {
		y.Data[i] = s * v
	}
	out := result(y, a)
	out.backward = func() { axpy(a.grad().Data, out.Grad.Data, s) }
	return out
}

// ReLURule selects how ReLU passes gradients back. The visualization
// methods guided backpropagation and deconvnet differ from the true
// gradient only here.
type ReLURule int

const (
	// ReLUGradient is the true gradient: pass g where the input was positive.
	ReLUGradient ReLURule = iota
	// ReLUGuided passes g where the input was positive and g itself is
	// positive (guided backpropagation).
	ReLUGuided
	// ReLUDeconv passes g where g is positive, whatever the input
	// (the deconvnet rule).
	ReLUDeconv
)

// ReLU returns max(a, 0) elementwise, with the true gradient (0 at 0).
func ReLU(a *Var) *Var { return ReLUWith(a, ReLUGradient) }

// ReLUWith is ReLU whose backward pass follows rule.
func ReLUWith(a *Var, rule ReLURule) *Var {
	y := tensor.New(a.Value.Shape...)
	for i, v := range a.Value.Data {
		if v > 0 {
			y.Data[i] = v
		}
	}
	out := result(y, a)
	out.backward = func() {
		ga := a.grad().Data
		for i, g := range out.Grad.Data {
			pos := a.Value.Data[i] > 0
			switch rule {
			case ReLUGradient:
				if pos {
					ga[i] += g
				}
			case ReLUGuided:
				if pos && g > 0 {
					ga[i] += g
				}
			case ReLUDeconv:
				if g > 0 {
					ga[i] += g
				}
			default:
				panic(fmt.Sprintf("autograd: unknown ReLU rule %d", rule))
			}
		}
	}
	return out
}

// Reshape returns a with a new shape of the same size (one dimension may be
// −1). The result shares a's data.
func Reshape(a *Var, shape ...int) *Var {
	out := result(a.Value.Reshape(shape...), a)
	out.backward = func() { axpy(a.grad().Data, out.Grad.Data, 1) }
	return out
}

// Flatten reshapes [N, ...] to [N, rest].
func Flatten(a *Var) *Var {
	if len(a.Value.Shape) < 1 {
		panic(fmt.Sprintf("autograd: Flatten of scalar %v", a))
	}
	return Reshape(a, a.Value.Shape[0], -1)
}

// Sum returns the sum of all elements as a scalar (shape []).
func Sum(a *Var) *Var {
	var s float64
	for _, v := range a.Value.Data {
		s += float64(v)
	}
	out := result(tensor.FromSlice([]float32{float32(s)}), a)
	out.backward = func() {
		g := out.Grad.Data[0]
		ga := a.grad().Data
		for i := range ga {
			ga[i] += g
		}
	}
	return out
}

// Mean returns the mean of all elements as a scalar (shape []).
func Mean(a *Var) *Var { return Scale(Sum(a), 1/float32(a.Value.Size())) }

// Dot returns Σ a⊙w as a scalar, for a constant weight tensor w of a's
// shape. It selects a logit (one-hot w), a channel mean (a mask) or a random
// projection (gradient checks).
func Dot(a *Var, w *tensor.Tensor) *Var {
	tensor.MustSameShape("autograd: Dot", a.Value, w)
	var s float64
	for i, v := range a.Value.Data {
		s += float64(v) * float64(w.Data[i])
	}
	out := result(tensor.FromSlice([]float32{float32(s)}), a)
	out.backward = func() { axpy(a.grad().Data, w.Data, out.Grad.Data[0]) }
	return out
}

// axpy adds s·x to y.
func axpy(y, x []float32, s float32) {
	x = x[:len(y)]
	for i, v := range x {
		y[i] += s * v
	}
}
