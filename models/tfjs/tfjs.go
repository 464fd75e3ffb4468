// Package tfjs imports a TensorFlow.js layers model (model.json with its
// topology and weights manifest, plus the binary weight shards) into a
// cnnviz model: a Sequential Keras model, or a functional one whose
// layers form a graph (Add, Concatenate, branches), which becomes a graph
// of cnnviz layers.
//
// Keras computes on NHWC images, cnnviz on CHW, so the importer converts:
// convolution kernels from [kh, kw, in, out] to [out, in, kh, kw], dense
// kernels from [in, out] to [out, in], and the rows of the first dense
// layer after a Flatten of a feature map from Keras's (h, w, c) order to
// cnnviz's (c, h, w) order. Weights may be float32 or quantized to
// uint8, uint16 or float16 as the manifest says. A final softmax is
// dropped: cnnviz shows logits and computes probabilities itself.
package tfjs

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"github.com/x448/float16"
	"math"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"

	"cnnviz/core/nn"
	"cnnviz/models/chain"
)

// ModelFile is the name of the topology file among a model's files.
const ModelFile = "model.json"

type modelJSON struct {
	Format          string          `json:"format"`
	ModelTopology   json.RawMessage `json:"modelTopology"`
	WeightsManifest []group         `json:"weightsManifest"`
}

type group struct {
	Paths   []string     `json:"paths"`
	Weights []weightSpec `json:"weights"`
}

type weightSpec struct {
	Name         string `json:"name"`
	Shape        []int  `json:"shape"`
	Dtype        string `json:"dtype"`
	Quantization *struct {
		Dtype string  `json:"dtype"`
		Scale float64 `json:"scale"`
		Min   float64 `json:"min"`
	} `json:"quantization"`
}

type topology struct {
	ClassName   string          `json:"class_name"`
	Config      json.RawMessage `json:"config"`
	ModelConfig *topology       `json:"model_config"`
}

type kerasLayer struct {
	ClassName    string          `json:"class_name"`
	Config       layerConfig     `json:"config"`
	Name         string          `json:"name"`
	InboundNodes json.RawMessage `json:"inbound_nodes"`
}

type layerConfig struct {
	Name            string          `json:"name"`
	BatchInputShape []*int          `json:"batch_input_shape"`
	BatchShape      []*int          `json:"batch_shape"`
	Filters         int             `json:"filters"`
	KernelSize      json.RawMessage `json:"kernel_size"`
	Strides         json.RawMessage `json:"strides"`
	PoolSize        json.RawMessage `json:"pool_size"`
	DilationRate    json.RawMessage `json:"dilation_rate"`
	Padding         json.RawMessage `json:"padding"` // a mode, or ZeroPadding2D's sizes
	MaxValue        *float32        `json:"max_value"`
	NegativeSlope   *float32        `json:"negative_slope"`
	Alpha           *float32        `json:"alpha"`
	Threshold       float32         `json:"threshold"`
	Epsilon         *float32        `json:"epsilon"`
	Axis            json.RawMessage `json:"axis"`
	Center          *bool           `json:"center"`
	Scale           *bool           `json:"scale"`
	DataFormat      string          `json:"data_format"`
	Activation      string          `json:"activation"`
	UseBias         *bool           `json:"use_bias"`
	Units           int             `json:"units"`
	Groups          int             `json:"groups"`
	DepthMultiplier int             `json:"depth_multiplier"`
}

// Import reads a layers model from its files: ModelFile and the weight
// shards its manifest names (keyed by file name; folders are ignored).
func Import(files map[string][]byte, opt chain.Options) (*nn.Sequential, error) {
	b, ok := lookup(files, ModelFile)
	if !ok {
		return nil, fmt.Errorf("tf.js model: no %s among the files", ModelFile)
	}
	var mj modelJSON
	if err := json.Unmarshal(b, &mj); err != nil {
		return nil, fmt.Errorf("tf.js model: %s is not valid JSON: %v", ModelFile, err)
	}
	if mj.Format != "" && mj.Format != "layers-model" {
		return nil, fmt.Errorf("tf.js model: format %q: cnnviz imports layers models, not graph models", mj.Format)
	}
	layers, name, refs, err := readTopology(mj.ModelTopology)
	if err != nil {
		return nil, fmt.Errorf("tf.js model: %v", err)
	}
	weights, err := readWeights(mj.WeightsManifest, files)
	if err != nil {
		return nil, fmt.Errorf("tf.js weights: %v", err)
	}
	chainLayers, input, err := convert(layers, refs, weights)
	if err != nil {
		return nil, fmt.Errorf("tf.js model: %v", err)
	}
	m, err := chain.Build(name, input, chainLayers, opt)
	if err != nil {
		return nil, fmt.Errorf("tf.js model: %v", err)
	}
	return m, nil
}

func lookup(files map[string][]byte, name string) ([]byte, bool) {
	for k, v := range files {
		if path.Base(k) == path.Base(name) {
			return v, true
		}
	}
	return nil, false
}

// readTopology returns the Keras layers of a Sequential model or of a
// functional model whose layers form a chain.
func readTopology(raw json.RawMessage) ([]kerasLayer, string, [][]string, error) {
	if len(raw) == 0 {
		return nil, "", nil, fmt.Errorf("%s has no modelTopology", ModelFile)
	}
	var top topology
	if err := json.Unmarshal(raw, &top); err != nil {
		return nil, "", nil, fmt.Errorf("modelTopology: %v", err)
	}
	if top.ModelConfig != nil {
		top = *top.ModelConfig
	}
	var cfg struct {
		Name    string          `json:"name"`
		Layers  []kerasLayer    `json:"layers"`
		Outputs json.RawMessage `json:"output_layers"`
	}
	var refs [][]string
	switch top.ClassName {
	case "Sequential":
		if err := json.Unmarshal(top.Config, &cfg); err != nil {
			// Old Keras wrote a Sequential config as the bare list.
			if err := json.Unmarshal(top.Config, &cfg.Layers); err != nil {
				return nil, "", nil, fmt.Errorf("sequential config: %v", err)
			}
		}
	case "Model", "Functional":
		if err := json.Unmarshal(top.Config, &cfg); err != nil {
			return nil, "", nil, fmt.Errorf("model config: %v", err)
		}
		refs = make([][]string, len(cfg.Layers))
		for i, l := range cfg.Layers {
			refs[i] = inbound(l.InboundNodes)
			if refs[i] == nil {
				refs[i] = []string{}
			}
		}
		if outs := inbound(cfg.Outputs); len(outs) > 1 {
			return nil, "", nil, fmt.Errorf("the model has %d outputs %v: cnnviz shows models with one", len(outs), outs)
		} else if len(outs) == 1 && len(cfg.Layers) > 0 && outs[0] != layerName(cfg.Layers[len(cfg.Layers)-1]) {
			return nil, "", nil, fmt.Errorf("the model's output %q is not its last layer", outs[0])
		}
	default:
		return nil, "", nil, fmt.Errorf("model class %q: want Sequential or a functional Model", top.ClassName)
	}
	if len(cfg.Layers) == 0 {
		return nil, "", nil, fmt.Errorf("the model has no layers")
	}
	return cfg.Layers, cfg.Name, refs, nil
}

func layerName(l kerasLayer) string {
	if l.Config.Name != "" {
		return l.Config.Name
	}
	return l.Name
}

// inbound returns the names of the layers that feed a functional model's
// layer, from Keras 2 ([[["name", 0, 0, {}]]]) or Keras 3
// ({"args": [{"config": {"keras_history": ["name", 0, 0]}}]}) inbound nodes.
func inbound(raw json.RawMessage) []string {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return nil
	}
	var names []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case []any:
			if len(v) >= 3 {
				if s, ok := v[0].(string); ok {
					if _, ok := v[1].(float64); ok {
						names = append(names, s)
						return
					}
				}
			}
			for _, e := range v {
				walk(e)
			}
		case map[string]any:
			if h, ok := v["keras_history"]; ok {
				walk(h)
				return
			}
			for _, k := range slices.Sorted(func(yield func(string) bool) {
				for k := range v {
					if !yield(k) {
						return
					}
				}
			}) {
				walk(v[k])
			}
		}
	}
	walk(v)
	return names
}

// tensor is a weight read from the shards.
type tensor struct {
	shape []int
	data  []float32
}

// maxWeights bounds the numbers a manifest may declare.
const maxWeights = 64 << 20

// readWeights decodes every weight of the manifest from its shards.
func readWeights(manifest []group, files map[string][]byte) (map[string]tensor, error) {
	out := map[string]tensor{}
	for gi, g := range manifest {
		var data []byte
		for _, p := range g.Paths {
			b, ok := lookup(files, p)
			if !ok {
				return nil, fmt.Errorf("the weight shard %q is missing", path.Base(p))
			}
			data = append(data, b...)
		}
		off := 0
		for _, w := range g.Weights {
			n := 1
			for _, d := range w.Shape {
				if d < 0 || d > maxWeights {
					return nil, fmt.Errorf("weight %q has shape %v", w.Name, w.Shape)
				}
				n *= d
				if n > maxWeights {
					return nil, fmt.Errorf("weight %q has shape %v: more than %d values", w.Name, w.Shape, maxWeights)
				}
			}
			dtype := w.Dtype
			if w.Quantization != nil {
				dtype = w.Quantization.Dtype
			}
			size := map[string]int{"float32": 4, "int32": 4, "uint8": 1, "uint16": 2, "float16": 2}[dtype]
			if size == 0 {
				return nil, fmt.Errorf("weight %q has dtype %q (known: float32, int32, and quantized uint8, uint16, float16)", w.Name, dtype)
			}
			if len(data)-off < n*size {
				return nil, fmt.Errorf("group %d's shards hold %d bytes, weight %q needs bytes %d..%d", gi, len(data), w.Name, off, off+n*size)
			}
			b := data[off : off+n*size]
			off += n * size
			if w.Dtype != "float32" {
				continue // integer weights play no part in the layers cnnviz imports
			}
			v := make([]float32, n)
			switch dtype {
			case "float32":
				for i := range v {
					v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
				}
			case "float16":
				for i := range v {
					v[i] = halfToFloat(binary.LittleEndian.Uint16(b[2*i:]))
				}
			case "uint8", "uint16":
				q := w.Quantization
				if q == nil {
					return nil, fmt.Errorf("weight %q has dtype %s without quantization", w.Name, dtype)
				}
				scale, low := float32(q.Scale), float32(q.Min)
				for i := range v {
					x := uint16(b[i])
					if size == 2 {
						x = binary.LittleEndian.Uint16(b[2*i:])
					}
					v[i] = float32(x)*scale + low
				}
			}
			out[w.Name] = tensor{shape: w.Shape, data: v}
		}
		if off != len(data) {
			return nil, fmt.Errorf("group %d's shards hold %d bytes, the manifest describes %d", gi, len(data), off)
		}
	}
	return out, nil
}

// halfToFloat converts an IEEE 754 half-precision number.
func halfToFloat(h uint16) float32 { return float16.Frombits(h).Float32() }

// supported lists the Keras layer classes convert understands.
var supported = map[string]bool{
	"InputLayer": true, "Conv2D": true, "Dense": true, "Activation": true, "ReLU": true,
	"MaxPooling2D": true, "MaxPool2D": true, "AveragePooling2D": true, "AvgPool2D": true,
	"GlobalAveragePooling2D": true, "Flatten": true, "Dropout": true, "Softmax": true,
	"LeakyReLU": true, "ZeroPadding2D": true, "BatchNormalization": true,
	"DepthwiseConv2D": true, "Add": true, "Concatenate": true,
}

var nameRE = regexp.MustCompile(`[^A-Za-z0-9_]`)

// converter walks the Keras layers in order.
type converter struct {
	weights map[string]tensor
	shape   []int // current activation [C, H, W] or [n]
	hwc     []int // the [C, H, W] shape a Flatten flattened, until a Dense reads it
	layers  []chain.Layer
	folded  string // the layer a BatchNormalization was folded into
	used    map[string]bool
	// from names the cnnviz outputs the next layer added reads; the
	// layers added after it read the one before them.
	from []string
	// ins are the outputs the Keras layer being converted reads, and
	// readers counts the Keras layers that read each Keras layer.
	ins     []output
	readers map[string]int
	kerasOf map[string][]string // the Keras layers whose output each cnnviz layer is
}

// output is what a Keras layer's output is in the converted model: the
// cnnviz layer that computes it (nn.InputName for the input), its shape
// and the hwc order of a flattened feature map.
type output struct {
	name       string
	shape, hwc []int
}

func convert(ks []kerasLayer, refs [][]string, weights map[string]tensor) ([]chain.Layer, []int, error) {
	var bad []string
	for _, k := range ks {
		if !supported[k.ClassName] && !slices.Contains(bad, k.ClassName) {
			bad = append(bad, k.ClassName)
		}
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		return nil, nil, fmt.Errorf("unsupported layers %s (cnnviz imports InputLayer, Conv2D, DepthwiseConv2D, Dense, BatchNormalization, ReLU, LeakyReLU and Activation, ZeroPadding2D, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, Flatten, Dropout, Add, Concatenate and a final softmax)", strings.Join(bad, ", "))
	}
	cfg := ks[0].Config
	shape := cfg.BatchInputShape
	if shape == nil {
		shape = cfg.BatchShape
	}
	if len(shape) != 4 || shape[1] == nil || shape[2] == nil || shape[3] == nil {
		return nil, nil, fmt.Errorf("the first layer's batch_input_shape must be [null, height, width, channels] with fixed sizes")
	}
	input := []int{*shape[3], *shape[1], *shape[2]}
	for _, d := range input {
		if d <= 0 || d > nn.MaxDim {
			return nil, nil, fmt.Errorf("input shape %v: sizes must be 1..%d", input, nn.MaxDim)
		}
	}
	c := &converter{weights: weights, shape: input, used: map[string]bool{}, readers: map[string]int{}, kerasOf: map[string][]string{}}
	for _, r := range refs {
		for _, name := range r {
			c.readers[name]++
		}
	}
	outs := map[string]output{}
	prev := output{name: nn.InputName, shape: input}
	for i, k := range ks {
		name := layerName(k)
		if k.ClassName == "InputLayer" {
			outs[name] = output{name: nn.InputName, shape: input}
			prev = outs[name]
			continue
		}
		c.ins = []output{prev}
		if refs != nil && len(refs[i]) > 0 {
			c.ins = c.ins[:0]
			for _, r := range refs[i] {
				o, ok := outs[r]
				if !ok {
					return nil, nil, fmt.Errorf("layer %q (%s) reads %q, which is not an earlier layer", name, k.ClassName, r)
				}
				c.ins = append(c.ins, o)
			}
		}
		if len(c.ins) > 1 && k.ClassName != "Add" && k.ClassName != "Concatenate" {
			return nil, nil, fmt.Errorf("layer %q (%s) reads %d inputs; only Add and Concatenate read more than one", name, k.ClassName, len(c.ins))
		}
		c.shape, c.hwc = c.ins[0].shape, c.ins[0].hwc
		c.from = []string{c.ins[0].name}
		n := len(c.layers)
		if err := c.layer(k, i == len(ks)-1); err != nil {
			return nil, nil, fmt.Errorf("layer %q (%s): %v", name, k.ClassName, err)
		}
		out := output{name: c.ins[0].name, shape: c.shape, hwc: c.hwc}
		if len(c.layers) > n {
			out.name = c.layers[len(c.layers)-1].Spec.Name
		}
		if c.folded != "" {
			out.name, c.folded = c.folded, ""
		}
		outs[name] = out
		c.kerasOf[out.name] = append(c.kerasOf[out.name], name)
		prev = out
	}
	if prev.name == nn.InputName || len(c.layers) == 0 || prev.name != c.layers[len(c.layers)-1].Spec.Name {
		return nil, nil, fmt.Errorf("the model's output is not computed by its last layer")
	}
	return c.layers, input, nil
}

// name makes a Keras layer name a valid, unused cnnviz layer name.
func (c *converter) name(s string) string {
	s = nameRE.ReplaceAllString(s, "_")
	if s == "" || !(s[0] >= 'A' && s[0] <= 'Z' || s[0] >= 'a' && s[0] <= 'z') {
		s = "l" + s
	}
	if len(s) > 28 {
		s = s[:28]
	}
	base := s
	for i := 2; c.used[s]; i++ {
		s = fmt.Sprintf("%s_%d", base, i)
	}
	c.used[s] = true
	return s
}

// add appends l, reading c.from when that is not simply the previous
// layer (a chain keeps the spec of a Sequential model).
func (c *converter) add(l chain.Layer, shape []int) {
	chain.Link(c.layers, &l, c.from)
	c.from = nil
	c.layers = append(c.layers, l)
	c.shape = shape
}

// activation adds the layer for a Keras activation.
func (c *converter) activation(act, layer string, last bool) error {
	switch act {
	case "", "linear":
	case "relu":
		c.add(chain.Layer{Spec: nn.LayerSpec{Name: c.name(layer + "_relu"), Kind: nn.KindReLU}}, c.shape)
	case "relu6":
		c.add(chain.Layer{Spec: nn.LayerSpec{Name: c.name(layer + "_relu6"), Kind: nn.KindReLU6}}, c.shape)
	case "sigmoid":
		c.add(chain.Layer{Spec: nn.LayerSpec{Name: c.name(layer + "_sigmoid"), Kind: nn.KindSigmoid}}, c.shape)
	case "hard_swish", "hard_silu":
		c.add(chain.Layer{Spec: nn.LayerSpec{Name: c.name(layer + "_hswish"), Kind: nn.KindHardSwish}}, c.shape)
	case "leaky_relu":
		c.leaky(layer, 0.2) // the activation function's default slope
	case "softmax":
		if !last {
			return fmt.Errorf("softmax is supported only at the end of the model")
		}
	default:
		return fmt.Errorf("activation %q is not supported (relu, relu6, leaky_relu, sigmoid, hard_swish, linear and a final softmax are)", act)
	}
	return nil
}

// pair reads a Keras size: one integer or a list of two; def when absent.
func pair(raw json.RawMessage, def [2]int, what string) ([2]int, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return def, nil
	}
	var one int
	if json.Unmarshal(raw, &one) == nil {
		return [2]int{one, one}, nil
	}
	var two []int
	if json.Unmarshal(raw, &two) != nil || len(two) != 2 {
		return def, fmt.Errorf("%s %s: want two sizes", what, raw)
	}
	return [2]int{two[0], two[1]}, nil
}

// window reads kernel, strides and padding on the current [C, H, W] shape.
func (c *converter) window(cfg layerConfig, kernelRaw json.RawMessage, defStride bool) (k, s, p [2]int, err error) {
	k, s, p4, err := c.window4(cfg, kernelRaw, defStride)
	if err == nil && (p4[0] != p4[1] || p4[2] != p4[3]) {
		err = fmt.Errorf("'same' padding here is uneven (%d rows, %d columns), which cnnviz cannot show", p4[0]+p4[1], p4[2]+p4[3])
	}
	return k, s, [2]int{p4[0], p4[2]}, err
}

// window4 is window with the padding above, below, left and right: 'same'
// padding of an odd total puts the extra row and column below and right.
func (c *converter) window4(cfg layerConfig, kernelRaw json.RawMessage, defStride bool) (k, s [2]int, p [4]int, err error) {
	if len(c.shape) != 3 {
		return k, s, p, fmt.Errorf("needs a [H, W, C] input, got a flat one")
	}
	if cfg.DataFormat != "" && cfg.DataFormat != "channels_last" {
		return k, s, p, fmt.Errorf("data_format %q is not supported", cfg.DataFormat)
	}
	if k, err = pair(kernelRaw, [2]int{}, "kernel"); err != nil {
		return k, s, p, err
	}
	def := [2]int{1, 1}
	if defStride {
		def = k
	}
	if s, err = pair(cfg.Strides, def, "strides"); err != nil {
		return k, s, p, err
	}
	if d, err := pair(cfg.DilationRate, [2]int{1, 1}, "dilation_rate"); err != nil || d != [2]int{1, 1} {
		return k, s, p, fmt.Errorf("dilation_rate %s is not supported", cfg.DilationRate)
	}
	for i := range 2 {
		if k[i] <= 0 || k[i] > nn.MaxKernel || s[i] <= 0 || s[i] > nn.MaxKernel {
			return k, s, p, fmt.Errorf("kernel %v and strides %v: sizes must be 1..%d", k, s, nn.MaxKernel)
		}
	}
	var mode string
	if len(cfg.Padding) > 0 && json.Unmarshal(cfg.Padding, &mode) != nil {
		return k, s, p, fmt.Errorf("padding %s is not supported", cfg.Padding)
	}
	switch mode {
	case "", "valid":
	case "same":
		for i := range 2 {
			size := c.shape[1+i]
			total := max(((size+s[i]-1)/s[i]-1)*s[i]+k[i]-size, 0)
			p[2*i], p[2*i+1] = total/2, total-total/2
		}
	default:
		return k, s, p, fmt.Errorf("padding %q is not supported", mode)
	}
	return k, s, p, nil
}

// weight finds a layer's kernel or bias in the manifest.
func (c *converter) weight(layer, kind string, shape []int) ([]float32, error) {
	w, ok := c.weights[layer+"/"+kind]
	if !ok {
		for name, t := range c.weights {
			if strings.HasSuffix(name, "/"+layer+"/"+kind) {
				w, ok = t, true
				break
			}
		}
	}
	if !ok {
		return nil, fmt.Errorf("the manifest has no weight %q", layer+"/"+kind)
	}
	if !slices.Equal(w.shape, shape) {
		return nil, fmt.Errorf("weight %q has shape %v, want %v", layer+"/"+kind, w.shape, shape)
	}
	return w.data, nil
}

func (c *converter) layer(k kerasLayer, last bool) error {
	cfg := k.Config
	name := layerName(k)
	switch k.ClassName {
	case "InputLayer", "Dropout":
	case "Conv2D", "DepthwiseConv2D":
		return c.conv(cfg, name, last, k.ClassName == "DepthwiseConv2D")
	case "Add", "Concatenate":
		return c.merge(cfg, name, k.ClassName == "Add")
	case "Dense":
		return c.dense(cfg, name, last)
	case "Activation":
		return c.activation(cfg.Activation, name, last)
	case "ReLU":
		return c.relu(cfg, name, last)
	case "LeakyReLU":
		alpha := float32(0.3) // the layer's default slope
		for _, a := range []*float32{cfg.Alpha, cfg.NegativeSlope} {
			if a != nil {
				alpha = *a
			}
		}
		c.leaky(name, alpha)
	case "ZeroPadding2D":
		return c.zeroPad(cfg, name)
	case "BatchNormalization":
		return c.batchNorm(cfg, name)
	case "Softmax":
		return c.activation("softmax", name, last)
	case "MaxPooling2D", "MaxPool2D", "AveragePooling2D", "AvgPool2D":
		kr, s, p4, err := c.window4(cfg, cfg.PoolSize, true)
		if err != nil {
			return err
		}
		p := [2]int{p4[0], p4[2]}
		kind := nn.KindMaxPool2D
		if strings.HasPrefix(k.ClassName, "Av") {
			kind = nn.KindAvgPool2D
			if p4 != [4]int{} {
				return fmt.Errorf("'same' average pooling is not supported")
			}
		}
		// 'same' max pooling with one more row or column of padding
		// below and right is ceil mode: the last window is cut short,
		// and padding never wins a max.
		ceil := p4[0] != p4[1] || p4[2] != p4[3]
		if ceil && (p4[1] != p4[0]+1 && p4[1] != p4[0] || p4[3] != p4[2]+1 && p4[3] != p4[2]) {
			return fmt.Errorf("padding %v is not supported", p4)
		}
		l := nn.LayerSpec{Name: c.name(name), Kind: kind, Kernel: kr, Stride: s, Pad: p, Ceil: ceil}
		g := l.Geom(c.shape)
		if g.OutH() <= 0 || g.OutW() <= 0 || 2*p[0] > kr[0] || 2*p[1] > kr[1] {
			return fmt.Errorf("pool %v does not fit the input %v", kr, c.shape)
		}
		c.add(chain.Layer{Spec: l}, []int{c.shape[0], g.OutH(), g.OutW()})
	case "GlobalAveragePooling2D":
		if len(c.shape) != 3 {
			return fmt.Errorf("needs a [H, W, C] input")
		}
		c.add(chain.Layer{Spec: nn.LayerSpec{Name: c.name(name), Kind: nn.KindGlobalAvgPool}}, c.shape[:1])
	case "Flatten":
		if len(c.shape) == 3 {
			c.hwc = c.shape
			c.add(chain.Layer{Spec: nn.LayerSpec{Name: c.name(name), Kind: nn.KindFlatten}}, []int{c.shape[0] * c.shape[1] * c.shape[2]})
		}
	default:
		return fmt.Errorf("unsupported layer") // convert lists these first
	}
	return nil
}

// conv maps Conv2D (grouped or not) and DepthwiseConv2D, whose output
// channel i·multiplier + m is input channel i's filter m.
func (c *converter) conv(cfg layerConfig, name string, last, depthwise bool) error {
	k, s, p4, err := c.window4(cfg, cfg.KernelSize, false)
	if err != nil {
		return err
	}
	// Uneven 'same' padding becomes a zeropad2d before the convolution.
	p := [2]int{p4[0], p4[2]}
	if p4[0] != p4[1] || p4[2] != p4[3] {
		shape := []int{c.shape[0], c.shape[1] + p4[0] + p4[1], c.shape[2] + p4[2] + p4[3]}
		c.add(chain.Layer{Spec: nn.LayerSpec{Name: c.name(name + "_pad"), Kind: nn.KindZeroPad2D, Padding: p4}}, shape)
		p = [2]int{}
	}
	groups := max(1, cfg.Groups)
	in, out := c.shape[0], cfg.Filters
	var kern []float32
	if depthwise {
		mult := max(1, cfg.DepthMultiplier)
		groups, out = in, in*mult
		kern, err = c.weight(name, "depthwise_kernel", []int{k[0], k[1], in, mult})
		in = 1 // one input channel per group; [kh, kw, in, mult] is [kh, kw, 1, out]
	} else {
		if out <= 0 || out > nn.MaxDim {
			return fmt.Errorf("filters %d: must be 1..%d", out, nn.MaxDim)
		}
		if in%groups != 0 || out%groups != 0 {
			return fmt.Errorf("groups %d must divide the %d input channels and the %d filters", groups, in, out)
		}
		in /= groups
		kern, err = c.weight(name, "kernel", []int{k[0], k[1], in, out})
	}
	if err != nil {
		return err
	}
	if out <= 0 || out > nn.MaxDim {
		return fmt.Errorf("%d output channels: must be 1..%d", out, nn.MaxDim)
	}
	w := make([]float32, len(kern)) // [out, in, kh, kw] from [kh, kw, in, out]
	for y := range k[0] {
		for x := range k[1] {
			for i := range in {
				for o := range out {
					w[((o*in+i)*k[0]+y)*k[1]+x] = kern[((y*k[1]+x)*in+i)*out+o]
				}
			}
		}
	}
	if depthwise {
		groups = out / max(1, cfg.DepthMultiplier)
	}
	if groups == 1 {
		groups = 0
	}
	l := chain.Layer{Spec: nn.LayerSpec{Name: c.name(name), Kind: nn.KindConv2D, Filters: out, Kernel: k, Stride: s, Pad: p, Groups: groups}, W: w}
	if cfg.UseBias == nil || *cfg.UseBias {
		if l.B, err = c.weight(name, "bias", []int{out}); err != nil {
			return err
		}
	}
	g := l.Spec.Geom(c.shape)
	if g.OutH() <= 0 || g.OutW() <= 0 {
		return fmt.Errorf("kernel %v does not fit the input %v", k, c.shape)
	}
	c.add(l, []int{out, g.OutH(), g.OutW()})
	return c.activation(cfg.Activation, name, last)
}

func (c *converter) dense(cfg layerConfig, name string, last bool) error {
	if len(c.shape) != 1 {
		return fmt.Errorf("needs a flat input (add Flatten or GlobalAveragePooling2D before it)")
	}
	in, out := c.shape[0], cfg.Units
	if out <= 0 || out > 1<<16 {
		return fmt.Errorf("units %d: must be 1..%d", out, 1<<16)
	}
	kern, err := c.weight(name, "kernel", []int{in, out})
	if err != nil {
		return err
	}
	// row(j) is the Keras input row of cnnviz input j.
	var row func(int) int
	if h := c.hwc; h != nil {
		ch, hw := h[0], h[1]*h[2]
		row = func(j int) int { return (j%hw)*ch + j/hw }
	}
	c.hwc = nil
	w := chain.Transpose(kern, in, out, row)
	l := chain.Layer{Spec: nn.LayerSpec{Name: c.name(name), Kind: nn.KindDense, Units: out}, W: w}
	if cfg.UseBias == nil || *cfg.UseBias {
		if l.B, err = c.weight(name, "bias", []int{out}); err != nil {
			return err
		}
	}
	c.add(l, []int{out})
	return c.activation(cfg.Activation, name, last)
}

// leaky adds a leakyrelu layer with slope alpha.
func (c *converter) leaky(layer string, alpha float32) {
	c.add(chain.Layer{Spec: nn.LayerSpec{Name: c.name(layer), Kind: nn.KindLeakyReLU, Alpha: alpha}}, c.shape)
}

// relu maps a ReLU layer: plain, capped at 6 (relu6) or leaky.
func (c *converter) relu(cfg layerConfig, name string, last bool) error {
	slope := float32(0)
	if cfg.NegativeSlope != nil {
		slope = *cfg.NegativeSlope
	}
	switch {
	case cfg.Threshold != 0:
		return fmt.Errorf("threshold %v is not supported", cfg.Threshold)
	case cfg.MaxValue == nil && slope == 0:
		return c.activation("relu", name, last)
	case cfg.MaxValue == nil:
		c.leaky(name, slope)
	case *cfg.MaxValue == 6 && slope == 0:
		return c.activation("relu6", name, last)
	default:
		return fmt.Errorf("max_value %v with negative_slope %v: cnnviz supports max_value 6 alone", *cfg.MaxValue, slope)
	}
	return nil
}

// zeroPad maps ZeroPadding2D, whose padding is one size, [rows, cols] or
// [[top, bottom], [left, right]].
func (c *converter) zeroPad(cfg layerConfig, name string) error {
	if len(c.shape) != 3 {
		return fmt.Errorf("needs a [H, W, C] input, got a flat one")
	}
	if cfg.DataFormat != "" && cfg.DataFormat != "channels_last" {
		return fmt.Errorf("data_format %q is not supported", cfg.DataFormat)
	}
	var p [4]int
	var one int
	var two [2]int
	var four [2][2]int
	switch {
	case len(cfg.Padding) == 0:
		p = [4]int{1, 1, 1, 1} // Keras's default
	case json.Unmarshal(cfg.Padding, &one) == nil:
		p = [4]int{one, one, one, one}
	case json.Unmarshal(cfg.Padding, &two) == nil:
		p = [4]int{two[0], two[0], two[1], two[1]}
	case json.Unmarshal(cfg.Padding, &four) == nil:
		p = [4]int{four[0][0], four[0][1], four[1][0], four[1][1]}
	default:
		return fmt.Errorf("padding %s: want one size, two or two pairs", cfg.Padding)
	}
	for _, v := range p {
		if v < 0 || v > nn.MaxKernel {
			return fmt.Errorf("padding %s: sizes must be 0..%d", cfg.Padding, nn.MaxKernel)
		}
	}
	shape := []int{c.shape[0], c.shape[1] + p[0] + p[1], c.shape[2] + p[2] + p[3]}
	c.add(chain.Layer{Spec: nn.LayerSpec{Name: c.name(name), Kind: nn.KindZeroPad2D, Padding: p}}, shape)
	return nil
}

// batchNorm folds a BatchNormalization over the channels into the
// Conv2D or Dense layer whose output (without activation) it alone reads,
// or else adds it as an affine layer.
func (c *converter) batchNorm(cfg layerConfig, name string) error {
	n := -1
	for i, l := range c.layers {
		if l.Spec.Name == c.ins[0].name && (l.Spec.Kind == nn.KindConv2D || l.Spec.Kind == nn.KindDense) {
			n = i
		}
	}
	var axis int
	var axes []int
	if len(cfg.Axis) > 0 && json.Unmarshal(cfg.Axis, &axis) != nil {
		if json.Unmarshal(cfg.Axis, &axes) != nil || len(axes) != 1 {
			return fmt.Errorf("axis %s is not supported", cfg.Axis)
		}
		axis = axes[0]
	}
	if len(cfg.Axis) == 0 {
		axis = -1
	}
	if axis != -1 && axis != len(c.shape) {
		return fmt.Errorf("axis %s: only the channels can be normalized", cfg.Axis)
	}
	units := c.shape[0]
	get := func(kind string, use *bool, def float32) ([]float32, error) {
		if use != nil && !*use {
			v := make([]float32, units)
			for i := range v {
				v[i] = def
			}
			return v, nil
		}
		return c.weight(name, kind, []int{units})
	}
	gamma, err := get("gamma", cfg.Scale, 1)
	if err != nil {
		return err
	}
	beta, err := get("beta", cfg.Center, 0)
	if err != nil {
		return err
	}
	mean, err := c.weight(name, "moving_mean", []int{units})
	if err != nil {
		return err
	}
	variance, err := c.weight(name, "moving_variance", []int{units})
	if err != nil {
		return err
	}
	eps := float32(1e-3) // Keras's default
	if cfg.Epsilon != nil {
		eps = *cfg.Epsilon
	}
	if n >= 0 && c.onlyReader(c.ins[0].name) {
		chain.FoldBatchNorm(&c.layers[n], gamma, beta, mean, variance, eps)
		c.folded = c.layers[n].Spec.Name
		return nil
	}
	l := chain.Layer{Spec: nn.LayerSpec{Name: c.name(name), Kind: nn.KindAffine}, W: make([]float32, units), B: make([]float32, units)}
	for o := range units {
		sc := float32(float64(gamma[o]) / math.Sqrt(float64(variance[o])+float64(eps)))
		l.W[o], l.B[o] = sc, beta[o]-mean[o]*sc
	}
	c.add(l, c.shape)
	return nil
}

// onlyReader reports whether the Keras layer being converted is the only
// reader of the Keras layer whose output is the cnnviz layer named out.
func (c *converter) onlyReader(out string) bool {
	n := 0
	for _, l := range c.layers {
		for _, in := range l.Spec.Inputs {
			if in == out {
				n++
			}
		}
	}
	if n > 0 {
		return false // a later cnnviz layer already reads it
	}
	for _, k := range c.kerasOf[out] {
		if c.readers[k] > 1 {
			return false
		}
	}
	return true
}

// merge maps Add and Concatenate (on the channels) of the layer's inputs.
func (c *converter) merge(cfg layerConfig, name string, add bool) error {
	if len(c.ins) < 2 {
		return fmt.Errorf("needs two or more inputs, got %d", len(c.ins))
	}
	kind, shape := nn.KindAdd, c.shape
	var from []string
	for _, in := range c.ins {
		from = append(from, in.name)
		if !slices.Equal(in.hwc, c.ins[0].hwc) {
			return fmt.Errorf("merges flattened feature maps of different shapes")
		}
	}
	if add {
		for _, in := range c.ins[1:] {
			if !slices.Equal(in.shape, shape) {
				return fmt.Errorf("adds shapes %v and %v", shape, in.shape)
			}
		}
	} else {
		kind = nn.KindConcat
		var axis int
		if len(cfg.Axis) > 0 && json.Unmarshal(cfg.Axis, &axis) != nil {
			return fmt.Errorf("axis %s is not supported", cfg.Axis)
		}
		if len(cfg.Axis) == 0 {
			axis = -1
		}
		if axis != -1 && axis != len(shape) {
			return fmt.Errorf("axis %s: only the channels can be concatenated", cfg.Axis)
		}
		if c.hwc != nil {
			return fmt.Errorf("concatenates flattened feature maps, which cnnviz cannot reorder")
		}
		total := 0
		for _, in := range c.ins {
			if len(in.shape) != len(shape) || !slices.Equal(in.shape[1:], shape[1:]) {
				return fmt.Errorf("concatenates shapes %v and %v", shape, in.shape)
			}
			total += in.shape[0]
		}
		shape = append([]int{total}, shape[1:]...)
	}
	c.from = from
	c.add(chain.Layer{Spec: nn.LayerSpec{Name: c.name(name), Kind: kind}}, shape)
	return nil
}
