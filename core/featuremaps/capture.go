package featuremaps

import (
	"fmt"

	ag "cnnviz/core/autograd"
	"cnnviz/core/nn"
	"cnnviz/core/tensor"
)

// Layer is one layer's output for one input image.
type Layer struct {
	Index int    // position in the network
	Name  string // the spec's layer name ("conv1")
	Kind  string // the spec's kind ("conv2d", "relu", …)
	Shape []int  // [C, H, W] for spatial layers, [Units] for flat ones
	Data  []float32
}

// Channels returns the number of channels and the values per channel: C
// and H·W for a [C, H, W] output; for a flat output every unit is its own
// channel of size 1.
func (l Layer) Channels() (c, hw int) { return channels(l.Shape) }

func channels(shape []int) (c, hw int) {
	if len(shape) == 3 {
		return shape[0], shape[1] * shape[2]
	}
	return tensor.Numel(shape), 1
}

// Capture runs x (one image, flat [C·H·W] in the model's input shape)
// through m and returns the output of every layer, in order. It panics if
// len(x) does not match the model's input.
func Capture(m *nn.Sequential, x []float32) []Layer {
	checkImages(m, x, 1)
	out := make([]Layer, len(m.Layers))
	forward(m, x, 1, len(m.Layers)-1, func(i int, v *ag.Var) {
		out[i] = layerOf(m, i, v.Value.Data)
	})
	return out
}

func layerOf(m *nn.Sequential, i int, data []float32) Layer {
	s := m.Spec.Layers[i]
	return Layer{Index: i, Name: s.Name, Kind: s.Kind, Shape: m.OutShape(i), Data: data}
}

// checkImages panics unless images holds n images of m's input shape.
func checkImages(m *nn.Sequential, images []float32, n int) {
	if size := tensor.Numel(m.Spec.Input); n < 0 || len(images) != n*size {
		panic(fmt.Sprintf("featuremaps: %d values for %d images of shape %v", len(images), n, m.Spec.Input))
	}
}

// forward runs n images (flat) through layers 0..last of m and calls
// observe with each layer's batched output. No gradient is wanted, but the
// weights are graph leaves, so a small graph is built and then dropped.
func forward(m *nn.Sequential, images []float32, n, last int, observe func(i int, out *ag.Var)) {
	shape := append([]int{n}, m.Spec.Input...)
	var obs nn.Observer
	if observe != nil {
		obs = func(i int, _ nn.Layer, out *ag.Var) { observe(i, out) }
	}
	m.ForwardTrace(ag.Constant(tensor.FromSlice(images, shape...)), last, obs)
}

// macs estimates the multiply-adds of layers 0..last for one image, to size
// the batches of the steppers.
func macs(m *nn.Sequential, last int) int {
	total := 0
	for i := 0; i <= last; i++ {
		s := m.Spec.Layers[i]
		out := tensor.Numel(m.OutShape(i))
		switch s.Kind {
		case nn.KindConv2D:
			in := m.Spec.Input[0]
			if j := m.Spec.Prev(i); j >= 0 {
				in = m.OutShape(j)[0]
			}
			total += out * in / max(1, s.Groups) * s.Kernel[0] * s.Kernel[1]
		case nn.KindDense:
			in := tensor.Numel(m.Spec.Input)
			if j := m.Spec.Prev(i); j >= 0 {
				in = tensor.Numel(m.OutShape(j))
			}
			total += out * in
		default:
			total += out * max(1, s.Kernel[0]*s.Kernel[1])
		}
	}
	return total
}

// BatchBudget is the number of multiply-adds a stepper aims to do in one
// Step: about 2–4 ms on a 2-core laptop natively, more under WebAssembly.
const BatchBudget = 3_000_000

// batchFor returns how many images fit in one Step for layers 0..last.
func batchFor(m *nn.Sequential, last int) int {
	return max(1, min(64, BatchBudget/max(1, macs(m, last))))
}
