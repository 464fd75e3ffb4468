package tensor

import (
	"fmt"
	"math"
)

// LogSoftmax writes log(softmax(x)) into y for one row of logits x,
// computed stably (the largest logit is subtracted before exponentiating,
// and the sum is taken in float64). It panics when x is empty or the
// lengths differ.
func LogSoftmax(x, y []float32) {
	if len(x) == 0 || len(y) != len(x) {
		panic(fmt.Sprintf("tensor: LogSoftmax of %d values into %d", len(x), len(y)))
	}
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
		y[j] = v - lse
	}
}

// Softmax returns softmax(logits) for one row of logits, in a new slice:
// the class probabilities of a prediction. It panics when logits is empty.
func Softmax(logits []float32) []float32 {
	p := make([]float32, len(logits))
	LogSoftmax(logits, p)
	for i, v := range p {
		p[i] = float32(math.Exp(float64(v)))
	}
	return p
}

// CrossEntropyRows is the softmax cross-entropy loss of a classifier on
// plain slices, for code that runs a network without a graph (nn.Plan):
// logits holds len(labels) rows of k values. It returns the mean over the
// rows of −log softmax(row)[label] and writes into grad (same length as
// logits) its gradient with respect to the logits,
// (softmax(row) − onehot(label)) / rows. It panics on mismatched lengths
// or a label outside [0, k).
func CrossEntropyRows(logits []float32, k int, labels []int, grad []float32) float32 {
	n := len(labels)
	if k < 1 || len(logits) != n*k || len(grad) != n*k {
		panic(fmt.Sprintf("tensor: CrossEntropyRows of %d logits, %d classes, %d labels, %d gradients", len(logits), k, n, len(grad)))
	}
	var loss float32
	for i, l := range labels {
		if l < 0 || l >= k {
			panic(fmt.Sprintf("tensor: CrossEntropyRows label %d outside [0, %d)", l, k))
		}
		g := grad[i*k : (i+1)*k]
		LogSoftmax(logits[i*k:(i+1)*k], g)
		loss -= g[l] / float32(n)
		for j, v := range g {
			g[j] = float32(math.Exp(float64(v))) / float32(n)
		}
		g[l] -= 1 / float32(n)
	}
	return loss
}
