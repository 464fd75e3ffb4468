package onnx

import (
	"testing"

	"cnnviz/models/chain"
)

// bigModel encodes a 5.3 MB chain: conv 32@3×3 on 3×32×32, ReLU, 2×2
// max-pool, dense 8192→160, ReLU, dense 160→10, weights in raw_data.
func bigModel() []byte {
	return graphFile([]int64{1, 3, 32, 32}, "y", [][]byte{
		nodeProto("Conv", []string{"x", "W1"}, "c", intsAttribute("pads", 1, 1, 1, 1)),
		nodeProto("Add", []string{"c", "B1"}, "a"),
		nodeProto("Relu", []string{"a"}, "r"),
		nodeProto("MaxPool", []string{"r"}, "p", intsAttribute("kernel_shape", 2, 2), intsAttribute("strides", 2, 2)),
		nodeProto("Reshape", []string{"p", "S"}, "f"),
		nodeProto("MatMul", []string{"f", "W2"}, "m"),
		nodeProto("Add", []string{"m", "B2"}, "h"),
		nodeProto("Relu", []string{"h"}, "hr"),
		nodeProto("MatMul", []string{"hr", "W3"}, "o"),
		nodeProto("Add", []string{"o", "B3"}, "y"),
	}, [][]byte{
		floatTensor("W1", []int64{32, 3, 3, 3}, ramp(32*27, 0.01)),
		floatTensor("B1", []int64{32, 1, 1}, ramp(32, 0.01)),
		int64Tensor("S", 1, -1),
		floatTensor("W2", []int64{8192, 160}, ramp(8192*160, 0.001)),
		floatTensor("B2", []int64{160}, ramp(160, 0.01)),
		floatTensor("W3", []int64{160, 10}, ramp(1600, 0.01)),
		floatTensor("B3", []int64{10}, ramp(10, 0.01)),
	})
}

// BenchmarkImport_5MB decodes and converts a 5.3 MB ONNX file.
func BenchmarkImport_5MB(b *testing.B) {
	file := bigModel()
	b.SetBytes(int64(len(file)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Import(file, chain.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
