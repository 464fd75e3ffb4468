package actmax

import (
	"fmt"
	"math"

	ag "cnnviz/core/autograd"
	"cnnviz/core/nn"
	"cnnviz/core/tensor"
)

// Kind selects what activation maximization makes large.
type Kind int

const (
	// ChannelMean is the mean over positions of one channel of a layer's
	// output: what the whole feature map of a filter responds to.
	ChannelMean Kind = iota
	// Unit is one activation (Channel, Y, X): one neuron with one
	// receptive field.
	Unit
	// Class is one class logit, the output of the last layer before any
	// softmax: class model visualization (Simonyan et al. 2013).
	Class
	// Direction is the dot product of Weights with the vector of a layer's
	// channel means: a mixture of filters.
	Direction
	// DeepDream is the mean of the squared activations of a whole layer,
	// starting from a given image (Options.Start): it amplifies whatever
	// the layer already sees there.
	DeepDream
)

var kindNames = [...]string{"channel", "unit", "class", "direction", "deepdream"}

// String names the kind as in URLs and the JS API.
func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Objective is the scalar that gradient ascent makes large. Layer names a
// layer of the model (ignored for Class, which reads the last layer). A
// layer with output [C, H, W] has channels C and positions (Y, X); a layer
// with output [U] (dense) has channels U and a single position.
type Objective struct {
	Kind    Kind
	Layer   string
	Channel int       // ChannelMean, Unit
	Y, X    int       // Unit
	Class   int       // Class
	Weights []float32 // Direction: one weight per channel of Layer
	// Negate maximizes minus the objective: what the unit or filter hates.
	Negate bool
}

// target is an objective compiled for one model: a frozen copy of the
// layers up to the one read, and the constant that selects from its
// output.
type target struct {
	net    *nn.Sequential // layers 0..layer with constant weights
	layer  int
	mask   *tensor.Tensor // [1, outShape...]; nil for DeepDream
	square bool
	sign   float32
	// channels lists the target layer's channels the narrowed network
	// computes, nil when it computes them all.
	channels []int
}

// compile checks obj against m and builds its target. Errors name the
// problem: they come from user choices.
func compile(m *nn.Sequential, obj Objective) (*target, error) {
	layer := len(m.Layers) - 1
	if obj.Kind != Class {
		layer = m.Index(obj.Layer)
		if layer < 0 {
			return nil, fmt.Errorf("actmax: model %s has no layer %q", m.Spec.Name, obj.Layer)
		}
	}
	shape := m.OutShape(layer)
	channels, per := shape[0], tensor.Numel(shape[1:])
	mask := tensor.New(append([]int{1}, shape...)...)
	t := &target{layer: layer, mask: mask, sign: 1}
	if obj.Negate {
		t.sign = -1
	}
	checkChannel := func(c int) error {
		if c < 0 || c >= channels {
			return fmt.Errorf("actmax: channel %d of layer %q: want 0..%d", c, obj.Layer, channels-1)
		}
		return nil
	}
	switch obj.Kind {
	case ChannelMean:
		if err := checkChannel(obj.Channel); err != nil {
			return nil, err
		}
		for i := range per {
			mask.Data[obj.Channel*per+i] = 1 / float32(per)
		}
	case Unit:
		if err := checkChannel(obj.Channel); err != nil {
			return nil, err
		}
		i := obj.Channel * per
		if len(shape) == 3 {
			if obj.Y < 0 || obj.Y >= shape[1] || obj.X < 0 || obj.X >= shape[2] {
				return nil, fmt.Errorf("actmax: unit position (%d, %d) of layer %q: want y 0..%d and x 0..%d", obj.Y, obj.X, obj.Layer, shape[1]-1, shape[2]-1)
			}
			i += obj.Y*shape[2] + obj.X
		} else if obj.Y != 0 || obj.X != 0 {
			return nil, fmt.Errorf("actmax: layer %q has output %v: a unit there has no position", obj.Layer, shape)
		}
		mask.Data[i] = 1
	case Class:
		if obj.Class < 0 || obj.Class >= channels {
			return nil, fmt.Errorf("actmax: class %d: want 0..%d", obj.Class, channels-1)
		}
		mask.Data[obj.Class] = 1
	case Direction:
		if len(obj.Weights) != channels {
			return nil, fmt.Errorf("actmax: direction has %d weights for the %d channels of layer %q", len(obj.Weights), channels, obj.Layer)
		}
		for c, wc := range obj.Weights {
			if math.IsNaN(float64(wc)) || math.IsInf(float64(wc), 0) {
				return nil, fmt.Errorf("actmax: direction weight %d is %v", c, wc)
			}
			for i := range per {
				mask.Data[c*per+i] = wc / float32(per)
			}
		}
	case DeepDream:
		t.mask, t.square = nil, true
	default:
		return nil, fmt.Errorf("actmax: unknown objective kind %d", int(obj.Kind))
	}
	t.net = frozen(m, layer)
	if !noNarrow {
		t.narrow(m, shape)
	}
	return t, nil
}

// noNarrow turns narrowing off, for tests that compare against the whole
// layer.
var noNarrow bool

// narrow makes the frozen network compute only the channels the mask
// uses, when that is fewer than all of them: the last convolution or dense
// layer at or before the target keeps only those filters, as long as
// every layer after it up to the target works channel by channel (ReLU,
// pooling). The objective and its gradient are unchanged, but a channel
// objective on a 16-filter layer does 1/16 of that layer's work. The kept
// filters are copies made now; the other layers share the model's weights.
func (t *target) narrow(m *nn.Sequential, shape []int) {
	if t.mask == nil || !m.Spec.IsChain() {
		return // in a graph another layer may read the narrowed outputs
	}
	channels, per := shape[0], tensor.Numel(shape[1:])
	var keep []int
	for c := range channels {
		for _, v := range t.mask.Data[c*per : (c+1)*per] {
			if v != 0 {
				keep = append(keep, c)
				break
			}
		}
	}
	if len(keep) == channels || len(keep) == 0 {
		return
	}
	j := t.layer
	for ; j >= 0; j-- {
		switch t.net.Layers[j].(type) {
		case *nn.ReLU, *nn.Pool:
			continue
		}
		break
	}
	if j < 0 {
		return
	}
	switch l := t.net.Layers[j].(type) {
	case *nn.Conv2D:
		t.net.Layers[j] = &nn.Conv2D{S: l.S, W: ag.Constant(rows(l.W.Value, keep)), B: ag.Constant(rows(l.B.Value, keep))}
	case *nn.Dense:
		t.net.Layers[j] = &nn.Dense{S: l.S, W: ag.Constant(rows(l.W.Value, keep)), B: ag.Constant(rows(l.B.Value, keep))}
	default:
		return
	}
	t.mask = rows(t.mask.Reshape(shape...), keep)
	t.mask = t.mask.Reshape(append([]int{1}, t.mask.Shape...)...)
	t.channels = keep
}

// rows returns the sub-tensors x[i] for i in keep, stacked.
func rows(x *tensor.Tensor, keep []int) *tensor.Tensor {
	per := tensor.Numel(x.Shape[1:])
	out := tensor.New(append([]int{len(keep)}, x.Shape[1:]...)...)
	for k, i := range keep {
		copy(out.Data[k*per:(k+1)*per], x.Data[i*per:(i+1)*per])
	}
	return out
}

// frozen returns layers 0..last of m as a Sequential whose weights are
// constants sharing m's values (so Backward computes only the input
// gradient) and whose ReLUs pass the true gradient whatever rule m's
// ReLUs are set to by other views.
func frozen(m *nn.Sequential, last int) *nn.Sequential {
	spec := m.Spec
	spec.Layers = spec.Layers[:last+1]
	ls := make([]nn.Layer, last+1)
	for i, l := range m.Layers[:last+1] {
		switch l := l.(type) {
		case *nn.Conv2D:
			ls[i] = &nn.Conv2D{S: l.S, W: ag.Constant(l.W.Value), B: ag.Constant(l.B.Value)}
		case *nn.Dense:
			ls[i] = &nn.Dense{S: l.S, W: ag.Constant(l.W.Value), B: ag.Constant(l.B.Value)}
		case *nn.Affine:
			ls[i] = &nn.Affine{S: l.S, Scale: ag.Constant(l.Scale.Value), Shift: ag.Constant(l.Shift.Value)}
		case *nn.ReLU:
			ls[i] = &nn.ReLU{S: l.S, Rule: ag.ReLUGradient}
		default:
			ls[i] = l
		}
	}
	return &nn.Sequential{Spec: spec, Layers: ls}
}

// eval runs the frozen network on x [1, C, H, W] and returns the signed
// objective. The observer picks the target layer's output, which is the
// network's last output here.
func (t *target) eval(x *ag.Var, forwards *int) *ag.Var {
	var out *ag.Var
	t.net.Forward(x, func(i int, _ nn.Layer, o *ag.Var) {
		if i == 0 {
			*forwards++
		}
		if i == t.layer {
			out = o
		}
	})
	var v *ag.Var
	if t.square {
		v = ag.Mean(ag.Mul(out, out))
	} else {
		v = ag.Dot(out, t.mask)
	}
	if t.sign != 1 {
		v = ag.Scale(v, t.sign)
	}
	return v
}
