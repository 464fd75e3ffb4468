package nn_test

import (
	"math/rand/v2"
	"testing"

	"cnnviz/core/nn"
	"cnnviz/core/tensor"
	"cnnviz/models"
)

// benchPlan returns a Plan of the named architecture (seeded random
// weights, as BenchmarkConvnetjsForward_1x28x28 uses) for batch n, and a
// seeded random input in 0..1.
func benchPlan(b *testing.B, arch string, n int) (*nn.Plan, []float32) {
	b.Helper()
	spec, err := models.Architecture(arch)
	if err != nil {
		b.Fatal(err)
	}
	net := nn.MustBuild(spec, 1)
	r := rand.New(rand.NewPCG(1, 1))
	return nn.NewPlan(net, n), randPixels(r, n*tensor.Numel(spec.Input))
}

func benchForward(b *testing.B, arch string) {
	p, x := benchPlan(b, arch, 1)
	b.ReportAllocs()
	for b.Loop() {
		p.Forward(x)
	}
}

func benchInputGradient(b *testing.B, arch string) {
	p, x := benchPlan(b, arch, 1)
	seed := make([]float32, 10)
	seed[3] = 1
	b.ReportAllocs()
	for b.Loop() {
		p.InputGradient(x, seed)
	}
}

// BenchmarkPlanForward_convnetjs is one 28×28 image through the ConvNetJS
// architecture; compare BenchmarkConvnetjsForward_1x28x28 (autograd).
func BenchmarkPlanForward_convnetjs(b *testing.B) { benchForward(b, "convnetjs") }

// BenchmarkPlanForward_mnist is one 28×28 image through the mnist
// architecture.
func BenchmarkPlanForward_mnist(b *testing.B) { benchForward(b, "mnist") }

// BenchmarkPlanInputGradient_convnetjs is a forward pass and the gradient
// of one logit with respect to the input; compare
// BenchmarkConvnetjsInputGradient_1x28x28.
func BenchmarkPlanInputGradient_convnetjs(b *testing.B) { benchInputGradient(b, "convnetjs") }

// BenchmarkPlanInputGradient_mnist is the same for the mnist architecture.
func BenchmarkPlanInputGradient_mnist(b *testing.B) { benchInputGradient(b, "mnist") }

// BenchmarkPlanTrainStep_convnetjs32 is one SGD-with-momentum step on a
// batch of 32 through a Plan: forward, the softmax cross-entropy gradient
// on the logits, Backward and the update; compare
// BenchmarkConvnetjsTrainStep_32x28x28.
func BenchmarkPlanTrainStep_convnetjs32(b *testing.B) {
	const n = 32
	p, x := benchPlan(b, "convnetjs", n)
	net := p.Net()
	opt := &nn.SGD{LR: 0.01, Momentum: 0.9}
	params := net.Params()
	seed := make([]float32, n*10)
	labels := make([]int, n)
	for i := range labels {
		labels[i] = i % 10
	}
	b.ReportAllocs()
	for b.Loop() {
		net.ZeroGrad()
		tensor.CrossEntropyRows(p.Forward(x), 10, labels, seed)
		p.Backward(seed)
		opt.Step(params)
	}
}

// BenchmarkPlanActivation is the forward pass and input gradient of one
// elementwise layer on a 16×28×28 map (then a global average and a dense
// layer), per kind; the relu case is the baseline.
func BenchmarkPlanActivation(b *testing.B) {
	for _, kind := range []string{nn.KindReLU, nn.KindReLU6, nn.KindLeakyReLU, nn.KindSigmoid, nn.KindHardSwish, nn.KindZeroPad2D} {
		b.Run(kind, func(b *testing.B) {
			spec := nn.Spec{Name: "act", Input: []int{16, 28, 28}, Classes: []string{"a", "b"}, Layers: []nn.LayerSpec{
				{Name: "act", Kind: kind, Alpha: 0.1, Padding: [4]int{1, 1, 1, 1}},
				{Name: "gap", Kind: nn.KindGlobalAvgPool}, {Name: "fc", Kind: nn.KindDense, Units: 2}}}
			p := nn.NewPlan(nn.MustBuild(spec, 1), 1)
			x := randPixels(rand.New(rand.NewPCG(1, 1)), tensor.Numel(spec.Input))
			seed := []float32{1, 0}
			b.ReportAllocs()
			for b.Loop() {
				p.InputGradient(x, seed)
			}
		})
	}
}
