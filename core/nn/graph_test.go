package nn_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	ag "cnnviz/core/autograd"
	"cnnviz/core/nn"
	"cnnviz/core/tensor"
)

// graphNet builds the named graph architecture of graphSpecs with seeded
// weights and random affine parameters.
func graphNet(t *testing.T, name string) *nn.Sequential {
	t.Helper()
	for _, s := range graphSpecs() {
		if s.name != name {
			continue
		}
		net, err := nn.Build(s.spec, 5)
		if err != nil {
			t.Fatal(err)
		}
		r := rand.New(rand.NewPCG(1, 2))
		for _, p := range net.Params() {
			if !strings.HasSuffix(p.Name, ".weight") {
				for i := range p.Var.Value.Data {
					p.Var.Value.Data[i] += float32(r.NormFloat64() * 0.2)
				}
			}
		}
		return net
	}
	t.Fatalf("no graph spec %q", name)
	return nil
}

func TestGraphHelpers(t *testing.T) {
	spec := graphNet(t, "resnet_block").Spec
	idx := func(name string) int {
		for i, l := range spec.Layers {
			if l.Name == name {
				return i
			}
		}
		t.Fatalf("no layer %s", name)
		return 0
	}
	if spec.IsChain() {
		t.Error("resnet_block reported as a chain")
	}
	if got, want := spec.InputsOf(idx("sum1")), []int{idx("bn2"), idx("r0")}; !slices.Equal(got, want) {
		t.Errorf("InputsOf(sum1) = %v, want %v", got, want)
	}
	if got, want := spec.Consumers(idx("r0")), []int{idx("c1"), idx("sum1")}; !slices.Equal(got, want) {
		t.Errorf("Consumers(r0) = %v, want %v", got, want)
	}
	if got := spec.Consumers(-1); !slices.Equal(got, []int{0}) {
		t.Errorf("Consumers(input) = %v, want [0]", got)
	}
	if got := spec.Prev(idx("bn0")); got != idx("c0") {
		t.Errorf("Prev(bn0) = %d", got)
	}
	chain := nn.Spec{Name: "c", Input: []int{1, 4, 4}, Classes: []string{"a", "b"}, Layers: []nn.LayerSpec{
		{Name: "f", Kind: nn.KindFlatten}, {Name: "fc", Kind: nn.KindDense, Units: 2, Inputs: []string{"f"}}}}
	if !chain.IsChain() {
		t.Error("a spec whose Inputs name the previous layer is a chain")
	}
	// The JSON of a graph keeps its edges and options.
	back, err := nn.ParseSpec(spec.JSON())
	if err != nil {
		t.Fatal(err)
	}
	if string(back.JSON()) != string(spec.JSON()) {
		t.Errorf("JSON round trip changed the spec:\n%s\n%s", back.JSON(), spec.JSON())
	}
}

func TestGraphSpecErrors(t *testing.T) {
	in := []int{2, 6, 6}
	cls := []string{"a", "b"}
	conv := func(name string, f int, inputs ...string) nn.LayerSpec {
		return nn.LayerSpec{Name: name, Kind: nn.KindConv2D, Filters: f, Kernel: [2]int{3, 3}, Pad: [2]int{1, 1}, Inputs: inputs}
	}
	tail := []nn.LayerSpec{{Name: "gap", Kind: nn.KindGlobalAvgPool}, {Name: "fc", Kind: nn.KindDense, Units: 2}}
	tests := []struct {
		name   string
		layers []nn.LayerSpec
		want   string
	}{
		{"forward reference", []nn.LayerSpec{conv("a", 4, "b"), conv("b", 4, "a")}, `layer 0 ("a"): input "b" is not an earlier layer`},
		{"self reference", []nn.LayerSpec{conv("a", 4, "a")}, `layer 0 ("a"): input "a" is not an earlier layer`},
		{"unknown input", []nn.LayerSpec{conv("a", 4, "zz")}, `input "zz" is not an earlier layer`},
		{"add of one", []nn.LayerSpec{conv("a", 4), {Name: "s", Kind: nn.KindAdd, Inputs: []string{"a"}}}, `layer 1 ("s"): add needs two or more inputs`},
		{"add shapes", []nn.LayerSpec{conv("a", 4), conv("b", 3, "input"), {Name: "s", Kind: nn.KindAdd, Inputs: []string{"a", "b"}}}, `add of shapes [4 6 6] and [3 6 6]`},
		{"concat sizes", []nn.LayerSpec{conv("a", 4), {Name: "p", Kind: nn.KindMaxPool2D, Kernel: [2]int{2, 2}}, {Name: "c", Kind: nn.KindConcat, Inputs: []string{"a", "p"}}}, `concat of shapes [4 6 6] and [4 3 3]`},
		{"conv of two", []nn.LayerSpec{conv("a", 4), conv("b", 4, "a", "input")}, `layer 1 ("b"): conv2d reads one input, got 2`},
		{"groups", []nn.LayerSpec{{Name: "a", Kind: nn.KindConv2D, Filters: 3, Kernel: [2]int{3, 3}, Groups: 2}}, `groups 2 must divide the 2 input channels and the 3 filters`},
		{"ceil conv", []nn.LayerSpec{{Name: "a", Kind: nn.KindConv2D, Filters: 2, Kernel: [2]int{3, 3}, Ceil: true}}, `ceil mode is for pooling only`},
		{"dead branch", []nn.LayerSpec{conv("a", 4), conv("b", 4, "a"), conv("c", 4, "a")}, `layer 1 ("b"): no later layer reads its output`},
		{"name input", []nn.LayerSpec{conv("input", 4)}, `not be "input"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := nn.Spec{Name: "g", Input: in, Classes: cls, Layers: append(append([]nn.LayerSpec(nil), tc.layers...), tail...)}
			_, err := s.Shapes()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestForwardFromGraph restarts each graph network from every layer's
// output, with the trace of a pass of batch 1 serving a batch of 3: the
// logits equal a full pass's, and the gradient with respect to the
// restart point equals the gradient Backward leaves on that output.
func TestForwardFromGraph(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	for _, name := range []string{"resnet_block", "mobilenetv2_block", "concat_block"} {
		t.Run(name, func(t *testing.T) {
			m := graphNet(t, name)
			x := ag.New(tensor.FromSlice(randPixels(r, tensor.Numel(m.Spec.Input)), append([]int{1}, m.Spec.Input...)...))
			trace := m.ForwardTrace(x, len(m.Layers)-1, nil)
			logits := trace.Out[len(m.Layers)-1]
			ag.Backward(logits, classSeedT(len(m.Spec.Classes), 1))
			for k := 0; k+1 < len(m.Layers); k++ {
				h := trace.Out[k].Value
				hs := tensor.New(append([]int{3}, h.Shape[1:]...)...)
				for i := range 3 {
					copy(hs.Data[i*h.Size():], h.Data)
				}
				hv := ag.New(hs)
				y := m.ForwardFrom(k+1, hv, trace, nil)
				for i := range 3 {
					for c, want := range logits.Value.Data {
						if got := y.Value.Data[i*len(logits.Value.Data)+c]; math.Abs(float64(got-want)) > 1e-5 {
							t.Fatalf("restart after %s: logit %d of image %d = %v, want %v", m.Spec.Layers[k].Name, c, i, got, want)
						}
					}
				}
				ag.Backward(y, classSeedT(len(m.Spec.Classes), 3))
				want := trace.Out[k].Grad.Data
				for i := range 3 {
					compare(t, "gradient at "+m.Spec.Layers[k].Name, hv.Grad.Data[i*len(want):(i+1)*len(want)], want)
				}
			}
		})
	}
}

// classSeedT selects logit 1 of each of n images.
func classSeedT(k, n int) *tensor.Tensor {
	s := tensor.New(n, k)
	for i := range n {
		s.Data[i*k+1] = 1
	}
	return s
}
