package autograd_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	ag "cnnviz/core/autograd"
	"cnnviz/core/autograd/gradcheck"
	"cnnviz/core/tensor"
)

// randVar returns a Var of the given shape with normal entries pushed away
// from zero by at least 0.1, so that no ReLU sits on its kink.
func randVar(r *rand.Rand, shape ...int) *ag.Var {
	t := tensor.New(shape...)
	for i := range t.Data {
		v := r.NormFloat64()
		if math.Abs(v) < 0.1 {
			v = math.Copysign(0.1+math.Abs(v), v)
		}
		t.Data[i] = float32(v)
	}
	return ag.New(t)
}

// spacedVar returns a Var whose entries are a random permutation of evenly
// spaced values 0.1 apart, some negative: no two entries are within the
// gradient-check step of each other, so max-pool windows have no near-ties.
func spacedVar(r *rand.Rand, offset float32, shape ...int) *ag.Var {
	t := tensor.New(shape...)
	for i, p := range r.Perm(t.Size()) {
		t.Data[i] = offset + 0.1*float32(p)
	}
	return ag.New(t)
}

// spreadVar returns a Var whose entries are a random permutation of values
// evenly spread over [lo, hi], each moved 0.05 off any integer, so that
// none sits within the gradient-check step of a kink (ReLU6 at 0 and 6,
// hard-swish at ±3).
func spreadVar(r *rand.Rand, lo, hi float32, shape ...int) *ag.Var {
	t := tensor.New(shape...)
	n := t.Size()
	for i, p := range r.Perm(n) {
		v := lo + (hi-lo)*float32(p)/float32(max(n-1, 1))
		if f := v - float32(math.Round(float64(v))); f > -0.05 && f < 0.05 {
			v = float32(math.Round(float64(v))) + 0.05
		}
		t.Data[i] = v
	}
	return ag.New(t)
}

func TestOpGradients(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	s1 := ag.Window{StrideH: 1, StrideW: 1}
	tests := []struct {
		name string
		vars []*ag.Var
		f    func(v []*ag.Var) *ag.Var
	}{
		{"add", []*ag.Var{randVar(r, 2, 3), randVar(r, 2, 3)}, func(v []*ag.Var) *ag.Var { return ag.Add(v[0], v[1]) }},
		{"sub", []*ag.Var{randVar(r, 4), randVar(r, 4)}, func(v []*ag.Var) *ag.Var { return ag.Sub(v[0], v[1]) }},
		{"mul", []*ag.Var{randVar(r, 2, 3), randVar(r, 2, 3)}, func(v []*ag.Var) *ag.Var { return ag.Mul(v[0], v[1]) }},
		{"mul same operand twice", []*ag.Var{randVar(r, 5)}, func(v []*ag.Var) *ag.Var { return ag.Mul(v[0], v[0]) }},
		{"scale", []*ag.Var{randVar(r, 3)}, func(v []*ag.Var) *ag.Var { return ag.Scale(v[0], -2.5) }},
		{"matmul", []*ag.Var{randVar(r, 3, 4), randVar(r, 4, 5)}, func(v []*ag.Var) *ag.Var { return ag.MatMul(v[0], v[1]) }},
		{"linear batch 3", []*ag.Var{randVar(r, 3, 6), randVar(r, 4, 6), randVar(r, 4)}, func(v []*ag.Var) *ag.Var { return ag.Linear(v[0], v[1], v[2]) }},
		{"linear no bias", []*ag.Var{randVar(r, 2, 5), randVar(r, 3, 5)}, func(v []*ag.Var) *ag.Var { return ag.Linear(v[0], v[1], nil) }},
		{"bias add", []*ag.Var{randVar(r, 2, 3, 2, 2), randVar(r, 3)}, func(v []*ag.Var) *ag.Var { return ag.BiasAdd(v[0], v[1]) }},
		{"relu", []*ag.Var{randVar(r, 2, 7)}, func(v []*ag.Var) *ag.Var { return ag.ReLU(v[0]) }},
		{"relu6", []*ag.Var{spreadVar(r, -2, 8, 2, 9)}, func(v []*ag.Var) *ag.Var { return ag.Activate(v[0], ag.Act{Kind: ag.ActReLU6}) }},
		{"leaky relu 0.1", []*ag.Var{randVar(r, 2, 7)}, func(v []*ag.Var) *ag.Var { return ag.Activate(v[0], ag.Act{Kind: ag.ActLeakyReLU, Alpha: 0.1}) }},
		{"sigmoid", []*ag.Var{spreadVar(r, -6, 6, 3, 5)}, func(v []*ag.Var) *ag.Var { return ag.Activate(v[0], ag.Act{Kind: ag.ActSigmoid}) }},
		{"hard swish", []*ag.Var{spreadVar(r, -5, 5, 3, 6)}, func(v []*ag.Var) *ag.Var { return ag.Activate(v[0], ag.Act{Kind: ag.ActHardSwish}) }},
		{"zero pad asymmetric", []*ag.Var{randVar(r, 2, 3, 3, 4)}, func(v []*ag.Var) *ag.Var { return ag.ZeroPad2D(v[0], ag.Pad4{Top: 1, Bottom: 0, Left: 2, Right: 3}) }},
		{"reshape", []*ag.Var{randVar(r, 2, 6)}, func(v []*ag.Var) *ag.Var { return ag.Mul(ag.Reshape(v[0], 3, 4), ag.Reshape(v[0], 3, 4)) }},
		{"flatten", []*ag.Var{randVar(r, 2, 2, 3, 1)}, func(v []*ag.Var) *ag.Var { return ag.Flatten(v[0]) }},
		{"sum", []*ag.Var{randVar(r, 3, 2)}, func(v []*ag.Var) *ag.Var { return ag.Sum(v[0]) }},
		{"mean", []*ag.Var{randVar(r, 3, 2)}, func(v []*ag.Var) *ag.Var { return ag.Mean(v[0]) }},
		{"log softmax", []*ag.Var{randVar(r, 3, 5)}, func(v []*ag.Var) *ag.Var { return ag.LogSoftmax(v[0]) }},
		{"cross entropy", []*ag.Var{randVar(r, 4, 3)}, func(v []*ag.Var) *ag.Var { return ag.CrossEntropy(v[0], []int{0, 2, 1, 2}) }},
		{"conv 3x3 pad 1", []*ag.Var{randVar(r, 2, 2, 5, 5), randVar(r, 3, 2, 3, 3), randVar(r, 3)},
			func(v []*ag.Var) *ag.Var {
				return ag.Conv2D(v[0], v[1], v[2], ag.Window{StrideH: 1, StrideW: 1, PadH: 1, PadW: 1})
			}},
		{"conv 5x5 pad 2 (convnetjs)", []*ag.Var{randVar(r, 1, 1, 6, 6), randVar(r, 2, 1, 5, 5), randVar(r, 2)},
			func(v []*ag.Var) *ag.Var {
				return ag.Conv2D(v[0], v[1], v[2], ag.Window{StrideH: 1, StrideW: 1, PadH: 2, PadW: 2})
			}},
		{"conv stride 2, non-square kernel, odd border", []*ag.Var{randVar(r, 2, 3, 7, 6), randVar(r, 2, 3, 3, 2)},
			func(v []*ag.Var) *ag.Var {
				return ag.Conv2D(v[0], v[1], nil, ag.Window{StrideH: 2, StrideW: 3, PadH: 1, PadW: 0})
			}},
		{"conv input shared by two convs (gradients add)", []*ag.Var{randVar(r, 1, 2, 5, 5), randVar(r, 2, 2, 3, 3), randVar(r, 2, 2, 3, 3)},
			func(v []*ag.Var) *ag.Var {
				win := ag.Window{StrideH: 1, StrideW: 1, PadH: 1, PadW: 1}
				return ag.Add(ag.Conv2D(v[0], v[1], nil, win), ag.Conv2D(v[0], v[2], nil, win))
			}},
		{"maxpool 2x2", []*ag.Var{spacedVar(r, -1, 2, 2, 4, 4)}, func(v []*ag.Var) *ag.Var { return ag.MaxPool2D(v[0], 2, 2, ag.Window{StrideH: 2, StrideW: 2}) }},
		{"maxpool all negative", []*ag.Var{spacedVar(r, -9, 1, 2, 4, 4)}, func(v []*ag.Var) *ag.Var { return ag.MaxPool2D(v[0], 2, 2, ag.Window{StrideH: 2, StrideW: 2}) }},
		{"maxpool non-square 2x3 stride 1x2", []*ag.Var{spacedVar(r, -2, 2, 1, 5, 7)}, func(v []*ag.Var) *ag.Var { return ag.MaxPool2D(v[0], 2, 3, ag.Window{StrideH: 1, StrideW: 2}) }},
		{"maxpool 3x3 stride 3 with border", []*ag.Var{spacedVar(r, -3, 1, 2, 7, 8)}, func(v []*ag.Var) *ag.Var { return ag.MaxPool2D(v[0], 3, 3, ag.Window{StrideH: 3, StrideW: 3}) }},
		{"maxpool padded", []*ag.Var{spacedVar(r, -5, 1, 1, 5, 5)}, func(v []*ag.Var) *ag.Var {
			return ag.MaxPool2D(v[0], 3, 3, ag.Window{StrideH: 2, StrideW: 2, PadH: 1, PadW: 1})
		}},
		{"avgpool 2x3 padded", []*ag.Var{randVar(r, 2, 2, 5, 6)}, func(v []*ag.Var) *ag.Var {
			return ag.AvgPool2D(v[0], 2, 3, ag.Window{StrideH: 2, StrideW: 2, PadH: 1, PadW: 1})
		}},
		{"conv 1x1 (a GEMM per image)", []*ag.Var{randVar(r, 2, 5, 3, 4), randVar(r, 3, 5, 1, 1), randVar(r, 3)},
			func(v []*ag.Var) *ag.Var { return ag.Conv2D(v[0], v[1], v[2], s1) }},
		{"grouped conv 2 groups", []*ag.Var{randVar(r, 2, 4, 5, 5), randVar(r, 6, 2, 3, 3), randVar(r, 6)},
			func(v []*ag.Var) *ag.Var {
				return ag.Conv2D(v[0], v[1], v[2], ag.Window{StrideH: 1, StrideW: 1, PadH: 1, PadW: 1, Groups: 2})
			}},
		{"depthwise 3x3 stride 1 pad 1", []*ag.Var{randVar(r, 2, 3, 5, 6), randVar(r, 3, 1, 3, 3), randVar(r, 3)},
			func(v []*ag.Var) *ag.Var {
				return ag.Conv2D(v[0], v[1], v[2], ag.Window{StrideH: 1, StrideW: 1, PadH: 1, PadW: 1, Groups: 3})
			}},
		{"depthwise 3x3 stride 2 pad 1", []*ag.Var{randVar(r, 1, 3, 7, 6), randVar(r, 3, 1, 3, 3), randVar(r, 3)},
			func(v []*ag.Var) *ag.Var {
				return ag.Conv2D(v[0], v[1], v[2], ag.Window{StrideH: 2, StrideW: 2, PadH: 1, PadW: 1, Groups: 3})
			}},
		{"depthwise multiplier 2, 5x3 kernel, stride 2x1", []*ag.Var{randVar(r, 2, 2, 7, 5), randVar(r, 4, 1, 5, 3), randVar(r, 4)},
			func(v []*ag.Var) *ag.Var {
				return ag.Conv2D(v[0], v[1], v[2], ag.Window{StrideH: 2, StrideW: 1, PadH: 2, PadW: 0, Groups: 2})
			}},
		{"maxpool 3x3 stride 2 ceil", []*ag.Var{spacedVar(r, -3, 1, 2, 6, 6)}, func(v []*ag.Var) *ag.Var {
			return ag.MaxPool2D(v[0], 3, 3, ag.Window{StrideH: 2, StrideW: 2, Ceil: true})
		}},
		{"avgpool 2x2 padded ceil", []*ag.Var{randVar(r, 1, 2, 5, 5)}, func(v []*ag.Var) *ag.Var {
			return ag.AvgPool2D(v[0], 2, 2, ag.Window{StrideH: 2, StrideW: 2, PadH: 1, PadW: 1, Ceil: true})
		}},
		{"avgpool 3x3 stride 2 ceil", []*ag.Var{randVar(r, 2, 1, 6, 7)}, func(v []*ag.Var) *ag.Var {
			return ag.AvgPool2D(v[0], 3, 3, ag.Window{StrideH: 2, StrideW: 2, Ceil: true})
		}},
		{"concat channels", []*ag.Var{randVar(r, 2, 3, 2, 2), randVar(r, 2, 1, 2, 2), randVar(r, 2, 2, 2, 2)},
			func(v []*ag.Var) *ag.Var { return ag.Mul(ag.Concat(v...), ag.Concat(v[2], v[0], v[1])) }},
		{"concat flat", []*ag.Var{randVar(r, 3, 2), randVar(r, 3, 4)}, func(v []*ag.Var) *ag.Var { return ag.Concat(v[0], v[1], v[0]) }},
		{"channel affine", []*ag.Var{randVar(r, 2, 3, 2, 3), randVar(r, 3), randVar(r, 3)}, func(v []*ag.Var) *ag.Var { return ag.ChannelAffine(v[0], v[1], v[2]) }},
		{"channel affine flat", []*ag.Var{randVar(r, 2, 4), randVar(r, 4), randVar(r, 4)}, func(v []*ag.Var) *ag.Var { return ag.ChannelAffine(v[0], v[1], v[2]) }},
		{"global avg pool", []*ag.Var{randVar(r, 3, 2, 3, 4)}, func(v []*ag.Var) *ag.Var { return ag.GlobalAvgPool(v[0]) }},
		{"conv relu pool chain", []*ag.Var{randVar(r, 1, 1, 6, 6), randVar(r, 2, 1, 3, 3)}, func(v []*ag.Var) *ag.Var {
			return ag.GlobalAvgPool(ag.Conv2D(v[0], v[1], nil, s1))
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := gradcheck.Check(func() *ag.Var { return tc.f(tc.vars) }, tc.vars, gradcheck.Options{}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestNegativeControls(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	x := randVar(r, 3, 4)
	w := randVar(r, 5, 4)
	f := func() *ag.Var { return ag.ReLU(ag.Linear(x, w, nil)) }
	if err := gradcheck.Check(f, []*ag.Var{x, w}, gradcheck.Options{}); err != nil {
		t.Fatalf("control: the correct op fails the check: %v", err)
	}
	t.Run("wrong gradient must fail", func(t *testing.T) {
		// Detach cuts w out of one of two identical paths: the true
		// gradient is twice what Backward then reports.
		g := func() *ag.Var { return ag.Add(ag.Linear(x, w, nil), ag.Linear(x.Detach(), w.Detach(), nil)) }
		err := gradcheck.Check(g, []*ag.Var{x, w}, gradcheck.Options{})
		if err == nil || !strings.Contains(err.Error(), "analytic") {
			t.Fatalf("check of a half-missing gradient = %v, want a mismatch", err)
		}
	})
	t.Run("bad step must fail", func(t *testing.T) {
		// In float32 a step of 1e-7 is below the rounding of the function
		// value: the numeric derivative is noise and the check must say so.
		err := gradcheck.Check(f, []*ag.Var{x, w}, gradcheck.Options{Step: 1e-7})
		if err == nil {
			t.Fatal("check with step 1e-7 passed, want a mismatch")
		}
	})
	t.Run("directional check catches the same bug", func(t *testing.T) {
		g := func() *ag.Var { return ag.Add(ag.Linear(x, w, nil), ag.Linear(x.Detach(), w.Detach(), nil)) }
		if err := gradcheck.CheckDirections(g, []*ag.Var{x, w}, 3, gradcheck.Options{}); err == nil {
			t.Fatal("directional check of a half-missing gradient passed")
		}
		if err := gradcheck.CheckDirections(f, []*ag.Var{x, w}, 3, gradcheck.Options{}); err != nil {
			t.Fatalf("directional check of the correct op: %v", err)
		}
	})
}

func TestReLURules(t *testing.T) {
	x := ag.New(tensor.FromSlice([]float32{-1, -1, 2, 2}, 4))
	seed := tensor.FromSlice([]float32{-3, 5, -7, 11}, 4)
	tests := []struct {
		rule ag.ReLURule
		want []float32
	}{
		{ag.ReLUGradient, []float32{0, 0, -7, 11}},
		{ag.ReLUGuided, []float32{0, 0, 0, 11}},
		{ag.ReLUDeconv, []float32{0, 5, 0, 11}},
	}
	for _, tc := range tests {
		x.Grad = nil
		ag.Backward(ag.ReLUWith(x, tc.rule), seed)
		for i, w := range tc.want {
			if x.Grad.Data[i] != w {
				t.Fatalf("rule %d: grad = %v, want %v", tc.rule, x.Grad.Data, tc.want)
			}
		}
	}
}

func TestGradientToIntermediate(t *testing.T) {
	// d(sum(relu(h)))/dh for an intermediate h = x·2 must be the ReLU mask,
	// and it must be available after one Backward from the final scalar.
	x := ag.New(tensor.FromSlice([]float32{-1, 3}, 2))
	h := ag.Scale(x, 2)
	ag.Backward(ag.Sum(ag.ReLU(h)), nil)
	if h.Grad.Data[0] != 0 || h.Grad.Data[1] != 1 {
		t.Fatalf("dL/dh = %v, want [0 1]", h.Grad.Data)
	}
	if x.Grad.Data[0] != 0 || x.Grad.Data[1] != 2 {
		t.Fatalf("dL/dx = %v, want [0 2]", x.Grad.Data)
	}
	// A second Backward from a new graph accumulates into the leaf only.
	ag.Backward(ag.Sum(ag.ReLU(ag.Scale(x, 2))), nil)
	if x.Grad.Data[1] != 4 {
		t.Fatalf("leaf gradient after two Backwards = %v, want accumulation to 4", x.Grad.Data[1])
	}
}

func TestConstantsBuildNoGraph(t *testing.T) {
	c := ag.Constant(tensor.FromSlice([]float32{1, 2}, 2))
	if y := ag.ReLU(ag.Scale(c, 3)); y.RequiresGrad() {
		t.Fatal("an op on constants requires a gradient")
	}
}

func TestCrossEntropyValue(t *testing.T) {
	// Uniform logits over K classes give a loss of log K.
	logits := ag.New(tensor.New(2, 10))
	got := ag.CrossEntropy(logits, []int{3, 7}).Value.Data[0]
	if math.Abs(float64(got)-math.Log(10)) > 1e-6 {
		t.Fatalf("CrossEntropy(uniform) = %v, want log 10 = %v", got, math.Log(10))
	}
	// Large logits must not overflow.
	big := ag.New(tensor.FromSlice([]float32{1000, 0, -1000}, 1, 3))
	if v := ag.CrossEntropy(big, []int{0}).Value.Data[0]; v != 0 || math.IsNaN(float64(v)) {
		t.Fatalf("CrossEntropy(confident) = %v, want 0", v)
	}
}

// TestCrossEntropyRows checks the plain-slice loss against the graph's:
// the same value, and a gradient equal to what Backward gives the logits.
func TestCrossEntropyRows(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	for _, tc := range []struct{ n, k int }{{1, 10}, {3, 10}, {5, 2}, {4, 7}} {
		t.Run(fmt.Sprintf("%dx%d", tc.n, tc.k), func(t *testing.T) {
			x := tensor.New(tc.n, tc.k)
			for i := range x.Data {
				x.Data[i] = float32(r.NormFloat64() * 3)
			}
			labels := make([]int, tc.n)
			for i := range labels {
				labels[i] = r.IntN(tc.k)
			}
			v := ag.New(x.Clone())
			loss := ag.CrossEntropy(v, labels)
			ag.Backward(loss, nil)
			grad := make([]float32, tc.n*tc.k)
			got := tensor.CrossEntropyRows(x.Data, tc.k, labels, grad)
			if d := math.Abs(float64(got - loss.Value.Data[0])); d > 1e-6*(1+math.Abs(float64(got))) {
				t.Errorf("CrossEntropyRows = %v, CrossEntropy = %v", got, loss.Value.Data[0])
			}
			for i := range grad {
				if d := math.Abs(float64(grad[i] - v.Grad.Data[i])); d > 1e-6 {
					t.Fatalf("gradient %d = %v, Backward gives %v", i, grad[i], v.Grad.Data[i])
				}
			}
		})
	}
}

// TestActivationValues checks each activation at points whose values
// follow from the definitions by hand.
func TestActivationValues(t *testing.T) {
	tests := []struct {
		act  ag.Act
		x    []float32
		want []float32
	}{
		{ag.Act{Kind: ag.ActReLU6}, []float32{-1, 0.5, 5.5, 7}, []float32{0, 0.5, 5.5, 6}},
		{ag.Act{Kind: ag.ActLeakyReLU, Alpha: 0.1}, []float32{-2, 3}, []float32{-0.2, 3}},
		{ag.Act{Kind: ag.ActSigmoid}, []float32{0, float32(math.Log(3))}, []float32{0.5, 0.75}},
		{ag.Act{Kind: ag.ActHardSwish}, []float32{-4, -1, 1, 4}, []float32{0, -1.0 / 3, 2.0 / 3, 4}},
	}
	for _, tc := range tests {
		got := make([]float32, len(tc.x))
		tc.act.Apply(tc.x, got)
		for i := range got {
			if math.Abs(float64(got[i]-tc.want[i])) > 1e-6 {
				t.Errorf("activation %d of %v = %v, want %v", tc.act.Kind, tc.x[i], got[i], tc.want[i])
			}
		}
	}
}

// TestZeroPad2DLayout checks where a padded plane's values land.
func TestZeroPad2DLayout(t *testing.T) {
	x := ag.New(tensor.FromSlice([]float32{1, 2, 3, 4}, 1, 1, 2, 2))
	y := ag.ZeroPad2D(x, ag.Pad4{Top: 1, Bottom: 0, Left: 0, Right: 2})
	want := []float32{
		0, 0, 0, 0,
		1, 2, 0, 0,
		3, 4, 0, 0,
	}
	if got := y.Value.Shape; fmt.Sprint(got) != "[1 1 3 4]" {
		t.Fatalf("shape = %v, want [1 1 3 4]", got)
	}
	for i, v := range y.Value.Data {
		if v != want[i] {
			t.Fatalf("padded = %v, want %v", y.Value.Data, want)
		}
	}
}
