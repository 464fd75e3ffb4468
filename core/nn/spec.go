package nn

import (
	"encoding/json"
	"fmt"
	"regexp"

	"cnnviz/core/tensor"
)

// Layer kinds as written in a Spec.
const (
	KindConv2D        = "conv2d"
	KindReLU          = "relu"
	KindMaxPool2D     = "maxpool2d"
	KindAvgPool2D     = "avgpool2d"
	KindGlobalAvgPool = "globalavgpool"
	KindFlatten       = "flatten"
	KindDense         = "dense"
	KindReLU6         = "relu6"
	KindLeakyReLU     = "leakyrelu"
	KindSigmoid       = "sigmoid"
	KindHardSwish     = "hardswish"
	KindZeroPad2D     = "zeropad2d"
	KindDropout       = "dropout" // identity: imported models keep the name
	KindAdd           = "add"     // elementwise sum of two or more inputs
	KindConcat        = "concat"  // inputs joined along the channels
	KindAffine        = "affine"  // x·scale[c] + shift[c]: a folded batch norm
)

// InputName is the name by which a layer's Inputs refer to the model input.
const InputName = "input"

// Spec is an architecture: the input shape, class names and the layer
// stack. It is what a model file carries besides the weights.
type Spec struct {
	Name    string      `json:"name"`
	Input   []int       `json:"input"` // [C, H, W]
	Classes []string    `json:"classes"`
	Layers  []LayerSpec `json:"layers"`
}

// LayerSpec describes one layer. Kernel, Stride and Pad are [rows, cols];
// a zero Stride means 1 for convolutions and the kernel size for pooling.
//
// Inputs names the layers whose outputs the layer reads, all earlier in
// the spec; empty means the previous layer (the model input for the
// first), and "input" or "" names the model input. Only add and concat
// read more than one. A spec whose layers all read the previous one is a
// chain; any other is a graph (a DAG in topological order).
type LayerSpec struct {
	Name    string   `json:"name"`
	Kind    string   `json:"kind"`
	Inputs  []string `json:"inputs,omitempty"`
	Filters int      `json:"filters,omitempty"` // conv2d output channels
	Units   int      `json:"units,omitempty"`   // dense outputs
	Kernel  [2]int   `json:"kernel,omitzero"`
	Stride  [2]int   `json:"stride,omitzero"`
	Pad     [2]int   `json:"pad,omitzero"`
	// Padding is a zeropad2d's rows above and below and columns left
	// and right.
	Padding [4]int  `json:"padding,omitzero"`
	Alpha   float32 `json:"alpha,omitempty"` // leakyrelu slope for x < 0
	// Groups splits a conv2d's channels into groups (0 means 1): each
	// output channel reads the input channels of its group; Groups equal
	// to the input channels is a depthwise convolution.
	Groups int `json:"groups,omitempty"`
	// Ceil rounds a pooling's output size up (ceil mode).
	Ceil bool `json:"ceil,omitempty"`
}

// Limits on architectures read from outside, so that a hostile file cannot
// make the page allocate without bound.
const (
	MaxLayers     = 512
	MaxDim        = 4096     // any spatial or channel size
	MaxKernel     = 64       // kernel rows or columns
	MaxParams     = 20 << 20 // trainable numbers in a whole model
	MaxActivation = 16 << 20 // numbers in one layer's output for one image
)

var nameRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,31}$`)

// ParseSpec decodes a JSON architecture and checks it (see Check).
func ParseSpec(b []byte) (Spec, error) {
	var s Spec
	if err := json.Unmarshal(b, &s); err != nil {
		return Spec{}, fmt.Errorf("architecture is not valid JSON: %v", err)
	}
	if _, err := s.Shapes(); err != nil {
		return Spec{}, err
	}
	return s, nil
}

// JSON encodes the spec.
func (s Spec) JSON() []byte {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err) // a Spec holds only strings and ints
	}
	return b
}

// stride returns the layer's stride with the default filled in.
func (l LayerSpec) stride() [2]int {
	if l.Stride != [2]int{} {
		return l.Stride
	}
	if l.Kind == KindMaxPool2D || l.Kind == KindAvgPool2D {
		return l.Kernel
	}
	return [2]int{1, 1}
}

// Geom returns the window geometry of a conv or pooling layer applied to
// an input of shape in ([C, H, W]).
func (l LayerSpec) Geom(in []int) tensor.Geom {
	s := l.stride()
	return tensor.Geom{C: in[0], H: in[1], W: in[2], KH: l.Kernel[0], KW: l.Kernel[1], SH: s[0], SW: s[1], PH: l.Pad[0], PW: l.Pad[1], Ceil: l.Ceil}
}

// groups returns a conv2d's channel groups, at least 1.
func (l LayerSpec) groups() int { return max(1, l.Groups) }

// Graph returns the inputs of every layer as indices: -1 for the model
// input. It assumes a checked spec (names resolve to earlier layers).
func (s Spec) Graph() [][]int {
	index := make(map[string]int, len(s.Layers))
	out := make([][]int, len(s.Layers))
	for i, l := range s.Layers {
		out[i], _ = resolve(l, i, index)
		index[l.Name] = i
	}
	return out
}

// resolve returns the indices of layer i's inputs given the index of the
// earlier layers' names, or an error naming an input that is not one.
func resolve(l LayerSpec, i int, index map[string]int) ([]int, error) {
	if len(l.Inputs) == 0 {
		return []int{i - 1}, nil
	}
	out := make([]int, len(l.Inputs))
	for k, name := range l.Inputs {
		if name == "" || name == InputName {
			out[k] = -1
			continue
		}
		j, ok := index[name]
		if !ok {
			return nil, fmt.Errorf("input %q is not an earlier layer (layers must come after the layers they read, so a graph has no cycles)", name)
		}
		out[k] = j
	}
	return out, nil
}

// InputsOf returns the indices of the layers layer i reads, -1 standing
// for the model input.
func (s Spec) InputsOf(i int) []int { return s.Graph()[i] }

// Prev returns the first layer that layer i reads (-1: the model input):
// in a chain, the previous layer. Walks back through single-input layers
// use it.
func (s Spec) Prev(i int) int {
	if i < 0 {
		return -1
	}
	return s.InputsOf(i)[0]
}

// Consumers returns the indices of the layers that read the output of
// layer i (i = -1: the model input), in order.
func (s Spec) Consumers(i int) []int {
	var out []int
	for j, ins := range s.Graph() {
		for _, k := range ins {
			if k == i {
				out = append(out, j)
				break
			}
		}
	}
	return out
}

// IsChain reports whether every layer reads just the previous one.
func (s Spec) IsChain() bool {
	for i, ins := range s.Graph() {
		if len(ins) != 1 || ins[0] != i-1 {
			return false
		}
	}
	return true
}

// Shapes checks the spec and returns the output shape (without the batch
// dimension) of every layer. Errors name the layer and what is wrong.
func (s Spec) Shapes() ([][]int, error) {
	if len(s.Input) != 3 {
		return nil, fmt.Errorf("architecture input shape %v: want [channels, height, width]", s.Input)
	}
	for _, d := range s.Input {
		if d <= 0 || d > MaxDim {
			return nil, fmt.Errorf("architecture input shape %v: sizes must be 1..%d", s.Input, MaxDim)
		}
	}
	if len(s.Layers) == 0 || len(s.Layers) > MaxLayers {
		return nil, fmt.Errorf("architecture has %d layers, want 1..%d", len(s.Layers), MaxLayers)
	}
	index := map[string]int{}
	var shape []int
	out := make([][]int, 0, len(s.Layers))
	used := make([]bool, len(s.Layers))
	params := 0
	for i, l := range s.Layers {
		where := fmt.Sprintf("layer %d (%q)", i, l.Name)
		if !nameRE.MatchString(l.Name) || l.Name == InputName {
			return nil, fmt.Errorf("%s: a name must start with a letter and hold only letters, digits and _ (at most 32), and not be %q", where, InputName)
		}
		if _, ok := index[l.Name]; ok {
			return nil, fmt.Errorf("%s: the name is used twice", where)
		}
		ins, err := resolve(l, i, index)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", where, err)
		}
		index[l.Name] = i
		inShapes := make([][]int, len(ins))
		for k, j := range ins {
			inShapes[k] = s.Input
			if j >= 0 {
				inShapes[k] = out[j]
				used[j] = true
			}
		}
		next, n, err := l.graphShape(inShapes)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", where, err)
		}
		params += n
		if params > MaxParams {
			return nil, fmt.Errorf("%s: the model would have over %d parameters", where, MaxParams)
		}
		if tensor.Numel(next) > MaxActivation {
			return nil, fmt.Errorf("%s: output %v is larger than %d values", where, next, MaxActivation)
		}
		shape = next
		out = append(out, next)
	}
	for i, u := range used[:len(used)-1] {
		if !u {
			return nil, fmt.Errorf("layer %d (%q): no later layer reads its output (only the last layer may be unread)", i, s.Layers[i].Name)
		}
	}
	if len(shape) != 1 {
		return nil, fmt.Errorf("architecture ends in shape %v: the last layer must give one score per class (add globalavgpool or flatten, then dense)", shape)
	}
	if len(s.Classes) != shape[0] {
		return nil, fmt.Errorf("architecture has %d class names for %d outputs", len(s.Classes), shape[0])
	}
	return out, nil
}

// graphShape returns the shape a layer gives for its inputs' shapes and
// how many parameters it has.
func (l LayerSpec) graphShape(ins [][]int) ([]int, int, error) {
	switch l.Kind {
	case KindAdd, KindConcat:
		if len(ins) < 2 {
			return nil, 0, fmt.Errorf("%s needs two or more inputs, got %d", l.Kind, len(ins))
		}
		if l.Kind == KindAdd {
			for _, in := range ins[1:] {
				if !tensor.SameShape(in, ins[0]) {
					return nil, 0, fmt.Errorf("add of shapes %v and %v: all inputs need one shape", ins[0], in)
				}
			}
			return append([]int(nil), ins[0]...), 0, nil
		}
		c := 0
		for _, in := range ins {
			if len(in) != len(ins[0]) || !tensor.SameShape(in[1:], ins[0][1:]) {
				return nil, 0, fmt.Errorf("concat of shapes %v and %v: inputs may differ only in channels", ins[0], in)
			}
			c += in[0]
		}
		return append([]int{c}, ins[0][1:]...), 0, nil
	}
	if len(ins) != 1 {
		return nil, 0, fmt.Errorf("%s reads one input, got %d", l.Kind, len(ins))
	}
	return l.outShape(ins[0])
}

// outShape returns the shape a layer gives for input shape in and how many
// parameters it has.
func (l LayerSpec) outShape(in []int) ([]int, int, error) {
	spatial := func() error {
		if len(in) != 3 {
			return fmt.Errorf("%s needs a [C, H, W] input, got %v", l.Kind, in)
		}
		for _, k := range l.Kernel {
			if k <= 0 || k > MaxKernel {
				return fmt.Errorf("kernel %v: sizes must be 1..%d", l.Kernel, MaxKernel)
			}
		}
		st := l.stride()
		for i := range 2 {
			if st[i] <= 0 || st[i] > MaxKernel {
				return fmt.Errorf("stride %v: must be 1..%d", l.Stride, MaxKernel)
			}
			if l.Pad[i] < 0 || l.Pad[i] > MaxKernel {
				return fmt.Errorf("pad %v: must be 0..%d", l.Pad, MaxKernel)
			}
			if l.Kernel[i] > in[1+i]+2*l.Pad[i] {
				return fmt.Errorf("kernel %v is larger than the padded input %v", l.Kernel, in)
			}
		}
		return nil
	}
	switch l.Kind {
	case KindConv2D:
		if err := spatial(); err != nil {
			return nil, 0, err
		}
		if l.Filters <= 0 || l.Filters > MaxDim {
			return nil, 0, fmt.Errorf("filters %d: must be 1..%d", l.Filters, MaxDim)
		}
		if l.Ceil {
			return nil, 0, fmt.Errorf("ceil mode is for pooling only")
		}
		gr := l.groups()
		if l.Groups < 0 || in[0]%gr != 0 || l.Filters%gr != 0 {
			return nil, 0, fmt.Errorf("groups %d must divide the %d input channels and the %d filters", l.Groups, in[0], l.Filters)
		}
		g := l.Geom(in)
		return []int{l.Filters, g.OutH(), g.OutW()}, l.Filters*in[0]/gr*l.Kernel[0]*l.Kernel[1] + l.Filters, nil
	case KindMaxPool2D, KindAvgPool2D:
		if err := spatial(); err != nil {
			return nil, 0, err
		}
		if 2*l.Pad[0] > l.Kernel[0] || 2*l.Pad[1] > l.Kernel[1] {
			return nil, 0, fmt.Errorf("pad %v must be at most half the kernel %v", l.Pad, l.Kernel)
		}
		g := l.Geom(in)
		return []int{in[0], g.OutH(), g.OutW()}, 0, nil
	case KindReLU, KindReLU6, KindSigmoid, KindHardSwish, KindDropout:
		return append([]int(nil), in...), 0, nil
	case KindAffine:
		return append([]int(nil), in...), 2 * in[0], nil
	case KindLeakyReLU:
		if !(l.Alpha >= 0 && l.Alpha <= 1) {
			return nil, 0, fmt.Errorf("alpha %v: must be 0..1", l.Alpha)
		}
		return append([]int(nil), in...), 0, nil
	case KindZeroPad2D:
		if len(in) != 3 {
			return nil, 0, fmt.Errorf("zeropad2d needs a [C, H, W] input, got %v", in)
		}
		for _, p := range l.Padding {
			if p < 0 || p > MaxKernel {
				return nil, 0, fmt.Errorf("padding %v: must be 0..%d", l.Padding, MaxKernel)
			}
		}
		return []int{in[0], in[1] + l.Padding[0] + l.Padding[1], in[2] + l.Padding[2] + l.Padding[3]}, 0, nil
	case KindGlobalAvgPool:
		if len(in) != 3 {
			return nil, 0, fmt.Errorf("globalavgpool needs a [C, H, W] input, got %v", in)
		}
		return []int{in[0]}, 0, nil
	case KindFlatten:
		return []int{tensor.Numel(in)}, 0, nil
	case KindDense:
		if len(in) != 1 {
			return nil, 0, fmt.Errorf("dense needs a flat input, got %v (add flatten or globalavgpool before it)", in)
		}
		if l.Units <= 0 || l.Units > 1<<16 {
			return nil, 0, fmt.Errorf("units %d: must be 1..%d", l.Units, 1<<16)
		}
		return []int{l.Units}, l.Units*in[0] + l.Units, nil
	case "":
		return nil, 0, fmt.Errorf("no kind given")
	default:
		return nil, 0, fmt.Errorf("unknown kind %q (known: conv2d, relu, relu6, leakyrelu, sigmoid, hardswish, zeropad2d, dropout, maxpool2d, avgpool2d, globalavgpool, flatten, dense, add, concat, affine)", l.Kind)
	}
}
