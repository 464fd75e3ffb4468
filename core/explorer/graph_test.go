package explorer

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"cnnviz/core/actmax"
	"cnnviz/core/attribution"
	"cnnviz/core/featuremaps"
	"cnnviz/core/nn"
	"cnnviz/core/tensor"
	"cnnviz/models"
)

// graphModel is a small residual network on the MNIST input: a stem, an
// inverted residual (1×1 expansion, depthwise 3×3, 1×1 projection, add),
// a concat of two branches, then global pooling and a dense layer, with
// seeded weights and non-trivial folded batch norms.
func graphModel(t *testing.T) *nn.Sequential {
	t.Helper()
	conv := func(name, in string, f, k, s, p, g int) nn.LayerSpec {
		return nn.LayerSpec{Name: name, Kind: nn.KindConv2D, Inputs: []string{in}, Filters: f, Kernel: [2]int{k, k}, Stride: [2]int{s, s}, Pad: [2]int{p, p}, Groups: g}
	}
	op := func(name, kind string, in ...string) nn.LayerSpec {
		return nn.LayerSpec{Name: name, Kind: kind, Inputs: in}
	}
	classes := []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}
	spec := nn.Spec{Name: "dag", Input: []int{1, 28, 28}, Classes: classes, Layers: []nn.LayerSpec{
		conv("stem", "input", 8, 3, 2, 1, 0), op("bn", nn.KindAffine), op("stem6", nn.KindReLU6),
		conv("expand", "stem6", 16, 1, 1, 0, 0), op("expand6", nn.KindReLU6),
		conv("dw", "expand6", 16, 3, 1, 1, 16), op("dw6", nn.KindReLU6),
		conv("project", "dw6", 8, 1, 1, 0, 0),
		op("res", nn.KindAdd, "project", "stem6"),
		conv("left", "res", 6, 3, 1, 1, 0), op("leftr", nn.KindReLU),
		conv("right", "res", 6, 1, 1, 0, 0), op("rightr", nn.KindReLU),
		op("cat", nn.KindConcat, "leftr", "rightr"),
		{Name: "pool", Kind: nn.KindMaxPool2D, Kernel: [2]int{3, 3}, Stride: [2]int{2, 2}, Ceil: true},
		op("gap", nn.KindGlobalAvgPool), {Name: "fc", Kind: nn.KindDense, Units: 10}}}
	net, err := nn.Build(spec, 3)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(5, 6))
	for _, p := range net.Params() {
		if !strings.HasSuffix(p.Name, ".weight") {
			for i := range p.Var.Value.Data {
				p.Var.Value.Data[i] += float32(r.NormFloat64() * 0.1)
			}
		}
	}
	return net
}

// TestGraphModelViews loads a graph model as a user's file and runs the
// views on its nodes: the feature maps of every layer (the page's Plan
// against autograd), every attribution method at a branch node (the
// residual add, read by two layers) and at a concat, activation
// maximization of a channel of the add and of a depthwise layer, the
// embedding features of a branch layer and the receptive field through
// both paths.
func TestGraphModelViews(t *testing.T) {
	net := graphModel(t)
	b, err := models.Save(net)
	if err != nil {
		t.Fatal(err)
	}
	a := newApp(t)
	name, _, err := a.AddModel(b)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.SetModel(name); err != nil {
		t.Fatal(err)
	}
	a.Refresh()
	net = a.Current().Net
	if net.Spec.IsChain() {
		t.Fatal("the saved graph came back as a chain")
	}
	// Feature maps: every layer's output, as the page computes it.
	want := Activations(net, a.ModelInput())
	if len(a.Acts) != len(net.Layers) {
		t.Fatalf("%d activations for %d layers", len(a.Acts), len(net.Layers))
	}
	for i, act := range a.Acts {
		if d := maxDiff(act.Data, want[i].Data); d > 1e-4 {
			t.Errorf("feature maps of %s differ from autograd by %g", act.Name, d)
		}
	}
	// The convolution step-through of a depthwise layer (its filter reads
	// one channel, the filter's own) and of a layer whose input is not
	// the layer before it in the spec.
	for _, tc := range []struct {
		layer  string
		filter int
	}{{"dw", 5}, {"right", 2}} {
		a.SetChannel(tc.layer, tc.filter)
		v := NewConvView()
		v.Pin(2, 3)
		f, ok := v.Frame(a)
		if !ok || f.Name != tc.layer {
			t.Fatalf("conv frame of %s: %v, %q", tc.layer, ok, f.Name)
		}
		if tc.layer == "dw" && f.Unit.C0 != tc.filter {
			t.Errorf("the depthwise filter %d reads channel %d", tc.filter, f.Unit.C0)
		}
		if d := math.Abs(f.Unit.Pre - float64(f.OutMap[2*f.Out[2]+3])); d > 1e-4 {
			t.Errorf("conv frame of %s: the unit's sum %v, the output %v", tc.layer, f.Unit.Pre, f.OutMap[2*f.Out[2]+3])
		}
		for i := range f.Unit.KH {
			for j := range f.Unit.KW {
				y, x := f.Unit.InY+i, f.Unit.InX+j
				if y < 0 || y >= f.InH || x < 0 || x >= f.InW {
					continue
				}
				if got, want := f.Unit.Patch[i*f.Unit.KW+j], f.In[y*f.InW+x]; got != want {
					t.Fatalf("conv frame of %s: patch (%d, %d) = %v, the input slice shows %v", tc.layer, i, j, got, want)
				}
			}
		}
	}
	// Attribution at the branch node and at the concat, by every method.
	r := rand.New(rand.NewPCG(7, 8))
	px := digitLike(r)
	x := tensor.FromSlice(append([]float32(nil), px...), net.Spec.Input...)
	opt := DefaultAttrOptions()
	opt.IGSteps, opt.SGSamples = 4, 2
	for _, layerName := range []string{"res", "cat"} {
		layer := net.Index(layerName)
		ref, err := attribution.GradCAM(net, x, layer, 3)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range AttrMethods {
			got, err := Attribute(net, px, m.ID, layer, 3, opt)
			if m.ID == "cam" {
				if err != nil {
					t.Errorf("CAM on a model ending in globalavgpool and dense: %v", err)
				}
				continue
			}
			if NeedsNonNegative(m.ID) && layerName == "res" {
				// The add of a linear projection can be negative, and no
				// ReLU reads it.
				if err == nil {
					t.Errorf("%s at res gave no error", m.ID)
				}
				continue
			}
			if err != nil {
				t.Errorf("%s at %s: %v", m.ID, layerName, err)
				continue
			}
			var energy float64
			for _, v := range got.Data {
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
					t.Fatalf("%s at %s: non-finite map", m.ID, layerName)
				}
				energy += math.Abs(float64(v))
			}
			if energy == 0 && m.ID != "cam" {
				t.Errorf("%s at %s: an all-zero map", m.ID, layerName)
			}
			if m.ID == "gradcam" {
				if d := maxDiff(got.Data, ref.Data); d > 1e-5 {
					t.Errorf("Grad-CAM at %s differs from the package by %g", layerName, d)
				}
			}
		}
	}
	// Activation maximization on a branch node and a depthwise layer: the
	// objective rises.
	for _, layerName := range []string{"res", "dw6"} {
		o, err := ActmaxParams{Layer: layerName, Channel: 2, Steps: 30}.Options(net, px)
		if err != nil {
			t.Fatal(err)
		}
		run, err := actmax.New(net, o)
		if err != nil {
			t.Fatal(err)
		}
		for !run.Step() {
		}
		curve := run.Objective()
		if len(curve) < 2 || !(curve[len(curve)-1] > curve[0]) {
			t.Errorf("actmax on %s: objective %v does not rise", layerName, curve)
		}
	}
	// Embedding features of a branch layer.
	set := fakeSet(6, 2)
	f, err := NewFeatures(net, set, "res", 6, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	for !f.Step() {
	}
	wantRes := Activations(net, set.Float(4, nil))[net.Index("res")].Data
	if d := maxDiff(f.X[4*f.D:5*f.D], wantRes); d > 1e-4 {
		t.Errorf("embedding features of res differ from the layer's output by %g", d)
	}
	// The receptive field of a unit of the concat covers both branches:
	// the 3×3 left branch reaches one stem step further than the 1×1
	// right one alone would.
	rf := featuremaps.ReceptiveField(net.Spec, net.Index("cat"), 5, 5)
	rfRight := featuremaps.ReceptiveField(net.Spec, net.Index("rightr"), 5, 5)
	if !rfRight.In(rf) || rf.Dx() <= rfRight.Dx() {
		t.Errorf("receptive field of cat %v, of the right branch %v: want the first to contain and exceed the second", rf, rfRight)
	}
}

// TestLayerInputs checks the edges that models() gives the JS API: the
// layers each layer reads, by name, the image as nn.InputName.
func TestLayerInputs(t *testing.T) {
	m := &Model{Name: "dag", Net: graphModel(t)}
	for _, tc := range []struct {
		layer string
		want  string
	}{
		{"stem", "input"},
		{"bn", "stem"},
		{"res", "project,stem6"},
		{"cat", "leftr,rightr"},
		{"fc", "gap"},
	} {
		i := m.Net.Index(tc.layer)
		if got := strings.Join(m.LayerInputs(i), ","); got != tc.want {
			t.Errorf("LayerInputs(%s) = %s, want %s", tc.layer, got, tc.want)
		}
	}
}
