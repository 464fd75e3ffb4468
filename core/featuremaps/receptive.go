package featuremaps

import (
	"fmt"
	"image"

	"cnnviz/core/nn"
)

// ReceptiveField returns the rectangle of input pixels that can influence
// one unit of layer: for a spatial output ([C, H, W]) the unit at row y,
// column x (every channel has the same field), for a flat output ([Units])
// unit x with y = 0. The rectangle is half-open (Min inclusive, Max
// exclusive) in input pixel coordinates and clipped to the image: padding is
// not input.
//
// It walks the specs back to the input. A window of outputs [a, b] of a
// convolution or pooling layer with kernel k, stride s and padding p reads
// inputs [a·s − p, b·s − p + k − 1]; ReLU reads the same unit; flatten reads
// the one unit it copies; global average pooling reads a whole channel and
// dense layers read everything. For a ranges of outputs of a layer whose
// stride exceeds its kernel the inputs read are not contiguous, and the
// result is their bounding box; otherwise (and always for the built-in
// architectures) it is exact: with non-zero weights every pixel inside can
// change the unit for some input. An empty rectangle means no input reaches
// the unit (a window entirely in the padding).
//
// It panics if spec is invalid or the unit is out of range.
func ReceptiveField(spec nn.Spec, layer, y, x int) image.Rectangle {
	shapes, err := spec.Shapes()
	if err != nil {
		panic("featuremaps: ReceptiveField: " + err.Error())
	}
	if layer < 0 || layer >= len(shapes) {
		panic(fmt.Sprintf("featuremaps: ReceptiveField of layer %d in a %d-layer network", layer, len(shapes)))
	}
	out := shapes[layer]
	var f field
	switch {
	case len(out) == 3 && y >= 0 && y < out[1] && x >= 0 && x < out[2]:
		f = field{y0: y, y1: y, x0: x, x1: x}
	case len(out) == 1 && y == 0 && x >= 0 && x < out[0]:
		f = field{flat: true, unit: x}
	default:
		panic(fmt.Sprintf("featuremaps: ReceptiveField of unit (%d, %d) of layer %d (%s) with output %v", y, x, layer, spec.Layers[layer].Name, out))
	}
	for i := layer; i >= 0; i-- {
		in := spec.Input
		if i > 0 {
			in = shapes[i-1]
		}
		f = f.back(spec.Layers[i], in)
		if f.empty() {
			return image.Rectangle{}
		}
	}
	if f.flat {
		panic("featuremaps: ReceptiveField reached a flat input") // Spec.Shapes needs [C, H, W] input
	}
	return image.Rect(f.x0, f.y0, f.x1+1, f.y1+1)
}

// field is a set of units of one layer's output: an inclusive rectangle of
// positions (all channels) of a spatial output, or for a flat output one
// unit or all of them.
type field struct {
	flat           bool
	all            bool // flat: every unit
	unit           int  // flat: the unit when not all
	y0, y1, x0, x1 int  // spatial, inclusive
}

func (f field) empty() bool { return !f.flat && (f.y0 > f.y1 || f.x0 > f.x1) }

// whole returns the field of every position of a spatial shape, or of every
// unit of a flat one.
func whole(shape []int) field {
	if len(shape) == 3 {
		return field{y0: 0, y1: shape[1] - 1, x0: 0, x1: shape[2] - 1}
	}
	return field{flat: true, all: true}
}

// back returns the units of layer l's input (shape in) that the units f of
// its output read.
func (f field) back(l nn.LayerSpec, in []int) field {
	switch l.Kind {
	case nn.KindReLU:
		return f
	case nn.KindConv2D, nn.KindMaxPool2D, nn.KindAvgPool2D:
		g := l.Geom(in)
		return field{
			y0: max(0, f.y0*g.SH-g.PH), y1: min(in[1]-1, f.y1*g.SH-g.PH+g.KH-1),
			x0: max(0, f.x0*g.SW-g.PW), x1: min(in[2]-1, f.x1*g.SW-g.PW+g.KW-1),
		}
	case nn.KindGlobalAvgPool, nn.KindDense:
		return whole(in)
	case nn.KindFlatten:
		if f.all {
			return whole(in)
		}
		if len(in) != 3 {
			return f
		}
		hw := in[1] * in[2]
		p := f.unit % hw
		y, x := p/in[2], p%in[2]
		return field{y0: y, y1: y, x0: x, x1: x}
	}
	panic("featuremaps: ReceptiveField through unknown layer kind " + l.Kind)
}
