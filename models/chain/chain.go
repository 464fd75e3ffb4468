// Package chain turns the layer list that a model importer reads from a
// foreign format into an nn.Sequential: it names the classes, folds the
// model's input scale into its first linear layer, checks the architecture
// and copies the weights in. The list may be a graph: a layer's
// Spec.Inputs name the layers it reads, as in nn.LayerSpec.
package chain

import (
	"fmt"
	"math"
	"strconv"

	"cnnviz/core/nn"
)

// Layer is one layer of an imported chain with its weights in cnnviz's
// layout: W is [filters, in/groups, kh, kw] for conv2d and [units, in]
// for dense, B has one value per output; an affine layer holds its scale
// in W and its shift in B. Layers without parameters leave both nil; a
// conv2d or dense layer with a nil B gets zero biases.
type Layer struct {
	Spec nn.LayerSpec
	W, B []float32
}

// Options are what a foreign model file may not say about itself.
type Options struct {
	// Name is the model's name; empty keeps the name found in the file.
	Name string
	// Classes are the class names, one per output; nil means "0", "1", ...
	Classes []string
	// InputScale is the pixel value the model expects for full intensity
	// (255 for a model trained on bytes); 0 means 1. cnnviz feeds 0..1.
	InputScale float32
}

// Build checks the chain and returns the model. input is [C, H, W]. The
// input scale s is folded into the first conv2d or dense layer: its weights
// are multiplied by s, so that the layer computes on x the same as the
// original did on s·x. That is exact (zero padding stays zero) as long as
// only layers that commute with a positive scale (relu, pooling, flatten)
// come before it, which Build checks.
func Build(name string, input []int, layers []Layer, opt Options) (*nn.Sequential, error) {
	if opt.Name != "" {
		name = opt.Name
	}
	spec := nn.Spec{Name: name, Input: input}
	for _, l := range layers {
		spec.Layers = append(spec.Layers, l.Spec)
	}
	if len(layers) == 0 {
		return nil, fmt.Errorf("the model has no layers cnnviz can show")
	}
	layers, err := foldScale(layers, opt.InputScale)
	if err != nil {
		return nil, err
	}
	n, err := outputs(spec)
	if err != nil {
		return nil, err
	}
	spec.Classes = opt.Classes
	if spec.Classes == nil {
		for i := range n {
			spec.Classes = append(spec.Classes, strconv.Itoa(i))
		}
	}
	m, err := nn.Build(spec, 0)
	if err != nil {
		return nil, err
	}
	ps := m.Params()
	k := 0
	for _, l := range layers {
		if l.Spec.Kind != nn.KindConv2D && l.Spec.Kind != nn.KindDense && l.Spec.Kind != nn.KindAffine {
			continue
		}
		w, b := ps[k].Var.Value.Data, ps[k+1].Var.Value.Data
		k += 2
		if len(l.W) != len(w) {
			return nil, fmt.Errorf("layer %q has %d weights, its shape needs %d", l.Spec.Name, len(l.W), len(w))
		}
		if l.B != nil && len(l.B) != len(b) {
			return nil, fmt.Errorf("layer %q has %d biases, want %d", l.Spec.Name, len(l.B), len(b))
		}
		copy(w, l.W)
		copy(b, l.B)
		for _, v := range [][]float32{w, b} {
			for i, x := range v {
				if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
					return nil, fmt.Errorf("layer %q holds %v at index %d", l.Spec.Name, x, i)
				}
			}
		}
	}
	return m, nil
}

// outputs returns how many scores the model gives, or an error when it
// does not end in one score per class. Spec.Shapes checks everything
// else; it needs the class names, which may depend on this count.
func outputs(spec nn.Spec) (int, error) {
	shapes := make(map[string][]int, len(spec.Layers))
	shapes[nn.InputName] = spec.Input
	var shape []int
	prev := nn.InputName
	for _, l := range spec.Layers {
		var ins [][]int
		for _, name := range l.Inputs {
			if name == "" {
				name = nn.InputName
			}
			in, ok := shapes[name]
			if !ok {
				return 0, fmt.Errorf("layer %q reads %q, which is not an earlier layer", l.Name, name)
			}
			ins = append(ins, in)
		}
		if len(l.Inputs) == 0 {
			ins = [][]int{shapes[prev]}
		}
		shape = ins[0]
		switch l.Kind {
		case nn.KindConv2D, nn.KindMaxPool2D, nn.KindAvgPool2D:
			if len(shape) != 3 {
				return 0, fmt.Errorf("layer %q (%s) needs a [C, H, W] input, got %v", l.Name, l.Kind, shape)
			}
			g := l.Geom(shape)
			if g.SH <= 0 || g.SW <= 0 {
				return 0, fmt.Errorf("layer %q has stride %v and kernel %v", l.Name, l.Stride, l.Kernel)
			}
			c := shape[0]
			if l.Kind == nn.KindConv2D {
				c = l.Filters
			}
			shape = []int{c, g.OutH(), g.OutW()}
		case nn.KindZeroPad2D:
			if len(shape) != 3 {
				return 0, fmt.Errorf("layer %q (%s) needs a [C, H, W] input, got %v", l.Name, l.Kind, shape)
			}
			p := l.Padding
			shape = []int{shape[0], shape[1] + p[0] + p[1], shape[2] + p[2] + p[3]}
		case nn.KindGlobalAvgPool:
			shape = shape[:1]
		case nn.KindFlatten:
			n := 1
			for _, d := range shape {
				n *= d
			}
			shape = []int{n}
		case nn.KindDense:
			shape = []int{l.Units}
		case nn.KindConcat:
			c := 0
			for _, in := range ins {
				c += in[0]
			}
			shape = append([]int{c}, shape[1:]...)
		}
		shapes[l.Name] = shape
		prev = l.Name
	}
	if len(shape) != 1 || shape[0] <= 0 || shape[0] > 1<<16 {
		return 0, fmt.Errorf("the model ends in shape %v, not in one score per class", shape)
	}
	return shape[0], nil
}

// foldScale returns layers with the first conv2d or dense layer's weights
// multiplied by s; the caller's slices are left alone.
func foldScale(layers []Layer, s float32) ([]Layer, error) {
	if s == 0 || s == 1 {
		return layers, nil
	}
	if !(s > 0) || math.IsInf(float64(s), 0) {
		return nil, fmt.Errorf("input scale %v: must be a positive number", s)
	}
	readers := 0
	for i, l := range layers {
		for _, in := range l.Spec.Inputs {
			if in == "" || in == nn.InputName {
				readers++
			}
		}
		if i == 0 && len(l.Spec.Inputs) == 0 {
			readers++
		}
	}
	if readers != 1 {
		return nil, fmt.Errorf("input scale %v: %d layers read the input; it can be folded only into a model with one", s, readers)
	}
	for i, l := range layers {
		switch l.Spec.Kind {
		case nn.KindConv2D, nn.KindDense:
			out := append([]Layer(nil), layers...)
			w := make([]float32, len(l.W))
			for j, v := range l.W {
				w[j] = v * s
			}
			out[i].W = w
			return out, nil
		case nn.KindReLU, nn.KindLeakyReLU, nn.KindZeroPad2D, nn.KindDropout,
			nn.KindMaxPool2D, nn.KindAvgPool2D, nn.KindGlobalAvgPool, nn.KindFlatten:
		default:
			return nil, fmt.Errorf("input scale %v: cannot fold it past layer %q", s, l.Spec.Name)
		}
	}
	return nil, fmt.Errorf("input scale %v: the model has no conv2d or dense layer to fold it into", s)
}

// FoldBatchNorm folds an inference batch normalization that follows l (a
// conv2d or dense layer) into l's weights and bias: per output channel o,
// y = (x − mean[o])·scale[o]/√(variance[o] + eps) + shift[o]. The
// weights of channel o are multiplied by s = scale[o]/√(variance[o] + eps)
// and its bias becomes (bias − mean[o])·s + shift[o]. l's slices are
// replaced, not written, since they may be shared with the file's data.
// Each slice must hold one value per output channel.
func FoldBatchNorm(l *Layer, scale, shift, mean, variance []float32, eps float32) {
	units := len(scale)
	w := make([]float32, len(l.W))
	b := make([]float32, units)
	per := len(l.W) / units
	for o := range units {
		s := float32(float64(scale[o]) / math.Sqrt(float64(variance[o])+float64(eps)))
		for j, v := range l.W[o*per : (o+1)*per] {
			w[o*per+j] = v * s
		}
		var bias float32
		if l.B != nil {
			bias = l.B[o]
		}
		b[o] = (bias-mean[o])*s + shift[o]
	}
	l.W, l.B = w, b
}

// Transpose returns the [cols, rows] transpose of the row-major
// [rows, cols] matrix src, with the rows of src taken in the order
// row(0), row(1), ... (nil means in order): out[c·rows+j] =
// src[row(j)·cols+c]. It works in tiles, so that neither side is read
// with a large stride. It panics if src is shorter than rows·cols.
func Transpose(src []float32, rows, cols int, row func(int) int) []float32 {
	const tile = 32
	out := make([]float32, rows*cols)
	src = src[:rows*cols]
	for j0 := 0; j0 < rows; j0 += tile {
		for c0 := 0; c0 < cols; c0 += tile {
			for j := j0; j < min(j0+tile, rows); j++ {
				r := j
				if row != nil {
					r = row(j)
				}
				s := src[r*cols : (r+1)*cols]
				for c := c0; c < min(c0+tile, cols); c++ {
					out[c*rows+j] = s[c]
				}
			}
		}
	}
	return out
}
