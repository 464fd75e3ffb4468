package onnx

import (
	"math"
	"math/rand/v2"
	"strings"
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
	conv := func(name, in string, f, k, s, p, groups int) nn.LayerSpec {
		return nn.LayerSpec{Name: name, Kind: nn.KindConv2D, Inputs: []string{in}, Filters: f, Kernel: [2]int{k, k}, Stride: [2]int{s, s}, Pad: [2]int{p, p}, Groups: groups}
	}
	op := func(name, kind string, in ...string) nn.LayerSpec {
		return nn.LayerSpec{Name: name, Kind: kind, Inputs: in}
	}
	// A graph: an inverted residual with a depthwise convolution, a
	// batch norm that cannot be folded (two layers read its input), a
	// three-way add (Sum), a concat of feature maps and one of flat
	// vectors, ceil-mode pools and a dropout read by two layers.
	graph := nn.Spec{Name: "graph", Input: []int{3, 9, 9}, Classes: abc, Layers: []nn.LayerSpec{
		conv("stem", "input", 6, 3, 1, 1, 0), op("r0", nn.KindReLU6),
		conv("exp", "r0", 12, 1, 1, 0, 0), op("bn", nn.KindAffine), op("r1", nn.KindReLU6),
		conv("dw", "r1", 12, 3, 1, 1, 12), op("r2", nn.KindReLU6),
		conv("proj", "r2", 6, 1, 1, 0, 0),
		conv("side", "exp", 6, 1, 1, 0, 0),
		op("sum", nn.KindAdd, "proj", "r0", "side"),
		op("drop", nn.KindDropout, "sum"),
		conv("b1", "drop", 4, 3, 1, 1, 2), op("b1r", nn.KindReLU),
		op("cat", nn.KindConcat, "b1r", "drop", "input"),
		{Name: "p1", Kind: nn.KindMaxPool2D, Inputs: []string{"cat"}, Kernel: [2]int{2, 2}, Ceil: true},
		{Name: "p2", Kind: nn.KindAvgPool2D, Kernel: [2]int{3, 3}, Stride: [2]int{2, 2}, Pad: [2]int{1, 1}, Ceil: true},
		op("f", nn.KindFlatten),
		op("g", nn.KindGlobalAvgPool, "drop"),
		op("fcat", nn.KindConcat, "f", "g"),
		{Name: "fc", Kind: nn.KindDense, Units: 3},
	}}
	r := rand.New(rand.NewPCG(5, 6))
	for _, net := range []*nn.Sequential{nn.MustBuild(mixed, 3), nn.MustBuild(convnetjs, 4), nn.MustBuild(graph, 5)} {
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
			if !net.Spec.IsChain() {
				// The graph comes back a graph, with its grouped
				// convolutions, merges and ceil-mode pools.
				var kinds []string
				for _, l := range back.Spec.Layers {
					k := l.Kind
					if l.Groups > 1 || l.Ceil {
						k += "*"
					}
					kinds = append(kinds, k)
				}
				got := strings.Join(kinds, " ")
				for _, want := range []string{"conv2d*", "add", "concat", "affine", "maxpool2d*", "avgpool2d*"} {
					if !strings.Contains(got, want) {
						t.Errorf("re-imported layers %s lack %s", got, want)
					}
				}
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
