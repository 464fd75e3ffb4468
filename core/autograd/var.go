package autograd

import (
	"fmt"

	"cnnviz/core/tensor"
)

// Var is a node of the computation graph: a value, the gradient of the
// scalar last passed to Backward with respect to it, and how to push that
// gradient to the Vars it was computed from.
type Var struct {
	Value *tensor.Tensor
	// Grad is nil until Backward reaches this Var; it has Value's shape.
	Grad *tensor.Tensor

	requiresGrad bool
	parents      []*Var
	backward     func()
}

// New returns a leaf Var that requires a gradient: a parameter, or an input
// whose gradient is wanted.
func New(t *tensor.Tensor) *Var { return &Var{Value: t, requiresGrad: true} }

// Constant returns a leaf Var without a gradient. Ops on constants only
// build graph nodes where some operand requires a gradient.
func Constant(t *tensor.Tensor) *Var { return &Var{Value: t} }

// RequiresGrad reports whether Backward computes a gradient for v.
func (v *Var) RequiresGrad() bool { return v.requiresGrad }

// Shape is the shape of v's value.
func (v *Var) Shape() []int { return v.Value.Shape }

// ZeroGrad sets v's gradient, if any, to zero.
func (v *Var) ZeroGrad() {
	if v.Grad != nil {
		v.Grad.Zero()
	}
}

// Detach returns a constant that shares v's value and is cut off from the
// graph.
func (v *Var) Detach() *Var { return Constant(v.Value) }

// String describes v by its shape.
func (v *Var) String() string { return fmt.Sprintf("Var%v", v.Value.Shape) }

// grad returns v's gradient accumulator, allocating it at first use.
func (v *Var) grad() *tensor.Tensor {
	if v.Grad == nil {
		v.Grad = tensor.New(v.Value.Shape...)
	}
	return v.Grad
}

// result wraps an op's output. It requires a gradient when any operand
// does; only then does the op attach its backward closure.
func result(value *tensor.Tensor, parents ...*Var) *Var {
	out := &Var{Value: value}
	for _, p := range parents {
		if p != nil && p.requiresGrad {
			out.requiresGrad = true
			out.parents = parents
			break
		}
	}
	return out
}

// needs reports whether p wants a gradient.
func needs(p *Var) bool { return p != nil && p.requiresGrad }

// Backward computes the gradient of v with respect to every Var that v was
// computed from and that requires one, adding it to their Grad. seed is the
// gradient of the final scalar with respect to v; nil means 1 and then v
// must hold exactly one element. Intermediate Grads start from zero on each
// call; leaf Grads accumulate (zero them between steps).
func Backward(v *Var, seed *tensor.Tensor) {
	if !v.requiresGrad {
		panic(fmt.Sprintf("autograd: Backward from %v, which depends on nothing that requires a gradient", v))
	}
	if seed == nil {
		if v.Value.Size() != 1 {
			panic(fmt.Sprintf("autograd: Backward from non-scalar %v needs a seed", v))
		}
		seed = tensor.New(v.Value.Shape...)
		seed.Data[0] = 1
	}
	tensor.MustSameShape("autograd: Backward seed", seed, v.Value)
	order := topo(v)
	for _, n := range order {
		if n.backward != nil {
			n.Grad = nil // an interior node's gradient belongs to this call only
		}
	}
	g := v.grad()
	for i, s := range seed.Data {
		g.Data[i] += s
	}
	for i := len(order) - 1; i >= 0; i-- {
		n := order[i]
		if n.backward != nil && n.Grad != nil {
			n.backward()
		}
	}
}

// topo returns the Vars v depends on (that require gradients) in an order
// where every Var comes after its parents.
func topo(v *Var) []*Var {
	var order []*Var
	seen := map[*Var]bool{}
	type frame struct {
		v    *Var
		next int
	}
	stack := []frame{{v: v}}
	seen[v] = true
	for len(stack) > 0 {
		top := &stack[len(stack)-1]
		if top.next < len(top.v.parents) {
			p := top.v.parents[top.next]
			top.next++
			if needs(p) && !seen[p] {
				seen[p] = true
				stack = append(stack, frame{v: p})
			}
			continue
		}
		order = append(order, top.v)
		stack = stack[:len(stack)-1]
	}
	return order
}
