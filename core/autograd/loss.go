package autograd

import (
	"fmt"
	"math"

	"cnnviz/core/tensor"
)

// LogSoftmax returns log(softmax(x)) along the last dimension of x [N, K],
// computed stably.
func LogSoftmax(x *Var) *Var {
	xs := x.Value.Shape
	if len(xs) != 2 {
		panic(fmt.Sprintf("autograd: LogSoftmax needs [N, K], got %v", xs))
	}
	n, k := xs[0], xs[1]
	y := tensor.New(n, k)
	for i := 0; i < n; i++ {
		tensor.LogSoftmax(x.Value.Data[i*k:(i+1)*k], y.Data[i*k:(i+1)*k])
	}
	out := result(y, x)
	out.backward = func() {
		gx := x.grad().Data
		for i := 0; i < n; i++ {
			g, yr := out.Grad.Data[i*k:(i+1)*k], y.Data[i*k:(i+1)*k]
			var s float32
			for _, v := range g {
				s += v
			}
			for j := range g {
				gx[i*k+j] += g[j] - float32(math.Exp(float64(yr[j])))*s
			}
		}
	}
	return out
}

// CrossEntropy returns the mean over the batch of −log softmax(logits)[label]
// for logits [N, K] and one label in [0, K) per row, as a scalar.
func CrossEntropy(logits *Var, labels []int) *Var {
	xs := logits.Value.Shape
	if len(xs) != 2 || len(labels) != xs[0] {
		panic(fmt.Sprintf("autograd: CrossEntropy of logits %v with %d labels", xs, len(labels)))
	}
	n, k := xs[0], xs[1]
	w := tensor.New(n, k)
	for i, l := range labels {
		if l < 0 || l >= k {
			panic(fmt.Sprintf("autograd: CrossEntropy label %d outside [0, %d)", l, k))
		}
		w.Data[i*k+l] = -1 / float32(n)
	}
	return Dot(LogSoftmax(logits), w)
}
