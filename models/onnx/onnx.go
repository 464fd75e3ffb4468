// Package onnx imports an ONNX model whose graph is made of
// convolutions, activations, pooling and dense layers, in a chain or with
// branches (Add of two tensors, Concat on the channels), into a cnnviz
// model, and exports a cnnviz model, chain or graph, to ONNX (Export).
//
// It reads the protobuf file with its own small decoder (onnx.proto's
// field numbers on top of protowire), keeps only what a chain needs, and
// maps each ONNX operator to a layer kind of core/nn: Conv (with pads or
// SAME/VALID auto_pad) plus a following Add of a per-channel bias becomes
// conv2d (grouped with its group attribute), MatMul plus Add or Gemm
// becomes dense, a BatchNormalization is folded into the Conv or dense
// layer before it when it alone reads that layer (else it becomes an
// affine layer), an Add of two tensors becomes add and a Concat on axis 1
// concat, MaxPool and AveragePool keep ceil_mode, Reshape and Flatten become
// flatten, Clip to 0..6 becomes relu6, a zero Pad of height and width (or
// the uneven SAME padding of a Conv) becomes zeropad2d, Dropout is left
// out, and Relu, LeakyRelu, Sigmoid, HardSwish, MaxPool, AveragePool and
// GlobalAveragePool keep their meaning. Reshapes of initializers are computed at import, a Transpose
// from NHWC to NCHW at the input is absorbed into the input shape, and a
// final Softmax is dropped (cnnviz shows logits and computes
// probabilities itself). Anything else gets one error that lists every
// operator cnnviz does not support.
package onnx

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"cnnviz/core/nn"
	"cnnviz/core/tensor"
	"cnnviz/models/chain"
)

// supported lists the operators Import understands.
var supported = map[string]bool{
	"Conv": true, "Add": true, "Relu": true, "MaxPool": true, "AveragePool": true,
	"GlobalAveragePool": true, "Flatten": true, "Reshape": true, "MatMul": true,
	"Gemm": true, "Transpose": true, "Softmax": true, "Dropout": true,
	"Identity": true, "Constant": true, "Clip": true, "LeakyRelu": true,
	"Sigmoid": true, "HardSwish": true, "Pad": true, "BatchNormalization": true,
	"Concat": true, "Sum": true,
}

// Import decodes an ONNX model file and returns it as a cnnviz model.
// Errors are lowercase and say what in the file cnnviz cannot use.
func Import(b []byte, opt chain.Options) (*nn.Sequential, error) {
	m, err := decodeModel(b)
	if err != nil {
		return nil, fmt.Errorf("onnx file: %v", err)
	}
	layers, input, err := convert(&m.graph)
	if err != nil {
		return nil, fmt.Errorf("onnx model: %v", err)
	}
	s, err := chain.Build("onnx", input, layers, opt)
	if err != nil {
		return nil, fmt.Errorf("onnx model: %v", err)
	}
	return s, nil
}

// constant is a tensor known at import time.
type constant struct {
	dims []int64
	f    []float32 // float tensors
	i    []int64   // integer tensors
}

func (c constant) size() int {
	if c.f != nil {
		return len(c.f)
	}
	return len(c.i)
}

// converter walks the nodes of the graph in order (ONNX keeps them
// topologically sorted).
type converter struct {
	consts map[string]constant
	cur    string // the name of the node's data input
	shape  []int  // its shape without the batch dimension
	input  []int  // the model's input [C, H, W]
	layers []chain.Layer
	linear int // index of the layer whose output cur is, if conv2d or dense; else -1
	count  map[string]int
	// vals maps each tensor the layers compute to what computes it;
	// readers counts the nodes that read each tensor; from names the
	// cnnviz outputs the next layer added reads.
	vals    map[string]value
	readers map[string]int
	from    []string
}

// value is a tensor of the graph in the converted model: the cnnviz layer
// that computes it (nn.InputName for the input), its shape and the index
// of that layer when it is a conv2d or dense (else -1).
type value struct {
	layer  string
	shape  []int
	linear int
}

func convert(g *graph) ([]chain.Layer, []int, error) {
	var bad []string
	for _, n := range g.nodes {
		if !supported[n.opType] && !slices.Contains(bad, n.opType) {
			bad = append(bad, n.opType)
		}
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		return nil, nil, fmt.Errorf("unsupported operators %s (cnnviz imports Conv, BatchNormalization, Relu, Clip to 0..6, LeakyRelu, Sigmoid, HardSwish, Pad with zeros, MaxPool, AveragePool, GlobalAveragePool, Add, Sum, Concat on the channels, MatMul, Gemm, Flatten, Reshape, Dropout, a Transpose at the input and a final Softmax)", strings.Join(bad, ", "))
	}
	c := &converter{consts: map[string]constant{}, linear: -1, count: map[string]int{}, vals: map[string]value{}, readers: map[string]int{}}
	for _, n := range g.nodes {
		for _, in := range n.inputs {
			c.readers[in]++
		}
	}
	for i := range g.initializers {
		t := &g.initializers[i]
		k, err := readConstant(t)
		if err != nil {
			return nil, nil, err
		}
		c.consts[t.name] = k
	}
	if err := c.start(g); err != nil {
		return nil, nil, err
	}
	if len(g.outputs) != 1 {
		return nil, nil, fmt.Errorf("the graph has %d outputs, cnnviz shows models with one", len(g.outputs))
	}
	for i, n := range g.nodes {
		if err := c.node(n, i == len(g.nodes)-1); err != nil {
			name := n.name
			if name == "" && len(n.outputs) > 0 {
				name = n.outputs[0]
			}
			return nil, nil, fmt.Errorf("node %q (%s): %v", name, n.opType, err)
		}
	}
	last := nn.InputName
	if len(c.layers) > 0 {
		last = c.layers[len(c.layers)-1].Spec.Name
	}
	if v, ok := c.vals[g.outputs[0].name]; !ok || v.layer != last {
		return nil, nil, fmt.Errorf("the graph output %q is not computed by the last layer", g.outputs[0].name)
	}
	return c.layers, c.input, nil
}

func readConstant(t *tensorProto) (constant, error) {
	k := constant{dims: t.dims}
	var err error
	if t.dataType == typeFloat {
		k.f, err = t.floatValues()
	} else {
		k.i, err = t.intValues()
	}
	return k, err
}

// start finds the graph's data input: the one input that is not an
// initializer.
func (c *converter) start(g *graph) error {
	var in []valueInfo
	for _, v := range g.inputs {
		if _, ok := c.consts[v.name]; !ok {
			in = append(in, v)
		}
	}
	if len(in) != 1 {
		return fmt.Errorf("the graph has %d data inputs, cnnviz needs exactly one image input", len(in))
	}
	s := in[0].shape
	if len(s) != 4 {
		return fmt.Errorf("input %q has shape %v, want [batch, channels, height, width]", in[0].name, s)
	}
	for _, d := range s[1:] {
		if d <= 0 || d > nn.MaxDim {
			return fmt.Errorf("input %q has shape %v: channels, height and width must be fixed sizes 1..%d", in[0].name, s, nn.MaxDim)
		}
	}
	c.cur = in[0].name
	c.input = []int{int(s[1]), int(s[2]), int(s[3])}
	c.shape = c.input
	c.vals[c.cur] = value{layer: nn.InputName, shape: c.input, linear: -1}
	return nil
}

func attr(n node, name string) (attribute, bool) {
	for _, a := range n.attrs {
		if a.name == name {
			return a, true
		}
	}
	return attribute{}, false
}

func intAttr(n node, name string, def int64) int64 {
	if a, ok := attr(n, name); ok {
		return a.i
	}
	return def
}

func intsAttr(n node, name string, def []int64) []int64 {
	if a, ok := attr(n, name); ok {
		return a.ints
	}
	return def
}

// name returns the next layer name for a kind, e.g. conv1, conv2.
func (c *converter) name(prefix string) string {
	c.count[prefix]++
	return fmt.Sprintf("%s%d", prefix, c.count[prefix])
}

// add appends l, reading c.from when that is not simply the previous
// layer (a chain keeps its spec).
func (c *converter) add(l chain.Layer, shape []int) {
	chain.Link(c.layers, &l, c.from)
	c.from = nil
	c.layers = append(c.layers, l)
	c.shape = shape
	c.linear = -1
	if l.Spec.Kind == nn.KindConv2D || l.Spec.Kind == nn.KindDense {
		c.linear = len(c.layers) - 1
	}
}

func (c *converter) node(n node, last bool) error {
	if len(n.outputs) == 0 {
		return fmt.Errorf("the node has no output")
	}
	out := n.outputs[0]
	// Nodes that compute only on constants are evaluated now.
	if n.opType == "Constant" {
		a, ok := attr(n, "value")
		if !ok || a.t == nil {
			return fmt.Errorf("only tensor constants are supported")
		}
		k, err := readConstant(a.t)
		if err != nil {
			return err
		}
		c.consts[out] = k
		return nil
	}
	if len(n.inputs) == 0 {
		return fmt.Errorf("the node has no input")
	}
	if _, ok := c.consts[n.inputs[0]]; ok && n.opType == "Add" && len(n.inputs) == 2 {
		n.inputs = []string{n.inputs[1], n.inputs[0]} // bias + x is x + bias
	}
	if k, ok := c.consts[n.inputs[0]]; ok {
		return c.constNode(n, k)
	}
	// The data inputs: every input of a merge, else the first alone.
	var data []value
	for i, in := range n.inputs {
		if _, ok := c.consts[in]; ok || in == "" {
			continue
		}
		v, ok := c.vals[in]
		if !ok {
			return fmt.Errorf("it reads %q, which no earlier node computes", in)
		}
		if i > 0 && n.opType != "Add" && n.opType != "Sum" && n.opType != "Concat" {
			return fmt.Errorf("its input %q is not a constant (only Add, Sum and Concat read several tensors)", in)
		}
		data = append(data, v)
	}
	if len(data) == 0 {
		return fmt.Errorf("it reads no tensor the layers compute")
	}
	c.cur, c.shape, c.linear = n.inputs[0], data[0].shape, data[0].linear
	c.from = []string{data[0].layer}
	before := len(c.layers)
	var err error
	switch {
	case len(data) > 1 || n.opType == "Concat" || n.opType == "Sum":
		err = c.merge(n, data)
	case n.opType == "Add":
		err = c.bias(n)
	}
	if err != nil {
		return err
	}
	switch n.opType {
	case "Add", "Sum", "Concat":
	case "Conv":
		err = c.conv(n)
	case "Relu":
		c.add(chain.Layer{Spec: nn.LayerSpec{Name: c.name("relu"), Kind: nn.KindReLU}}, c.shape)
	case "Clip":
		err = c.clip(n)
	case "LeakyRelu":
		alpha := float32(0.01)
		if a, ok := attr(n, "alpha"); ok {
			alpha = a.f
		}
		c.add(chain.Layer{Spec: nn.LayerSpec{Name: c.name("leaky"), Kind: nn.KindLeakyReLU, Alpha: alpha}}, c.shape)
	case "Sigmoid":
		c.add(chain.Layer{Spec: nn.LayerSpec{Name: c.name("sigmoid"), Kind: nn.KindSigmoid}}, c.shape)
	case "HardSwish":
		c.add(chain.Layer{Spec: nn.LayerSpec{Name: c.name("hswish"), Kind: nn.KindHardSwish}}, c.shape)
	case "Pad":
		err = c.pad(n)
	case "BatchNormalization":
		err = c.batchNorm(n)
	case "MaxPool", "AveragePool":
		err = c.pool(n)
	case "GlobalAveragePool":
		if len(c.shape) != 3 {
			return fmt.Errorf("needs a [C, H, W] input, got %v", c.shape)
		}
		c.add(chain.Layer{Spec: nn.LayerSpec{Name: c.name("gap"), Kind: nn.KindGlobalAvgPool}}, c.shape[:1])
	case "Flatten":
		if intAttr(n, "axis", 1) != 1 {
			return fmt.Errorf("axis %d: only axis 1 (keep the batch) is supported", intAttr(n, "axis", 1))
		}
		c.flatten()
	case "Reshape":
		err = c.reshape(n)
	case "MatMul", "Gemm":
		err = c.dense(n)
	case "Transpose":
		err = c.transpose(n)
	case "Softmax":
		if !last {
			return fmt.Errorf("softmax is supported only as the last operator")
		}
	case "Dropout", "Identity":
	default:
		return fmt.Errorf("unsupported operator") // convert lists these first
	}
	if err != nil {
		return err
	}
	v := value{layer: data[0].layer, shape: c.shape, linear: c.linear}
	if len(c.layers) > before {
		v.layer = c.layers[len(c.layers)-1].Spec.Name
	}
	c.vals[out] = v
	c.cur = out
	return nil
}

// merge maps an Add or Sum of two or more tensors to add and a Concat on
// the channels to concat.
func (c *converter) merge(n node, data []value) error {
	if len(data) < 2 {
		return fmt.Errorf("needs two or more tensors, got %d", len(data))
	}
	shape := data[0].shape
	c.from = nil
	for _, d := range data {
		c.from = append(c.from, d.layer)
	}
	if n.opType != "Concat" {
		for _, d := range data[1:] {
			if !slices.Equal(d.shape, shape) {
				return fmt.Errorf("adds shapes %v and %v: cnnviz adds tensors of one shape", shape, d.shape)
			}
		}
		c.add(chain.Layer{Spec: nn.LayerSpec{Name: c.name("add"), Kind: nn.KindAdd}}, shape)
		return nil
	}
	if axis := intAttr(n, "axis", 1); axis != 1 && axis != 1-int64(len(shape))-1 {
		return fmt.Errorf("axis %d: only the channels (axis 1) can be concatenated", axis)
	}
	total := 0
	for _, d := range data {
		if len(d.shape) != len(shape) || !slices.Equal(d.shape[1:], shape[1:]) {
			return fmt.Errorf("concatenates shapes %v and %v", shape, d.shape)
		}
		total += d.shape[0]
	}
	c.add(chain.Layer{Spec: nn.LayerSpec{Name: c.name("concat"), Kind: nn.KindConcat}}, append([]int{total}, shape[1:]...))
	return nil
}

// onlyReader reports whether the node being converted is the only reader
// of its data input, so that it may be folded into the layer computing it.
func (c *converter) onlyReader() bool { return c.readers[c.cur] == 1 }

// constNode evaluates a node whose data input is a constant.
func (c *converter) constNode(n node, k constant) error {
	switch n.opType {
	case "Reshape", "Identity":
	default:
		return fmt.Errorf("cnnviz computes only Reshape on constants")
	}
	if n.opType == "Reshape" {
		if len(n.inputs) != 2 {
			return fmt.Errorf("reshape needs two inputs")
		}
		s, ok := c.consts[n.inputs[1]]
		if !ok || s.i == nil {
			return fmt.Errorf("the new shape %q is not an integer constant", n.inputs[1])
		}
		dims, err := reshapeDims(k.dims, s.i)
		if err != nil {
			return err
		}
		k.dims = dims
	}
	c.consts[n.outputs[0]] = k
	return nil
}

// reshapeDims resolves an ONNX Reshape target: 0 copies the input's
// dimension, one -1 takes what is left.
func reshapeDims(in, shape []int64) ([]int64, error) {
	total := int64(1)
	for _, d := range in {
		total *= d
	}
	out := make([]int64, len(shape))
	known, free := int64(1), -1
	for i, d := range shape {
		switch {
		case d == 0 && i < len(in):
			out[i] = in[i]
		case d == -1 && free < 0:
			free = i
			continue
		case d > 0:
			out[i] = d
		default:
			return nil, fmt.Errorf("cannot reshape %v to %v", in, shape)
		}
		known *= out[i]
		if known > maxElems {
			return nil, fmt.Errorf("cannot reshape %v to %v", in, shape)
		}
	}
	if free >= 0 {
		if known == 0 || total%known != 0 {
			return nil, fmt.Errorf("cannot reshape %v to %v", in, shape)
		}
		out[free] = total / known
		known = total
	}
	if known != total {
		return nil, fmt.Errorf("cannot reshape %v to %v", in, shape)
	}
	return out, nil
}

// window reads the kernel, strides and symmetric pads of a Conv or pool
// node on the current [C, H, W] shape.
func (c *converter) window(n node, kernel []int64) (k, s, p [2]int, err error) {
	k, s, p4, err := c.window4(n, kernel)
	if err != nil {
		return k, s, p, err
	}
	if p4[0] != p4[1] || p4[2] != p4[3] {
		return k, s, p, fmt.Errorf("padding %v is not the same on both sides, which cnnviz cannot show", []int{p4[0], p4[2], p4[1], p4[3]})
	}
	return k, s, [2]int{p4[0], p4[2]}, nil
}

// window4 is window with the pads above, below, left and right, which
// may differ (SAME padding of an even total).
func (c *converter) window4(n node, kernel []int64) (k, s [2]int, p [4]int, err error) {
	if len(c.shape) != 3 {
		return k, s, p, fmt.Errorf("needs a [C, H, W] input, got %v", c.shape)
	}
	if len(kernel) != 2 {
		return k, s, p, fmt.Errorf("kernel %v: want two sizes", kernel)
	}
	strides := intsAttr(n, "strides", []int64{1, 1})
	if len(strides) != 2 {
		return k, s, p, fmt.Errorf("strides %v: want two", strides)
	}
	for _, d := range intsAttr(n, "dilations", nil) {
		if d != 1 {
			return k, s, p, fmt.Errorf("dilations %v are not supported", intsAttr(n, "dilations", nil))
		}
	}
	for i := range 2 {
		if kernel[i] <= 0 || kernel[i] > nn.MaxKernel || strides[i] <= 0 || strides[i] > nn.MaxKernel {
			return k, s, p, fmt.Errorf("kernel %v and strides %v: sizes must be 1..%d", kernel, strides, nn.MaxKernel)
		}
		k[i], s[i] = int(kernel[i]), int(strides[i])
	}
	pads := intsAttr(n, "pads", []int64{0, 0, 0, 0})
	autoPad := "NOTSET"
	if a, ok := attr(n, "auto_pad"); ok && len(a.s) > 0 {
		autoPad = string(a.s)
	}
	switch autoPad {
	case "NOTSET":
	case "VALID":
		pads = []int64{0, 0, 0, 0}
	case "SAME_UPPER", "SAME_LOWER":
		pads = make([]int64, 4)
		for i := range 2 {
			size := c.shape[1+i]
			outSize := (size + s[i] - 1) / s[i]
			total := max((outSize-1)*s[i]+k[i]-size, 0)
			small, big := int64(total/2), int64(total-total/2)
			if autoPad == "SAME_LOWER" {
				small, big = big, small
			}
			pads[i], pads[i+2] = small, big
		}
	default:
		return k, s, p, fmt.Errorf("auto_pad %q is not supported", autoPad)
	}
	if len(pads) != 4 {
		return k, s, p, fmt.Errorf("pads %v: want four", pads)
	}
	for i := range 2 {
		for _, v := range []int64{pads[i], pads[i+2]} {
			if v < 0 || v > nn.MaxKernel {
				return k, s, p, fmt.Errorf("pads %v: must be 0..%d", pads, nn.MaxKernel)
			}
		}
		p[2*i], p[2*i+1] = int(pads[i]), int(pads[i+2])
	}
	return k, s, p, nil
}

func (c *converter) conv(n node) error {
	if len(n.inputs) < 2 {
		return fmt.Errorf("needs a weight input")
	}
	w, ok := c.consts[n.inputs[1]]
	if !ok || w.f == nil || len(w.dims) != 4 {
		return fmt.Errorf("the weights must be a float initializer [out, in, kh, kw]")
	}
	groups := intAttr(n, "group", 1)
	if groups < 1 || groups > nn.MaxDim {
		return fmt.Errorf("group %d: must be 1..%d", groups, nn.MaxDim)
	}
	if len(c.shape) == 3 && w.dims[1]*groups != int64(c.shape[0]) {
		return fmt.Errorf("the weights %v in %d groups do not fit the input %v", w.dims, groups, c.shape)
	}
	if groups == 1 {
		groups = 0
	}
	k, s, p4, err := c.window4(n, intsAttr(n, "kernel_shape", w.dims[2:]))
	if err != nil {
		return err
	}
	// Uneven zero padding (SAME with an even total) becomes a zeropad2d
	// before the convolution.
	p := [2]int{p4[0], p4[2]}
	if p4[0] != p4[1] || p4[2] != p4[3] {
		shape := []int{c.shape[0], c.shape[1] + p4[0] + p4[1], c.shape[2] + p4[2] + p4[3]}
		c.add(chain.Layer{Spec: nn.LayerSpec{Name: c.name("pad"), Kind: nn.KindZeroPad2D, Padding: p4}}, shape)
		p = [2]int{}
	}
	if int64(k[0]) != w.dims[2] || int64(k[1]) != w.dims[3] || w.dims[0] <= 0 || w.dims[0] > nn.MaxDim {
		return fmt.Errorf("kernel_shape %v does not fit the weights %v", k, w.dims)
	}
	if groups > 0 && w.dims[0]%groups != 0 {
		return fmt.Errorf("group %d does not divide the %d filters", groups, w.dims[0])
	}
	l := chain.Layer{Spec: nn.LayerSpec{Name: c.name("conv"), Kind: nn.KindConv2D, Filters: int(w.dims[0]), Kernel: k, Stride: s, Pad: p, Groups: int(groups)}, W: w.f}
	if len(n.inputs) > 2 && n.inputs[2] != "" {
		b := c.consts[n.inputs[2]]
		if b.f == nil || len(b.f) != l.Spec.Filters {
			return fmt.Errorf("the bias must be %d floats", l.Spec.Filters)
		}
		l.B = b.f
	}
	g := l.Spec.Geom(c.shape)
	if g.OutH() <= 0 || g.OutW() <= 0 {
		return fmt.Errorf("kernel %v is larger than the padded input %v", k, c.shape)
	}
	c.add(l, []int{l.Spec.Filters, g.OutH(), g.OutW()})
	return nil
}

// pool maps MaxPool and AveragePool, ceil_mode included. A max pooling
// padded by one more row or column below and right than above and left
// (SAME_UPPER of an odd total) is ceil mode with the smaller padding when
// that gives the same size: its last window is cut short, and padding
// never wins a max.
func (c *converter) pool(n node) error {
	if intAttr(n, "storage_order", 0) != 0 {
		return fmt.Errorf("storage_order 1 is not supported")
	}
	ceil := intAttr(n, "ceil_mode", 0) != 0
	k, s, p4, err := c.window4(n, intsAttr(n, "kernel_shape", nil))
	if err != nil {
		return err
	}
	p := [2]int{p4[0], p4[2]}
	kind := nn.KindMaxPool2D
	if n.opType == "AveragePool" {
		kind = nn.KindAvgPool2D
		if p != [2]int{} && intAttr(n, "count_include_pad", 0) == 0 {
			return fmt.Errorf("padded average pooling is supported only with count_include_pad 1")
		}
	}
	if p4[0] != p4[1] || p4[2] != p4[3] {
		bad := fmt.Errorf("padding %v is not the same on both sides, which cnnviz cannot show for this pooling", []int{p4[0], p4[2], p4[1], p4[3]})
		if kind != nn.KindMaxPool2D || ceil {
			return bad
		}
		for i := range 2 {
			size, extra := c.shape[1+i], p4[2*i+1]-p4[2*i]
			floor := (size+p4[2*i]+p4[2*i+1]-k[i])/s[i] + 1
			g := tensor.Geom{C: 1, H: size, W: size, KH: k[i], KW: k[i], SH: s[i], SW: s[i], PH: p4[2*i], PW: p4[2*i], Ceil: true}
			if extra < 0 || extra > 1 || g.OutH() != floor {
				return bad
			}
		}
		ceil = true
	}
	l := chain.Layer{Spec: nn.LayerSpec{Name: c.name("pool"), Kind: kind, Kernel: k, Stride: s, Pad: p, Ceil: ceil}}
	if 2*p[0] > k[0] || 2*p[1] > k[1] || k[0] > c.shape[1]+2*p[0] || k[1] > c.shape[2]+2*p[1] {
		return fmt.Errorf("kernel %v does not fit the input %v with pads %v", k, c.shape, p)
	}
	g := l.Spec.Geom(c.shape)
	if g.OutH() <= 0 || g.OutW() <= 0 {
		return fmt.Errorf("kernel %v is larger than the padded input %v", k, c.shape)
	}
	c.add(l, []int{c.shape[0], g.OutH(), g.OutW()})
	return nil
}

// bias folds an Add of a constant into the conv2d or dense layer before it.
func (c *converter) bias(n node) error {
	if len(n.inputs) != 2 {
		return fmt.Errorf("add needs two inputs")
	}
	b := c.consts[n.inputs[1]]
	if b.f == nil {
		return fmt.Errorf("the added constant is not a float tensor")
	}
	if c.linear < 0 || !c.onlyReader() {
		return c.shift(b)
	}
	l := &c.layers[c.linear]
	units := l.Spec.Units
	// The bias must broadcast along the channels: [C, 1, 1] or
	// [1, C, 1, 1] after a convolution, [U] or [1, U] after a dense layer.
	dims := b.dims
	for len(dims) > 0 && dims[0] == 1 && len(dims) > 1 {
		dims = dims[1:]
	}
	ok := false
	if l.Spec.Kind == nn.KindConv2D {
		units = l.Spec.Filters
		ok = len(dims) == 3 && dims[1] == 1 && dims[2] == 1 && len(b.dims) <= 4
	} else {
		ok = len(dims) == 1 && len(b.dims) <= 2
	}
	if !ok || len(b.f) != units {
		return fmt.Errorf("the added constant has shape %v, not one bias per output of %q (%d)", b.dims, l.Spec.Name, units)
	}
	sum := make([]float32, units)
	copy(sum, l.B)
	for i, v := range b.f {
		sum[i] += v
	}
	l.B = sum
	return nil
}

// shift maps an Add of a per-channel constant that cannot be folded into
// a layer before it to an affine layer of scale 1.
func (c *converter) shift(b constant) error {
	units := c.shape[0]
	dims := b.dims
	for len(dims) > 1 && dims[0] == 1 {
		dims = dims[1:]
	}
	ok := len(b.f) == units && (len(c.shape) == 1 && len(dims) == 1 ||
		len(c.shape) == 3 && len(dims) == 3 && dims[1] == 1 && dims[2] == 1)
	if !ok {
		return fmt.Errorf("the added constant has shape %v, not one value per channel of %v", b.dims, c.shape)
	}
	l := chain.Layer{Spec: nn.LayerSpec{Name: c.name("affine"), Kind: nn.KindAffine}, W: make([]float32, units), B: slices.Clone(b.f)}
	for i := range l.W {
		l.W[i] = 1
	}
	c.add(l, c.shape)
	return nil
}

// flatten adds a flatten layer unless the activation is already flat.
func (c *converter) flatten() {
	if len(c.shape) == 1 {
		return
	}
	n := 1
	for _, d := range c.shape {
		n *= d
	}
	c.add(chain.Layer{Spec: nn.LayerSpec{Name: c.name("flatten"), Kind: nn.KindFlatten}}, []int{n})
}

func (c *converter) reshape(n node) error {
	s, ok := c.consts[n.inputs[len(n.inputs)-1]]
	if len(n.inputs) != 2 || !ok || s.i == nil {
		return fmt.Errorf("the new shape must be an integer constant")
	}
	in := []int64{1}
	for _, d := range c.shape {
		in = append(in, int64(d))
	}
	dims, err := reshapeDims(in, s.i)
	if err != nil {
		return err
	}
	if len(dims) != 2 || dims[0] != 1 {
		return fmt.Errorf("reshape to %v: cnnviz supports only flattening to [batch, values]", s.i)
	}
	c.flatten()
	return nil
}

func (c *converter) dense(n node) error {
	if len(c.shape) != 1 {
		return fmt.Errorf("needs a flat input, got %v", c.shape)
	}
	if len(n.inputs) < 2 {
		return fmt.Errorf("needs a weight input")
	}
	b := c.consts[n.inputs[1]]
	if b.f == nil || len(b.dims) != 2 {
		return fmt.Errorf("the weights must be a float matrix")
	}
	in, out := int(b.dims[0]), int(b.dims[1])
	transB := n.opType == "Gemm" && intAttr(n, "transB", 0) != 0
	if transB {
		in, out = out, in
	}
	if in != c.shape[0] || out <= 0 || out > 1<<16 {
		return fmt.Errorf("the weights %v do not fit the input %v", b.dims, c.shape)
	}
	alpha, beta := float32(1), float32(1)
	if n.opType == "Gemm" {
		if intAttr(n, "transA", 0) != 0 {
			return fmt.Errorf("transA is not supported")
		}
		if a, ok := attr(n, "alpha"); ok {
			alpha = a.f
		}
		if a, ok := attr(n, "beta"); ok {
			beta = a.f
		}
	}
	var w []float32 // [out, in]
	if transB {
		w = slices.Clone(b.f)
	} else {
		w = chain.Transpose(b.f, in, out, nil)
	}
	if alpha != 1 {
		for i := range w {
			w[i] *= alpha
		}
	}
	l := chain.Layer{Spec: nn.LayerSpec{Name: c.name("fc"), Kind: nn.KindDense, Units: out}, W: w}
	if n.opType == "Gemm" && len(n.inputs) > 2 && n.inputs[2] != "" {
		bias := c.consts[n.inputs[2]]
		if bias.f == nil || len(bias.f) != out {
			return fmt.Errorf("the bias C must hold %d floats", out)
		}
		l.B = make([]float32, out)
		for i, v := range bias.f {
			l.B[i] = beta * v
		}
	}
	c.add(l, []int{out})
	return nil
}

// transpose absorbs an NHWC-to-NCHW Transpose of the graph input.
func (c *converter) transpose(n node) error {
	perm := intsAttr(n, "perm", nil)
	if len(c.layers) > 0 || !slices.Equal(perm, []int64{0, 3, 1, 2}) || c.count["transpose"] > 0 {
		return fmt.Errorf("perm %v: cnnviz supports only a transpose from NHWC to NCHW at the input", perm)
	}
	c.count["transpose"]++
	h, w, ch := c.input[0], c.input[1], c.input[2]
	c.input = []int{ch, h, w}
	c.shape = c.input
	return nil
}

// scalar returns the one float of an optional constant input i, or ok
// false when the node has no such input.
func (c *converter) scalar(n node, i int) (v float32, ok bool, err error) {
	if i >= len(n.inputs) || n.inputs[i] == "" {
		return 0, false, nil
	}
	k := c.consts[n.inputs[i]]
	if len(k.f) != 1 {
		return 0, false, fmt.Errorf("input %q must be one float", n.inputs[i])
	}
	return k.f[0], true, nil
}

// clip maps Clip(0, 6) to relu6 and Clip(0, no upper bound) to relu.
// The bounds are inputs since opset 11 and attributes before.
func (c *converter) clip(n node) error {
	lo, hi := float32(math.Inf(-1)), float32(math.Inf(1))
	if a, ok := attr(n, "min"); ok {
		lo = a.f
	}
	if a, ok := attr(n, "max"); ok {
		hi = a.f
	}
	for i, b := range []*float32{&lo, &hi} {
		v, ok, err := c.scalar(n, i+1)
		if err != nil {
			return err
		}
		if ok {
			*b = v
		}
	}
	switch {
	case lo == 0 && hi == 6:
		c.add(chain.Layer{Spec: nn.LayerSpec{Name: c.name("relu6"), Kind: nn.KindReLU6}}, c.shape)
	case lo == 0 && math.IsInf(float64(hi), 1):
		c.add(chain.Layer{Spec: nn.LayerSpec{Name: c.name("relu"), Kind: nn.KindReLU}}, c.shape)
	default:
		return fmt.Errorf("clip to %v..%v: cnnviz supports only 0..6 (relu6) and 0..∞ (relu)", lo, hi)
	}
	return nil
}

// pad maps a constant zero Pad of the height and width to zeropad2d. The
// pads are an input since opset 11 and an attribute before.
func (c *converter) pad(n node) error {
	if a, ok := attr(n, "mode"); ok && len(a.s) > 0 && string(a.s) != "constant" {
		return fmt.Errorf("mode %q: only constant padding is supported", a.s)
	}
	if len(c.shape) != 3 {
		return fmt.Errorf("needs a [C, H, W] input, got %v", c.shape)
	}
	pads := intsAttr(n, "pads", nil)
	if len(n.inputs) > 1 && n.inputs[1] != "" {
		pads = c.consts[n.inputs[1]].i
	}
	value := float32(0)
	if a, ok := attr(n, "value"); ok {
		value = a.f
	}
	if v, ok, err := c.scalar(n, 2); err != nil {
		return err
	} else if ok {
		value = v
	}
	if len(n.inputs) > 3 && n.inputs[3] != "" {
		return fmt.Errorf("the axes input is not supported")
	}
	if value != 0 {
		return fmt.Errorf("constant value %v: only zero padding is supported", value)
	}
	// [n, c, h, w begins, n, c, h, w ends]
	if len(pads) != 8 || pads[0] != 0 || pads[1] != 0 || pads[4] != 0 || pads[5] != 0 {
		return fmt.Errorf("pads %v: only the height and width can be padded", pads)
	}
	p := [4]int{}
	for i, v := range []int64{pads[2], pads[6], pads[3], pads[7]} {
		if v < 0 || v > nn.MaxKernel {
			return fmt.Errorf("pads %v: must be 0..%d", pads, nn.MaxKernel)
		}
		p[i] = int(v)
	}
	shape := []int{c.shape[0], c.shape[1] + p[0] + p[1], c.shape[2] + p[2] + p[3]}
	c.add(chain.Layer{Spec: nn.LayerSpec{Name: c.name("pad"), Kind: nn.KindZeroPad2D, Padding: p}}, shape)
	return nil
}

// batchNorm folds an inference BatchNormalization into the conv2d or
// dense layer before it: y = (x − mean)·scale/√(var + ε) + B per channel,
// so each output's weights are multiplied by s = scale/√(var + ε) and its
// bias becomes (bias − mean)·s + B. When no such layer computes its input
// alone, it becomes an affine layer with scale s and shift B − mean·s.
func (c *converter) batchNorm(n node) error {
	if intAttr(n, "training_mode", 0) != 0 {
		return fmt.Errorf("training_mode 1 is not supported")
	}
	if len(n.outputs) > 1 {
		return fmt.Errorf("the running mean and variance outputs are not supported")
	}
	fold := c.linear >= 0 && c.onlyReader()
	units := c.shape[0]
	if len(n.inputs) != 5 {
		return fmt.Errorf("needs the inputs X, scale, B, mean and var")
	}
	var p [4][]float32
	for i := range p {
		p[i] = c.consts[n.inputs[i+1]].f
		if len(p[i]) != units {
			return fmt.Errorf("input %q must hold %d floats, one per channel", n.inputs[i+1], units)
		}
	}
	eps := float32(1e-5)
	if a, ok := attr(n, "epsilon"); ok {
		eps = a.f
	}
	if fold {
		chain.FoldBatchNorm(&c.layers[c.linear], p[0], p[1], p[2], p[3], eps)
		return nil
	}
	l := chain.Layer{Spec: nn.LayerSpec{Name: c.name("bn"), Kind: nn.KindAffine}, W: make([]float32, units), B: make([]float32, units)}
	for o := range units {
		sc := float32(float64(p[0][o]) / math.Sqrt(float64(p[3][o])+float64(eps)))
		l.W[o], l.B[o] = sc, p[1][o]-p[2][o]*sc
	}
	c.add(l, c.shape)
	return nil
}
