package nn

import (
	"fmt"
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

// Every layer kind runs in a Plan as well as through autograd.
var (
	_ planLayer = (*Conv2D)(nil)
	_ planLayer = (*Dense)(nil)
	_ planLayer = (*ReLU)(nil)
	_ planLayer = (*Pool)(nil)
	_ planLayer = (*GlobalAvgPool)(nil)
	_ planLayer = (*Flatten)(nil)
	_ planLayer = (*Activation)(nil)
	_ planLayer = (*ZeroPad2D)(nil)
	_ planLayer = (*Dropout)(nil)
	_ planLayer = (*Add)(nil)
	_ planLayer = (*Concat)(nil)
	_ planLayer = (*Affine)(nil)
)

// Conv2D is a 2-D convolution (cross-correlation) with bias. W is
// [Filters, InC/Groups, KH, KW] and B is [Filters].
type Conv2D struct {
	S    LayerSpec
	W, B *ag.Var
}

// Spec returns the layer's description.
func (l *Conv2D) Spec() LayerSpec { return l.S }

// Forward convolves x [N, InC, H, W].
func (l *Conv2D) Forward(x *ag.Var) *ag.Var {
	st := l.S.stride()
	return ag.Conv2D(x, l.W, l.B, ag.Window{StrideH: st[0], StrideW: st[1], PadH: l.S.Pad[0], PadW: l.S.Pad[1], Groups: l.S.Groups})
}

// planSetup sizes the convolution and fuses a following ReLU into it.
func (l *Conv2D) planSetup(st *planStep, next Layer) (int, bool) {
	st.g = l.S.Geom(st.inShape)
	_, relu := next.(*ReLU)
	return tensor.GroupConvScratch(st.g, l.S.Filters, l.S.groups()), relu
}

// planForward convolves, writing the next layer's ReLU too when fused.
func (l *Conv2D) planForward(st *planStep, scratch []float32) {
	tensor.GroupConvForward(st.g, l.S.groups(), st.batch, l.S.Filters, st.in, l.W.Value.Data, bias(l.B), st.out, st.next, scratch)
}

// planBackward runs the convolution's backward kernel.
func (l *Conv2D) planBackward(st *planStep, dx []float32, params bool, scratch []float32) {
	var dw, db []float32
	if params {
		dw = needGrad(l.W)
		db = needGrad(l.B)
	}
	if dx == nil && dw == nil {
		return
	}
	tensor.GroupConvBackward(st.g, l.S.groups(), st.batch, l.S.Filters, st.in, l.W.Value.Data, st.grad, dx, dw, db, scratch)
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

// smallBatch is the largest batch for which a Plan runs dense layers as
// dot products and axpys rather than a packed GEMM, whose packing costs
// more than it saves on a few rows.
const smallBatch = 4

// planSetup returns the scratch of the layer's GEMMs.
func (l *Dense) planSetup(st *planStep, _ Layer) (int, bool) {
	n, in, units := st.batch, st.inSize, l.S.Units
	return max(tensor.GemmScratch(n, in), tensor.GemmScratch(units, n), tensor.GemmScratch(n, units)), false
}

// planForward computes x·Wᵀ + B.
func (l *Dense) planForward(st *planStep, scratch []float32) {
	n, units, in, w := st.batch, l.S.Units, st.inSize, l.W.Value.Data
	x, y := st.in, st.out
	if l.B == nil {
		clear(y)
	}
	for b := 0; b < n && l.B != nil; b++ {
		copy(y[b*units:(b+1)*units], l.B.Value.Data)
	}
	if n > smallBatch {
		tensor.GemmTo(false, true, n, units, in, x, in, w, in, y, units, true, scratch)
		return
	}
	// A few rows: one dot product per output, with no packing.
	for b := 0; b < n; b++ {
		xb, yb := x[b*in:(b+1)*in], y[b*units:(b+1)*units]
		for u := range yb {
			yb[u] += tensor.Dot(xb, w[u*in:(u+1)*in])
		}
	}
}

// planBackward computes dx = g·W and adds gᵀ·x and the column sums of g
// to the parameter gradients.
func (l *Dense) planBackward(st *planStep, dx []float32, params bool, scratch []float32) {
	n, units, in, g := st.batch, l.S.Units, st.inSize, st.grad
	if params {
		tensor.GemmTo(true, false, units, in, n, g, units, st.in, in, needGrad(l.W), in, true, scratch)
		if gb := needGrad(l.B); gb != nil {
			for b := 0; b < n; b++ {
				for j, v := range g[b*units : (b+1)*units] {
					gb[j] += v
				}
			}
		}
	}
	switch {
	case dx == nil:
	case n > smallBatch:
		tensor.GemmTo(false, false, n, in, units, g, units, l.W.Value.Data, in, dx, in, false, scratch)
	default:
		w := l.W.Value.Data
		for b := 0; b < n; b++ {
			db := dx[b*in : (b+1)*in]
			clear(db)
			for u, gv := range g[b*units : (b+1)*units] {
				tensor.Axpy(gv, w[u*in:(u+1)*in], db)
			}
		}
	}
}

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

// planSetup needs nothing.
func (l *ReLU) planSetup(*planStep, Layer) (int, bool) { return 0, false }

// planForward applies the ReLU (unless a convolution fused it).
func (l *ReLU) planForward(st *planStep, _ []float32) { tensor.ReLU(st.in, st.out) }

// planBackward passes the gradient back by the layer's Rule.
func (l *ReLU) planBackward(st *planStep, dx []float32, _ bool, _ []float32) {
	if dx == nil {
		return
	}
	switch l.Rule {
	case ag.ReLUGradient:
		tensor.ReLUBackward(st.in, st.grad, dx, true, false)
	case ag.ReLUGuided:
		tensor.ReLUBackward(st.in, st.grad, dx, true, true)
	case ag.ReLUDeconv:
		tensor.ReLUBackward(st.in, st.grad, dx, false, true)
	default:
		panic(fmt.Sprintf("nn: unknown ReLU rule %d in layer %s", l.Rule, l.S.Name))
	}
}

// Params returns nothing: a ReLU learns nothing.
func (l *ReLU) Params() []Param { return nil }

// Pool is max or average pooling over windows of its spec's kernel.
type Pool struct{ S LayerSpec }

// Spec returns the layer's description.
func (l *Pool) Spec() LayerSpec { return l.S }

// Forward pools x [N, C, H, W].
func (l *Pool) Forward(x *ag.Var) *ag.Var {
	st := l.S.stride()
	win := ag.Window{StrideH: st[0], StrideW: st[1], PadH: l.S.Pad[0], PadW: l.S.Pad[1], Ceil: l.S.Ceil}
	if l.S.Kind == KindAvgPool2D {
		return ag.AvgPool2D(x, l.S.Kernel[0], l.S.Kernel[1], win)
	}
	return ag.MaxPool2D(x, l.S.Kernel[0], l.S.Kernel[1], win)
}

// planSetup sizes the window and, for max pooling, the argmax indices.
func (l *Pool) planSetup(st *planStep, _ Layer) (int, bool) {
	st.g = l.S.Geom(st.inShape)
	if l.S.Kind == KindMaxPool2D {
		st.arg = make([]int32, st.batch*st.outSize)
	}
	return 0, false
}

// planForward pools.
func (l *Pool) planForward(st *planStep, _ []float32) {
	if l.S.Kind == KindAvgPool2D {
		tensor.AvgPool2D(st.g, st.batch, st.in, st.out)
		return
	}
	tensor.MaxPool2D(st.g, st.batch, st.in, st.out, st.arg)
}

// planBackward spreads the gradient over the windows (average) or to each
// window's maximum.
func (l *Pool) planBackward(st *planStep, dx []float32, _ bool, _ []float32) {
	if dx == nil {
		return
	}
	clear(dx)
	if l.S.Kind == KindAvgPool2D {
		tensor.AvgPool2DBackward(st.g, st.batch, st.grad, dx)
		return
	}
	tensor.MaxPool2DBackward(st.grad, st.arg, dx)
}

// Params returns nothing.
func (l *Pool) Params() []Param { return nil }

// GlobalAvgPool averages each channel: [N, C, H, W] to [N, C].
type GlobalAvgPool struct{ S LayerSpec }

// Spec returns the layer's description.
func (l *GlobalAvgPool) Spec() LayerSpec { return l.S }

// Forward averages over positions.
func (l *GlobalAvgPool) Forward(x *ag.Var) *ag.Var { return ag.GlobalAvgPool(x) }

// planSetup needs nothing.
func (l *GlobalAvgPool) planSetup(*planStep, Layer) (int, bool) { return 0, false }

// planForward averages each channel.
func (l *GlobalAvgPool) planForward(st *planStep, _ []float32) {
	hw := st.inSize / st.outSize
	for j := range st.out {
		var s float32
		for _, v := range st.in[j*hw : (j+1)*hw] {
			s += v
		}
		st.out[j] = s / float32(hw)
	}
}

// planBackward spreads each channel's gradient evenly over its positions.
func (l *GlobalAvgPool) planBackward(st *planStep, dx []float32, _ bool, _ []float32) {
	if dx == nil {
		return
	}
	hw := st.inSize / st.outSize
	for j, g := range st.grad {
		d := g / float32(hw)
		row := dx[j*hw : (j+1)*hw]
		for k := range row {
			row[k] = d
		}
	}
}

// Params returns nothing.
func (l *GlobalAvgPool) Params() []Param { return nil }

// Flatten reshapes [N, ...] to [N, rest].
type Flatten struct{ S LayerSpec }

// Spec returns the layer's description.
func (l *Flatten) Spec() LayerSpec { return l.S }

// Forward flattens.
func (l *Flatten) Forward(x *ag.Var) *ag.Var { return ag.Flatten(x) }

// planSetup makes the output and its gradient the input's buffers: a
// flatten is a reshape, as with ag.Flatten.
func (l *Flatten) planSetup(st *planStep, _ Layer) (int, bool) { return shareSetup(st), false }

// planForward copies the input unless the output is the input.
func (l *Flatten) planForward(st *planStep, _ []float32) { identityForward(st) }

// planBackward copies the gradient unless it is the input's.
func (l *Flatten) planBackward(st *planStep, dx []float32, _ bool, _ []float32) {
	identityBackward(st, dx)
}

// shareSetup makes an identity step's output and gradient its input's
// buffers when nothing else reads the input (otherwise the Plan
// allocates them and the step copies).
func shareSetup(st *planStep) int {
	if st.share {
		st.out, st.grad = st.in, st.dIn
	}
	return 0
}

// identityForward copies the input to the output when they differ.
func identityForward(st *planStep) {
	if &st.out[0] != &st.in[0] {
		copy(st.out, st.in)
	}
}

// identityBackward copies the gradient to dx when they differ.
func identityBackward(st *planStep, dx []float32) {
	if dx != nil && &dx[0] != &st.grad[0] {
		copy(dx, st.grad)
	}
}

// Params returns nothing.
func (l *Flatten) Params() []Param { return nil }

// activations maps the spec kinds of elementwise activations to their
// autograd kind.
var activations = map[string]ag.Act{
	KindReLU6:     {Kind: ag.ActReLU6},
	KindLeakyReLU: {Kind: ag.ActLeakyReLU},
	KindSigmoid:   {Kind: ag.ActSigmoid},
	KindHardSwish: {Kind: ag.ActHardSwish},
}

// Activation is an elementwise activation other than ReLU: relu6,
// leakyrelu (with the spec's Alpha), sigmoid or hardswish.
type Activation struct {
	S   LayerSpec
	Act ag.Act
}

// act returns the activation with the spec's slope.
func (l *Activation) act() ag.Act { return ag.Act{Kind: l.Act.Kind, Alpha: l.S.Alpha} }

// Spec returns the layer's description.
func (l *Activation) Spec() LayerSpec { return l.S }

// Forward applies the activation.
func (l *Activation) Forward(x *ag.Var) *ag.Var { return ag.Activate(x, l.act()) }

// planSetup needs nothing.
func (l *Activation) planSetup(*planStep, Layer) (int, bool) { return 0, false }

// planForward applies the activation.
func (l *Activation) planForward(st *planStep, _ []float32) { l.act().Apply(st.in, st.out) }

// planBackward multiplies the gradient by the activation's derivative.
func (l *Activation) planBackward(st *planStep, dx []float32, _ bool, _ []float32) {
	if dx != nil {
		l.act().Grad(st.in, st.out, st.grad, dx, false)
	}
}

// Params returns nothing.
func (l *Activation) Params() []Param { return nil }

// ZeroPad2D surrounds each channel with zeros: Padding rows above and
// below, columns left and right.
type ZeroPad2D struct{ S LayerSpec }

// pad returns the spec's padding.
func (l *ZeroPad2D) pad() ag.Pad4 {
	p := l.S.Padding
	return ag.Pad4{Top: p[0], Bottom: p[1], Left: p[2], Right: p[3]}
}

// Spec returns the layer's description.
func (l *ZeroPad2D) Spec() LayerSpec { return l.S }

// Forward pads x [N, C, H, W].
func (l *ZeroPad2D) Forward(x *ag.Var) *ag.Var { return ag.ZeroPad2D(x, l.pad()) }

// planSetup needs nothing.
func (l *ZeroPad2D) planSetup(*planStep, Layer) (int, bool) { return 0, false }

// planForward pads every plane of the batch.
func (l *ZeroPad2D) planForward(st *planStep, _ []float32) {
	s := st.inShape
	ag.ZeroPad2DTo(l.pad(), st.batch*s[0], s[1], s[2], st.in, st.out)
}

// planBackward keeps the gradient over the input and drops the border's.
func (l *ZeroPad2D) planBackward(st *planStep, dx []float32, _ bool, _ []float32) {
	if dx != nil {
		s := st.inShape
		ag.ZeroPad2DGrad(l.pad(), st.batch*s[0], s[1], s[2], st.grad, dx, false)
	}
}

// Params returns nothing.
func (l *ZeroPad2D) Params() []Param { return nil }

// Dropout is the identity: cnnviz only runs inference, and a dropout
// layer of an imported model is kept so that its names still match.
type Dropout struct{ S LayerSpec }

// Spec returns the layer's description.
func (l *Dropout) Spec() LayerSpec { return l.S }

// Forward returns x as a node of its own (sharing x's values), so that
// its gradient is the dropout's alone when x has other readers.
func (l *Dropout) Forward(x *ag.Var) *ag.Var { return ag.Reshape(x, x.Value.Shape...) }

// planSetup shares the input's buffers, as Flatten does.
func (l *Dropout) planSetup(st *planStep, _ Layer) (int, bool) { return shareSetup(st), false }

// planForward copies the input unless the output is the input.
func (l *Dropout) planForward(st *planStep, _ []float32) { identityForward(st) }

// planBackward copies the gradient unless it is the input's.
func (l *Dropout) planBackward(st *planStep, dx []float32, _ bool, _ []float32) {
	identityBackward(st, dx)
}

// Params returns nothing.
func (l *Dropout) Params() []Param { return nil }

// Add sums its inputs elementwise (a residual connection).
type Add struct{ S LayerSpec }

// Spec returns the layer's description.
func (l *Add) Spec() LayerSpec { return l.S }

// Forward panics: an add reads several inputs (ForwardN).
func (l *Add) Forward(*ag.Var) *ag.Var { panic("nn: add " + l.S.Name + " needs ForwardN") }

// ForwardN sums xs.
func (l *Add) ForwardN(xs []*ag.Var) *ag.Var {
	y := xs[0]
	for _, x := range xs[1:] {
		y = ag.Add(y, x)
	}
	return y
}

// planSetup needs nothing.
func (l *Add) planSetup(*planStep, Layer) (int, bool) { return 0, false }

// planForward sums the inputs.
func (l *Add) planForward(st *planStep, _ []float32) {
	copy(st.out, st.ins[0])
	for _, x := range st.ins[1:] {
		tensor.Axpy(1, x, st.out)
	}
}

// planBackward passes the gradient to every input.
func (l *Add) planBackward(st *planStep, _ []float32, _ bool, _ []float32) {
	for _, dx := range st.dx {
		if dx != nil {
			copy(dx, st.grad)
		}
	}
}

// Params returns nothing.
func (l *Add) Params() []Param { return nil }

// Concat joins its inputs along the channels.
type Concat struct{ S LayerSpec }

// Spec returns the layer's description.
func (l *Concat) Spec() LayerSpec { return l.S }

// Forward panics: a concat reads several inputs (ForwardN).
func (l *Concat) Forward(*ag.Var) *ag.Var { panic("nn: concat " + l.S.Name + " needs ForwardN") }

// ForwardN concatenates xs.
func (l *Concat) ForwardN(xs []*ag.Var) *ag.Var { return ag.Concat(xs...) }

// planSetup needs nothing.
func (l *Concat) planSetup(*planStep, Layer) (int, bool) { return 0, false }

// planForward copies each input's channels into place.
func (l *Concat) planForward(st *planStep, _ []float32) {
	ag.ConcatTo(len(st.ins), st.batch, func(k int) []float32 { return st.ins[k] }, st.outSize, st.out)
}

// planBackward hands each input its channels' gradient.
func (l *Concat) planBackward(st *planStep, _ []float32, _ bool, _ []float32) {
	off := 0
	for k, in := range st.ins {
		m := len(in) / st.batch
		if dx := st.dx[k]; dx != nil {
			for i := 0; i < st.batch; i++ {
				copy(dx[i*m:(i+1)*m], st.grad[i*st.outSize+off:i*st.outSize+off+m])
			}
		}
		off += m
	}
}

// Params returns nothing.
func (l *Concat) Params() []Param { return nil }

// Affine scales and shifts each channel: x·Scale[c] + Shift[c], a batch
// normalization folded for inference.
type Affine struct {
	S            LayerSpec
	Scale, Shift *ag.Var
}

// Spec returns the layer's description.
func (l *Affine) Spec() LayerSpec { return l.S }

// Forward scales and shifts x [N, C, ...].
func (l *Affine) Forward(x *ag.Var) *ag.Var { return ag.ChannelAffine(x, l.Scale, l.Shift) }

// planSetup needs nothing.
func (l *Affine) planSetup(*planStep, Layer) (int, bool) { return 0, false }

// planForward scales and shifts.
func (l *Affine) planForward(st *planStep, _ []float32) {
	c := st.inShape[0]
	ag.AffineTo(st.batch, c, st.inSize/c, st.in, l.Scale.Value.Data, l.Shift.Value.Data, st.out)
}

// planBackward scales the gradient and adds the parameters' gradients.
func (l *Affine) planBackward(st *planStep, dx []float32, params bool, _ []float32) {
	var ds, db []float32
	if params {
		ds, db = needGrad(l.Scale), needGrad(l.Shift)
	}
	c := st.inShape[0]
	ag.AffineGrad(st.batch, c, st.inSize/c, st.in, l.Scale.Value.Data, st.grad, dx, ds, db, false)
}

// Params returns the scale and the shift.
func (l *Affine) Params() []Param {
	return []Param{{l.S.Name + ".scale", l.Scale}, {l.S.Name + ".shift", l.Shift}}
}

// bias returns a layer's bias values, or nil when it has none.
func bias(b *ag.Var) []float32 {
	if b == nil {
		return nil
	}
	return b.Value.Data
}

// needGrad gives v a zero gradient if it has none and returns the
// gradient's values; nil for a nil v (a layer without bias).
func needGrad(v *ag.Var) []float32 {
	if v == nil {
		return nil
	}
	if v.Grad == nil {
		v.Grad = tensor.New(v.Value.Shape...)
	}
	return v.Grad.Data
}

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
		c := in[0] / l.groups()
		w := tensor.New(l.Filters, c, l.Kernel[0], l.Kernel[1])
		heNormal(r, w.Data, c*l.Kernel[0]*l.Kernel[1])
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
	case KindReLU6, KindLeakyReLU, KindSigmoid, KindHardSwish:
		return &Activation{S: l, Act: activations[l.Kind]}
	case KindZeroPad2D:
		return &ZeroPad2D{S: l}
	case KindDropout:
		return &Dropout{S: l}
	case KindAdd:
		return &Add{S: l}
	case KindConcat:
		return &Concat{S: l}
	case KindAffine:
		scale := tensor.New(in[0])
		for i := range scale.Data {
			scale.Data[i] = 1
		}
		return &Affine{S: l, Scale: ag.New(scale), Shift: ag.New(tensor.New(in[0]))}
	}
	panic("nn: unknown layer kind " + l.Kind) // Spec.Shapes rejects it first
}
