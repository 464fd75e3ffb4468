package attribution

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"cnnviz/core/nn"
	"cnnviz/core/tensor"
)

// method is one attribution method under a uniform signature.
type method struct {
	name string
	f    func(m *nn.Sequential, x *tensor.Tensor, layer, class int) (*tensor.Tensor, error)
}

func methods() []method {
	return []method{
		{"CAM", func(m *nn.Sequential, x *tensor.Tensor, _, c int) (*tensor.Tensor, error) { return CAM(m, x, c) }},
		{"GradCAM", GradCAM},
		{"GradCAMPlusPlus", GradCAMPlusPlus},
		{"XGradCAM", XGradCAM},
		{"HiResCAM", HiResCAM},
		{"LayerCAM", LayerCAM},
		{"EigenCAM", func(m *nn.Sequential, x *tensor.Tensor, l, _ int) (*tensor.Tensor, error) { return EigenCAM(m, x, l) }},
		{"ScoreCAM", ScoreCAM},
		{"AblationCAM", AblationCAM},
		{"Saliency", func(m *nn.Sequential, x *tensor.Tensor, _, c int) (*tensor.Tensor, error) { return Saliency(m, x, c) }},
		{"GradientXInput", func(m *nn.Sequential, x *tensor.Tensor, _, c int) (*tensor.Tensor, error) {
			return GradientXInput(m, x, c)
		}},
		{"GuidedBackprop", func(m *nn.Sequential, x *tensor.Tensor, _, c int) (*tensor.Tensor, error) {
			return GuidedBackprop(m, x, c)
		}},
		{"Deconvnet", func(m *nn.Sequential, x *tensor.Tensor, _, c int) (*tensor.Tensor, error) { return Deconvnet(m, x, c) }},
		{"GuidedGradCAM", GuidedGradCAM},
		{"IntegratedGradients", func(m *nn.Sequential, x *tensor.Tensor, _, c int) (*tensor.Tensor, error) {
			a, gap, err := IntegratedGradients(m, x, c, IGOptions{Steps: 4, Baseline: BaselineBlur})
			if math.IsNaN(gap) || math.IsInf(gap, 0) {
				return nil, fmt.Errorf("completeness error %v", gap)
			}
			return a, err
		}},
		{"SmoothGrad", func(m *nn.Sequential, x *tensor.Tensor, _, c int) (*tensor.Tensor, error) {
			return SmoothGrad(m, x, c, SmoothGradOptions{Samples: 2, Seed: 1})
		}},
		{"Occlusion", func(m *nn.Sequential, x *tensor.Tensor, _, c int) (*tensor.Tensor, error) {
			return Occlusion(m, x, c, OcclusionOptions{Patch: 7, Stride: 7})
		}},
	}
}

func checkFinite(t *testing.T, what string, a []float32) {
	t.Helper()
	for i, v := range a {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			t.Fatalf("%s[%d] = %v, want a finite value", what, i, v)
		}
	}
	for _, p := range []Post{{}, {ReLU: true, Norm: NormMinMax}, {Abs: true, Norm: NormMaxAbs}, {Norm: NormMinMax}} {
		for i, v := range p.Apply(a) {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				t.Fatalf("%+v.Apply(%s)[%d] = %v, want a finite value", p, what, i, v)
			}
		}
	}
}

// TestFiniteEverywhere runs every method on the degenerate cases: constant
// inputs (0, 0.5, 1), a model whose weights are all zero (every gradient
// is zero, every activation constant), and a single-channel layer.
func TestFiniteEverywhere(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	mnist := arch(t, "mnist", 2)
	zero := arch(t, "mnist", 2)
	for _, p := range zero.Params() {
		p.Var.Value.Zero()
	}
	single := nn.MustBuild(tinySpec(9, 9, 1, 3, 3), 4)
	camLayer, _ := CAMLayer(mnist)
	type tc struct {
		name  string
		m     *nn.Sequential
		x     *tensor.Tensor
		layer int
	}
	constant := func(h, w int, v float32) *tensor.Tensor {
		x := tensor.New(1, h, w)
		x.Fill(v)
		return x
	}
	cases := []tc{
		{"constant0", mnist, constant(28, 28, 0), camLayer},
		{"constant0_conv1", mnist, constant(28, 28, 0), 0},
		{"constant_half", mnist, constant(28, 28, 0.5), camLayer},
		{"constant1_pool2", mnist, constant(28, 28, 1), 5},
		{"zero_weights", zero, image(r, 28, 28), camLayer},
		{"zero_weights_const", zero, constant(28, 28, 0), 2},
		{"single_channel", single, image(r, 9, 9), 1},
		{"single_channel_conv", single, image(r, 9, 9), 0},
		{"single_channel_const", single, constant(9, 9, 0.3), 1},
	}
	for _, c := range cases {
		for _, me := range methods() {
			t.Run(c.name+"/"+me.name, func(t *testing.T) {
				got, err := me.f(c.m, c.x, c.layer, 1)
				if err != nil {
					t.Fatal(err)
				}
				checkFinite(t, me.name, got.Data)
			})
		}
	}
}

// TestErrors checks that outside choices give errors, not panics.
func TestErrors(t *testing.T) {
	m := arch(t, "mnist", 1)
	x := tensor.New(1, 28, 28)
	for _, me := range methods() {
		if me.name == "EigenCAM" {
			continue // it takes no class
		}
		t.Run(me.name, func(t *testing.T) {
			if _, err := me.f(m, x, 7, 10); err == nil {
				t.Errorf("%s(class 10) gave no error, want one", me.name)
			}
		})
	}
	for _, layer := range []int{-1, 10, 11, 12} {
		if _, err := GradCAM(m, x, layer, 0); err == nil {
			t.Errorf("GradCAM(layer %d) gave no error, want one", layer)
		}
	}
	for _, tc := range []struct {
		in      string
		want    int
		wantErr bool
	}{{"conv4", 8, false}, {"3", 3, false}, {"12", 0, true}, {"nope", 0, true}, {"-1", 0, true}} {
		got, err := LayerIndex(m, tc.in)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("LayerIndex(%q) = %d, %v; want %d, error %v", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
	if _, err := WithInput(arch(t, "convnetjs", 1), []int{1, 56, 56}); err == nil {
		t.Error("WithInput(convnetjs, 56×56) gave no error, want one (its dense layer depends on the size)")
	}
}

// stepper is what all steppers share.
type stepper interface {
	Step() bool
	Progress() (int, int)
}

// TestSteppersMatchPlain: steppers with batch sizes 1 and 3, stepped one
// call at a time, give the plain function's result (up to float32
// rounding of the batched kernels), and progress counts up.
func TestSteppersMatchPlain(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	m := arch(t, "mnist", 6)
	randomBiases(m, r, 0.05)
	x := image(r, 28, 28)
	const layer, class = 7, 3 // relu3
	for _, batch := range []int{1, 3} {
		type run struct {
			name   string
			start  func() (stepper, func() *tensor.Tensor)
			plain  func() (*tensor.Tensor, error)
			relTol float64
		}
		runs := []run{
			{"ScoreCAM", func() (stepper, func() *tensor.Tensor) {
				s, _ := NewScoreCAM(m, x, layer, class, batch)
				return s, s.Map
			}, func() (*tensor.Tensor, error) { return ScoreCAM(m, x, layer, class) }, 1e-5},
			{"AblationCAM", func() (stepper, func() *tensor.Tensor) {
				s, _ := NewAblationCAM(m, x, layer, class, batch)
				return s, s.Map
			}, func() (*tensor.Tensor, error) { return AblationCAM(m, x, layer, class) }, 1e-3},
			{"IntegratedGradients", func() (stepper, func() *tensor.Tensor) {
				s, _ := NewIntegratedGradients(m, x, class, IGOptions{Steps: 7, Baseline: BaselineNoise, Seed: 3, Batch: batch})
				return s, s.Attribution
			}, func() (*tensor.Tensor, error) {
				a, _, err := IntegratedGradients(m, x, class, IGOptions{Steps: 7, Baseline: BaselineNoise, Seed: 3})
				return a, err
			}, 1e-5},
			{"SmoothGrad", func() (stepper, func() *tensor.Tensor) {
				s, _ := NewSmoothGrad(m, x, class, SmoothGradOptions{Samples: 7, Seed: 3, Batch: batch})
				return s, s.Attribution
			}, func() (*tensor.Tensor, error) {
				return SmoothGrad(m, x, class, SmoothGradOptions{Samples: 7, Seed: 3})
			}, 1e-5},
			{"Occlusion", func() (stepper, func() *tensor.Tensor) {
				s, _ := NewOcclusion(m, x, class, OcclusionOptions{Patch: 6, Stride: 5, Fill: 0.5, Batch: batch})
				return s, s.Attribution
			}, func() (*tensor.Tensor, error) {
				return Occlusion(m, x, class, OcclusionOptions{Patch: 6, Stride: 5, Fill: 0.5})
			}, 1e-3},
		}
		for _, rn := range runs {
			t.Run(fmt.Sprint(rn.name, "_batch", batch), func(t *testing.T) {
				s, result := rn.start()
				_, total := s.Progress()
				calls := 0
				for !s.Step() {
					calls++
					done, _ := s.Progress()
					if done != calls*batch {
						t.Fatalf("after %d Steps Progress = %d, want %d", calls, done, calls*batch)
					}
					checkFinite(t, "partial", result().Data)
				}
				if want := (total+batch-1)/batch - 1; calls != want {
					t.Errorf("Step returned false %d times, want %d", calls, want)
				}
				if !s.Step() {
					t.Error("Step after done returned false")
				}
				want := must(t)(rn.plain())
				got := result()
				if d, sc := maxAbsDiff(got.Data, want.Data); d > rn.relTol*sc+1e-7 {
					t.Errorf("stepper differs from the plain function by %g (scale %g)", d, sc)
				}
			})
		}
	}
}

// TestSeededBitForBit: seeded methods repeat exactly; another seed differs.
func TestSeededBitForBit(t *testing.T) {
	r := rand.New(rand.NewPCG(25, 26))
	m := arch(t, "convnetjs", 6)
	x := image(r, 28, 28)
	sg := func(seed uint64, batch int) *tensor.Tensor {
		return must(t)(SmoothGrad(m, x, 2, SmoothGradOptions{Samples: 6, Seed: seed, Batch: batch}))
	}
	ig := func(seed uint64, batch int) *tensor.Tensor {
		a, _, err := IntegratedGradients(m, x, 2, IGOptions{Steps: 6, Baseline: BaselineNoise, Seed: seed, Batch: batch})
		return must(t)(a, err)
	}
	for name, f := range map[string]func(uint64, int) *tensor.Tensor{"SmoothGrad": sg, "IntegratedGradients": ig} {
		t.Run(name, func(t *testing.T) {
			a, b := f(7, 2), f(7, 2)
			for i := range a.Data {
				if math.Float32bits(a.Data[i]) != math.Float32bits(b.Data[i]) {
					t.Fatalf("seed 7 twice: [%d] = %v then %v", i, a.Data[i], b.Data[i])
				}
			}
			if d, _ := maxAbsDiff(a.Data, f(8, 2).Data); d == 0 {
				t.Error("seeds 7 and 8 gave the same map")
			}
		})
	}
}

func TestUpsample(t *testing.T) {
	for _, tc := range []struct {
		name     string
		in       []float32
		h, w     int
		oh, ow   int
		bilinear bool
		want     []float32
	}{
		{"nearest_2x", []float32{1, 2, 3, 4}, 2, 2, 4, 4, false, []float32{1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}},
		{"bilinear_row", []float32{0, 1}, 1, 2, 1, 4, true, []float32{0, 0.25, 0.75, 1}},
		{"bilinear_col", []float32{0, 4}, 2, 1, 4, 1, true, []float32{0, 1, 3, 4}},
		{"bilinear_identity", []float32{1, 5, -2, 3}, 2, 2, 2, 2, true, []float32{1, 5, -2, 3}},
		{"nearest_down", []float32{1, 2, 3, 4, 5, 6, 7, 8, 9}, 3, 3, 1, 1, false, []float32{5}},
		{"constant", []float32{3, 3, 3, 3}, 2, 2, 5, 3, true, []float32{3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Upsample(tc.in, tc.h, tc.w, tc.oh, tc.ow, tc.bilinear)
			if d, _ := maxAbsDiff(got, tc.want); d > 1e-6 {
				t.Errorf("Upsample(%v, %d, %d, %d, %d, %v) = %v, want %v", tc.in, tc.h, tc.w, tc.oh, tc.ow, tc.bilinear, got, tc.want)
			}
		})
	}
}

func TestPost(t *testing.T) {
	in := []float32{-2, 0, 1, 3}
	for _, tc := range []struct {
		p    Post
		in   []float32
		want []float32
	}{
		{Post{}, in, []float32{-2, 0, 1, 3}},
		{Post{ReLU: true}, in, []float32{0, 0, 1, 3}},
		{Post{Abs: true}, in, []float32{2, 0, 1, 3}},
		{Post{Norm: NormMinMax}, in, []float32{0, 0.4, 0.6, 1}},
		{Post{Norm: NormMaxAbs}, in, []float32{-2.0 / 3, 0, 1.0 / 3, 1}},
		{Post{ReLU: true, Norm: NormMinMax}, in, []float32{0, 0, 1.0 / 3, 1}},
		{Post{Norm: NormMinMax}, []float32{2, 2}, []float32{0, 0}},
		{Post{Norm: NormMaxAbs}, []float32{0, 0}, []float32{0, 0}},
	} {
		t.Run(fmt.Sprintf("%+v", tc.p), func(t *testing.T) {
			got := tc.p.Apply(tc.in)
			if d, _ := maxAbsDiff(got, tc.want); d > 1e-6 {
				t.Errorf("%+v.Apply(%v) = %v, want %v", tc.p, tc.in, got, tc.want)
			}
		})
	}
	if in[0] != -2 {
		t.Error("Apply changed its input")
	}
}

func TestBlurKeepsMeanAndConstants(t *testing.T) {
	x := make([]float32, 2*7*9)
	for i := range x {
		x[i] = 0.25
	}
	for i, v := range Blur(x, 7, 9, 1.5) {
		if math.Abs(float64(v)-0.25) > 1e-6 {
			t.Fatalf("Blur(constant 0.25)[%d] = %v, want 0.25", i, v)
		}
	}
	// A centred impulse far from the borders keeps its total and spreads.
	y := make([]float32, 21*21)
	y[10*21+10] = 1
	b := Blur(y, 21, 21, 1)
	var s float64
	for _, v := range b {
		s += float64(v)
	}
	if math.Abs(s-1) > 1e-5 || b[10*21+10] >= 0.5 || b[10*21+11] <= 0 {
		t.Errorf("Blur(impulse): total %v (want 1), centre %v (want < 0.5), neighbour %v (want > 0)", s, b[10*21+10], b[10*21+11])
	}
}

func TestReduceChannels(t *testing.T) {
	a := []float32{1, -2, 3, -4, 5, 1}
	if got, want := ReduceChannels(a, 2, ReduceSum), []float32{-3, 3, 4}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("ReduceChannels(sum) = %v, want %v", got, want)
	}
	if got, want := ReduceChannels(a, 2, ReduceMaxAbs), []float32{4, 5, 3}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("ReduceChannels(maxabs) = %v, want %v", got, want)
	}
}

func TestAutoBatch(t *testing.T) {
	for _, tc := range []struct {
		name       string
		grad       bool
		want       int
		wantFLOPsM float64 // forward MFLOPs, from the layer sizes by hand
	}{
		// mnist: conv1 at 28×28, conv2 at 14×14, conv3 and conv4 at 7×7, fc 10×64.
		{"mnist", false, 2, 2 * (16*9*784 + 32*144*196 + 48*288*49 + 64*432*49 + 640) / 1e6},
		{"mnist", true, 1, 0},
		// convnetjs: conv1 at 28×28, conv2 at 14×14, fc 10×(16·4·4).
		{"convnetjs", false, 10, 2 * (8*25*784 + 16*200*196 + 10*256) / 1e6},
		{"convnetjs", true, 3, 0},
	} {
		m := arch(t, tc.name, 1)
		if got := AutoBatch(m, tc.grad); got != tc.want {
			t.Errorf("AutoBatch(%s, grad %v) = %d, want %d", tc.name, tc.grad, got, tc.want)
		}
		if tc.wantFLOPsM > 0 {
			if got := ForwardFLOPs(m) / 1e6; math.Abs(got-tc.wantFLOPsM) > 1e-9 {
				t.Errorf("ForwardFLOPs(%s) = %v M, want %v M", tc.name, got, tc.wantFLOPsM)
			}
		}
	}
}
