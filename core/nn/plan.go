package nn

import (
	"fmt"

	"cnnviz/core/tensor"
)

// Plan runs a Sequential on batches of a fixed size without building an
// autograd graph and without allocating: NewPlan sizes every activation,
// gradient and scratch buffer once (im2col columns, packed weights,
// max-pool argmax indices), and Forward, InputGradient and Backward then
// only reuse them. The page calls the network every frame, in one
// WebAssembly thread, where garbage-collector work is frame time.
//
// A Plan reads the network's weights, biases and ReLU rules when it runs,
// so it stays valid while an optimizer trains the network in place or a
// view switches a ReLU rule. A convolution followed by a ReLU is computed
// in one pass that writes both outputs. Results equal Sequential.Forward
// and ag.Backward up to the order of float32 additions inside the
// convolution and matrix kernels.
//
// The slices a Plan returns are views into its own buffers: they hold
// until the next call that runs the network. A Plan is not safe for
// concurrent use; make one per goroutine.
//
// On a graph each step reads its inputs' output buffers, and the backward
// pass sums the gradients that reach an output from several consumers:
// the last consumer (the first the backward pass meets) writes the
// producer's gradient buffer, the others write a buffer of their own that
// is then added to it.
type Plan struct {
	net     *Sequential
	batch   int
	in      []float32 // the last input, copied
	dIn     []float32 // gradient with respect to the input
	steps   []planStep
	scratch []float32
}

// planLayer is what a Plan needs of a layer. Every layer kind implements
// it in layers.go, beside its autograd Forward, so a new kind is added in
// one place and the Plan only walks its steps.
type planLayer interface {
	Layer
	// planSetup prepares st, whose batch, shapes and input buffers are
	// set, and returns the scratch values the layer's passes need. It
	// may set st.out and st.grad (a reshape shares its input's);
	// otherwise the Plan allocates them. fuse reports that the layer's
	// forward pass also computes the output of next (the following
	// layer, nil after the last), into st.next.
	planSetup(st *planStep, next Layer) (scratch int, fuse bool)
	// planForward computes st.out from st.in.
	planForward(st *planStep, scratch []float32)
	// planBackward, given st.grad, OVERWRITES dx (st.dx[0], or nil when
	// the input gradient is not wanted) with the gradient with respect
	// to st.in and, when params is set, ADDS the gradients of the
	// layer's parameters to their Var.Grad, creating it when nil. A layer
	// of several inputs writes st.dx[k] (nil entries not wanted) instead.
	planBackward(st *planStep, dx []float32, params bool, scratch []float32)
}

// planStep is one layer's part of a Plan: its buffers and what the layer
// precomputed for them.
type planStep struct {
	layer   planLayer
	batch   int
	inShape []int     // one image's input shape (the first input's)
	inSize  int       // values per image in the input
	outSize int       // values per image in the output
	in, dIn []float32 // the first input [batch, inSize] and its gradient
	out     []float32 // output [batch, outSize]
	grad    []float32 // gradient with respect to out
	fuse    bool      // the forward pass computes the next step's output too
	next    []float32 // that output, when fuse is set
	byPrev  bool      // the previous step's forward pass computes out

	// A graph's edges: for each input k, the producer's index (-1 the
	// model input), its output and where the backward pass writes its
	// gradient, the producer's gradient buffer (own) or a buffer of the
	// edge's that is added to it after the step (acc).
	src      []int
	ins      [][]float32
	inShapes [][]int
	own      []bool
	acc      [][]float32
	dx       [][]float32 // the gradient buffers of this pass, nil when unwanted
	share    bool        // the single input has no other reader: a reshape may share its buffers

	g   tensor.Geom // conv and pooling windows (C, H, W of the input)
	arg []int32     // max pooling: the input index each output came from
}

// NewPlan allocates the buffers to run s on batches of batch images. It
// panics when batch < 1 or a layer is of a kind the Plan cannot run.
func NewPlan(s *Sequential, batch int) *Plan {
	if batch < 1 {
		panic(fmt.Sprintf("nn: NewPlan for %s with batch %d", s.Spec.Name, batch))
	}
	p := &Plan{net: s, batch: batch, steps: make([]planStep, 0, len(s.Layers))}
	in := s.Spec.Input
	inSize := tensor.Numel(in)
	p.in = make([]float32, batch*inSize)
	p.dIn = make([]float32, batch*inSize)
	scratch := 0
	graph := s.Spec.Graph()
	// The owner of each producer's gradient: the first edge of its last
	// consumer. readers counts the edges that read each output.
	type edge struct{ step, k int }
	owner := map[int]edge{}
	readers := map[int]int{}
	for i, ins := range graph {
		for k, j := range ins {
			readers[j]++
			if e, ok := owner[j]; !ok || e.step != i {
				owner[j] = edge{i, k}
			}
		}
	}
	for i, l := range s.Layers {
		pl, ok := l.(planLayer)
		if !ok {
			panic(fmt.Sprintf("nn: Plan cannot run layer %q of type %T", l.Spec().Name, l))
		}
		outShape := s.OutShape(i)
		st := planStep{layer: pl, batch: batch, outSize: tensor.Numel(outShape), src: graph[i]}
		for k, j := range graph[i] {
			out, grad, shape := p.outOf(j)
			st.ins = append(st.ins, out)
			st.inShapes = append(st.inShapes, shape)
			own := owner[j] == edge{i, k}
			st.own = append(st.own, own)
			if own {
				st.acc = append(st.acc, grad)
			} else {
				st.acc = append(st.acc, make([]float32, len(out)))
			}
		}
		st.dx = make([][]float32, len(st.ins))
		st.in, st.dIn, st.inShape = st.ins[0], st.acc[0], st.inShapes[0]
		st.inSize = tensor.Numel(st.inShape)
		st.share = len(st.ins) == 1 && readers[graph[i][0]] == 1
		var next Layer
		if i+1 < len(s.Layers) && len(graph[i+1]) == 1 && graph[i+1][0] == i {
			next = s.Layers[i+1]
		}
		need, fuse := pl.planSetup(&st, next)
		scratch = max(scratch, need)
		st.fuse = fuse && next != nil
		if st.out == nil {
			st.out = make([]float32, batch*st.outSize)
			st.grad = make([]float32, batch*st.outSize)
		}
		p.steps = append(p.steps, st)
	}
	for i := range p.steps {
		if p.steps[i].fuse {
			p.steps[i].next = p.steps[i+1].out
			p.steps[i+1].byPrev = true
		}
	}
	p.scratch = make([]float32, scratch)
	return p
}

// Net returns the network the plan runs.
func (p *Plan) Net() *Sequential { return p.net }

// Batch returns the number of images per call.
func (p *Plan) Batch() int { return p.batch }

// Forward runs the network on pixels, batch images [batch, C, H, W] in one
// flat slice, and returns the logits [batch, classes], a view into the
// plan. It panics when len(pixels) is not batch·C·H·W.
func (p *Plan) Forward(pixels []float32) (logits []float32) {
	return p.ForwardTo(pixels, len(p.steps)-1)
}

// ForwardTo runs layers 0..last on pixels, as Forward, and returns the
// output of layer last (Output(last)); the later layers' outputs are
// stale. It panics when len(pixels) is not batch·C·H·W or last is not a
// layer.
func (p *Plan) ForwardTo(pixels []float32, last int) []float32 {
	if last < 0 || last >= len(p.steps) {
		panic(fmt.Sprintf("nn: Plan of %s: no layer %d (%d layers)", p.net.Spec.Name, last, len(p.steps)))
	}
	if len(pixels) != len(p.in) {
		panic(fmt.Sprintf("nn: Plan of %s for batch %d of %v: got %d values, want %d", p.net.Spec.Name, p.batch, p.net.Spec.Input, len(pixels), len(p.in)))
	}
	copy(p.in, pixels)
	for i := range p.steps[:last+1] {
		if st := &p.steps[i]; !st.byPrev {
			st.layer.planForward(st, p.scratch)
		}
	}
	return p.steps[last].out
}

// Output returns the output of layer i for the whole batch
// ([batch, OutShape(i)...] flat) from the last run, a view into the plan.
// A flatten layer's output is its input's buffer.
func (p *Plan) Output(i int) []float32 { return p.steps[i].out }

// Grad returns the gradient of the last backward pass's objective with
// respect to the output of layer i ([batch, OutShape(i)...] flat), a view
// into the plan.
func (p *Plan) Grad(i int) []float32 { return p.steps[i].grad }

// InputGradient runs the network on pixels and returns the gradient with
// respect to the input of Σ seed ⊙ logits, where seed holds
// [batch, classes] values (a one-hot seed selects one logit's gradient).
// ReLU layers pass gradients back by their Rule, as ag.ReLUWith does, so
// the guided and deconvnet rules give those visualizations. The result
// ([batch, C, H, W] flat) is a view into the plan; the gradients with
// respect to every layer's output are then readable with Grad. Parameter
// gradients are not computed. It panics when a length is wrong.
func (p *Plan) InputGradient(pixels, seed []float32) []float32 {
	p.Forward(pixels)
	p.backward(seed, true, false)
	return p.dIn
}

// InputGradientAfter returns the gradient with respect to the input of
// Σ seed ⊙ logits for the input of the last Forward, as InputGradient
// does, without running the network again: a seed that depends on the
// logits (a loss gradient) costs one forward pass, not two. The last run
// must have been Forward (or ForwardTo the last layer). It panics when
// len(seed) is wrong.
func (p *Plan) InputGradientAfter(seed []float32) []float32 {
	p.backward(seed, true, false)
	return p.dIn
}

// Backward adds to each parameter's Var.Grad (created when nil) the
// gradient of Σ seed ⊙ logits for the input of the last Forward, as
// ag.Backward adds to leaf gradients, so that SGD and Adam can step on it
// (zero the gradients between steps with Sequential.ZeroGrad). For a
// training step on a loss L, seed is dL/dlogits ([batch, classes]). The
// gradient with respect to the input is not computed; those with respect
// to layer outputs are readable with Grad. It panics when len(seed) is
// wrong.
func (p *Plan) Backward(seed []float32) {
	p.backward(seed, false, true)
}

// backward propagates seed from the logits down to the first layer,
// computing the input gradient when input is set and adding parameter
// gradients when params is set.
func (p *Plan) backward(seed []float32, input, params bool) {
	last := len(p.steps) - 1
	if len(seed) != len(p.steps[last].out) {
		panic(fmt.Sprintf("nn: Plan of %s for batch %d: seed has %d values, want %d (batch × classes)", p.net.Spec.Name, p.batch, len(seed), len(p.steps[last].out)))
	}
	copy(p.steps[last].grad, seed)
	for i := last; i >= 0; i-- {
		st := &p.steps[i]
		for k, j := range st.src {
			st.dx[k] = st.acc[k]
			if j < 0 && !input {
				st.dx[k] = nil
			}
		}
		st.layer.planBackward(st, st.dx[0], params, p.scratch)
		for k, j := range st.src {
			if st.own[k] || st.dx[k] == nil {
				continue
			}
			_, grad, _ := p.outOf(j)
			tensor.Axpy(1, st.dx[k], grad)
		}
	}

}

// outOf returns the output and gradient buffers of layer j (-1: the
// model input) and its shape for one image.
func (p *Plan) outOf(j int) (out, grad []float32, shape []int) {
	if j < 0 {
		return p.in, p.dIn, p.net.Spec.Input
	}
	return p.steps[j].out, p.steps[j].grad, p.net.OutShape(j)
}
