package tensor

import (
	"fmt"
	"math"
	"testing"
)

// softmax64 is softmax from its definition, in float64, shifted by the
// largest logit so that large logits stay finite.
func softmax64(x []float32) []float64 {
	m := math.Inf(-1)
	for _, v := range x {
		m = math.Max(m, float64(v))
	}
	p := make([]float64, len(x))
	var s float64
	for i, v := range x {
		p[i] = math.Exp(float64(v) - m)
		s += p[i]
	}
	for i := range p {
		p[i] /= s
	}
	return p
}

func TestSoftmax(t *testing.T) {
	for _, x := range [][]float32{
		{0},
		{1, 2, 3},
		{-1, 0, 1, 2.5, -7},
		{1000, 0, -1000}, // exp(1000) overflows without the shift
		{-1000, -1001},
	} {
		t.Run(fmt.Sprint(x), func(t *testing.T) {
			got, want := Softmax(x), softmax64(x)
			for i := range got {
				// float32 logits near ±1000 carry about 6e-5 of rounding.
				if math.Abs(float64(got[i])-want[i]) > 1e-4 {
					t.Fatalf("Softmax(%v) = %v, want %v", x, got, want)
				}
			}
			logp := make([]float32, len(x))
			LogSoftmax(x, logp)
			for i := range logp {
				// log of a probability that underflows is still finite.
				lw := float64(x[i]) - float64(x[0]) + math.Log(want[0])
				if math.Abs(float64(logp[i])-lw) > 1e-4*(1+math.Abs(lw)) {
					t.Fatalf("LogSoftmax(%v)[%d] = %v, want %v", x, i, logp[i], lw)
				}
			}
		})
	}
}

// TestCrossEntropyRows checks the loss and its gradient against their
// definitions: the mean of −log softmax(row)[label] and
// (softmax(row) − onehot(label)) / rows.
func TestCrossEntropyRows(t *testing.T) {
	const k = 4
	logits := []float32{1, 2, 3, 4, -2, 0, 2, 0.5, 300, -300, 0, 1}
	labels := []int{3, 0, 1}
	n := len(labels)
	grad := make([]float32, len(logits))
	for i := range grad {
		grad[i] = 99 // overwritten
	}
	got := CrossEntropyRows(logits, k, labels, grad)
	var want float64
	for i, l := range labels {
		p := softmax64(logits[i*k : (i+1)*k])
		lp := float64(logits[i*k+l]) - float64(logits[i*k]) + math.Log(p[0])
		want -= lp / float64(n)
		for j := range p {
			g := p[j]
			if j == l {
				g--
			}
			g /= float64(n)
			if d := math.Abs(float64(grad[i*k+j]) - g); d > 1e-6 {
				t.Errorf("gradient [%d, %d] = %v, want %v", i, j, grad[i*k+j], g)
			}
		}
	}
	if math.Abs(float64(got)-want) > 1e-4*(1+math.Abs(want)) {
		t.Errorf("CrossEntropyRows = %v, want %v", got, want)
	}
	for _, bad := range []int{-1, k} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("CrossEntropyRows with label %d did not panic", bad)
				}
			}()
			CrossEntropyRows(logits[:k], k, []int{bad}, grad[:k])
		}()
	}
}
