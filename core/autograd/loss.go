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
		logSoftmaxRow(y.Data[i*k:(i+1)*k], x.Value.Data[i*k:(i+1)*k])
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

// logSoftmaxRow writes log(softmax(x)) into dst.
func logSoftmaxRow(dst, x []float32) {
	m := x[0]
	for _, v := range x {
		m = max(m, v)
	}
	var s float64
	for _, v := range x {
		s += math.Exp(float64(v - m))
	}
	lse := m + float32(math.Log(s))
	for j, v := range x {
		dst[j] = v - lse
	}
}

// Softmax returns softmax(row) for one row of logits; a helper for
// predictions, outside the graph.
func Softmax(logits []float32) []float32 {
	p := make([]float32, len(logits))
	logSoftmaxRow(p, logits)
	for i, v := range p {
		p[i] = float32(math.Exp(float64(v)))
	}
	return p
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

// CrossEntropyRows is CrossEntropy on plain slices, for code that runs a
// network without a graph (nn.Plan): logits holds len(labels) rows of k
// values. It returns the mean over the rows of −log softmax(row)[label]
// and writes into grad (same length as logits) its gradient with respect
// to the logits, (softmax(row) − onehot(label)) / rows. It panics on
// mismatched lengths or a label outside [0, k).
func CrossEntropyRows(logits []float32, k int, labels []int, grad []float32) float32 {
	n := len(labels)
	if k < 1 || len(logits) != n*k || len(grad) != n*k {
		panic(fmt.Sprintf("autograd: CrossEntropyRows of %d logits, %d classes, %d labels, %d gradients", len(logits), k, n, len(grad)))
	}
	var loss float32
	for i, l := range labels {
		if l < 0 || l >= k {
			panic(fmt.Sprintf("autograd: CrossEntropyRows label %d outside [0, %d)", l, k))
		}
		g := grad[i*k : (i+1)*k]
		logSoftmaxRow(g, logits[i*k:(i+1)*k])
		loss -= g[l] / float32(n)
		for j, v := range g {
			g[j] = float32(math.Exp(float64(v))) / float32(n)
		}
		g[l] -= 1 / float32(n)
	}
	return loss
}
