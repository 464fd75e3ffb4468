package nn_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	ag "cnnviz/core/autograd"
	"cnnviz/core/nn"
	"cnnviz/core/tensor"
	"cnnviz/models"
)

// planTol is the tolerance of Plan against autograd, relative to
// 1 + the largest magnitude in the buffer compared. Both run the same
// arithmetic except for the order of float32 additions inside a
// convolution or dense layer (the Plan's fused convolution starts each sum
// from the bias, autograd adds the bias last, and the two reach ragged
// tile edges differently). Reordering a sum of K products moves it by at
// most about K·2⁻²⁴ of the sum of their magnitudes (K ≤ 400 here, so
// 2.4e-5, and typically √K·2⁻²⁴ ≈ 1e-6); 1e-4 leaves room for that to pass
// through a few layers. Wrong padding, a lost bias, a wrong ReLU rule or
// pooling window are errors of order one. The inputs are seeded, so no
// pre-activation lands within rounding of a ReLU kink or a max-pool tie,
// where rounding alone could switch a gradient path.
const planTol = 1e-4

// reference runs s with autograd on pixels (batch n) and returns every
// layer's output and, after a backward pass seeded with seed on the
// logits, every layer output's gradient and the input gradient.
func reference(s *nn.Sequential, n int, pixels, seed []float32) (outs, grads [][]float32, dIn []float32) {
	x := ag.New(tensor.FromSlice(append([]float32(nil), pixels...), append([]int{n}, s.Spec.Input...)...))
	var vars []*ag.Var
	y := s.Forward(x, func(i int, l nn.Layer, out *ag.Var) { vars = append(vars, out) })
	ag.Backward(y, tensor.FromSlice(append([]float32(nil), seed...), y.Value.Shape...))
	for _, v := range vars {
		outs = append(outs, v.Value.Data)
		grads = append(grads, v.Grad.Data)
	}
	return outs, grads, x.Grad.Data
}

// compare fails unless got and want agree within planTol.
func compare(t *testing.T, what string, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s has %d values, want %d", what, len(got), len(want))
	}
	var scale float64
	for _, v := range want {
		scale = max(scale, math.Abs(float64(v)))
	}
	for i := range got {
		if d := math.Abs(float64(got[i]) - float64(want[i])); !(d <= planTol*(1+scale)) {
			t.Fatalf("%s[%d] = %v, want %v (|diff| %.3g > %.3g)", what, i, got[i], want[i], d, planTol*(1+scale))
		}
	}
}

func randPixels(r *rand.Rand, n int) []float32 {
	p := make([]float32, n)
	for i := range p {
		p[i] = r.Float32()
	}
	return p
}

func randSeed(r *rand.Rand, n int) []float32 {
	p := make([]float32, n)
	for i := range p {
		p[i] = float32(r.NormFloat64())
	}
	return p
}

// graphSpecs are the graph architectures of planCases: a ResNet-like
// network (conv, folded batch norm, ReLU, identity and projection skips),
// a MobileNetV2-like one (1×1 expansion, ReLU6, 3×3 depthwise at stride 1
// and 2, linear 1×1 projection, residual add) and an Inception-like
// concat block that also reads the input twice, adds a layer to itself,
// pools in ceil mode, copies a flatten whose input has two readers and
// concatenates flat vectors.
func graphSpecs() []struct {
	name  string
	spec  nn.Spec
	batch int
	rules []ag.ReLURule
} {
	abc := []string{"a", "b", "c"}
	conv := func(name string, in string, f, k, s, p, groups int) nn.LayerSpec {
		return nn.LayerSpec{Name: name, Kind: nn.KindConv2D, Inputs: []string{in}, Filters: f, Kernel: [2]int{k, k}, Stride: [2]int{s, s}, Pad: [2]int{p, p}, Groups: groups}
	}
	op := func(name, kind string, in ...string) nn.LayerSpec {
		return nn.LayerSpec{Name: name, Kind: kind, Inputs: in}
	}
	pool := func(name, kind, in string, k, s, p int, ceil bool) nn.LayerSpec {
		return nn.LayerSpec{Name: name, Kind: kind, Inputs: []string{in}, Kernel: [2]int{k, k}, Stride: [2]int{s, s}, Pad: [2]int{p, p}, Ceil: ceil}
	}
	return []struct {
		name  string
		spec  nn.Spec
		batch int
		rules []ag.ReLURule
	}{
		{"resnet_block", nn.Spec{Name: "res", Input: []int{3, 10, 10}, Classes: abc, Layers: []nn.LayerSpec{
			conv("c0", "input", 8, 3, 1, 1, 0), op("bn0", nn.KindAffine), op("r0", nn.KindReLU),
			conv("c1", "r0", 8, 3, 1, 1, 0), op("bn1", nn.KindAffine), op("r1", nn.KindReLU),
			conv("c2", "r1", 8, 3, 1, 1, 0), op("bn2", nn.KindAffine),
			op("sum1", nn.KindAdd, "bn2", "r0"), op("r2", nn.KindReLU),
			conv("c3", "r2", 16, 3, 2, 1, 0), op("r3", nn.KindReLU),
			conv("c4", "r3", 16, 3, 1, 1, 0),
			conv("proj", "r2", 16, 1, 2, 0, 0),
			op("sum2", nn.KindAdd, "c4", "proj"), op("r4", nn.KindReLU),
			op("gap", nn.KindGlobalAvgPool), {Name: "fc", Kind: nn.KindDense, Units: 3}}}, 2, nil},
		{"mobilenetv2_block", nn.Spec{Name: "mb", Input: []int{4, 12, 12}, Classes: abc, Layers: []nn.LayerSpec{
			conv("stem", "input", 8, 3, 1, 1, 0), op("s6", nn.KindReLU6),
			conv("exp1", "s6", 24, 1, 1, 0, 0), op("e6", nn.KindReLU6),
			conv("dw1", "e6", 24, 3, 1, 1, 24), op("d6", nn.KindReLU6),
			conv("proj1", "d6", 8, 1, 1, 0, 0),
			op("res1", nn.KindAdd, "proj1", "s6"),
			conv("exp2", "res1", 32, 1, 1, 0, 0), op("e62", nn.KindReLU6),
			conv("dw2", "e62", 32, 3, 2, 1, 32), op("d62", nn.KindReLU6),
			conv("proj2", "d62", 12, 1, 1, 0, 0),
			conv("dwm", "proj2", 24, 3, 1, 1, 12), op("r", nn.KindReLU),
			op("gap", nn.KindGlobalAvgPool), {Name: "fc", Kind: nn.KindDense, Units: 3}}}, 2, nil},
		{"concat_block", nn.Spec{Name: "cat", Input: []int{3, 9, 9}, Classes: abc, Layers: []nn.LayerSpec{
			conv("c1", "input", 6, 3, 1, 1, 0), op("r1", nn.KindReLU),
			conv("b1", "r1", 4, 1, 1, 0, 0),
			op("dbl", nn.KindAdd, "b1", "b1"),
			conv("b2", "r1", 4, 3, 1, 1, 0), op("r2", nn.KindReLU),
			pool("b3", nn.KindMaxPool2D, "r1", 3, 1, 1, false),
			pool("ip", nn.KindAvgPool2D, "input", 3, 1, 1, false),
			op("cat", nn.KindConcat, "dbl", "r2", "b3", "ip"),
			op("drop", nn.KindDropout, "cat"),
			pool("p", nn.KindMaxPool2D, "drop", 2, 2, 0, true),
			pool("pa", nn.KindAvgPool2D, "p", 2, 2, 1, true),
			op("f", nn.KindFlatten, "pa"),
			op("g", nn.KindGlobalAvgPool, "cat"),
			op("fcat", nn.KindConcat, "f", "g"),
			{Name: "fc", Kind: nn.KindDense, Units: 3}}}, 2, []ag.ReLURule{ag.ReLUGradient, ag.ReLUGuided}},
	}
}

// planCases are the shipped models and small architectures that cover
// every layer kind and window option: strides, padding, non-square
// kernels and pools, average pooling with padding, max pooling with
// padding over all-negative windows, a ReLU not after a convolution, a
// convolution without a ReLU, the three ReLU rules and batches above one.
func planCases(t *testing.T) []struct {
	name  string
	net   *nn.Sequential
	batch int
} {
	t.Helper()
	type tc = struct {
		name  string
		net   *nn.Sequential
		batch int
	}
	var cases []tc
	for _, name := range []string{"convnetjs", "mnist"} {
		m, err := models.Builtin(name)
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, tc{name, m, 1}, tc{name + "/batch3", m, 3})
	}
	abc := []string{"a", "b", "c"}
	L := func(name, kind string, f, kh, kw, sh, sw, ph, pw int) nn.LayerSpec {
		return nn.LayerSpec{Name: name, Kind: kind, Filters: f, Kernel: [2]int{kh, kw}, Stride: [2]int{sh, sw}, Pad: [2]int{ph, pw}}
	}
	specs := []struct {
		name  string
		spec  nn.Spec
		batch int
		rules []ag.ReLURule
	}{
		{"stride2_pad", nn.Spec{Name: "s", Input: []int{2, 11, 9}, Classes: abc, Layers: []nn.LayerSpec{
			L("c1", nn.KindConv2D, 5, 3, 3, 2, 2, 1, 1), L("r1", nn.KindReLU, 0, 0, 0, 0, 0, 0, 0),
			L("c2", nn.KindConv2D, 4, 3, 2, 1, 2, 0, 1), L("r2", nn.KindReLU, 0, 0, 0, 0, 0, 0, 0),
			{Name: "f", Kind: nn.KindFlatten}, {Name: "fc", Kind: nn.KindDense, Units: 3}}}, 2, nil},
		{"nonsquare_pools", nn.Spec{Name: "p", Input: []int{1, 13, 10}, Classes: abc, Layers: []nn.LayerSpec{
			L("c1", nn.KindConv2D, 6, 5, 3, 1, 1, 2, 1), L("r1", nn.KindReLU, 0, 0, 0, 0, 0, 0, 0),
			L("p1", nn.KindMaxPool2D, 0, 3, 2, 2, 1, 1, 1),
			L("c2", nn.KindConv2D, 3, 1, 1, 1, 1, 0, 0),
			L("p2", nn.KindAvgPool2D, 0, 2, 3, 2, 2, 1, 1), L("r2", nn.KindReLU, 0, 0, 0, 0, 0, 0, 0),
			{Name: "gap", Kind: nn.KindGlobalAvgPool}, {Name: "fc", Kind: nn.KindDense, Units: 3}}}, 3, nil},
		{"guided", nn.Spec{Name: "g", Input: []int{3, 8, 8}, Classes: abc, Layers: []nn.LayerSpec{
			L("c1", nn.KindConv2D, 4, 3, 3, 1, 1, 1, 1), L("r1", nn.KindReLU, 0, 0, 0, 0, 0, 0, 0),
			L("p1", nn.KindMaxPool2D, 0, 2, 2, 0, 0, 0, 0),
			L("c2", nn.KindConv2D, 8, 3, 3, 1, 1, 1, 1), L("r2", nn.KindReLU, 0, 0, 0, 0, 0, 0, 0),
			{Name: "gap", Kind: nn.KindGlobalAvgPool}, {Name: "fc", Kind: nn.KindDense, Units: 3}}}, 2,
			[]ag.ReLURule{ag.ReLUGuided, ag.ReLUGuided}},
		{"deconv", nn.Spec{Name: "d", Input: []int{1, 12, 12}, Classes: abc, Layers: []nn.LayerSpec{
			L("c1", nn.KindConv2D, 8, 5, 5, 1, 1, 2, 2), L("r1", nn.KindReLU, 0, 0, 0, 0, 0, 0, 0),
			L("p1", nn.KindMaxPool2D, 0, 3, 3, 0, 0, 0, 0),
			{Name: "f", Kind: nn.KindFlatten}, {Name: "fc", Kind: nn.KindDense, Units: 3}}}, 1,
			[]ag.ReLURule{ag.ReLUDeconv}},
		{"pool_negative", nn.Spec{Name: "n", Input: []int{2, 10, 10}, Classes: abc, Layers: []nn.LayerSpec{
			L("c1", nn.KindConv2D, 4, 3, 3, 1, 1, 1, 1),
			L("p1", nn.KindMaxPool2D, 0, 3, 3, 2, 2, 1, 1), L("r1", nn.KindReLU, 0, 0, 0, 0, 0, 0, 0),
			{Name: "gap", Kind: nn.KindGlobalAvgPool}, {Name: "fc", Kind: nn.KindDense, Units: 3}}}, 2, nil},
		{"activations", nn.Spec{Name: "a", Input: []int{2, 7, 6}, Classes: abc, Layers: []nn.LayerSpec{
			{Name: "pad", Kind: nn.KindZeroPad2D, Padding: [4]int{2, 0, 1, 3}},
			L("c1", nn.KindConv2D, 4, 3, 3, 1, 1, 0, 0), {Name: "leaky", Kind: nn.KindLeakyReLU, Alpha: 0.1},
			{Name: "drop", Kind: nn.KindDropout}, {Name: "r6", Kind: nn.KindReLU6},
			L("p1", nn.KindMaxPool2D, 0, 2, 2, 0, 0, 0, 0),
			L("c2", nn.KindConv2D, 5, 1, 1, 1, 1, 0, 0), {Name: "sig", Kind: nn.KindSigmoid},
			L("c3", nn.KindConv2D, 4, 1, 1, 1, 1, 0, 0), {Name: "hs", Kind: nn.KindHardSwish},
			{Name: "f", Kind: nn.KindFlatten}, {Name: "drop2", Kind: nn.KindDropout},
			{Name: "fc", Kind: nn.KindDense, Units: 3}}}, 2, nil},
		{"dropout_first", nn.Spec{Name: "d", Input: []int{1, 4, 4}, Classes: abc, Layers: []nn.LayerSpec{
			{Name: "drop", Kind: nn.KindDropout}, {Name: "pad", Kind: nn.KindZeroPad2D, Padding: [4]int{0, 1, 1, 0}},
			{Name: "f", Kind: nn.KindFlatten}, {Name: "fc", Kind: nn.KindDense, Units: 3}}}, 1, nil},
		{"flatten_first", nn.Spec{Name: "f", Input: []int{1, 4, 5}, Classes: abc, Layers: []nn.LayerSpec{
			{Name: "f", Kind: nn.KindFlatten}, {Name: "fc1", Kind: nn.KindDense, Units: 7},
			L("r1", nn.KindReLU, 0, 0, 0, 0, 0, 0, 0), {Name: "fc2", Kind: nn.KindDense, Units: 3}}}, 4, nil},
	}
	specs = append(specs, graphSpecs()...)
	r := rand.New(rand.NewPCG(31, 32))
	for _, s := range specs {
		net, err := nn.Build(s.spec, 7)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		// Nonzero biases, so that a lost or doubled bias shows; in
		// pool_negative a bias of −3 makes most max-pool windows wholly
		// negative.
		for _, p := range net.Params() {
			if strings.HasSuffix(p.Name, ".scale") || strings.HasSuffix(p.Name, ".shift") {
				for i := range p.Var.Value.Data {
					p.Var.Value.Data[i] += float32(r.NormFloat64() * 0.3)
				}
			}
			if strings.HasSuffix(p.Name, ".bias") {
				for i := range p.Var.Value.Data {
					p.Var.Value.Data[i] = float32(r.NormFloat64() * 0.1)
					if s.name == "pool_negative" && p.Name == "c1.bias" {
						p.Var.Value.Data[i] = -3
					}
				}
			}
		}
		k := 0
		for _, l := range net.Layers {
			if relu, ok := l.(*nn.ReLU); ok && k < len(s.rules) {
				relu.Rule = s.rules[k]
				k++
			}
		}
		cases = append(cases, tc{s.name, net, s.batch})
	}
	return cases
}

// TestPlanMatchesAutograd compares the logits, every layer's output and
// gradient and the input gradient of a Plan with autograd's.
func TestPlanMatchesAutograd(t *testing.T) {
	r := rand.New(rand.NewPCG(33, 34))
	for _, tc := range planCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			s, n := tc.net, tc.batch
			pixels := randPixels(r, n*tensor.Numel(s.Spec.Input))
			seed := randSeed(r, n*len(s.Spec.Classes))
			outs, grads, dIn := reference(s, n, pixels, seed)
			p := nn.NewPlan(s, n)
			logits := p.Forward(pixels)
			compare(t, "logits", logits, outs[len(outs)-1])
			for i := range s.Layers {
				compare(t, fmt.Sprintf("Output(%d %s)", i, s.Spec.Layers[i].Name), p.Output(i), outs[i])
			}
			// ForwardTo each layer on a fresh plan gives that layer's output.
			q := nn.NewPlan(s, n)
			for i := range s.Layers {
				compare(t, fmt.Sprintf("ForwardTo(%d %s)", i, s.Spec.Layers[i].Name), q.ForwardTo(pixels, i), outs[i])
			}
			got := p.InputGradient(pixels, seed)
			compare(t, "InputGradient", got, dIn)
			for i := range s.Layers {
				compare(t, fmt.Sprintf("Grad(%d %s)", i, s.Spec.Layers[i].Name), p.Grad(i), grads[i])
			}
		})
	}
}

// TestPlanBackwardMatchesAutograd compares the parameter gradients of
// Plan.Backward with ag.Backward's, both accumulated onto the same
// nonzero starting gradients.
func TestPlanBackwardMatchesAutograd(t *testing.T) {
	r := rand.New(rand.NewPCG(35, 36))
	for _, tc := range planCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			s, n := tc.net.Clone(), tc.batch
			for i, l := range tc.net.Layers { // Clone keeps the rules; be explicit
				if relu, ok := l.(*nn.ReLU); ok {
					s.Layers[i].(*nn.ReLU).Rule = relu.Rule
				}
			}
			pixels := randPixels(r, n*tensor.Numel(s.Spec.Input))
			seed := randSeed(r, n*len(s.Spec.Classes))
			params := s.Params()
			start := make([][]float32, len(params))
			for i, pr := range params {
				start[i] = randSeed(r, pr.Var.Value.Size())
				pr.Var.Grad = tensor.FromSlice(append([]float32(nil), start[i]...), pr.Var.Value.Shape...)
			}
			reference(s, n, pixels, seed)
			want := make([][]float32, len(params))
			for i, pr := range params {
				want[i] = append([]float32(nil), pr.Var.Grad.Data...)
				copy(pr.Var.Grad.Data, start[i])
			}
			p := nn.NewPlan(s, n)
			p.Forward(pixels)
			p.Backward(seed)
			for i, pr := range params {
				compare(t, pr.Name+" gradient", pr.Var.Grad.Data, want[i])
			}
		})
	}
}

// TestPlanReuse checks that a Plan run on other inputs first gives
// bit-for-bit what a fresh Plan gives: no state survives a call.
func TestPlanReuse(t *testing.T) {
	r := rand.New(rand.NewPCG(37, 38))
	for _, tc := range planCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			s, n := tc.net, tc.batch
			size := n * tensor.Numel(s.Spec.Input)
			a, b := randPixels(r, size), randPixels(r, size)
			seedA, seedB := randSeed(r, n*len(s.Spec.Classes)), randSeed(r, n*len(s.Spec.Classes))
			fresh := nn.NewPlan(s, n)
			wantLogits := append([]float32(nil), fresh.Forward(b)...)
			wantGrad := append([]float32(nil), fresh.InputGradient(b, seedB)...)
			used := nn.NewPlan(s, n)
			used.InputGradient(a, seedA)
			used.Forward(a)
			gotLogits := used.Forward(b)
			for i := range wantLogits {
				if gotLogits[i] != wantLogits[i] {
					t.Fatalf("reused Forward logits[%d] = %v, want %v (fresh plan)", i, gotLogits[i], wantLogits[i])
				}
			}
			used.InputGradient(a, seedA)
			got := used.InputGradient(b, seedB)
			for i := range wantGrad {
				if got[i] != wantGrad[i] {
					t.Fatalf("reused InputGradient[%d] = %v, want %v (fresh plan)", i, got[i], wantGrad[i])
				}
			}
		})
	}
}

// TestPlanDoesNotAllocate checks the steady state: after a first call,
// Forward, InputGradient and Backward make no allocation. (The shipped
// models run with batch 1 only, to keep the test quick under WebAssembly;
// the small architectures cover batches above one.)
func TestPlanDoesNotAllocate(t *testing.T) {
	r := rand.New(rand.NewPCG(39, 40))
	for _, tc := range planCases(t) {
		if strings.HasSuffix(tc.name, "/batch3") {
			continue
		}
		s, n := tc.net.Clone(), tc.batch
		p := nn.NewPlan(s, n)
		pixels := randPixels(r, n*tensor.Numel(s.Spec.Input))
		seed := randSeed(r, n*len(s.Spec.Classes))
		for _, f := range []struct {
			name string
			f    func()
		}{
			{"Forward", func() { p.Forward(pixels) }},
			{"InputGradient", func() { p.InputGradient(pixels, seed) }},
			{"Backward", func() { p.Forward(pixels); p.Backward(seed) }},
		} {
			t.Run(tc.name+"/"+f.name, func(t *testing.T) {
				f.f() // warm up: Backward creates missing parameter gradients
				if got := testing.AllocsPerRun(100, f.f); got != 0 {
					t.Errorf("%s: %v allocations per call, want 0", f.name, got)
				}
			})
		}
	}
}

// foreignLayer is a Layer from outside package nn, which a Plan cannot
// run.
type foreignLayer struct{ s nn.LayerSpec }

func (l foreignLayer) Spec() nn.LayerSpec        { return l.s }
func (l foreignLayer) Forward(x *ag.Var) *ag.Var { return x }
func (l foreignLayer) Params() []nn.Param        { return nil }

// TestPlanPanics checks that misuse panics with the sizes in the message.
func TestPlanPanics(t *testing.T) {
	m, err := models.Builtin("convnetjs")
	if err != nil {
		t.Fatal(err)
	}
	p := nn.NewPlan(m, 2)
	for _, tc := range []struct {
		name, want string
		f          func()
	}{
		{"short input", "got 784 values, want 1568", func() { p.Forward(make([]float32, 784)) }},
		{"long input", "got 1569 values, want 1568", func() { p.InputGradient(make([]float32, 1569), make([]float32, 20)) }},
		{"seed", "seed has 10 values, want 20", func() { p.InputGradient(make([]float32, 1568), make([]float32, 10)) }},
		{"batch", "batch 0", func() { nn.NewPlan(m, 0) }},
		{"layer", `cannot run layer "relu1" of type nn_test.foreignLayer`, func() {
			s := m.Clone()
			s.Layers[1] = foreignLayer{s.Layers[1].Spec()}
			nn.NewPlan(s, 1)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				msg := fmt.Sprint(recover())
				if !strings.Contains(msg, tc.want) {
					t.Fatalf("panic %q, want one containing %q", msg, tc.want)
				}
			}()
			tc.f()
		})
	}
}
