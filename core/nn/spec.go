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
)

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
type LayerSpec struct {
	Name    string `json:"name"`
	Kind    string `json:"kind"`
	Filters int    `json:"filters,omitempty"` // conv2d output channels
	Units   int    `json:"units,omitempty"`   // dense outputs
	Kernel  [2]int `json:"kernel,omitzero"`
	Stride  [2]int `json:"stride,omitzero"`
	Pad     [2]int `json:"pad,omitzero"`
	// Padding is a zeropad2d's rows above and below and columns left
	// and right.
	Padding [4]int  `json:"padding,omitzero"`
	Alpha   float32 `json:"alpha,omitempty"` // leakyrelu slope for x < 0
}

// Limits on architectures read from outside, so that a hostile file cannot
// make the page allocate without bound.
const (
	MaxLayers     = 64
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
	return tensor.Geom{C: in[0], H: in[1], W: in[2], KH: l.Kernel[0], KW: l.Kernel[1], SH: s[0], SW: s[1], PH: l.Pad[0], PW: l.Pad[1]}
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
	seen := map[string]bool{}
	shape := append([]int(nil), s.Input...)
	out := make([][]int, 0, len(s.Layers))
	params := 0
	for i, l := range s.Layers {
		where := fmt.Sprintf("layer %d (%q)", i, l.Name)
		if !nameRE.MatchString(l.Name) {
			return nil, fmt.Errorf("%s: a name must start with a letter and hold only letters, digits and _ (at most 32)", where)
		}
		if seen[l.Name] {
			return nil, fmt.Errorf("%s: the name is used twice", where)
		}
		seen[l.Name] = true
		next, n, err := l.outShape(shape)
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
	if len(shape) != 1 {
		return nil, fmt.Errorf("architecture ends in shape %v: the last layer must give one score per class (add globalavgpool or flatten, then dense)", shape)
	}
	if len(s.Classes) != shape[0] {
		return nil, fmt.Errorf("architecture has %d class names for %d outputs", len(s.Classes), shape[0])
	}
	return out, nil
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
		g := l.Geom(in)
		return []int{l.Filters, g.OutH(), g.OutW()}, l.Filters*in[0]*l.Kernel[0]*l.Kernel[1] + l.Filters, nil
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
		return nil, 0, fmt.Errorf("unknown kind %q (known: conv2d, relu, relu6, leakyrelu, sigmoid, hardswish, zeropad2d, dropout, maxpool2d, avgpool2d, globalavgpool, flatten, dense)", l.Kind)
	}
}
