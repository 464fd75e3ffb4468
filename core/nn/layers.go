package nn

import (
	"math"
	"math/rand/v2"

	ag "cnnviz/core/autograd"
	"cnnviz/core/tensor"
)

// Param is one trainable tensor with its full name ("conv1.weight").
type Param struct {
	Name string
	Var  *ag.Var
}

// Layer is one named stage of a Sequential. Forward maps a batch
// [N, ...] to a batch; Params lists what it learns, in a fixed order.
type Layer interface {
	Spec() LayerSpec
	Forward(x *ag.Var) *ag.Var
	Params() []Param
}

// Conv2D is a 2-D convolution (cross-correlation) with bias. W is
// [Filters, InC, KH, KW] and B is [Filters].
type Conv2D struct {
	S    LayerSpec
	W, B *ag.Var
}

// Spec returns the layer's description.
func (l *Conv2D) Spec() LayerSpec { return l.S }

// Forward convolves x [N, InC, H, W].
func (l *Conv2D) Forward(x *ag.Var) *ag.Var {
	st := l.S.stride()
	return ag.Conv2D(x, l.W, l.B, ag.Window{StrideH: st[0], StrideW: st[1], PadH: l.S.Pad[0], PadW: l.S.Pad[1]})
}

// Params returns the weight and the bias.
func (l *Conv2D) Params() []Param {
	return []Param{{l.S.Name + ".weight", l.W}, {l.S.Name + ".bias", l.B}}
}

// Dense is a fully connected layer y = x·Wᵀ + B with W [Units, In].
type Dense struct {
	S    LayerSpec
	W, B *ag.Var
}

// Spec returns the layer's description.
func (l *Dense) Spec() LayerSpec { return l.S }

// Forward maps x [N, In] to [N, Units].
func (l *Dense) Forward(x *ag.Var) *ag.Var { return ag.Linear(x, l.W, l.B) }

// Params returns the weight and the bias.
func (l *Dense) Params() []Param {
	return []Param{{l.S.Name + ".weight", l.W}, {l.S.Name + ".bias", l.B}}
}

// ReLU is max(x, 0). Rule changes only its backward pass, for guided
// backpropagation and deconvnet visualizations.
type ReLU struct {
	S    LayerSpec
	Rule ag.ReLURule
}

// Spec returns the layer's description.
func (l *ReLU) Spec() LayerSpec { return l.S }

// Forward applies the ReLU.
func (l *ReLU) Forward(x *ag.Var) *ag.Var { return ag.ReLUWith(x, l.Rule) }

// Params returns nothing: a ReLU learns nothing.
func (l *ReLU) Params() []Param { return nil }

// Pool is max or average pooling over windows of its spec's kernel.
type Pool struct{ S LayerSpec }

// Spec returns the layer's description.
func (l *Pool) Spec() LayerSpec { return l.S }

// Forward pools x [N, C, H, W].
func (l *Pool) Forward(x *ag.Var) *ag.Var {
	st := l.S.stride()
	win := ag.Window{StrideH: st[0], StrideW: st[1], PadH: l.S.Pad[0], PadW: l.S.Pad[1]}
	if l.S.Kind == KindAvgPool2D {
		return ag.AvgPool2D(x, l.S.Kernel[0], l.S.Kernel[1], win)
	}
	return ag.MaxPool2D(x, l.S.Kernel[0], l.S.Kernel[1], win)
}

// Params returns nothing.
func (l *Pool) Params() []Param { return nil }

// GlobalAvgPool averages each channel: [N, C, H, W] to [N, C].
type GlobalAvgPool struct{ S LayerSpec }

// Spec returns the layer's description.
func (l *GlobalAvgPool) Spec() LayerSpec { return l.S }

// Forward averages over positions.
func (l *GlobalAvgPool) Forward(x *ag.Var) *ag.Var { return ag.GlobalAvgPool(x) }

// Params returns nothing.
func (l *GlobalAvgPool) Params() []Param { return nil }

// Flatten reshapes [N, ...] to [N, rest].
type Flatten struct{ S LayerSpec }

// Spec returns the layer's description.
func (l *Flatten) Spec() LayerSpec { return l.S }

// Forward flattens.
func (l *Flatten) Forward(x *ag.Var) *ag.Var { return ag.Flatten(x) }

// Params returns nothing.
func (l *Flatten) Params() []Param { return nil }

// heNormal fills w with N(0, 2/fanIn), the initialisation of He et al. for
// layers followed by ReLU.
func heNormal(r *rand.Rand, w []float32, fanIn int) {
	std := math.Sqrt(2 / float64(fanIn))
	for i := range w {
		w[i] = float32(r.NormFloat64() * std)
	}
}

// newLayer creates the layer for spec l on input shape in, with weights
// drawn from r (zero biases).
func newLayer(l LayerSpec, in []int, r *rand.Rand) Layer {
	switch l.Kind {
	case KindConv2D:
		w := tensor.New(l.Filters, in[0], l.Kernel[0], l.Kernel[1])
		heNormal(r, w.Data, in[0]*l.Kernel[0]*l.Kernel[1])
		return &Conv2D{S: l, W: ag.New(w), B: ag.New(tensor.New(l.Filters))}
	case KindDense:
		w := tensor.New(l.Units, in[0])
		heNormal(r, w.Data, in[0])
		return &Dense{S: l, W: ag.New(w), B: ag.New(tensor.New(l.Units))}
	case KindReLU:
		return &ReLU{S: l}
	case KindMaxPool2D, KindAvgPool2D:
		return &Pool{S: l}
	case KindGlobalAvgPool:
		return &GlobalAvgPool{S: l}
	case KindFlatten:
		return &Flatten{S: l}
	}
	panic("nn: unknown layer kind " + l.Kind) // Spec.Shapes rejects it first
}
