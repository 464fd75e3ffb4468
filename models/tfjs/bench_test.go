package tfjs

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"testing"

	"cnnviz/models/chain"
)

// bigModel writes a 5.3 MB Sequential model: conv 32@3×3 'same' on
// 32×32×3, 2×2 max-pool, Flatten, dense 8192→160 ReLU, dense 160→10
// softmax, float32 weights in two shards.
func bigModel(tb testing.TB) map[string][]byte {
	conv := map[string]any{"name": "conv", "batch_input_shape": []any{nil, 32, 32, 3}, "filters": 32, "kernel_size": []int{3, 3}, "strides": []int{1, 1}, "padding": "same", "activation": "relu", "use_bias": true}
	layers := []any{
		map[string]any{"class_name": "Conv2D", "config": conv},
		map[string]any{"class_name": "MaxPooling2D", "config": map[string]any{"name": "pool", "pool_size": []int{2, 2}}},
		map[string]any{"class_name": "Flatten", "config": map[string]any{"name": "flatten"}},
		map[string]any{"class_name": "Dense", "config": map[string]any{"name": "fc1", "units": 160, "activation": "relu"}},
		map[string]any{"class_name": "Dense", "config": map[string]any{"name": "fc2", "units": 10, "activation": "softmax"}},
	}
	type spec struct {
		Name  string `json:"name"`
		Shape []int  `json:"shape"`
		Dtype string `json:"dtype"`
	}
	specs := []spec{
		{"conv/kernel", []int{3, 3, 3, 32}, "float32"}, {"conv/bias", []int{32}, "float32"},
		{"fc1/kernel", []int{8192, 160}, "float32"}, {"fc1/bias", []int{160}, "float32"},
		{"fc2/kernel", []int{160, 10}, "float32"}, {"fc2/bias", []int{10}, "float32"},
	}
	var data []byte
	for _, s := range specs {
		n := 1
		for _, d := range s.Shape {
			n *= d
		}
		for i := range n {
			data = binary.LittleEndian.AppendUint32(data, math.Float32bits(float32(i%7-3)*0.01))
		}
	}
	half := len(data) / 2
	mj := map[string]any{
		"format":          "layers-model",
		"modelTopology":   map[string]any{"class_name": "Sequential", "config": map[string]any{"name": "big", "layers": layers}},
		"weightsManifest": []any{map[string]any{"paths": []string{"a.bin", "b.bin"}, "weights": specs}},
	}
	b, err := json.Marshal(mj)
	if err != nil {
		tb.Fatal(err)
	}
	return map[string][]byte{"model.json": b, "a.bin": data[:half], "b.bin": data[half:]}
}

// BenchmarkImport_5MB reads a 5.3 MB layers model from its files.
func BenchmarkImport_5MB(b *testing.B) {
	files := bigModel(b)
	n := 0
	for _, f := range files {
		n += len(f)
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Import(files, chain.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
