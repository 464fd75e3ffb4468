package nn

import (
	"fmt"
	"math/rand/v2"

	ag "cnnviz/core/autograd"
	"cnnviz/core/tensor"
)

// Sequential is a stack of named layers applied in order.
type Sequential struct {
	Spec   Spec
	Layers []Layer
	shapes [][]int
}

// Observer is called by Forward with the index, the layer and the output of
// every layer, in order. The output is a live graph node: after Backward
// from any later scalar its Grad holds the gradient with respect to it.
type Observer func(i int, l Layer, out *ag.Var)

// Build checks spec and creates its layers with He-initialised weights drawn
// from a generator seeded with seed, and zero biases.
func Build(spec Spec, seed uint64) (*Sequential, error) {
	shapes, err := spec.Shapes()
	if err != nil {
		return nil, err
	}
	r := rand.New(rand.NewPCG(seed, 0x6e6e))
	s := &Sequential{Spec: spec, shapes: shapes}
	in := spec.Input
	for i, l := range spec.Layers {
		s.Layers = append(s.Layers, newLayer(l, in, r))
		in = shapes[i]
	}
	return s, nil
}

// MustBuild is Build for architectures known to be valid; it panics on error.
func MustBuild(spec Spec, seed uint64) *Sequential {
	s, err := Build(spec, seed)
	if err != nil {
		panic(err)
	}
	return s
}

// OutShape returns the output shape of layer i for one image (no batch
// dimension).
func (s *Sequential) OutShape(i int) []int { return s.shapes[i] }

// Index returns the position of the layer with the given name, or -1.
func (s *Sequential) Index(name string) int {
	for i, l := range s.Spec.Layers {
		if l.Name == name {
			return i
		}
	}
	return -1
}

// Forward runs x [N, C, H, W] through every layer and returns the logits
// [N, classes]. observe, if not nil, sees every layer's output. It panics
// when x does not have the input shape of the spec.
func (s *Sequential) Forward(x *ag.Var, observe Observer) *ag.Var {
	xs := x.Value.Shape
	if len(xs) != 4 || !tensor.SameShape(xs[1:], s.Spec.Input) {
		panic(fmt.Sprintf("nn: %s expects input [N %v], got %v", s.Spec.Name, s.Spec.Input, xs))
	}
	return s.ForwardFrom(0, x, observe)
}

// ForwardFrom runs layers start.. on h, the output of layer start−1 (or
// the input when start is 0). Methods that perturb a feature map (Score-CAM,
// Ablation-CAM) use it to rerun only the top of the network.
func (s *Sequential) ForwardFrom(start int, h *ag.Var, observe Observer) *ag.Var {
	for i := start; i < len(s.Layers); i++ {
		h = s.Layers[i].Forward(h)
		if observe != nil {
			observe(i, s.Layers[i], h)
		}
	}
	return h
}

// Params returns every trainable tensor, layer by layer.
func (s *Sequential) Params() []Param {
	var ps []Param
	for _, l := range s.Layers {
		ps = append(ps, l.Params()...)
	}
	return ps
}

// NumParams counts the trainable numbers.
func (s *Sequential) NumParams() int {
	n := 0
	for _, p := range s.Params() {
		n += p.Var.Value.Size()
	}
	return n
}

// ZeroGrad zeroes every parameter's gradient.
func (s *Sequential) ZeroGrad() {
	for _, p := range s.Params() {
		p.Var.ZeroGrad()
	}
}

// Clone returns an independent copy with the same weights.
func (s *Sequential) Clone() *Sequential {
	c := MustBuild(s.Spec, 0)
	src, dst := s.Params(), c.Params()
	for i := range src {
		copy(dst[i].Var.Value.Data, src[i].Var.Value.Data)
	}
	for i, l := range s.Layers {
		if r, ok := l.(*ReLU); ok {
			c.Layers[i].(*ReLU).Rule = r.Rule
		}
	}
	return c
}

// Logits runs a batch of n images given as one flat CHW slice without
// building a graph and returns the logits, n rows of len(Classes).
func (s *Sequential) Logits(pixels []float32, n int) []float32 {
	shape := append([]int{n}, s.Spec.Input...)
	y := s.Forward(ag.Constant(tensor.FromSlice(pixels, shape...)), nil)
	return y.Value.Data
}
