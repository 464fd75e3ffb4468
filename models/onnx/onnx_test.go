package onnx

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	"cnnviz/core/nn"
	"cnnviz/models/chain"
)

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// readTensor reads a serialized TensorProto of floats.
func readTensor(t *testing.T, path string) ([]int64, []float32) {
	t.Helper()
	tp, err := decodeTensor(readFile(t, path))
	if err != nil {
		t.Fatal(err)
	}
	v, err := tp.floatValues()
	if err != nil {
		t.Fatal(err)
	}
	return tp.dims, v
}

// maxRelErr returns max |got−want| / max |want|.
func maxRelErr(got, want []float32) float64 {
	var d, m float64
	for i := range want {
		d = max(d, math.Abs(float64(got[i]-want[i])))
		m = max(m, math.Abs(float64(want[i])))
	}
	return d / m
}

// TestMNIST8 runs the ONNX model zoo's MNIST model on its three reference
// inputs, once with the input scale folded in (inputs 0..1) and once
// without (inputs 0..255 as the model was made for).
func TestMNIST8(t *testing.T) {
	model := readFile(t, "testdata/mnist-8/model.onnx")
	for _, scale := range []float32{255, 1} {
		m, err := Import(model, chain.Options{Name: "mnist8", InputScale: scale})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := fmt.Sprint(m.Spec.Input), "[1 28 28]"; got != want {
			t.Errorf("input = %s, want %s", got, want)
		}
		var kinds []string
		for _, l := range m.Spec.Layers {
			kinds = append(kinds, fmt.Sprintf("%s:%v:%v", l.Kind, l.Kernel, l.Pad))
		}
		if got, want := strings.Join(kinds, " "), "conv2d:[5 5]:[2 2] relu:[0 0]:[0 0] maxpool2d:[2 2]:[0 0] conv2d:[5 5]:[2 2] relu:[0 0]:[0 0] maxpool2d:[3 3]:[0 0] flatten:[0 0]:[0 0] dense:[0 0]:[0 0]"; got != want {
			t.Errorf("layers = %s, want %s", got, want)
		}
		for i := range 3 {
			dir := fmt.Sprintf("testdata/mnist-8/test_data_set_%d", i)
			dims, x := readTensor(t, filepath.Join(dir, "input_0.pb"))
			if fmt.Sprint(dims) != "[1 1 28 28]" {
				t.Fatalf("%s input dims %v", dir, dims)
			}
			_, want := readTensor(t, filepath.Join(dir, "output_0.pb"))
			in := make([]float32, len(x))
			for j, v := range x {
				in[j] = v / scale
			}
			got := m.Logits(in, 1)
			if e := maxRelErr(got, want); e > 1e-4 {
				t.Errorf("scale %v, %s: logits %v, want %v (relative error %.2g > 1e-4)", scale, dir, got, want, e)
			} else {
				t.Logf("scale %v, %s: relative error %.2g", scale, dir, e)
			}
		}
	}
}

// The test encoder builds small ONNX files field by field, with the
// exporter's encoders (export.go); int and float attributes leave out
// their type field, as some exporters do.

func field(b []byte, num protowire.Number, v []byte) []byte { return appendField(b, num, v) }

func varintField(b []byte, num protowire.Number, v int64) []byte { return appendVarint(b, num, v) }

func intsAttribute(name string, v ...int64) []byte { return encIntsAttr(name, v...) }

func intAttribute(name string, v int64) []byte {
	return varintField(field(nil, 1, []byte(name)), 3, v)
}

func floatAttribute(name string, v float32) []byte {
	b := protowire.AppendTag(field(nil, 1, []byte(name)), 2, protowire.Fixed32Type)
	return protowire.AppendFixed32(b, math.Float32bits(v))
}

func stringAttribute(name, v string) []byte {
	return field(field(nil, 1, []byte(name)), 4, []byte(v))
}

// floatTensor encodes a float initializer in raw_data.
func floatTensor(name string, dims []int64, v []float32) []byte {
	d := make([]int, len(dims))
	for i, x := range dims {
		d[i] = int(x)
	}
	return floatTensorProto(name, d, v)
}

func int64Tensor(name string, v ...int64) []byte { return int64TensorProto(name, v) }

func valueInfoProto(name string, dims ...int64) []byte { return valueInfo4(name, dims) }

// graphFile wraps nodes, initializers, the input "x" and output out into
// a model file.
func graphFile(in []int64, out string, nodes [][]byte, inits [][]byte) []byte {
	var g []byte
	for _, n := range nodes {
		g = field(g, 1, n)
	}
	for _, t := range inits {
		g = field(g, 5, t)
	}
	g = field(g, 11, valueInfoProto("x", in...))
	g = field(g, 12, valueInfoProto(out, 1, 1))
	return field(varintField(nil, 1, 7), 7, g)
}

func ramp(n int, s float32) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = s * float32(i%7-3)
	}
	return v
}

// TestGemmTransposeSoftmax checks an NHWC input with a Transpose, a Gemm
// with transB, alpha and beta, a second bias added as B2 + x, and a final
// Softmax against values computed by hand.
func TestGemmTransposeSoftmax(t *testing.T) {
	// x is NHWC [1, 2, 1, 3]; after the transpose it is CHW [3, 2, 1].
	w := ramp(4*6, 0.5) // transB: [out 4, in 6]
	bias := []float32{1, 2, 3, 4}
	file := graphFile([]int64{1, 2, 1, 3}, "y", [][]byte{
		nodeProto("Transpose", []string{"x"}, "t", intsAttribute("perm", 0, 3, 1, 2)),
		nodeProto("Flatten", []string{"t"}, "f"),
		nodeProto("Gemm", []string{"f", "W", "B"}, "g", intAttribute("transB", 1),
			floatAttribute("alpha", 2), floatAttribute("beta", 0.5)),
		nodeProto("Add", []string{"B2", "g"}, "h"),
		nodeProto("Softmax", []string{"h"}, "y"),
	}, [][]byte{floatTensor("W", []int64{4, 6}, w), floatTensor("B", []int64{4}, bias), floatTensor("B2", []int64{1, 4}, []float32{10, 20, 30, 40})})
	m, err := Import(file, chain.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprint(m.Spec.Input, m.Spec.Classes), "[3 2 1] [0 1 2 3]"; got != want {
		t.Fatalf("input, classes = %s, want %s", got, want)
	}
	chw := []float32{1, 2, 3, 4, 5, 6}
	// The NHWC value at (h, c) is chw[c*2+h]; Flatten after the
	// transpose reads CHW order, so the Gemm sees chw itself.
	got := m.Logits(chw, 1)
	for o := range 4 {
		want := 0.5*bias[o] + 10*float32(o+1)
		for i := range 6 {
			want += 2 * w[o*6+i] * chw[i]
		}
		if math.Abs(float64(got[o]-want)) > 1e-5 {
			t.Errorf("logit %d = %v, want %v", o, got[o], want)
		}
	}
}

// TestErrors checks that models cnnviz cannot show are refused with a
// message that names the problem.
func TestErrors(t *testing.T) {
	w := floatTensor("W", []int64{2, 1, 3, 3}, ramp(18, 1))
	shape := int64Tensor("S", 1, -1)
	fc := floatTensor("F", []int64{32, 2}, ramp(64, 1))
	tests := []struct {
		name string
		file []byte
		want string
	}{
		{"unsupported", graphFile([]int64{1, 1, 4, 4}, "y", [][]byte{
			nodeProto("Tanh", []string{"x"}, "a"), nodeProto("Conv", []string{"a", "W"}, "b"),
			nodeProto("Erf", []string{"b"}, "c"), nodeProto("Tanh", []string{"c"}, "y"),
		}, [][]byte{w}), "unsupported operators Erf, Tanh"},
		{"clip bounds", graphFile([]int64{1, 1, 4, 4}, "y", [][]byte{
			nodeProto("Clip", []string{"x", "", "H"}, "y"),
		}, [][]byte{floatTensor("H", nil, []float32{1})}), "clip to -Inf..1"},
		{"pad value", graphFile([]int64{1, 1, 4, 4}, "y", [][]byte{
			nodeProto("Pad", []string{"x"}, "y", intsAttribute("pads", 0, 0, 1, 1, 0, 0, 1, 1), floatAttribute("value", 2)),
		}, nil), "only zero padding"},
		{"pad channels", graphFile([]int64{1, 1, 4, 4}, "y", [][]byte{
			nodeProto("Pad", []string{"x", "P"}, "y"),
		}, [][]byte{int64Tensor("P", 0, 1, 0, 0, 0, 0, 0, 0)}), "only the height and width"},
		{"batch norm of the wrong size", graphFile([]int64{1, 1, 4, 4}, "y", [][]byte{
			nodeProto("Relu", []string{"x"}, "a"),
			nodeProto("BatchNormalization", []string{"a", "W", "W", "W", "W"}, "y"),
		}, [][]byte{w}), "must hold 1 floats, one per channel"},
		{"even same padding of a pool", graphFile([]int64{1, 1, 4, 4}, "y", [][]byte{
			nodeProto("MaxPool", []string{"x"}, "y", stringAttribute("auto_pad", "SAME_UPPER"), intsAttribute("kernel_shape", 2, 2)),
		}, nil), "not the same on both sides"},
		{"branch", graphFile([]int64{1, 1, 4, 4}, "y", [][]byte{
			nodeProto("Conv", []string{"x", "W"}, "a", intsAttribute("pads", 1, 1, 1, 1)),
			nodeProto("Relu", []string{"a"}, "b"),
			nodeProto("Add", []string{"b", "a"}, "y"),
		}, [][]byte{w}), "the model ends in shape [2 4 4]"},
		{"concat axis", graphFile([]int64{1, 1, 4, 4}, "y", [][]byte{
			nodeProto("Relu", []string{"x"}, "a"),
			nodeProto("Concat", []string{"a", "x"}, "y", intAttribute("axis", 2)),
		}, nil), "only the channels (axis 1)"},
		{"add shapes", graphFile([]int64{1, 1, 4, 4}, "y", [][]byte{
			nodeProto("Conv", []string{"x", "W"}, "a"),
			nodeProto("Add", []string{"a", "x"}, "y"),
		}, [][]byte{w}), "adds shapes [2 2 2] and [1 4 4]"},
		{"add not a bias", graphFile([]int64{1, 1, 4, 4}, "y", [][]byte{
			nodeProto("Conv", []string{"x", "W"}, "a", intsAttribute("pads", 1, 1, 1, 1)),
			nodeProto("Add", []string{"a", "B"}, "y"),
		}, [][]byte{w, floatTensor("B", []int64{2}, []float32{1, 2})}), "not one bias per output"},
		{"reshape not a flatten", graphFile([]int64{1, 1, 4, 4}, "y", [][]byte{
			nodeProto("Reshape", []string{"x", "S"}, "y"),
		}, [][]byte{int64Tensor("S", 1, 2, 8)}), "only flattening"},
		{"spatial output", graphFile([]int64{1, 1, 4, 4}, "y", [][]byte{
			nodeProto("Conv", []string{"x", "W"}, "y"),
		}, [][]byte{w}), "not in one score per class"},
		{"wrong output", graphFile([]int64{1, 1, 4, 4}, "z", [][]byte{
			nodeProto("Reshape", []string{"x", "S"}, "f"), nodeProto("MatMul", []string{"f", "G"}, "y"),
		}, [][]byte{shape, floatTensor("G", []int64{16, 2}, ramp(32, 1))}), `output "z" is not computed by the last layer`},
		{"matmul size", graphFile([]int64{1, 1, 4, 4}, "y", [][]byte{
			nodeProto("Reshape", []string{"x", "S"}, "f"), nodeProto("MatMul", []string{"f", "F"}, "y"),
		}, [][]byte{shape, fc}), "do not fit the input [16]"},
		{"input size unknown", graphFile([]int64{1, 1, -1, 4}, "y", nil, nil), "must be fixed sizes"},
		{"float data short", graphFile([]int64{1, 1, 4, 4}, "y", nil, [][]byte{
			field(varintField(varintField(nil, 1, 3), 2, typeFloat), 9, []byte{1, 2, 3, 4}),
		}), "4 bytes of raw data for 3 floats"},
		{"no graph", varintField(nil, 1, 7), "holds no onnx graph"},
		{"truncated", readFile(t, "testdata/mnist-8/model.onnx")[:1000], "cut short"},
		{"scale", nil, "input scale -1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opt := chain.Options{}
			file := tc.file
			if tc.name == "scale" {
				opt.InputScale = -1
				file = readFile(t, "testdata/mnist-8/model.onnx")
			}
			_, err := Import(file, opt)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Import error = %v, want one containing %q", err, tc.want)
			}
			if msg := err.Error(); strings.ToLower(msg[:1]) != msg[:1] {
				t.Errorf("error %q does not start in lowercase", msg)
			}
		})
	}
}

// FuzzImport feeds damaged model files to Import: it must return a model
// or an error, never panic.
func FuzzImport(f *testing.F) {
	model := readFile(f, "testdata/mnist-8/model.onnx")
	f.Add(model)
	f.Add(model[:len(model)/2])
	for _, g := range []string{"onnx-resnet", "onnx-mobilenetv2"} {
		f.Add(readFile(f, "testdata/"+g+"/model.onnx"))
	}
	f.Add(graphFile([]int64{1, 1, 4, 4}, "y", [][]byte{
		nodeProto("Conv", []string{"x", "W"}, "a", stringAttribute("auto_pad", "SAME_UPPER")),
		nodeProto("MaxPool", []string{"a"}, "b", intsAttribute("kernel_shape", 2, 2), intsAttribute("strides", 2, 2)),
		nodeProto("Flatten", []string{"b"}, "c"),
		nodeProto("MatMul", []string{"c", "F"}, "d"), nodeProto("Add", []string{"d", "B"}, "y"),
	}, [][]byte{floatTensor("W", []int64{2, 1, 3, 3}, ramp(18, 1)), floatTensor("F", []int64{8, 2}, ramp(16, 1)), floatTensor("B", []int64{2}, []float32{1, 2})}))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Import(b, chain.Options{})
		if err != nil {
			if msg := err.Error(); msg == "" || strings.ToLower(msg[:1]) != msg[:1] {
				t.Errorf("error %q does not start in lowercase", msg)
			}
			return
		}
		if _, err := m.Spec.Shapes(); err != nil {
			t.Errorf("imported model has a bad spec: %v", err)
		}
		var _ *nn.Sequential = m
	})
}

// TestBatchNormFolded compares a Conv followed by a BatchNormalization,
// which Import folds into the convolution, with the same Conv imported
// alone and normalized here by the formula.
func TestBatchNormFolded(t *testing.T) {
	w := floatTensor("W", []int64{2, 1, 3, 3}, ramp(18, 0.5))
	b := floatTensor("B", []int64{2}, []float32{0.3, -0.2})
	scale, shift := []float32{1.5, -0.5}, []float32{0.25, 2}
	mean, variance := []float32{-1, 0.5}, []float32{4, 0.09}
	const eps = 0.01
	bn := graphFile([]int64{1, 1, 4, 4}, "y", [][]byte{
		nodeProto("Conv", []string{"x", "W", "B"}, "a", intsAttribute("pads", 1, 1, 1, 1)),
		nodeProto("BatchNormalization", []string{"a", "S", "T", "M", "V"}, "n", floatAttribute("epsilon", eps)),
		nodeProto("Flatten", []string{"n"}, "y"),
	}, [][]byte{w, b, floatTensor("S", []int64{2}, scale), floatTensor("T", []int64{2}, shift),
		floatTensor("M", []int64{2}, mean), floatTensor("V", []int64{2}, variance)})
	plain := graphFile([]int64{1, 1, 4, 4}, "y", [][]byte{
		nodeProto("Conv", []string{"x", "W", "B"}, "a", intsAttribute("pads", 1, 1, 1, 1)),
		nodeProto("Flatten", []string{"a"}, "y"),
	}, [][]byte{w, b})
	folded, err := Import(bn, chain.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(folded.Spec.Layers); n != 2 {
		t.Fatalf("%d layers, want 2 (conv2d and flatten: the normalization folded)", n)
	}
	conv, err := Import(plain, chain.Options{})
	if err != nil {
		t.Fatal(err)
	}
	x := ramp(16, 0.25)
	got, a := folded.Logits(x, 1), conv.Logits(x, 1)
	for i := range got {
		c := i / 16
		want := (a[i]-mean[c])*scale[c]/float32(math.Sqrt(float64(variance[c]+eps))) + shift[c]
		if math.Abs(float64(got[i]-want)) > 1e-4 {
			t.Errorf("output %d = %v, want %v", i, got[i], want)
		}
	}
}
