package nn

import (
	"fmt"

	ag "cnnviz/core/autograd"
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
type Plan struct {
	net     *Sequential
	batch   int
	in      []float32 // the last input, copied
	dIn     []float32 // gradient with respect to the input
	layers  []planLayer
	scratch []float32
}

// planLayer is one layer's precomputed geometry and buffers.
type planLayer struct {
	g       tensor.Geom // conv and pooling windows (C, H, W of the input)
	inSize  int         // values per image in the input
	outSize int         // values per image in the output
	out     []float32   // output [batch, outSize]
	grad    []float32   // gradient with respect to out
	arg     []int32     // max pooling: the input index each output came from
	fused   bool        // a conv whose ReLU (the next layer) it computes too
	byConv  bool        // a ReLU the previous conv computed
}

// NewPlan allocates the buffers to run s on batches of batch images. It
// panics when batch < 1.
func NewPlan(s *Sequential, batch int) *Plan {
	if batch < 1 {
		panic(fmt.Sprintf("nn: NewPlan for %s with batch %d", s.Spec.Name, batch))
	}
	p := &Plan{net: s, batch: batch}
	in := s.Spec.Input
	inSize := tensor.Numel(in)
	p.in = make([]float32, batch*inSize)
	p.dIn = make([]float32, batch*inSize)
	scratch := 0
	for i, l := range s.Layers {
		spec := l.Spec()
		outShape := s.OutShape(i)
		pl := planLayer{inSize: tensor.Numel(in), outSize: tensor.Numel(outShape)}
		switch spec.Kind {
		case KindConv2D:
			pl.g = spec.Geom(in)
			scratch = max(scratch, tensor.ConvScratch(pl.g, spec.Filters))
			pl.fused = i+1 < len(s.Layers) && s.Layers[i+1].Spec().Kind == KindReLU
		case KindMaxPool2D, KindAvgPool2D:
			pl.g = spec.Geom(in)
			if spec.Kind == KindMaxPool2D {
				pl.arg = make([]int32, batch*pl.outSize)
			}
		case KindReLU:
			pl.byConv = i > 0 && p.layers[i-1].fused
		case KindDense:
			scratch = max(scratch, tensor.GemmScratch(batch, pl.inSize), tensor.GemmScratch(spec.Units, batch), tensor.GemmScratch(batch, spec.Units))
		}
		if spec.Kind == KindFlatten {
			// A flatten is a reshape: its output and gradient are its
			// input's, as with ag.Flatten.
			if i == 0 {
				pl.out, pl.grad = p.in, p.dIn
			} else {
				pl.out, pl.grad = p.layers[i-1].out, p.layers[i-1].grad
			}
		} else {
			pl.out = make([]float32, batch*pl.outSize)
			pl.grad = make([]float32, batch*pl.outSize)
		}
		p.layers = append(p.layers, pl)
		in = outShape
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
	return p.ForwardTo(pixels, len(p.layers)-1)
}

// ForwardTo runs layers 0..last on pixels, as Forward, and returns the
// output of layer last (Output(last)); the later layers' outputs are
// stale. It panics when len(pixels) is not batch·C·H·W or last is not a
// layer.
func (p *Plan) ForwardTo(pixels []float32, last int) []float32 {
	if last < 0 || last >= len(p.layers) {
		panic(fmt.Sprintf("nn: Plan of %s: no layer %d (%d layers)", p.net.Spec.Name, last, len(p.layers)))
	}
	if len(pixels) != len(p.in) {
		panic(fmt.Sprintf("nn: Plan of %s for batch %d of %v: got %d values, want %d", p.net.Spec.Name, p.batch, p.net.Spec.Input, len(pixels), len(p.in)))
	}
	copy(p.in, pixels)
	x := p.in
	n := p.batch
	for i := range p.layers[:last+1] {
		l := &p.layers[i]
		switch layer := p.net.Layers[i].(type) {
		case *Conv2D:
			var relu []float32
			if l.fused {
				relu = p.layers[i+1].out
			}
			tensor.ConvForward(l.g, n, layer.S.Filters, x, layer.W.Value.Data, bias(layer.B), l.out, relu, p.scratch)
		case *ReLU:
			if !l.byConv {
				tensor.ReLU(x, l.out)
			}
		case *Pool:
			if layer.S.Kind == KindAvgPool2D {
				tensor.AvgPool2D(l.g, n, x, l.out)
			} else {
				tensor.MaxPool2D(l.g, n, x, l.out, l.arg)
			}
		case *GlobalAvgPool:
			hw := l.inSize / l.outSize
			for j := range l.out {
				var s float32
				for _, v := range x[j*hw : (j+1)*hw] {
					s += v
				}
				l.out[j] = s / float32(hw)
			}
		case *Flatten:
		case *Dense:
			units, in, w := layer.S.Units, l.inSize, layer.W.Value.Data
			if layer.B == nil {
				clear(l.out)
			}
			for b := 0; b < n && layer.B != nil; b++ {
				copy(l.out[b*units:(b+1)*units], layer.B.Value.Data)
			}
			if n > smallBatch {
				tensor.GemmTo(false, true, n, units, in, x, in, w, in, l.out, units, true, p.scratch)
				break
			}
			// A few rows: one dot product per output, with no packing.
			for b := 0; b < n; b++ {
				xb, yb := x[b*in:(b+1)*in], l.out[b*units:(b+1)*units]
				for u := range yb {
					yb[u] += tensor.Dot(xb, w[u*in:(u+1)*in])
				}
			}
		default:
			panic(fmt.Sprintf("nn: Plan cannot run layer %q of type %T", layer.Spec().Name, layer))
		}
		x = l.out
	}
	return x
}

// bias returns a layer's bias values, or nil when it has none.
func bias(b *ag.Var) []float32 {
	if b == nil {
		return nil
	}
	return b.Value.Data
}

// Output returns the output of layer i for the whole batch
// ([batch, OutShape(i)...] flat) from the last run, a view into the plan.
// A flatten layer's output is its input's buffer.
func (p *Plan) Output(i int) []float32 { return p.layers[i].out }

// Grad returns the gradient of the last backward pass's objective with
// respect to the output of layer i ([batch, OutShape(i)...] flat), a view
// into the plan.
func (p *Plan) Grad(i int) []float32 { return p.layers[i].grad }

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
	for _, l := range p.net.Layers {
		switch l := l.(type) {
		case *Conv2D:
			needGrad(l.W)
			needGrad(l.B)
		case *Dense:
			needGrad(l.W)
			needGrad(l.B)
		}
	}
	p.backward(seed, false, true)
}

// smallBatch is the largest batch for which dense layers run as dot
// products and axpys rather than a packed GEMM, whose packing costs more
// than it saves on a few rows.
const smallBatch = 4

// needGrad gives v a zero gradient if it has none.
func needGrad(v *ag.Var) {
	if v != nil && v.Grad == nil {
		v.Grad = tensor.New(v.Value.Shape...)
	}
}

// backward propagates seed from the logits down to the first layer,
// computing the input gradient when input is set and adding parameter
// gradients when params is set.
func (p *Plan) backward(seed []float32, input, params bool) {
	last := len(p.layers) - 1
	if len(seed) != len(p.layers[last].out) {
		panic(fmt.Sprintf("nn: Plan of %s for batch %d: seed has %d values, want %d (batch × classes)", p.net.Spec.Name, p.batch, len(seed), len(p.layers[last].out)))
	}
	copy(p.layers[last].grad, seed)
	n := p.batch
	for i := last; i >= 0; i-- {
		l := &p.layers[i]
		x, dx := p.in, p.dIn
		if i > 0 {
			x, dx = p.layers[i-1].out, p.layers[i-1].grad
		}
		if i == 0 && !input {
			dx = nil
		}
		g := l.grad
		switch layer := p.net.Layers[i].(type) {
		case *Conv2D:
			var dw, db []float32
			if params {
				dw = layer.W.Grad.Data
				if layer.B != nil {
					db = layer.B.Grad.Data
				}
			}
			if dx == nil && dw == nil {
				continue
			}
			tensor.ConvBackward(l.g, n, layer.S.Filters, x, layer.W.Value.Data, g, dx, dw, db, p.scratch)
		case *ReLU:
			if dx == nil {
				continue
			}
			switch layer.Rule {
			case ag.ReLUGradient:
				tensor.ReLUBackward(x, g, dx, true, false)
			case ag.ReLUGuided:
				tensor.ReLUBackward(x, g, dx, true, true)
			case ag.ReLUDeconv:
				tensor.ReLUBackward(x, g, dx, false, true)
			default:
				panic(fmt.Sprintf("nn: unknown ReLU rule %d in layer %s", layer.Rule, layer.S.Name))
			}
		case *Pool:
			if dx == nil {
				continue
			}
			clear(dx)
			if layer.S.Kind == KindAvgPool2D {
				tensor.AvgPool2DBackward(l.g, n, g, dx)
			} else {
				tensor.MaxPool2DBackward(g, l.arg, dx)
			}
		case *GlobalAvgPool:
			if dx == nil {
				continue
			}
			hw := l.inSize / l.outSize
			for j, gv := range g {
				d := gv / float32(hw)
				row := dx[j*hw : (j+1)*hw]
				for k := range row {
					row[k] = d
				}
			}
		case *Flatten:
			// Its gradient buffer is its input's.
		case *Dense:
			units, in := layer.S.Units, l.inSize
			if params {
				tensor.GemmTo(true, false, units, in, n, g, units, x, in, layer.W.Grad.Data, in, true, p.scratch)
				if layer.B != nil {
					gb := layer.B.Grad.Data
					for b := 0; b < n; b++ {
						for j, v := range g[b*units : (b+1)*units] {
							gb[j] += v
						}
					}
				}
			}
			if dx != nil && n > smallBatch {
				tensor.GemmTo(false, false, n, in, units, g, units, layer.W.Value.Data, in, dx, in, false, p.scratch)
			} else if dx != nil {
				w := layer.W.Value.Data
				for b := 0; b < n; b++ {
					db := dx[b*in : (b+1)*in]
					clear(db)
					for u, gv := range g[b*units : (b+1)*units] {
						tensor.Axpy(gv, w[u*in:(u+1)*in], db)
					}
				}
			}
		}
	}
}
