package onnx

import (
	"encoding/json"
	"flag"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cnnviz/core/nn"
	"cnnviz/internal/fixture"
	"cnnviz/models/chain"
)

// genGraphs, when set, makes TestWriteGraphFixtures write the models of
// graphFixtures into that folder, for models/testdata/gen/ort.mjs to run
// with onnxruntime (see models/testdata/gen/README.md).
var genGraphs = flag.String("gen-graphs", "", "write the ONNX graph fixtures' models into this folder")

// graphFixtures are the architectures of the onnxruntime fixtures: a
// ResNet-like network (conv, batch norm as affine, ReLU, identity and
// projection shortcuts, a three-way sum, a concat, ceil-mode pooling) and
// a MobileNetV2-like one (asymmetric zero padding, 1×1 expansion, ReLU6,
// depthwise 3×3 at strides 1 and 2, linear projection, residual adds).
func graphFixtures() []nn.Spec {
	conv := func(name, in string, f, k, s, p, groups int) nn.LayerSpec {
		return nn.LayerSpec{Name: name, Kind: nn.KindConv2D, Inputs: []string{in}, Filters: f, Kernel: [2]int{k, k}, Stride: [2]int{s, s}, Pad: [2]int{p, p}, Groups: groups}
	}
	op := func(name, kind string, in ...string) nn.LayerSpec {
		return nn.LayerSpec{Name: name, Kind: kind, Inputs: in}
	}
	classes := []string{"a", "b", "c", "d", "e"}
	resnet := nn.Spec{Name: "onnx_resnet", Input: []int{3, 16, 16}, Classes: classes, Layers: []nn.LayerSpec{
		conv("stem", "input", 8, 3, 1, 1, 0), op("stem_bn", nn.KindAffine), op("stem_relu", nn.KindReLU),
		conv("b1c1", "stem_relu", 8, 3, 1, 1, 0), op("b1r1", nn.KindReLU),
		conv("b1c2", "b1r1", 8, 3, 1, 1, 0), op("b1bn", nn.KindAffine),
		op("b1add", nn.KindAdd, "b1bn", "stem_relu"), op("b1out", nn.KindReLU),
		conv("b2c1", "b1out", 12, 3, 2, 1, 0), op("b2r1", nn.KindReLU),
		conv("b2c2", "b2r1", 12, 3, 1, 1, 0),
		conv("b2proj", "b1out", 12, 1, 2, 0, 0),
		conv("b2side", "b1out", 12, 2, 2, 0, 0),
		op("b2sum", nn.KindAdd, "b2c2", "b2proj", "b2side"), op("b2out", nn.KindReLU),
		conv("left", "b2out", 4, 1, 1, 0, 0), op("leftr", nn.KindReLU),
		{Name: "right", Kind: nn.KindMaxPool2D, Inputs: []string{"b2out"}, Kernel: [2]int{3, 3}, Stride: [2]int{1, 1}, Pad: [2]int{1, 1}},
		op("cat", nn.KindConcat, "leftr", "right"),
		{Name: "pool", Kind: nn.KindMaxPool2D, Kernel: [2]int{3, 3}, Stride: [2]int{2, 2}, Ceil: true},
		{Name: "avg", Kind: nn.KindAvgPool2D, Kernel: [2]int{2, 2}, Stride: [2]int{2, 2}, Ceil: true},
		op("gap", nn.KindGlobalAvgPool), {Name: "fc", Kind: nn.KindDense, Units: 5},
	}}
	mobilenet := nn.Spec{Name: "onnx_mobilenetv2", Input: []int{3, 16, 16}, Classes: classes, Layers: []nn.LayerSpec{
		{Name: "pad", Kind: nn.KindZeroPad2D, Padding: [4]int{0, 1, 0, 1}},
		conv("stem", "pad", 8, 3, 2, 0, 0), op("stem6", nn.KindReLU6),
		conv("b1e", "stem6", 24, 1, 1, 0, 0), op("b1e6", nn.KindReLU6),
		conv("b1d", "b1e6", 24, 3, 1, 1, 24), op("b1d6", nn.KindReLU6),
		conv("b1p", "b1d6", 8, 1, 1, 0, 0),
		op("b1add", nn.KindAdd, "b1p", "stem6"),
		conv("b2e", "b1add", 24, 1, 1, 0, 0), op("b2e6", nn.KindReLU6),
		conv("b2d", "b2e6", 24, 3, 2, 1, 24), op("b2d6", nn.KindReLU6),
		conv("b2p", "b2d6", 12, 1, 1, 0, 0),
		conv("b3e", "b2p", 36, 1, 1, 0, 0), op("b3e6", nn.KindReLU6),
		conv("b3d", "b3e6", 36, 3, 1, 1, 36), op("b3d6", nn.KindReLU6),
		conv("b3p", "b3d6", 12, 1, 1, 0, 0),
		op("b3add", nn.KindAdd, "b3p", "b2p"),
		conv("head", "b3add", 16, 1, 1, 0, 0), op("head6", nn.KindHardSwish),
		op("gap", nn.KindGlobalAvgPool), {Name: "fc", Kind: nn.KindDense, Units: 5},
	}}
	return []nn.Spec{resnet, mobilenet}
}

// TestWriteGraphFixtures writes the fixtures' models (with -gen-graphs).
func TestWriteGraphFixtures(t *testing.T) {
	if *genGraphs == "" {
		t.Skip("-gen-graphs not set")
	}
	r := rand.New(rand.NewPCG(17, 18))
	for _, spec := range graphFixtures() {
		net := nn.MustBuild(spec, 9)
		for _, p := range net.Params() {
			std := 0.1
			if strings.HasSuffix(p.Name, ".scale") {
				std = 0.3
			}
			for i := range p.Var.Value.Data {
				p.Var.Value.Data[i] += float32(r.NormFloat64() * std)
			}
		}
		dir := filepath.Join(*genGraphs, strings.ReplaceAll(spec.Name, "_", "-"))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "model.onnx"), Export(net), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestGraphsMatchOnnxRuntime imports the graph fixtures and checks their
// logits for fixture.GraphInput against onnxruntime's (expected.json, written by
// models/testdata/gen/ort.mjs), within 1e-4 of the largest logit.
func TestGraphsMatchOnnxRuntime(t *testing.T) {
	for _, spec := range graphFixtures() {
		name := strings.ReplaceAll(spec.Name, "_", "-")
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join("testdata", name)
			b, err := os.ReadFile(filepath.Join(dir, "model.onnx"))
			if err != nil {
				t.Fatal(err)
			}
			js, err := os.ReadFile(filepath.Join(dir, "expected.json"))
			if err != nil {
				t.Fatal(err)
			}
			var want struct {
				Engine string    `json:"engine"`
				Logits []float64 `json:"logits"`
			}
			if err := json.Unmarshal(js, &want); err != nil {
				t.Fatal(err)
			}
			m, err := Import(b, chain.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if m.Spec.IsChain() {
				t.Fatal("the graph imported as a chain")
			}
			got := m.Logits(fixture.GraphInput(), 1)
			scale := 1.0
			for _, v := range want.Logits {
				scale = max(scale, math.Abs(v))
			}
			if len(got) != len(want.Logits) {
				t.Fatalf("%d logits, %s gives %d", len(got), want.Engine, len(want.Logits))
			}
			for i, v := range want.Logits {
				if d := math.Abs(float64(got[i]) - v); d > 1e-4*scale {
					t.Errorf("logit %d = %v, %s gives %v (|diff| %.2g)", i, got[i], want.Engine, v, d)
				}
			}
		})
	}
}
