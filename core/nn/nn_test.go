package nn

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	ag "cnnviz/core/autograd"
	"cnnviz/core/autograd/gradcheck"
	"cnnviz/core/tensor"
)

func digits() []string { return []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"} }

// convnetjs is the ConvNetJS MNIST demo architecture on 28×28 input.
func convnetjs() Spec {
	return Spec{Name: "convnetjs", Input: []int{1, 28, 28}, Classes: digits(), Layers: []LayerSpec{
		{Name: "conv1", Kind: KindConv2D, Filters: 8, Kernel: [2]int{5, 5}, Pad: [2]int{2, 2}},
		{Name: "relu1", Kind: KindReLU},
		{Name: "pool1", Kind: KindMaxPool2D, Kernel: [2]int{2, 2}},
		{Name: "conv2", Kind: KindConv2D, Filters: 16, Kernel: [2]int{5, 5}, Pad: [2]int{2, 2}},
		{Name: "relu2", Kind: KindReLU},
		{Name: "pool2", Kind: KindMaxPool2D, Kernel: [2]int{3, 3}},
		{Name: "flatten", Kind: KindFlatten},
		{Name: "fc", Kind: KindDense, Units: 10},
	}}
}

// small is a tiny GAP network for cheap whole-network checks.
func small() Spec {
	return Spec{Name: "small", Input: []int{1, 8, 8}, Classes: []string{"a", "b", "c"}, Layers: []LayerSpec{
		{Name: "conv1", Kind: KindConv2D, Filters: 3, Kernel: [2]int{3, 3}, Pad: [2]int{1, 1}},
		{Name: "relu1", Kind: KindReLU},
		{Name: "pool1", Kind: KindMaxPool2D, Kernel: [2]int{2, 2}},
		{Name: "conv2", Kind: KindConv2D, Filters: 4, Kernel: [2]int{3, 3}, Stride: [2]int{1, 1}, Pad: [2]int{1, 1}},
		{Name: "relu2", Kind: KindReLU},
		{Name: "gap", Kind: KindGlobalAvgPool},
		{Name: "fc", Kind: KindDense, Units: 3},
	}}
}

// actsSpec uses every elementwise kind, an asymmetric zero padding and
// a dropout.
func actsSpec() Spec {
	return Spec{Name: "acts", Input: []int{2, 6, 5}, Classes: []string{"a", "b", "c"}, Layers: []LayerSpec{
		{Name: "pad", Kind: KindZeroPad2D, Padding: [4]int{1, 0, 2, 1}},
		{Name: "conv1", Kind: KindConv2D, Filters: 3, Kernel: [2]int{3, 3}},
		{Name: "leaky", Kind: KindLeakyReLU, Alpha: 0.2},
		{Name: "drop", Kind: KindDropout},
		{Name: "relu6", Kind: KindReLU6},
		{Name: "pool", Kind: KindMaxPool2D, Kernel: [2]int{2, 2}},
		{Name: "conv2", Kind: KindConv2D, Filters: 4, Kernel: [2]int{1, 1}},
		{Name: "sig", Kind: KindSigmoid},
		{Name: "conv3", Kind: KindConv2D, Filters: 4, Kernel: [2]int{1, 1}},
		{Name: "hswish", Kind: KindHardSwish},
		{Name: "gap", Kind: KindGlobalAvgPool},
		{Name: "fc", Kind: KindDense, Units: 3},
	}}
}

func TestShapes(t *testing.T) {
	got, err := convnetjs().Shapes()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]int{{8, 28, 28}, {8, 28, 28}, {8, 14, 14}, {16, 14, 14}, {16, 14, 14}, {16, 4, 4}, {256}, {10}}
	for i := range want {
		if !tensor.SameShape(got[i], want[i]) {
			t.Fatalf("layer %d shape = %v, want %v", i, got[i], want[i])
		}
	}
}

func TestSpecErrors(t *testing.T) {
	mod := func(f func(*Spec)) Spec { s := small(); f(&s); return s }
	tests := []struct {
		name string
		spec Spec
		want string
	}{
		{"bad input", mod(func(s *Spec) { s.Input = []int{28, 28} }), "input shape"},
		{"unknown kind", mod(func(s *Spec) { s.Layers[1].Kind = "tanh" }), `unknown kind "tanh"`},
		{"missing kind", mod(func(s *Spec) { s.Layers[1].Kind = "" }), "no kind"},
		{"duplicate name", mod(func(s *Spec) { s.Layers[1].Name = "conv1" }), "used twice"},
		{"bad name", mod(func(s *Spec) { s.Layers[0].Name = "1conv" }), "must start with a letter"},
		{"kernel too big", mod(func(s *Spec) { s.Layers[0].Kernel = [2]int{11, 11} }), "larger than the padded input"},
		{"zero filters", mod(func(s *Spec) { s.Layers[0].Filters = 0 }), "filters 0"},
		{"dense on a map", mod(func(s *Spec) { s.Layers = append(s.Layers[:5], s.Layers[6:]...) }), "dense needs a flat input"},
		{"class count", mod(func(s *Spec) { s.Classes = s.Classes[:2] }), "2 class names for 3 outputs"},
		{"not ending flat", mod(func(s *Spec) { s.Layers = s.Layers[:2] }), "the last layer must give one score per class"},
		{"pool pad", mod(func(s *Spec) { s.Layers[2].Pad = [2]int{2, 2} }), "at most half the kernel"},
		{"huge", mod(func(s *Spec) { s.Layers[0].Filters = 4096; s.Layers[3].Filters = 4096 }), "parameters"},
		{"leaky alpha", mod(func(s *Spec) { s.Layers[1] = LayerSpec{Name: "leaky", Kind: KindLeakyReLU, Alpha: -1} }), "alpha -1: must be 0..1"},
		{"negative padding", mod(func(s *Spec) { s.Layers[1] = LayerSpec{Name: "pad", Kind: KindZeroPad2D, Padding: [4]int{0, -1, 0, 0}} }), "padding [0 -1 0 0]"},
		{"padding a flat input", mod(func(s *Spec) { s.Layers[6] = LayerSpec{Name: "pad", Kind: KindZeroPad2D} }), "zeropad2d needs a [C, H, W] input"},
		{"absurd input", mod(func(s *Spec) { s.Input = []int{1, 1 << 20, 8} }), "sizes must be"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.spec.Shapes()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Shapes() error = %v, want containing %q", err, tc.want)
			}
			if _, err := ParseSpec(tc.spec.JSON()); err == nil {
				t.Fatal("ParseSpec accepted it")
			}
		})
	}
	if _, err := ParseSpec([]byte("{")); err == nil || !strings.Contains(err.Error(), "not valid JSON") {
		t.Fatalf("ParseSpec({) = %v", err)
	}
}

func TestSpecJSONRoundTrip(t *testing.T) {
	s := convnetjs()
	got, err := ParseSpec(s.JSON())
	if err != nil {
		t.Fatal(err)
	}
	if string(got.JSON()) != string(s.JSON()) {
		t.Fatalf("round trip changed the spec:\n%s\n%s", got.JSON(), s.JSON())
	}
}

func TestObserverSeesEveryLayer(t *testing.T) {
	m := MustBuild(convnetjs(), 1)
	x := ag.New(tensor.New(2, 1, 28, 28))
	var names []string
	outs := map[string]*ag.Var{}
	y := m.Forward(x, func(i int, l Layer, out *ag.Var) {
		names = append(names, l.Spec().Name)
		outs[l.Spec().Name] = out
		if want := append([]int{2}, m.OutShape(i)...); !tensor.SameShape(out.Value.Shape, want) {
			t.Errorf("layer %s output %v, want %v", l.Spec().Name, out.Value.Shape, want)
		}
	})
	if len(names) != len(m.Layers) || names[0] != "conv1" || names[len(names)-1] != "fc" {
		t.Fatalf("observer saw %v", names)
	}
	if outs["fc"] != y {
		t.Fatal("the last observed output is not the returned logits")
	}
}

// checkNetwork runs a directional gradient check of a whole network with
// respect to its input, every parameter and one intermediate output.
func checkNetwork(t *testing.T, spec Spec, batch int, seed uint64) {
	t.Helper()
	m := MustBuild(spec, seed)
	r := rand.New(rand.NewPCG(seed, 99))
	for _, p := range m.Params() { // non-zero biases exercise their gradients
		if strings.HasSuffix(p.Name, ".bias") {
			for i := range p.Var.Value.Data {
				p.Var.Value.Data[i] = float32(r.NormFloat64() * 0.1)
			}
		}
	}
	x := tensor.New(append([]int{batch}, spec.Input...)...)
	for i := range x.Data {
		x.Data[i] = float32(r.Float64())
	}
	xv := ag.New(x)
	labels := make([]int, batch)
	for i := range labels {
		labels[i] = r.IntN(len(spec.Classes))
	}
	vars := []*ag.Var{xv}
	for _, p := range m.Params() {
		vars = append(vars, p.Var)
	}
	loss := func() *ag.Var { return ag.CrossEntropy(m.Forward(xv, nil), labels) }
	// Element by element on a sample of every tensor, skipping the
	// elements whose step crosses a ReLU or max-pool kink.
	opt := gradcheck.Options{Step: 1e-3, MaxPerVar: 30, Region: func() string { return region(m, xv) }, Seed: seed}
	if err := gradcheck.Check(loss, vars, opt); err != nil {
		t.Fatalf("loss: %v", err)
	}
	// The gradient with respect to an intermediate output: split the
	// network after the last convolution k (before its ReLU, so that the
	// max-pool windows above it hold no ties at zero) and check
	// d(logits)/d(h_k).
	k := 0
	for i, l := range spec.Layers {
		if l.Kind == KindConv2D {
			k = i
		}
	}
	var mid *ag.Var
	m.Forward(xv, func(i int, _ Layer, out *ag.Var) {
		if i == k {
			mid = out
		}
	})
	hv := ag.New(mid.Value.Clone())
	top := func() *ag.Var { return m.ForwardFrom(k+1, hv, nil, nil) }
	opt.Region = func() string { return region(m, xv) + region(m, hv) }
	if err := gradcheck.Check(top, []*ag.Var{hv}, opt); err != nil {
		t.Fatalf("d logits / d %s: %v", spec.Layers[k].Name, err)
	}
	// And the gradient Backward leaves on the observed node itself must be
	// the one the split network computes.
	var obs *ag.Var
	proj := tensor.New(batch, len(spec.Classes))
	for i := range proj.Data {
		proj.Data[i] = float32(r.NormFloat64())
	}
	ag.Backward(ag.Dot(m.Forward(xv, func(i int, _ Layer, out *ag.Var) {
		if i == k {
			obs = out
		}
	}), proj), nil)
	hv.Grad = nil
	ag.Backward(ag.Dot(m.ForwardFrom(k+1, hv, nil, nil), proj), nil)
	for i := range hv.Grad.Data {
		if d := math.Abs(float64(hv.Grad.Data[i] - obs.Grad.Data[i])); d > 1e-5 {
			t.Fatalf("observed gradient at %s differs from the split network's by %v", spec.Layers[k].Name, d)
		}
	}
}

// region fingerprints the piecewise-linear region of m at input x (or at
// a feature map x, which is then fed to the layers after it): the sign of
// every ReLU input and the winner of every max-pool window.
func region(m *Sequential, x *ag.Var) string {
	var b strings.Builder
	prev := x
	start := 0
	if !tensor.SameShape(x.Value.Shape[1:], m.Spec.Input) {
		for i := range m.Layers {
			if tensor.SameShape(x.Value.Shape[1:], m.OutShape(i)) {
				start = i + 1
				break
			}
		}
	}
	m.ForwardFrom(start, x, nil, func(i int, l Layer, out *ag.Var) {
		s := l.Spec()
		switch s.Kind {
		case KindReLU:
			for _, v := range prev.Value.Data {
				if v > 0 {
					b.WriteByte('+')
				} else {
					b.WriteByte('-')
				}
			}
		case KindLeakyReLU, KindReLU6, KindHardSwish:
			kinks := map[string][]float32{KindLeakyReLU: {0}, KindReLU6: {0, 6}, KindHardSwish: {-3, 3}}[s.Kind]
			for _, v := range prev.Value.Data {
				k := 0
				for _, at := range kinks {
					if v > at {
						k++
					}
				}
				b.WriteByte(byte('0' + k))
			}
		case KindMaxPool2D:
			in := prev.Value.Shape
			arg := make([]int32, out.Value.Size())
			tensor.MaxPool2D(s.Geom(in[1:]), in[0], prev.Value.Data, make([]float32, out.Value.Size()), arg)
			for _, a := range arg {
				b.WriteString(strconv.Itoa(int(a)))
				b.WriteByte(',')
			}
		}
		prev = out
	})
	return b.String()
}

func TestNetworkGradients(t *testing.T) {
	tests := []struct {
		name  string
		spec  Spec
		batch int
	}{
		{"small batch 1", small(), 1},
		{"small batch 3", small(), 3},
		{"convnetjs batch 2", convnetjs(), 2},
		{"activations and padding batch 2", actsSpec(), 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { checkNetwork(t, tc.spec, tc.batch, 7) })
	}
}

func TestNetworkCheckCatchesBrokenGradient(t *testing.T) {
	// Negative control at network scale: a network whose first ReLU uses
	// the guided rule has a wrong input gradient, and the same check with
	// the same kink allowance must say so.
	m := MustBuild(small(), 7)
	m.Layers[1].(*ReLU).Rule = ag.ReLUGuided
	r := rand.New(rand.NewPCG(7, 99))
	x := tensor.New(2, 1, 8, 8)
	for i := range x.Data {
		x.Data[i] = float32(r.Float64())
	}
	xv := ag.New(x)
	f := func() *ag.Var { return m.Forward(xv, nil) }
	if err := gradcheck.Check(f, []*ag.Var{xv}, gradcheck.Options{Step: 1e-3, MaxPerVar: 30, Region: func() string { return region(m, xv) }, Seed: 7}); err == nil || !strings.Contains(err.Error(), "analytic") {
		t.Fatalf("check of a network with guided-backprop ReLUs = %v, want a gradient mismatch", err)
	}
}

func TestOptimizersLearn(t *testing.T) {
	// Both optimizers fit a small network to a fixed batch: the loss must
	// fall well below its start.
	for _, tc := range []struct {
		name string
		opt  Optimizer
	}{
		{"sgd", &SGD{LR: 0.05, Momentum: 0.9, WeightDecay: 1e-4}},
		{"adam", &Adam{LR: 0.01, WeightDecay: 1e-4}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := MustBuild(small(), 3)
			r := rand.New(rand.NewPCG(5, 5))
			x := tensor.New(6, 1, 8, 8)
			for i := range x.Data {
				x.Data[i] = float32(r.Float64())
			}
			labels := []int{0, 1, 2, 0, 1, 2}
			var first, last float32
			for step := 0; step < 150; step++ {
				m.ZeroGrad()
				loss := ag.CrossEntropy(m.Forward(ag.Constant(x), nil), labels)
				ag.Backward(loss, nil)
				tc.opt.Step(m.Params())
				if step == 0 {
					first = loss.Value.Data[0]
				}
				last = loss.Value.Data[0]
			}
			if !(last < first/4) {
				t.Fatalf("loss went from %v to %v, want below a quarter", first, last)
			}
		})
	}
}

func TestSGDStepByHand(t *testing.T) {
	w := ag.New(tensor.FromSlice([]float32{1}, 1))
	w.Grad = tensor.FromSlice([]float32{2}, 1)
	o := &SGD{LR: 0.1, Momentum: 0.5, WeightDecay: 0.1}
	ps := []Param{{"w", w}}
	o.Step(ps) // v = 2 + 0.1 = 2.1; w = 1 − 0.21 = 0.79
	o.Step(ps) // v = 1.05 + 2 + 0.079 = 3.129; w = 0.79 − 0.3129 = 0.4771
	if got := w.Value.Data[0]; math.Abs(float64(got)-0.4771) > 1e-6 {
		t.Fatalf("w after two steps = %v, want 0.4771", got)
	}
}

func TestBuildIsSeeded(t *testing.T) {
	a, b, c := MustBuild(convnetjs(), 1), MustBuild(convnetjs(), 1), MustBuild(convnetjs(), 2)
	pa, pb, pc := a.Params(), b.Params(), c.Params()
	if pa[0].Var.Value.Data[5] != pb[0].Var.Value.Data[5] {
		t.Fatal("same seed, different weights")
	}
	if pa[0].Var.Value.Data[5] == pc[0].Var.Value.Data[5] {
		t.Fatal("different seeds, same weights")
	}
	if n := a.NumParams(); n != 8*25+8+16*8*25+16+256*10+10 {
		t.Fatalf("NumParams = %d", n)
	}
	cl := a.Clone()
	cl.Params()[0].Var.Value.Data[0] += 1
	if cl.Params()[0].Var.Value.Data[0] == pa[0].Var.Value.Data[0] {
		t.Fatal("Clone shares weights")
	}
}
