package attack

import (
	"math"

	"cnnviz/core/nn"
	"cnnviz/core/tensor"
)

// scorer runs a network on a batch through a Plan and turns logits into
// losses, probabilities and predictions.
type scorer struct {
	plan      *nn.Plan
	batch     int
	size      int // values per image
	classes   int
	seed      []float32
	probs     []float32 // [batch, classes] of the last call
	forwards  int       // images run forward
	backwards int       // images run backward
}

func newScorer(m *nn.Sequential, batch int) *scorer {
	k := len(m.Spec.Classes)
	return &scorer{
		plan: nn.NewPlan(m, batch), batch: batch, size: tensor.Numel(m.Spec.Input), classes: k,
		seed: make([]float32, batch*k), probs: make([]float32, batch*k),
	}
}

// forward runs x ([batch, C, H, W]) and fills s.probs; it returns the
// predictions in pred.
func (s *scorer) forward(x []float32, pred []int) {
	logits := s.plan.Forward(x)
	s.forwards += s.batch
	s.softmax(logits, pred)
}

// softmax writes the probabilities of logits into s.probs and the
// arg-max of each image into pred.
func (s *scorer) softmax(logits []float32, pred []int) {
	k := s.classes
	for b := range s.batch {
		l, p := logits[b*k:(b+1)*k], s.probs[b*k:(b+1)*k]
		best := 0
		for j, v := range l {
			if v > l[best] {
				best = j
			}
		}
		pred[b] = best
		var sum float64
		for j, v := range l {
			e := math.Exp(float64(v - l[best]))
			p[j] = float32(e)
			sum += e
		}
		for j := range p {
			p[j] = float32(float64(p[j]) / sum)
		}
	}
}

// lossGrad runs x and returns the gradient with respect to x of the sum
// of each image's attack loss: the cross-entropy of class[b], or, when
// targeted, minus it (so that ascent moves toward class[b]). It writes
// the losses into loss and the predictions into pred. The gradient is a
// view into the plan.
func (s *scorer) lossGrad(x []float32, class []int, targeted bool, loss []float64, pred []int) []float32 {
	logits := s.plan.Forward(x)
	s.softmax(logits, pred)
	k := s.classes
	sign := float32(1)
	if targeted {
		sign = -1
	}
	for b := range s.batch {
		p, sd := s.probs[b*k:(b+1)*k], s.seed[b*k:(b+1)*k]
		for j, v := range p {
			sd[j] = sign * v
		}
		sd[class[b]] -= sign
		ce := -math.Log(max(float64(p[class[b]]), 1e-30))
		loss[b] = float64(sign) * ce
	}
	s.forwards += s.batch
	s.backwards += s.batch
	return s.plan.InputGradientAfter(s.seed)
}
