package attribution

import (
	ag "cnnviz/core/autograd"
	"cnnviz/core/nn"
	"cnnviz/core/tensor"
)

// The methods of this file return [C, H, W] attributions at the input's
// resolution, raw and signed.

// inputGradient returns the gradient of the class logit with respect to x
// when every ReLU of m passes gradients back by rule.
func inputGradient(m *nn.Sequential, x *tensor.Tensor, class int, rule ag.ReLURule) (*tensor.Tensor, error) {
	if err := checkClass(m, class); err != nil {
		return nil, err
	}
	checkInput(m, x)
	g, _ := inputGrads(frozen(m, rule), append([]float32(nil), x.Data...), 1, class)
	return tensor.FromSlice(g, x.Shape...), nil
}

// Saliency is the vanilla gradient map of Simonyan et al. (2014): the
// gradient of the class logit with respect to every input value, shape
// [C, H, W], signed (ReduceChannels with ReduceMaxAbs gives the paper's
// picture). It returns an error for a bad class and panics when x does not
// have the model's input shape.
func Saliency(m *nn.Sequential, x *tensor.Tensor, class int) (*tensor.Tensor, error) {
	return inputGradient(m, x, class, ag.ReLUGradient)
}

// GradientXInput is the gradient times the input (Shrikumar et al. 2016),
// elementwise, shape [C, H, W]. Errors and panics as Saliency.
func GradientXInput(m *nn.Sequential, x *tensor.Tensor, class int) (*tensor.Tensor, error) {
	g, err := Saliency(m, x, class)
	if err != nil {
		return nil, err
	}
	for i, v := range x.Data {
		g.Data[i] *= v
	}
	return g, nil
}

// GuidedBackprop is guided backpropagation (Springenberg et al. 2015): the
// input gradient computed with every ReLU passing back only positive
// gradients where its input was positive. It works on a view of m and
// leaves m's ReLU rules alone. Errors and panics as Saliency.
func GuidedBackprop(m *nn.Sequential, x *tensor.Tensor, class int) (*tensor.Tensor, error) {
	return inputGradient(m, x, class, ag.ReLUGuided)
}

// Deconvnet is the deconvnet visualization of Zeiler and Fergus (2014) as
// a gradient rule: every ReLU passes back the positive part of the
// gradient whatever its input was. Errors and panics as Saliency.
func Deconvnet(m *nn.Sequential, x *tensor.Tensor, class int) (*tensor.Tensor, error) {
	return inputGradient(m, x, class, ag.ReLUDeconv)
}

// GuidedGradCAM is guided Grad-CAM (Selvaraju et al. 2017): guided
// backpropagation multiplied at every input position by the Grad-CAM map
// of layer, clipped at 0 as in the paper and upsampled bilinearly to the
// input size. Shape [C, H, W]. Errors and panics as GradCAM.
func GuidedGradCAM(m *nn.Sequential, x *tensor.Tensor, layer, class int) (*tensor.Tensor, error) {
	cam, err := GradCAM(m, x, layer, class)
	if err != nil {
		return nil, err
	}
	gb, err := GuidedBackprop(m, x, class)
	if err != nil {
		return nil, err
	}
	c, h, w := x.Shape[0], x.Shape[1], x.Shape[2]
	up := Upsample(Post{ReLU: true}.Apply(cam.Data), cam.Shape[0], cam.Shape[1], h, w, true)
	for k := 0; k < c; k++ {
		for i, v := range up {
			gb.Data[k*h*w+i] *= v
		}
	}
	return gb, nil
}
