package featuremaps

import (
	"fmt"

	ag "cnnviz/core/autograd"
	"cnnviz/core/nn"
)

// ConvUnit is the arithmetic behind one output of a convolution layer, for
// stepping through it: output channel O at row Y, column X is the sum over
// the input patch of patch × kernel, plus the bias. Patch, Kernel, Products
// and Padding are [C, KH, KW] row-major, tap (c, i, j) reading input
// (C0+c, InY+i, InX+j): in a grouped convolution the filter reads the C
// channels of its group, from C0.
type ConvUnit struct {
	Layer   int
	O, Y, X int
	C, C0   int
	KH, KW  int
	// InY, InX is the input position under the kernel's top-left tap; it is
	// negative where the window starts in the padding.
	InY, InX int

	Patch    []float32 // the layer's input under the window, 0 in the padding
	Padding  []bool    // which taps fall in the padding
	Kernel   []float32 // the filter W[O]
	Products []float32 // Patch × Kernel, elementwise

	Sum  float64 // Σ Products, accumulated in float64
	Bias float32
	Pre  float64 // Sum + Bias: the value before any activation
	// Output is the network's own output at the unit (float32 arithmetic
	// in another order, so it can differ from Pre in the last bits).
	Output float32
	// ReLU reports whether the next layer is a ReLU; Post is then
	// max(Pre, 0), otherwise Pre.
	ReLU bool
	Post float64
}

// Conv returns the step-through of output (o, y, x) of conv layer layer of
// m for the image x (flat, the model's input shape). It panics if layer is
// not a convolution or the unit is out of range.
func Conv(m *nn.Sequential, x []float32, layer, o, y, xx int) ConvUnit {
	checkImages(m, x, 1)
	if layer < 0 || layer >= len(m.Layers) {
		panic(fmt.Sprintf("featuremaps: Conv of layer %d in a %d-layer network", layer, len(m.Layers)))
	}
	cl, ok := m.Layers[layer].(*nn.Conv2D)
	if !ok {
		panic(fmt.Sprintf("featuremaps: Conv of layer %d (%s), which is a %s", layer, m.Spec.Layers[layer].Name, m.Spec.Layers[layer].Kind))
	}
	out := m.OutShape(layer)
	if o < 0 || o >= out[0] || y < 0 || y >= out[1] || xx < 0 || xx >= out[2] {
		panic(fmt.Sprintf("featuremaps: Conv unit (%d, %d, %d) of layer %s with output %v", o, y, xx, cl.S.Name, out))
	}
	in := m.Spec.Input
	prev := m.Spec.Prev(layer)
	var input, output []float32
	forward(m, x, 1, layer, func(i int, v *ag.Var) {
		if i == prev {
			input = v.Value.Data
		}
		if i == layer {
			output = v.Value.Data
		}
	})
	if prev < 0 {
		input = x
	} else {
		in = m.OutShape(prev)
	}
	g := cl.S.Geom(in)
	// A grouped convolution's filter reads the channels of its group.
	groups := max(1, cl.S.Groups)
	gc := g.C / groups
	c0 := o / (out[0] / groups) * gc
	u := ConvUnit{Layer: layer, O: o, Y: y, X: xx, C: gc, C0: c0, KH: g.KH, KW: g.KW,
		InY: y*g.SH - g.PH, InX: xx*g.SW - g.PW}
	taps := gc * g.KH * g.KW
	u.Patch = make([]float32, taps)
	u.Padding = make([]bool, taps)
	u.Products = make([]float32, taps)
	u.Kernel = append([]float32(nil), cl.W.Value.Data[o*taps:(o+1)*taps]...)
	for c := range gc {
		for i := range g.KH {
			for j := range g.KW {
				t := (c*g.KH+i)*g.KW + j
				iy, ix := u.InY+i, u.InX+j
				if iy < 0 || iy >= g.H || ix < 0 || ix >= g.W {
					u.Padding[t] = true
					continue
				}
				u.Patch[t] = input[((c0+c)*g.H+iy)*g.W+ix]
				u.Products[t] = u.Patch[t] * u.Kernel[t]
				u.Sum += float64(u.Patch[t]) * float64(u.Kernel[t])
			}
		}
	}
	u.Bias = cl.B.Value.Data[o]
	u.Pre = u.Sum + float64(u.Bias)
	u.Output = output[(o*out[1]+y)*out[2]+xx]
	u.Post = u.Pre
	if next := layer + 1; next < len(m.Layers) && m.Spec.Layers[next].Kind == nn.KindReLU && m.Spec.Prev(next) == layer {
		u.ReLU = true
		u.Post = max(u.Pre, 0)
	}
	return u
}
