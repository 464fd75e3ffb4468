package attribution

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"cnnviz/core/nn"
	"cnnviz/core/tensor"
)

// All maps of this file are RAW: shape [H, W] at the chosen layer's
// resolution, signed, unnormalized, and without the final ReLU that the
// papers apply (see Post for ReLU and normalization). Sums run in float64.

// CAMLayer returns the index of the layer that CAM works on: the input of
// the global average pooling of a model that ends in globalavgpool and
// dense. Other models get an error.
func CAMLayer(m *nn.Sequential) (int, error) {
	n := len(m.Layers)
	if n < 3 {
		return 0, fmt.Errorf("CAM needs a model ending in globalavgpool and dense; %q has %d layers", m.Spec.Name, n)
	}
	if _, ok := m.Layers[n-1].(*nn.Dense); !ok {
		return 0, fmt.Errorf("CAM needs a model ending in globalavgpool and dense; %q ends in %s", m.Spec.Name, m.Spec.Layers[n-1].Kind)
	}
	if j := m.Spec.Prev(n - 1); j < 0 || m.Spec.Layers[j].Kind != nn.KindGlobalAvgPool {
		return 0, fmt.Errorf("CAM needs a model ending in globalavgpool and dense; in %q the dense layer follows %s (use Grad-CAM instead)", m.Spec.Name, m.Spec.Layers[max(j, 0)].Kind)
	}
	return n - 3, nil
}

// CAM is the class activation map of Zhou et al. (2016): Σ_c w[class,c]·A_c
// where A [C, H, W] is the output of the layer feeding the global average
// pooling (CAMLayer) and w the dense layer's weights. The dense bias is
// left out, as in the paper. It returns an error for models that do not
// end in globalavgpool and dense, or for a bad class. It panics when x
// does not have the model's input shape.
func CAM(m *nn.Sequential, x *tensor.Tensor, class int) (*tensor.Tensor, error) {
	layer, err := CAMLayer(m)
	if err != nil {
		return nil, err
	}
	if err := checkClass(m, class); err != nil {
		return nil, err
	}
	checkInput(m, x)
	a := forwardTo(m, x, layer)
	w := m.Layers[len(m.Layers)-1].(*nn.Dense).W.Value
	c := a.Shape[0]
	weights := make([]float64, c)
	for k := range weights {
		weights[k] = float64(w.Data[class*c+k])
	}
	return weightedSum(a, weights), nil
}

// weightedSum returns Σ_c weights[c]·a[c] for a [C, H, W]: shape [H, W].
func weightedSum(a *tensor.Tensor, weights []float64) *tensor.Tensor {
	c, h, w := a.Shape[0], a.Shape[1], a.Shape[2]
	hw := h * w
	acc := make([]float64, hw)
	for k := 0; k < c; k++ {
		wk := weights[k]
		if wk == 0 {
			continue
		}
		for i, v := range a.Data[k*hw : (k+1)*hw] {
			acc[i] += wk * float64(v)
		}
	}
	return toMap(acc, h, w)
}

// toMap converts a float64 accumulator to an [h, w] tensor, replacing any
// non-finite value (possible only from overflow) by 0.
func toMap(acc []float64, h, w int) *tensor.Tensor {
	out := tensor.New(h, w)
	for i, v := range acc {
		f := float32(v)
		if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
			f = 0
		}
		out.Data[i] = f
	}
	return out
}

// gradMethod computes a CAM-family map from activations a and gradients g
// (both [C, H, W]).
type gradMethod func(a, g *tensor.Tensor) *tensor.Tensor

// gradCAM runs method on the activations of layer and the gradient of the
// logit of class with respect to them.
func gradCAM(m *nn.Sequential, x *tensor.Tensor, layer, class int, method gradMethod) (*tensor.Tensor, error) {
	if err := checkLayer(m, layer); err != nil {
		return nil, err
	}
	if err := checkClass(m, class); err != nil {
		return nil, err
	}
	checkInput(m, x)
	a, g, _ := featureGrad(m, x, layer, class)
	return method(a, g), nil
}

// GradCAM is Grad-CAM (Selvaraju et al. 2017): each channel's weight is the
// spatial mean of the gradient of the class logit with respect to it,
// α_c = mean_ij ∂y/∂A_c[i,j], and the map is Σ_c α_c·A_c at the resolution
// of layer (any layer with a [C, H, W] output, chosen by index). The paper's
// final ReLU is left to Post. It returns an error for a layer without a
// spatial output or a bad class, and panics when x does not have the
// model's input shape.
//
// For a model ending in globalavgpool and dense, Grad-CAM on the layer
// feeding the pooling equals CAM / (H·W) exactly: there ∂y/∂A_c[i,j] =
// w[class,c]/(H·W) at every position. On a layer before a ReLU the
// gradient is masked where the ReLU was off and the identity breaks.
func GradCAM(m *nn.Sequential, x *tensor.Tensor, layer, class int) (*tensor.Tensor, error) {
	return gradCAM(m, x, layer, class, gradCAMFrom)
}

func gradCAMFrom(a, g *tensor.Tensor) *tensor.Tensor {
	c, hw := a.Shape[0], a.Shape[1]*a.Shape[2]
	weights := make([]float64, c)
	for k := range weights {
		var s float64
		for _, v := range g.Data[k*hw : (k+1)*hw] {
			s += float64(v)
		}
		weights[k] = s / float64(hw)
	}
	return weightedSum(a, weights)
}

// GradCAMPlusPlus is Grad-CAM++ (Chattopadhay et al. 2018). With g the
// gradient of the class logit and the paper's exponential-score closed form,
// the per-position coefficients are a_c[i,j] = g²/(2g² + Σ_ab A_c[a,b]·g³)
// (0 where the denominator is 0), the channel weights are
// w_c = Σ_ij a_c[i,j]·max(g[i,j], 0), and the map is Σ_c w_c·A_c.
// Errors and panics as GradCAM.
func GradCAMPlusPlus(m *nn.Sequential, x *tensor.Tensor, layer, class int) (*tensor.Tensor, error) {
	return gradCAM(m, x, layer, class, gradCAMPlusPlusFrom)
}

func gradCAMPlusPlusFrom(a, g *tensor.Tensor) *tensor.Tensor {
	c, hw := a.Shape[0], a.Shape[1]*a.Shape[2]
	weights := make([]float64, c)
	for k := range weights {
		ak, gk := a.Data[k*hw:(k+1)*hw], g.Data[k*hw:(k+1)*hw]
		var sumA float64
		for _, v := range ak {
			sumA += float64(v)
		}
		var w float64
		for _, gv := range gk {
			if gv <= 0 {
				continue // relu(g) = 0: the position adds nothing
			}
			g1 := float64(gv)
			g2 := g1 * g1
			den := 2*g2 + sumA*g2*g1
			if den != 0 {
				w += g2 / den * g1
			}
		}
		weights[k] = w
	}
	return weightedSum(a, weights)
}

// XGradCAM is XGrad-CAM (Fu et al. 2020): w_c = Σ_ij (A_c[i,j] / Σ_ab
// A_c[a,b])·g_c[i,j] (0 for a channel that sums to 0), map Σ_c w_c·A_c.
// Errors and panics as GradCAM.
func XGradCAM(m *nn.Sequential, x *tensor.Tensor, layer, class int) (*tensor.Tensor, error) {
	return gradCAM(m, x, layer, class, xGradCAMFrom)
}

func xGradCAMFrom(a, g *tensor.Tensor) *tensor.Tensor {
	c, hw := a.Shape[0], a.Shape[1]*a.Shape[2]
	weights := make([]float64, c)
	for k := range weights {
		ak, gk := a.Data[k*hw:(k+1)*hw], g.Data[k*hw:(k+1)*hw]
		var sumA, dot float64
		for i, v := range ak {
			sumA += float64(v)
			dot += float64(v) * float64(gk[i])
		}
		if sumA != 0 {
			weights[k] = dot / sumA
		}
	}
	return weightedSum(a, weights)
}

// HiResCAM is HiResCAM (Draelos and Carin 2020): the elementwise product of
// gradient and activation summed over channels, Σ_c g_c ⊙ A_c. It equals
// GradCAM where the gradients are spatially constant. Errors and panics as
// GradCAM.
func HiResCAM(m *nn.Sequential, x *tensor.Tensor, layer, class int) (*tensor.Tensor, error) {
	return gradCAM(m, x, layer, class, func(a, g *tensor.Tensor) *tensor.Tensor { return productSum(a, g, false) })
}

// LayerCAM is LayerCAM (Jiang et al. 2021): Σ_c max(g_c, 0) ⊙ A_c.
// Errors and panics as GradCAM.
func LayerCAM(m *nn.Sequential, x *tensor.Tensor, layer, class int) (*tensor.Tensor, error) {
	return gradCAM(m, x, layer, class, func(a, g *tensor.Tensor) *tensor.Tensor { return productSum(a, g, true) })
}

// productSum returns Σ_c g_c ⊙ A_c, with g clipped at 0 when positive.
func productSum(a, g *tensor.Tensor, positive bool) *tensor.Tensor {
	c, h, w := a.Shape[0], a.Shape[1], a.Shape[2]
	hw := h * w
	acc := make([]float64, hw)
	for k := 0; k < c; k++ {
		ak, gk := a.Data[k*hw:(k+1)*hw], g.Data[k*hw:(k+1)*hw]
		for i, gv := range gk {
			if positive && gv < 0 {
				continue
			}
			acc[i] += float64(gv) * float64(ak[i])
		}
	}
	return toMap(acc, h, w)
}

// EigenCAM is Eigen-CAM (Muhammad and Yeasin 2020), which needs no class
// and no gradient: the activations A of layer, as an (H·W)×C matrix with
// one row per position, are centred (each channel's mean over positions
// subtracted) and projected on their first principal component v (the
// top right singular vector, from gonum's SVD). The map is (A − mean)·v.
//
// A singular vector's sign is arbitrary. Convention: v is flipped so that
// the map correlates non-negatively with the centred channel sum Σ_c A_c
// (the map is high where the layer is more active overall); if that
// correlation is exactly 0, the largest-magnitude entry of v (first on
// ties) is made positive. A constant or all-zero layer gives an all-zero
// map. It returns an error for a layer without a spatial output and panics
// when x does not have the model's input shape.
func EigenCAM(m *nn.Sequential, x *tensor.Tensor, layer int) (*tensor.Tensor, error) {
	if err := checkLayer(m, layer); err != nil {
		return nil, err
	}
	checkInput(m, x)
	return eigenCAMFrom(forwardTo(m, x, layer)), nil
}

func eigenCAMFrom(a *tensor.Tensor) *tensor.Tensor {
	c, h, w := a.Shape[0], a.Shape[1], a.Shape[2]
	hw := h * w
	d := mat.NewDense(hw, c, nil)
	allZero := true
	for k := 0; k < c; k++ {
		var mean float64
		for _, v := range a.Data[k*hw : (k+1)*hw] {
			mean += float64(v)
		}
		mean /= float64(hw)
		for i, v := range a.Data[k*hw : (k+1)*hw] {
			cv := float64(v) - mean
			if cv != 0 {
				allZero = false
			}
			d.Set(i, k, cv)
		}
	}
	if allZero {
		return tensor.New(h, w)
	}
	var svd mat.SVD
	if !svd.Factorize(d, mat.SVDThinV) {
		return tensor.New(h, w) // gonum failed to converge: show nothing rather than noise
	}
	var vm mat.Dense
	svd.VTo(&vm)
	v := make([]float64, c)
	for k := range v {
		v[k] = vm.At(k, 0)
	}
	proj := make([]float64, hw)
	var corr float64
	for i := range proj {
		var p, s float64
		for k := 0; k < c; k++ {
			cv := d.At(i, k)
			p += cv * v[k]
			s += cv
		}
		proj[i] = p
		corr += p * s
	}
	flip := corr < 0
	if corr == 0 {
		best := 0
		for k := range v {
			if math.Abs(v[k]) > math.Abs(v[best]) {
				best = k
			}
		}
		flip = v[best] < 0
	}
	if flip {
		for i := range proj {
			proj[i] = -proj[i]
		}
	}
	return toMap(proj, h, w)
}
