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
// It walks the specs back to the input, through every path of a graph
// (the union of the paths' fields). A window of outputs [a, b] of a
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
	// In a graph the field of an output is the union of what its readers
	// read of it; the spec's order is topological, so walking it
	// backwards meets every reader before the layer it reads.
	graph := spec.Graph()
	fields := make([]*field, len(shapes))
	fields[layer] = &f
	var input *field
	for i := layer; i >= 0; i-- {
		if fields[i] == nil {
			continue
		}
		off := 0
		for _, j := range graph[i] {
			in := spec.Input
			if j >= 0 {
				in = shapes[j]
			}
			b, ok := fields[i].back(spec.Layers[i], in, off)
			off += in[0]
			if !ok || b.empty() {
				continue
			}
			dst := &input
			if j >= 0 {
				dst = &fields[j]
			}
			if *dst == nil {
				*dst = &b
			} else {
				**dst = (*dst).union(b)
			}
		}
	}
	if input == nil {
		return image.Rectangle{}
	}
	f = *input
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

// union returns the bounding field of f and o, fields of one output.
func (f field) union(o field) field {
	if f.flat {
		if f.all || o.all || f.unit != o.unit {
			return field{flat: true, all: true}
		}
		return f
	}
	return field{y0: min(f.y0, o.y0), y1: max(f.y1, o.y1), x0: min(f.x0, o.x0), x1: max(f.x1, o.x1)}
}

// back returns the units of layer l's input (shape in) that the units f of
// its output read; off is where the input's channels (or units) start in
// a concat's output, and ok is false when the input holds none of f.
func (f field) back(l nn.LayerSpec, in []int, off int) (field, bool) {
	if l.Kind == nn.KindConcat && f.flat && !f.all {
		if f.unit < off || f.unit >= off+in[0] {
			return f, false
		}
		return field{flat: true, unit: f.unit - off}, true
	}
	return f.backOne(l, in), true
}

// backOne is back for a layer of one input (or an add or concat of
// spatial outputs, which read the same positions of every input).
func (f field) backOne(l nn.LayerSpec, in []int) field {
	switch l.Kind {
	case nn.KindReLU, nn.KindReLU6, nn.KindLeakyReLU, nn.KindSigmoid, nn.KindHardSwish, nn.KindDropout, nn.KindAdd, nn.KindAffine, nn.KindConcat:
		return f
	case nn.KindConv2D, nn.KindMaxPool2D, nn.KindAvgPool2D:
		g := l.Geom(in)
		return field{
			y0: max(0, f.y0*g.SH-g.PH), y1: min(in[1]-1, f.y1*g.SH-g.PH+g.KH-1),
			x0: max(0, f.x0*g.SW-g.PW), x1: min(in[2]-1, f.x1*g.SW-g.PW+g.KW-1),
		}
	case nn.KindZeroPad2D:
		p := l.Padding
		return field{
			y0: max(0, f.y0-p[0]), y1: min(in[1]-1, f.y1-p[0]),
			x0: max(0, f.x0-p[2]), x1: min(in[2]-1, f.x1-p[2]),
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
