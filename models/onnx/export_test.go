package onnx

import (
	"math"
	"math/rand/v2"
	"testing"

	"cnnviz/core/nn"
	"cnnviz/models/chain"
)

// TestExportRoundTrip exports models with every layer kind, imports the
// file again and checks that the logits of a batch agree.
func TestExportRoundTrip(t *testing.T) {
	abc := []string{"a", "b", "c"}
	mixed := nn.Spec{Name: "mixed", Input: []int{2, 9, 8}, Classes: abc, Layers: []nn.LayerSpec{
		{Name: "pad", Kind: nn.KindZeroPad2D, Padding: [4]int{1, 0, 2, 1}},
		{Name: "c1", Kind: nn.KindConv2D, Filters: 4, Kernel: [2]int{3, 3}, Stride: [2]int{2, 1}, Pad: [2]int{1, 1}},
		{Name: "leaky", Kind: nn.KindLeakyReLU, Alpha: 0.1},
		{Name: "drop", Kind: nn.KindDropout},
		{Name: "r6", Kind: nn.KindReLU6},
		{Name: "p1", Kind: nn.KindMaxPool2D, Kernel: [2]int{3, 2}, Stride: [2]int{1, 2}, Pad: [2]int{1, 1}},
		{Name: "c2", Kind: nn.KindConv2D, Filters: 5, Kernel: [2]int{1, 1}},
		{Name: "sig", Kind: nn.KindSigmoid},
		{Name: "p2", Kind: nn.KindAvgPool2D, Kernel: [2]int{2, 2}, Pad: [2]int{1, 1}},
		{Name: "c3", Kind: nn.KindConv2D, Filters: 4, Kernel: [2]int{1, 1}},
		{Name: "hs", Kind: nn.KindHardSwish},
		{Name: "gap", Kind: nn.KindGlobalAvgPool},
		{Name: "fc1", Kind: nn.KindDense, Units: 6},
		{Name: "relu", Kind: nn.KindReLU},
		{Name: "fc2", Kind: nn.KindDense, Units: 3},
	}}
	convnetjs := nn.Spec{Name: "convnetjs", Input: []int{1, 28, 28}, Classes: abc, Layers: []nn.LayerSpec{
		{Name: "conv1", Kind: nn.KindConv2D, Filters: 8, Kernel: [2]int{5, 5}, Pad: [2]int{2, 2}},
		{Name: "relu1", Kind: nn.KindReLU},
		{Name: "pool1", Kind: nn.KindMaxPool2D, Kernel: [2]int{2, 2}},
		{Name: "flatten", Kind: nn.KindFlatten},
		{Name: "fc", Kind: nn.KindDense, Units: 3},
		{Name: "drop", Kind: nn.KindDropout},
	}}
	r := rand.New(rand.NewPCG(5, 6))
	for _, net := range []*nn.Sequential{nn.MustBuild(mixed, 3), nn.MustBuild(convnetjs, 4)} {
		t.Run(net.Spec.Name, func(t *testing.T) {
			for _, p := range net.Params() {
				for i := range p.Var.Value.Data {
					p.Var.Value.Data[i] += float32(r.NormFloat64() * 0.1)
				}
			}
			back, err := Import(Export(net), chain.Options{Classes: net.Spec.Classes})
			if err != nil {
				t.Fatal(err)
			}
			const batch = 2
			x := make([]float32, batch*numel(net.Spec.Input))
			for i := range x {
				x[i] = r.Float32()
			}
			got, want := back.Logits(x, batch), net.Logits(x, batch)
			for i := range want {
				if d := math.Abs(float64(got[i] - want[i])); d > 1e-5*(1+math.Abs(float64(want[i]))) {
					t.Fatalf("logit %d after the round trip = %v, want %v", i, got[i], want[i])
				}
			}
		})
	}
}

func numel(s []int) int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}
