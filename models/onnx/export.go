package onnx

import (
	"fmt"
	"math"

	"google.golang.org/protobuf/encoding/protowire"

	"cnnviz/core/nn"
)

// exportOpset is the ONNX operator set Export writes: 14 is the first
// with HardSwish and takes Clip's bounds and Pad's sizes as inputs.
const exportOpset = 14

// Export writes net as an ONNX model: one image input "input"
// [N, C, H, W] with a symbolic batch N and one output "logits"
// [N, classes]. Each layer becomes the operator that Import reads back
// as the same layer kind (a dropout is left out, a global average pool
// is followed by a Flatten, an affine layer is a BatchNormalization of
// mean 0, variance 1 and epsilon 0, an add of more than two inputs a
// Sum), with the current weights as initializers. A graph's layers read
// the tensors of the layers they name.
// It panics on a layer kind it does not know, which a Sequential built
// from a checked Spec does not hold.
func Export(net *nn.Sequential) []byte {
	e := &exporter{cur: "input"}
	params := net.Params()
	k := 0
	graph := net.Spec.Graph()
	tensors := make([]string, len(net.Spec.Layers)) // each layer's output
	for i, l := range net.Spec.Layers {
		out := l.Name
		if i == len(net.Spec.Layers)-1 {
			out = "logits"
		}
		var ins []string
		for _, j := range graph[i] {
			if j < 0 {
				ins = append(ins, "input")
			} else {
				ins = append(ins, tensors[j])
			}
		}
		e.cur = ins[0]
		switch l.Kind {
		case nn.KindConv2D, nn.KindDense:
			w, b := params[k], params[k+1]
			k += 2
			e.init(floatTensorProto(w.Name, w.Var.Value.Shape, w.Var.Value.Data))
			e.init(floatTensorProto(b.Name, b.Var.Value.Shape, b.Var.Value.Data))
			if l.Kind == nn.KindDense {
				e.node("Gemm", out, []string{e.cur, w.Name, b.Name}, encIntAttr("transB", 1))
				break
			}
			attrs := e.window(l)
			if l.Groups > 1 {
				attrs = append(attrs, encIntAttr("group", int64(l.Groups)))
			}
			e.node("Conv", out, []string{e.cur, w.Name, b.Name}, attrs...)
		case nn.KindAffine:
			scale, shift := params[k], params[k+1]
			k += 2
			c := scale.Var.Value.Size()
			zero, one := make([]float32, c), make([]float32, c)
			for i := range one {
				one[i] = 1
			}
			e.init(floatTensorProto(scale.Name, []int{c}, scale.Var.Value.Data))
			e.init(floatTensorProto(shift.Name, []int{c}, shift.Var.Value.Data))
			e.init(floatTensorProto(l.Name+".mean", []int{c}, zero))
			e.init(floatTensorProto(l.Name+".var", []int{c}, one))
			e.node("BatchNormalization", out, []string{e.cur, scale.Name, shift.Name, l.Name + ".mean", l.Name + ".var"}, encFloatAttr("epsilon", 0))
		case nn.KindAdd:
			op := "Add"
			if len(ins) > 2 {
				op = "Sum"
			}
			e.node(op, out, ins)
		case nn.KindConcat:
			e.node("Concat", out, ins, encIntAttr("axis", 1))
		case nn.KindReLU:
			e.node("Relu", out, []string{e.cur})
		case nn.KindReLU6:
			lo, hi := l.Name+".min", l.Name+".max"
			e.init(floatTensorProto(lo, nil, []float32{0}))
			e.init(floatTensorProto(hi, nil, []float32{6}))
			e.node("Clip", out, []string{e.cur, lo, hi})
		case nn.KindLeakyReLU:
			e.node("LeakyRelu", out, []string{e.cur}, encFloatAttr("alpha", l.Alpha))
		case nn.KindSigmoid:
			e.node("Sigmoid", out, []string{e.cur})
		case nn.KindHardSwish:
			e.node("HardSwish", out, []string{e.cur})
		case nn.KindZeroPad2D:
			p := l.Padding
			name := l.Name + ".pads"
			e.init(int64TensorProto(name, []int64{0, 0, int64(p[0]), int64(p[2]), 0, 0, int64(p[1]), int64(p[3])}))
			e.node("Pad", out, []string{e.cur, name})
		case nn.KindMaxPool2D:
			e.node("MaxPool", out, []string{e.cur}, append(e.window(l), encIntAttr("ceil_mode", ceil(l)))...)
		case nn.KindAvgPool2D:
			// cnnviz divides by the whole window, padding included.
			e.node("AveragePool", out, []string{e.cur}, append(e.window(l), encIntAttr("count_include_pad", 1), encIntAttr("ceil_mode", ceil(l)))...)
		case nn.KindGlobalAvgPool:
			e.node("GlobalAveragePool", l.Name+".map", []string{e.cur})
			e.node("Flatten", out, []string{e.cur})
		case nn.KindFlatten:
			e.node("Flatten", out, []string{e.cur})
		case nn.KindDropout:
			if out == "logits" {
				e.node("Identity", out, []string{e.cur})
			}
		default:
			panic(fmt.Sprintf("onnx: Export of layer kind %q", l.Kind))
		}
		tensors[i] = e.cur
	}
	in := append([]int64{-1}, ints64(net.Spec.Input)...)
	e.graph = appendField(e.graph, 11, valueInfo4("input", in))
	e.graph = appendField(e.graph, 12, valueInfo4("logits", []int64{-1, int64(len(net.Spec.Classes))}))
	e.graph = appendField(e.graph, 2, []byte(net.Spec.Name))

	var m []byte
	m = protowire.AppendTag(m, 1, protowire.VarintType) // ir_version
	m = protowire.AppendVarint(m, 7)
	m = appendField(m, 2, []byte("cnnviz"))
	opset := protowire.AppendTag(appendField(nil, 1, nil), 2, protowire.VarintType)
	opset = protowire.AppendVarint(opset, exportOpset)
	m = appendField(m, 8, opset)
	return appendField(m, 7, e.graph)
}

// ceil returns a pooling's ceil_mode attribute value.
func ceil(l nn.LayerSpec) int64 {
	if l.Ceil {
		return 1
	}
	return 0
}

// exporter collects a graph's nodes and initializers.
type exporter struct {
	graph []byte
	cur   string // the output of the last node
}

func (e *exporter) init(t []byte) { e.graph = appendField(e.graph, 5, t) }

// node appends a node reading inputs and writing out, which becomes the
// current value.
func (e *exporter) node(op, out string, inputs []string, attrs ...[]byte) {
	e.graph = appendField(e.graph, 1, nodeProto(op, inputs, out, attrs...))
	e.cur = out
}

// nodeProto encodes a NodeProto named after its one output.
func nodeProto(op string, inputs []string, output string, attrs ...[]byte) []byte {
	var b []byte
	for _, in := range inputs {
		b = appendField(b, 1, []byte(in))
	}
	b = appendField(b, 2, []byte(output))
	b = appendField(b, 3, []byte(output))
	b = appendField(b, 4, []byte(op))
	for _, a := range attrs {
		b = appendField(b, 5, a)
	}
	return b
}

// window returns the kernel_shape, strides and pads attributes of a conv
// or pooling layer.
func (e *exporter) window(l nn.LayerSpec) [][]byte {
	g := l.Geom([]int{1, 1, 1})
	return [][]byte{
		encIntsAttr("kernel_shape", int64(g.KH), int64(g.KW)),
		encIntsAttr("strides", int64(g.SH), int64(g.SW)),
		encIntsAttr("pads", int64(g.PH), int64(g.PW), int64(g.PH), int64(g.PW)),
	}
}

func appendField(b []byte, num protowire.Number, v []byte) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, v)
}

func appendVarint(b []byte, num protowire.Number, v int64) []byte {
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, uint64(v))
}

func ints64(v []int) []int64 {
	out := make([]int64, len(v))
	for i, x := range v {
		out[i] = int64(x)
	}
	return out
}

// Attribute types of onnx.proto.
const (
	attrFloat = 1
	attrInt   = 2
	attrInts  = 7
)

func encIntAttr(name string, v int64) []byte {
	return appendVarint(appendVarint(appendField(nil, 1, []byte(name)), 3, v), 20, attrInt)
}

func encFloatAttr(name string, v float32) []byte {
	b := protowire.AppendTag(appendField(nil, 1, []byte(name)), 2, protowire.Fixed32Type)
	return appendVarint(protowire.AppendFixed32(b, math.Float32bits(v)), 20, attrFloat)
}

func encIntsAttr(name string, v ...int64) []byte {
	b := appendField(nil, 1, []byte(name))
	for _, x := range v {
		b = appendVarint(b, 8, x)
	}
	return appendVarint(b, 20, attrInts)
}

// floatTensorProto encodes a float tensor with its values in raw_data.
func floatTensorProto(name string, dims []int, v []float32) []byte {
	var b []byte
	for _, d := range dims {
		b = appendVarint(b, 1, int64(d))
	}
	b = appendVarint(b, 2, typeFloat)
	b = appendField(b, 8, []byte(name))
	raw := make([]byte, 0, 4*len(v))
	for _, x := range v {
		raw = protowire.AppendFixed32(raw, math.Float32bits(x))
	}
	return appendField(b, 9, raw)
}

// int64TensorProto encodes a 1-D int64 tensor.
func int64TensorProto(name string, v []int64) []byte {
	b := appendVarint(nil, 1, int64(len(v)))
	b = appendVarint(b, 2, typeInt64)
	b = appendField(b, 8, []byte(name))
	var packed []byte
	for _, x := range v {
		packed = protowire.AppendVarint(packed, uint64(x))
	}
	return appendField(b, 7, packed)
}

// valueInfo4 describes a float tensor; a negative size is the symbolic
// batch "N".
func valueInfo4(name string, dims []int64) []byte {
	var shape []byte
	for _, d := range dims {
		dim := appendVarint(nil, 1, d)
		if d < 0 {
			dim = appendField(nil, 2, []byte("N"))
		}
		shape = appendField(shape, 1, dim)
	}
	tt := appendField(appendVarint(nil, 1, typeFloat), 2, shape)
	return appendField(appendField(nil, 1, []byte(name)), 2, appendField(nil, 1, tt))
}
