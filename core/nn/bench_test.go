package nn

import (
	"math/rand/v2"
	"testing"

	ag "cnnviz/core/autograd"
	"cnnviz/core/tensor"
)

func benchInput(n int) *tensor.Tensor {
	r := rand.New(rand.NewPCG(1, 1))
	x := tensor.New(n, 1, 28, 28)
	for i := range x.Data {
		x.Data[i] = float32(r.Float64())
	}
	return x
}

// BenchmarkConvnetjsForward_1x28x28 is the forward pass of one image.
func BenchmarkConvnetjsForward_1x28x28(b *testing.B) {
	m := MustBuild(convnetjs(), 1)
	x := ag.Constant(benchInput(1))
	for b.Loop() {
		m.Forward(x, nil)
	}
}

// BenchmarkConvnetjsInputGradient_1x28x28 is one forward pass plus the
// gradient of one logit with respect to the input.
func BenchmarkConvnetjsInputGradient_1x28x28(b *testing.B) {
	m := MustBuild(convnetjs(), 1)
	onehot := tensor.New(1, 10)
	onehot.Data[3] = 1
	for b.Loop() {
		x := ag.New(benchInput(1))
		ag.Backward(ag.Dot(m.Forward(x, nil), onehot), nil)
	}
}

// BenchmarkConvnetjsTrainStep_32x28x28 is one SGD-with-momentum step on a
// batch of 32 images.
func BenchmarkConvnetjsTrainStep_32x28x28(b *testing.B) {
	m := MustBuild(convnetjs(), 1)
	x := ag.Constant(benchInput(32))
	labels := make([]int, 32)
	for i := range labels {
		labels[i] = i % 10
	}
	opt := &SGD{LR: 0.01, Momentum: 0.9}
	for b.Loop() {
		m.ZeroGrad()
		ag.Backward(ag.CrossEntropy(m.Forward(x, nil), labels), nil)
		opt.Step(m.Params())
	}
}
