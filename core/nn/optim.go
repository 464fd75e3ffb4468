package nn

import (
	"fmt"
	"math"
)

// Optimizer updates parameters from their gradients.
type Optimizer interface {
	// Step applies one update to params (always the same list, in the same
	// order) using their current Grad.
	Step(params []Param)
}

// SGD is stochastic gradient descent with momentum and L2 weight decay:
// v ← μ·v + (g + λ·w); w ← w − η·v.
type SGD struct {
	LR, Momentum, WeightDecay float32
	// Velocity holds one buffer per parameter once Step has run; a
	// checkpoint saves and restores it.
	Velocity [][]float32
}

// Step applies one update.
func (o *SGD) Step(params []Param) {
	if o.Velocity == nil {
		o.Velocity = make([][]float32, len(params))
		for i, p := range params {
			o.Velocity[i] = make([]float32, p.Var.Value.Size())
		}
	}
	checkState("SGD", len(o.Velocity), params)
	for i, p := range params {
		if p.Var.Grad == nil {
			continue
		}
		w, g, v := p.Var.Value.Data, p.Var.Grad.Data, o.Velocity[i]
		for j := range w {
			v[j] = o.Momentum*v[j] + g[j] + o.WeightDecay*w[j]
			w[j] -= o.LR * v[j]
		}
	}
}

// Adam is the Adam optimizer of Kingma and Ba with decoupled weight decay
// (AdamW): w ← w − η·(m̂/(√v̂ + ε) + λ·w). Zero Beta1, Beta2 and Eps take the
// usual 0.9, 0.999 and 1e-8.
type Adam struct {
	LR, Beta1, Beta2, Eps, WeightDecay float32
	// T counts the steps taken; M and V are the first and second moment
	// buffers, one per parameter once Step has run. A checkpoint saves and
	// restores them.
	T    int
	M, V [][]float32
}

// Step applies one update.
func (o *Adam) Step(params []Param) {
	if o.Beta1 == 0 {
		o.Beta1 = 0.9
	}
	if o.Beta2 == 0 {
		o.Beta2 = 0.999
	}
	if o.Eps == 0 {
		o.Eps = 1e-8
	}
	if o.M == nil {
		o.M = make([][]float32, len(params))
		o.V = make([][]float32, len(params))
		for i, p := range params {
			o.M[i] = make([]float32, p.Var.Value.Size())
			o.V[i] = make([]float32, p.Var.Value.Size())
		}
	}
	checkState("Adam", len(o.M), params)
	o.T++
	c1 := 1 - float32(math.Pow(float64(o.Beta1), float64(o.T)))
	c2 := 1 - float32(math.Pow(float64(o.Beta2), float64(o.T)))
	for i, p := range params {
		if p.Var.Grad == nil {
			continue
		}
		w, g, m, v := p.Var.Value.Data, p.Var.Grad.Data, o.M[i], o.V[i]
		for j := range w {
			m[j] = o.Beta1*m[j] + (1-o.Beta1)*g[j]
			v[j] = o.Beta2*v[j] + (1-o.Beta2)*g[j]*g[j]
			mh, vh := m[j]/c1, v[j]/c2
			w[j] -= o.LR * (mh/(float32(math.Sqrt(float64(vh)))+o.Eps) + o.WeightDecay*w[j])
		}
	}
}

func checkState(name string, n int, params []Param) {
	if n != len(params) {
		panic(fmt.Sprintf("nn: %s was used with %d parameters and now gets %d", name, n, len(params)))
	}
}
