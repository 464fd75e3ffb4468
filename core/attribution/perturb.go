package attribution

import (
	"math"

	ag "cnnviz/core/autograd"
	"cnnviz/core/nn"
	"cnnviz/core/tensor"
)

// StepFLOPs is the work a stepper aims to do per Step when its options
// leave Batch at 0: 16 million floating-point operations, roughly 4 ms
// natively (measured: one 28×28 forward pass of the mnist model, 6.1
// MFLOP, took 1.5 ms on a busy 2-core machine) and a few times that under
// WebAssembly. AutoBatch turns it into images per Step.
const StepFLOPs = 16e6

// AutoBatch returns how many images of m fit in one Step of StepFLOPs:
// forward passes only, or forward and backward (about three times the
// work) when grad is set; at least 1. For the built-in 28×28 models it is
// 2 (mnist) and 10 (convnetjs) forward-only, 1 and 3 with gradients.
func AutoBatch(m *nn.Sequential, grad bool) int {
	f := ForwardFLOPs(m)
	if grad {
		f *= 3
	}
	return max(1, int(StepFLOPs/max(f, 1)))
}

// ForwardFLOPs estimates the floating-point operations of one image's
// forward pass through m: two per multiply-add of the conv and dense
// layers, the rest ignored.
func ForwardFLOPs(m *nn.Sequential) float64 {
	var f float64
	for i, l := range m.Layers {
		out := m.OutShape(i)
		switch l := l.(type) {
		case *nn.Conv2D:
			ws := l.W.Value.Shape // [OC, C, KH, KW]
			f += 2 * float64(ws[0]*ws[1]*ws[2]*ws[3]) * float64(out[1]*out[2])
		case *nn.Dense:
			f += 2 * float64(l.W.Value.Size())
		}
	}
	return f
}

// CAMStepper computes a perturbation CAM (Score-CAM or Ablation-CAM) a few
// channels per Step: each channel's weight needs one forward pass. Between
// Steps, Map gives the sum over the channels done so far.
type CAMStepper struct {
	a       *tensor.Tensor // activations [C, H, W]
	weights []float64      // one per channel, valid for channels < next
	next    int
	batch   int
	eval    func(ks []int) []float64 // weights of channels ks
}

// Step computes the weights of up to Batch more channels in one batched
// forward pass and reports whether every channel is done.
func (s *CAMStepper) Step() bool {
	c := s.a.Shape[0]
	if s.next >= c {
		return true
	}
	end := min(s.next+s.batch, c)
	ks := make([]int, 0, end-s.next)
	for k := s.next; k < end; k++ {
		ks = append(ks, k)
	}
	for i, w := range s.eval(ks) {
		s.weights[ks[i]] = w
	}
	s.next = end
	return s.next >= c
}

// Progress returns how many channels are done and how many there are.
func (s *CAMStepper) Progress() (done, total int) { return s.next, s.a.Shape[0] }

// Map returns Σ_c w_c·A_c over the channels done so far: shape [H, W] at
// the layer's resolution, raw (no ReLU, no normalization).
func (s *CAMStepper) Map() *tensor.Tensor {
	w := make([]float64, len(s.weights))
	copy(w, s.weights[:s.next])
	return weightedSum(s.a, w)
}

// Weights returns a copy of the channel weights found so far (0 for
// channels not yet done).
func (s *CAMStepper) Weights() []float64 { return append([]float64(nil), s.weights...) }

func run(s interface{ Step() bool }) {
	for !s.Step() {
	}
}

// NewScoreCAM starts Score-CAM (Wang et al. 2020) on layer for class. For
// each channel k, the activation map A_k is upsampled (bilinear) to the
// input size and min-max normalised to [0, 1]; the input is multiplied by
// that mask, and the channel's weight is the softmax probability of class
// for the masked input (a constant channel, which carries no location,
// gets weight 0 and costs no forward pass). The map is Σ_k w_k·A_k. batch
// channels go through one forward per Step (0 means AutoBatch). It
// returns an error for a bad layer or class and panics when x does not
// have the model's input shape. The stepper reads m's weights as it goes:
// do not change them until it is done.
func NewScoreCAM(m *nn.Sequential, x *tensor.Tensor, layer, class, batch int) (*CAMStepper, error) {
	if err := checkLayer(m, layer); err != nil {
		return nil, err
	}
	if err := checkClass(m, class); err != nil {
		return nil, err
	}
	checkInput(m, x)
	a := forwardTo(m, x, layer)
	ci, h, w := m.Spec.Input[0], m.Spec.Input[1], m.Spec.Input[2]
	ah, aw := a.Shape[1], a.Shape[2]
	s := &CAMStepper{a: a, weights: make([]float64, a.Shape[0]), batch: batchOr(batch, m, false)}
	s.eval = func(ks []int) []float64 {
		out := make([]float64, len(ks))
		var xs []float32
		var idx []int
		for i, k := range ks {
			mask := Upsample(a.Data[k*ah*aw:(k+1)*ah*aw], ah, aw, h, w, true)
			mask = Post{Norm: NormMinMax}.Apply(mask)
			var any bool
			for _, v := range mask {
				if v != 0 {
					any = true
					break
				}
			}
			if !any {
				continue // constant channel: weight 0
			}
			for c := 0; c < ci; c++ {
				for p, mv := range mask {
					xs = append(xs, x.Data[c*h*w+p]*mv)
				}
			}
			idx = append(idx, i)
		}
		if len(idx) == 0 {
			return out
		}
		probs := ClassProbs(m, xs, len(idx), class)
		for j, i := range idx {
			out[i] = float64(probs[j])
		}
		return out
	}
	return s, nil
}

// ScoreCAM runs NewScoreCAM to completion and returns its map [H, W].
func ScoreCAM(m *nn.Sequential, x *tensor.Tensor, layer, class int) (*tensor.Tensor, error) {
	s, err := NewScoreCAM(m, x, layer, class, 0)
	if err != nil {
		return nil, err
	}
	run(s)
	return s.Map(), nil
}

// NewAblationCAM starts Ablation-CAM (Desai and Ramaswamy 2020) on layer
// for class. With y the class logit and y_k the logit when channel k of
// layer's output is set to 0 (the top of the network rerun with
// ForwardFrom), the weight of channel k is (y − y_k)/|y|, the paper's
// relative drop (the paper divides by y, which is the same when y > 0;
// |y| keeps the sign meaningful otherwise, and |y| < 1e-6 divides by 1
// instead). The map is Σ_k w_k·A_k. Batch, errors and panics as
// NewScoreCAM.
func NewAblationCAM(m *nn.Sequential, x *tensor.Tensor, layer, class, batch int) (*CAMStepper, error) {
	if err := checkLayer(m, layer); err != nil {
		return nil, err
	}
	if err := checkClass(m, class); err != nil {
		return nil, err
	}
	checkInput(m, x)
	a, trace := traceTo(m, x, layer)
	hw := a.Shape[1] * a.Shape[2]
	f := frozen(m, ag.ReLUGradient)
	top := func(xs []float32, n int) []float32 {
		y := f.ForwardFrom(layer+1, ag.Constant(tensor.FromSlice(xs, batchShape(n, a.Shape)...)), trace, nil)
		k := y.Value.Shape[1]
		out := make([]float32, n)
		for i := range out {
			out[i] = y.Value.Data[i*k+class]
		}
		return out
	}
	y := float64(top(append([]float32(nil), a.Data...), 1)[0])
	den := math.Abs(y)
	if den < 1e-6 {
		den = 1
	}
	s := &CAMStepper{a: a, weights: make([]float64, a.Shape[0]), batch: batchOr(batch, m, false)}
	s.eval = func(ks []int) []float64 {
		xs := make([]float32, 0, len(ks)*len(a.Data))
		for _, k := range ks {
			start := len(xs)
			xs = append(xs, a.Data...)
			clear(xs[start+k*hw : start+(k+1)*hw])
		}
		yk := top(xs, len(ks))
		out := make([]float64, len(ks))
		for i, v := range yk {
			out[i] = (y - float64(v)) / den
		}
		return out
	}
	return s, nil
}

// AblationCAM runs NewAblationCAM to completion and returns its map [H, W].
func AblationCAM(m *nn.Sequential, x *tensor.Tensor, layer, class int) (*tensor.Tensor, error) {
	s, err := NewAblationCAM(m, x, layer, class, 0)
	if err != nil {
		return nil, err
	}
	run(s)
	return s.Map(), nil
}

// batchOr returns b, or AutoBatch(m, grad) when b <= 0.
func batchOr(b int, m *nn.Sequential, grad bool) int {
	if b <= 0 {
		return AutoBatch(m, grad)
	}
	return b
}
