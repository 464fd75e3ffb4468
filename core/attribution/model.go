package attribution

import (
	"fmt"
	"strconv"

	ag "cnnviz/core/autograd"
	"cnnviz/core/nn"
	"cnnviz/core/tensor"
)

// LayerIndex resolves a layer chosen by name ("conv4") or by decimal index
// ("8") to its index in m. It returns an error when no layer matches.
func LayerIndex(m *nn.Sequential, nameOrIndex string) (int, error) {
	if i := m.Index(nameOrIndex); i >= 0 {
		return i, nil
	}
	if i, err := strconv.Atoi(nameOrIndex); err == nil {
		if i < 0 || i >= len(m.Layers) {
			return 0, fmt.Errorf("layer index %d is outside 0..%d", i, len(m.Layers)-1)
		}
		return i, nil
	}
	return 0, fmt.Errorf("model %q has no layer %q", m.Spec.Name, nameOrIndex)
}

// SpatialLayers returns the indices of the layers whose output is a
// [C, H, W] feature map: the layers a CAM can be computed on.
func SpatialLayers(m *nn.Sequential) []int {
	var out []int
	for i := range m.Layers {
		if len(m.OutShape(i)) == 3 {
			out = append(out, i)
		}
	}
	return out
}

// checkLayer returns an error unless layer i exists and gives a [C, H, W]
// output.
func checkLayer(m *nn.Sequential, i int) error {
	if i < 0 || i >= len(m.Layers) {
		return fmt.Errorf("layer index %d is outside 0..%d", i, len(m.Layers)-1)
	}
	if s := m.OutShape(i); len(s) != 3 {
		return fmt.Errorf("layer %q gives shape %v, a class activation map needs a [channels, height, width] layer", m.Spec.Layers[i].Name, s)
	}
	return nil
}

// checkClass returns an error unless class is a valid output index of m.
func checkClass(m *nn.Sequential, class int) error {
	if k := len(m.Spec.Classes); class < 0 || class >= k {
		return fmt.Errorf("class %d is outside 0..%d", class, k-1)
	}
	return nil
}

// checkInput panics unless x has the shape [C, H, W] of m's input.
func checkInput(m *nn.Sequential, x *tensor.Tensor) {
	if !tensor.SameShape(x.Shape, m.Spec.Input) {
		panic(fmt.Sprintf("attribution: model %s expects input %v, got %v", m.Spec.Name, m.Spec.Input, x.Shape))
	}
}

// frozen returns a view of m that shares its weight values but holds them
// as constants, so a Backward through it computes only the gradients the
// method asks for (input or feature map) and never touches m's parameter
// gradients. rule, applied to every ReLU, selects the backward rule
// (guided backpropagation, deconvnet). The view follows later in-place
// changes of m's weights but not layers replaced in m.
func frozen(m *nn.Sequential, rule ag.ReLURule) *nn.Sequential {
	v := &nn.Sequential{Spec: m.Spec, Layers: make([]nn.Layer, len(m.Layers))}
	for i, l := range m.Layers {
		switch l := l.(type) {
		case *nn.Conv2D:
			v.Layers[i] = &nn.Conv2D{S: l.S, W: ag.Constant(l.W.Value), B: ag.Constant(l.B.Value)}
		case *nn.Dense:
			v.Layers[i] = &nn.Dense{S: l.S, W: ag.Constant(l.W.Value), B: ag.Constant(l.B.Value)}
		case *nn.Affine:
			v.Layers[i] = &nn.Affine{S: l.S, Scale: ag.Constant(l.Scale.Value), Shift: ag.Constant(l.Shift.Value)}
		case *nn.ReLU:
			v.Layers[i] = &nn.ReLU{S: l.S, Rule: rule}
		default:
			v.Layers[i] = l
		}
	}
	return v
}

// batchShape prepends a batch dimension n to the shape chw.
func batchShape(n int, chw []int) []int { return append([]int{n}, chw...) }

// forwardTo runs x [C, H, W] through layers 0..layer without building a
// graph (nor graph nodes: the weights are read as constants) and returns
// that layer's output for the one image, shape m.OutShape(layer).
func forwardTo(m *nn.Sequential, x *tensor.Tensor, layer int) *tensor.Tensor {
	a, _ := traceTo(m, x, layer)
	return a
}

// traceTo is forwardTo that also returns the trace of the pass, which
// ForwardFrom needs to rerun the top of a graph from layer's output.
func traceTo(m *nn.Sequential, x *tensor.Tensor, layer int) (*tensor.Tensor, *nn.Trace) {
	f := frozen(m, ag.ReLUGradient)
	t := f.ForwardTrace(ag.Constant(x.Reshape(batchShape(1, x.Shape)...)), layer, nil)
	h := t.Out[layer]
	return h.Value.Reshape(h.Value.Shape[1:]...), t
}

// classSeed returns the seed for Backward from logits [n, K] that selects
// logit class of every row.
func classSeed(n, k, class int) *tensor.Tensor {
	s := tensor.New(n, k)
	for i := 0; i < n; i++ {
		s.Data[i*k+class] = 1
	}
	return s
}

// featureGrad returns, for one image x, the activations A of layer
// (shape [C, H, W]), the gradient G of logit class with respect to them,
// and the logit itself. The bottom of the network runs without a graph;
// A becomes a leaf and the top reruns from it with ForwardFrom, so one
// Backward fills exactly G.
func featureGrad(m *nn.Sequential, x *tensor.Tensor, layer, class int) (a, g *tensor.Tensor, logit float32) {
	f := frozen(m, ag.ReLUGradient)
	act, trace := traceTo(f, x, layer)
	av := ag.New(act.Reshape(batchShape(1, act.Shape)...))
	y := f.ForwardFrom(layer+1, av, trace, nil)
	k := y.Value.Shape[1]
	ag.Backward(y, classSeed(1, k, class))
	return act, av.Grad.Reshape(act.Shape...), y.Value.Data[class]
}

// inputGrads returns the gradient of logit class with respect to each of
// the n images in xs (flat, n·C·H·W values) through f, and the n logits.
func inputGrads(f *nn.Sequential, xs []float32, n, class int) (grads, logits []float32) {
	x := ag.New(tensor.FromSlice(xs, batchShape(n, f.Spec.Input)...))
	y := f.Forward(x, nil)
	k := y.Value.Shape[1]
	ag.Backward(y, classSeed(n, k, class))
	logits = make([]float32, n)
	for i := range logits {
		logits[i] = y.Value.Data[i*k+class]
	}
	return x.Grad.Data, logits
}

// classLogits runs n images (flat) through m without a graph and returns
// the logit of class for each.
func classLogits(m *nn.Sequential, xs []float32, n, class int) []float32 {
	y := frozen(m, ag.ReLUGradient).Logits(xs, n)
	k := len(y) / n
	out := make([]float32, n)
	for i := range out {
		out[i] = y[i*k+class]
	}
	return out
}

// ClassProbs runs n images given as one flat slice of [C, H, W] images
// through m without building a graph and returns the softmax probability of
// class for each. It panics when len(xs) is not n images.
func ClassProbs(m *nn.Sequential, xs []float32, n, class int) []float32 {
	y := frozen(m, ag.ReLUGradient).Logits(xs, n)
	k := len(y) / n
	out := make([]float32, n)
	for i := range out {
		out[i] = tensor.Softmax(y[i*k : (i+1)*k])[class]
	}
	return out
}

// WithInput returns a model with m's weights (copied) whose spec takes
// inputs of shape input [C, H, W]. It works for fully convolutional models
// that end in global average pooling and a dense layer (such as "mnist"),
// whose parameters do not depend on the input size; otherwise it returns
// an error naming the parameter whose shape would change.
func WithInput(m *nn.Sequential, input []int) (*nn.Sequential, error) {
	spec := m.Spec
	spec.Input = append([]int(nil), input...)
	spec.Layers = append([]nn.LayerSpec(nil), m.Spec.Layers...)
	c, err := nn.Build(spec, 0)
	if err != nil {
		return nil, fmt.Errorf("model %q with input %v: %v", m.Spec.Name, input, err)
	}
	src, dst := m.Params(), c.Params()
	for i := range src {
		if !tensor.SameShape(src[i].Var.Value.Shape, dst[i].Var.Value.Shape) {
			return nil, fmt.Errorf("model %q with input %v: parameter %s would change shape from %v to %v", m.Spec.Name, input, src[i].Name, src[i].Var.Value.Shape, dst[i].Var.Value.Shape)
		}
		copy(dst[i].Var.Value.Data, src[i].Var.Value.Data)
	}
	return c, nil
}

// Logits runs n images given as one flat slice of [C, H, W] images through
// m and returns n rows of logits, like m.Logits but reading the weights as
// constants, so no graph nodes are built. It panics when len(xs) is not n
// images.
func Logits(m *nn.Sequential, xs []float32, n int) []float32 {
	return frozen(m, ag.ReLUGradient).Logits(xs, n)
}
