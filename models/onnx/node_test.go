package onnx

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"cnnviz/core/nn"
	"cnnviz/models/chain"
)

// nodeDir is where Debian's libonnx-testdata puts the ONNX backend's
// operator test cases: a one-node model.onnx and test_data_set_0 with its
// inputs and the expected output.
const nodeDir = "/usr/share/libonnx-testdata/data/node"

// runNode imports the one-node model of case name, with the node's
// inputs other than the first made constants, and returns its output on
// the case's first input beside the expected output. A data input of
// rank 1 or 3 is taken as one image, one of rank 2 as a batch of vectors
// (flattened first). With eye set, an identity 1×1 convolution comes
// before the node, so that a BatchNormalization has a layer to fold into.
func runNode(t *testing.T, name string, eye bool) (got, want []float32) {
	t.Helper()
	dir := filepath.Join(nodeDir, name)
	m, err := decodeModel(readFile(t, filepath.Join(dir, "model.onnx")))
	if err != nil {
		t.Fatal(err)
	}
	g := &m.graph
	var x []float32
	var dims []int64
	for i, in := range g.inputs {
		tp, err := decodeTensor(readFile(t, filepath.Join(dir, "test_data_set_0", fmt.Sprintf("input_%d.pb", i))))
		if err != nil {
			t.Fatal(err)
		}
		if i > 0 {
			tp.name = in.name
			g.initializers = append(g.initializers, tp)
			continue
		}
		dims = tp.dims
		if x, err = tp.floatValues(); err != nil {
			t.Fatal(err)
		}
	}
	data := g.inputs[0].name
	shape := dims
	switch len(dims) {
	case 1:
		shape = []int64{1, 1, 1, dims[0]}
	case 2:
		shape = []int64{dims[0], dims[1], 1, 1}
		g.nodes[0].inputs[0] = data + "_flat"
		g.nodes = append([]node{{inputs: []string{data}, outputs: []string{data + "_flat"}, opType: "Flatten"}}, g.nodes...)
	case 3:
		shape = append([]int64{1}, dims...)
	}
	g.inputs[0].shape = shape
	if eye {
		c := shape[1]
		w := make([]float32, c*c)
		for i := range c {
			w[i*c+i] = 1
		}
		g.initializers = append(g.initializers, tensorProto{name: "eye", dims: []int64{c, c, 1, 1}, dataType: typeFloat, floatData: w})
		g.nodes[0].inputs[0] = data + "_eye"
		g.nodes = append([]node{{inputs: []string{data, "eye"}, outputs: []string{data + "_eye"}, opType: "Conv"}}, g.nodes...)
	}
	layers, input, err := convert(g)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	layers = append(layers, chain.Layer{Spec: nn.LayerSpec{Name: "out", Kind: nn.KindFlatten}})
	net, err := chain.Build(name, input, layers, chain.Options{})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	_, want = readTensor(t, filepath.Join(dir, "test_data_set_0", "output_0.pb"))
	return net.Logits(x, int(shape[0])), want
}

// TestNodeCases runs the ONNX backend's test cases of the operators
// cnnviz imports and compares with their expected outputs. Left out are
// the cases of what cnnviz refuses: pooling with uneven or over-half-kernel
// padding that ceil mode cannot stand for (test_maxpool_2d_same_upper,
// stride 1; test_maxpool_2d_pads,
// test_averagepool_2d_pads_count_include_pad), average pooling that
// leaves the padding out of the count,
// dilations, transA, scalar or matrix Gemm biases, Clip to bounds other
// than 0..6 or 0..∞, Pad with a nonzero value or another mode, and
// non-4-D images.
func TestNodeCases(t *testing.T) {
	if _, err := os.Stat(nodeDir); err != nil {
		t.Skipf("the ONNX node test cases are not installed (apt-get install libonnx-testdata): %v", err)
	}
	tests := []struct {
		name string
		eye  bool
	}{
		{"test_conv_with_strides_no_padding", false},
		{"test_conv_with_strides_padding", false},
		{"test_conv_with_autopad_same", false},
		{"test_conv_with_strides_and_asymmetric_padding", false},
		{"test_relu", false},
		{"test_sigmoid", false},
		{"test_sigmoid_example", false},
		{"test_leakyrelu", false},
		{"test_leakyrelu_default", false},
		{"test_leakyrelu_example", false},
		{"test_clip_default_min", false},
		{"test_hardswish", false},
		{"test_maxpool_2d_default", false},
		{"test_maxpool_2d_strides", false},
		{"test_maxpool_2d_precomputed_pads", false},
		{"test_maxpool_2d_precomputed_strides", false},
		{"test_maxpool_2d_precomputed_same_upper", false},
		{"test_averagepool_2d_default", false},
		{"test_averagepool_2d_strides", false},
		{"test_averagepool_2d_precomputed_strides", false},
		{"test_averagepool_2d_precomputed_pads_count_include_pad", false},
		{"test_globalaveragepool", false},
		{"test_globalaveragepool_precomputed", false},
		{"test_gemm_default_no_bias", false},
		{"test_gemm_default_vector_bias", false},
		{"test_gemm_transposeB", false},
		{"test_gemm_alpha", false},
		{"test_gemm_beta", false},
		{"test_matmul_2d", false},
		{"test_flatten_axis1", false},
		{"test_flatten_default_axis", false},
		{"test_dropout_default", false},
		{"test_maxpool_2d_ceil", false},
		{"test_averagepool_2d_ceil", false},
		{"test_maxpool_2d_precomputed_same_upper", false},
		{"test_batchnorm_example", true},
		{"test_batchnorm_epsilon", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, want := runNode(t, tc.name, tc.eye)
			if len(got) != len(want) {
				t.Fatalf("%d outputs, want %d", len(got), len(want))
			}
			var scale float64
			for _, v := range want {
				scale = max(scale, math.Abs(float64(v)))
			}
			for i := range got {
				if d := math.Abs(float64(got[i] - want[i])); !(d <= 1e-5*(1+scale)) {
					t.Fatalf("output %d = %v, want %v", i, got[i], want[i])
				}
			}
		})
	}
}
