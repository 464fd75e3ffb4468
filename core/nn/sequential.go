package nn

import (
	"fmt"
	"math/rand/v2"

	ag "cnnviz/core/autograd"
	"cnnviz/core/tensor"
)

// Sequential is a network of named layers applied in the spec's order: a
// chain, or a graph whose layers name their inputs (LayerSpec.Inputs).
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
	graph := spec.Graph()
	for i, l := range spec.Layers {
		in := spec.Input
		if j := graph[i][0]; j >= 0 {
			in = shapes[j]
		}
		s.Layers = append(s.Layers, newLayer(l, in, r))
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

// MultiLayer is a layer that reads several inputs (add, concat). Its
// Forward of one input panics; the network calls ForwardN.
type MultiLayer interface {
	Layer
	ForwardN(xs []*ag.Var) *ag.Var
}

// Trace is the record of a forward pass: the input and every layer's
// output, nil for layers the pass did not run. The outputs are live graph
// nodes, as an Observer sees them.
type Trace struct {
	In  *ag.Var
	Out []*ag.Var
}

// Forward runs x [N, C, H, W] through every layer and returns the logits
// [N, classes]. observe, if not nil, sees every layer's output. It panics
// when x does not have the input shape of the spec.
func (s *Sequential) Forward(x *ag.Var, observe Observer) *ag.Var {
	t := s.ForwardTrace(x, len(s.Layers)-1, observe)
	return t.Out[len(t.Out)-1]
}

// ForwardTrace runs x [N, C, H, W] through layers 0..last, in the spec's
// (topological) order, and returns every output. observe, if not nil,
// sees each output as it is made. It panics when x does not have the
// input shape of the spec or last is not a layer.
func (s *Sequential) ForwardTrace(x *ag.Var, last int, observe Observer) *Trace {
	xs := x.Value.Shape
	if len(xs) != 4 || !tensor.SameShape(xs[1:], s.Spec.Input) {
		panic(fmt.Sprintf("nn: %s expects input [N %v], got %v", s.Spec.Name, s.Spec.Input, xs))
	}
	if last < 0 || last >= len(s.Layers) {
		panic(fmt.Sprintf("nn: %s has no layer %d", s.Spec.Name, last))
	}
	t := &Trace{In: x, Out: make([]*ag.Var, len(s.Layers))}
	graph := s.Spec.Graph()
	for i := 0; i <= last; i++ {
		t.Out[i] = s.apply(i, graph[i], t)
		if observe != nil {
			observe(i, s.Layers[i], t.Out[i])
		}
	}
	return t
}

// ForwardFrom runs layers start.. with h as the output of layer start−1
// (the input when start is 0) and returns the logits. Methods that
// perturb a feature map (Score-CAM, Ablation-CAM) or differentiate with
// respect to it (Grad-CAM) use it to rerun only the top of the network.
// In a graph a later layer may read layers before start−1 too: their
// outputs come from trace, an earlier ForwardTrace of the same image (nil
// is fine for a chain); an output of batch 1 there is repeated to h's
// batch. Layers that do not depend on h keep trace's outputs. observe, if
// not nil, sees every output from start on. It panics when trace is
// needed and lacks an output.
func (s *Sequential) ForwardFrom(start int, h *ag.Var, trace *Trace, observe Observer) *ag.Var {
	if start == 0 {
		return s.Forward(h, observe)
	}
	graph := s.Spec.Graph()
	n := h.Value.Shape[0]
	t := &Trace{Out: make([]*ag.Var, len(s.Layers))}
	live := make([]bool, len(s.Layers))
	live[start-1] = true
	t.Out[start-1] = h
	earlier := func(j int) *ag.Var {
		var v *ag.Var
		switch {
		case trace == nil:
		case j < 0:
			v = trace.In
		default:
			v = trace.Out[j]
		}
		if v == nil {
			panic(fmt.Sprintf("nn: %s: ForwardFrom layer %d needs the output of %d, which the trace lacks", s.Spec.Name, start, j))
		}
		return repeatBatch(v, n)
	}
	for i := start; i < len(s.Layers); i++ {
		dep := false
		for _, j := range graph[i] {
			dep = dep || (j >= 0 && live[j])
		}
		if !dep {
			t.Out[i] = earlier(i)
		} else {
			live[i] = true
			for _, j := range graph[i] {
				switch {
				case j < 0 && t.In == nil:
					t.In = earlier(-1)
				case j >= 0 && t.Out[j] == nil:
					t.Out[j] = earlier(j)
				}
			}
			t.Out[i] = s.apply(i, graph[i], t)
		}
		if observe != nil {
			observe(i, s.Layers[i], t.Out[i])
		}
	}
	return t.Out[len(t.Out)-1]
}

// apply runs layer i on the outputs its inputs (ins) hold in t.
func (s *Sequential) apply(i int, ins []int, t *Trace) *ag.Var {
	xs := make([]*ag.Var, len(ins))
	for k, j := range ins {
		if j < 0 {
			xs[k] = t.In
		} else {
			xs[k] = t.Out[j]
		}
	}
	if m, ok := s.Layers[i].(MultiLayer); ok {
		return m.ForwardN(xs)
	}
	return s.Layers[i].Forward(xs[0])
}

// repeatBatch returns v when its batch is n, or a constant holding its one
// image n times.
func repeatBatch(v *ag.Var, n int) *ag.Var {
	sh := v.Value.Shape
	if sh[0] == n {
		return v
	}
	if sh[0] != 1 {
		panic(fmt.Sprintf("nn: a traced output of batch %d cannot serve a batch of %d", sh[0], n))
	}
	out := tensor.New(append([]int{n}, sh[1:]...)...)
	m := v.Value.Size()
	for i := 0; i < n; i++ {
		copy(out.Data[i*m:(i+1)*m], v.Value.Data)
	}
	return ag.Constant(out)
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
