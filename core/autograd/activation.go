package autograd

import (
	"fmt"
	"math"

	"cnnviz/core/tensor"
)

// ActKind names an elementwise activation other than ReLU.
type ActKind int

const (
	// ActReLU6 is min(max(x, 0), 6).
	ActReLU6 ActKind = iota
	// ActLeakyReLU is x for x > 0 and Alpha·x otherwise.
	ActLeakyReLU
	// ActSigmoid is 1 / (1 + e⁻ˣ).
	ActSigmoid
	// ActHardSwish is x·ReLU6(x + 3) / 6.
	ActHardSwish
)

// Act is an elementwise activation: its kind and, for ActLeakyReLU, the
// slope Alpha of the negative side. Its Apply and Grad work on plain
// slices, so that a Plan and the autograd op share one definition.
type Act struct {
	Kind  ActKind
	Alpha float32
}

// Apply writes f(x) into y (same length).
func (a Act) Apply(x, y []float32) {
	y = y[:len(x)]
	switch a.Kind {
	case ActReLU6:
		tensor.ReLU6(x, y)
	case ActLeakyReLU:
		for i, v := range x {
			if v > 0 {
				y[i] = v
			} else {
				y[i] = a.Alpha * v
			}
		}
	case ActSigmoid:
		for i, v := range x {
			y[i] = float32(1 / (1 + math.Exp(-float64(v))))
		}
	case ActHardSwish:
		for i, v := range x {
			y[i] = v * min(max(v+3, 0), 6) / 6
		}
	default:
		panic(fmt.Sprintf("autograd: unknown activation %d", a.Kind))
	}
}

// Grad writes (or, when add is set, adds) g ⊙ f'(x) into dx, given the
// input x and the output y = f(x). At a kink it takes the derivative of
// the side below it.
func (a Act) Grad(x, y, g, dx []float32, add bool) {
	x, y, dx = x[:len(g)], y[:len(g)], dx[:len(g)]
	for i, gv := range g {
		var d float32
		switch v := x[i]; a.Kind {
		case ActReLU6:
			if v > 0 && v < 6 {
				d = 1
			}
		case ActLeakyReLU:
			d = a.Alpha
			if v > 0 {
				d = 1
			}
		case ActSigmoid:
			d = y[i] * (1 - y[i])
		case ActHardSwish:
			switch {
			case v >= 3:
				d = 1
			case v > -3:
				d = (2*v + 3) / 6
			}
		default:
			panic(fmt.Sprintf("autograd: unknown activation %d", a.Kind))
		}
		if add {
			dx[i] += gv * d
		} else {
			dx[i] = gv * d
		}
	}
}

// Activate applies act elementwise to a.
func Activate(a *Var, act Act) *Var {
	y := tensor.New(a.Value.Shape...)
	act.Apply(a.Value.Data, y.Data)
	out := result(y, a)
	out.backward = func() { act.Grad(a.Value.Data, y.Data, out.Grad.Data, a.grad().Data, true) }
	return out
}

// Pad4 is a zero padding of a plane: rows added above and below, columns
// added left and right.
type Pad4 struct{ Top, Bottom, Left, Right int }

// ZeroPad2DTo writes the planes of x (planes × h × w) into y, each
// surrounded by p's zeros (planes × (h+Top+Bottom) × (w+Left+Right)).
func ZeroPad2DTo(p Pad4, planes, h, w int, x, y []float32) {
	oh, ow := h+p.Top+p.Bottom, w+p.Left+p.Right
	clear(y[:planes*oh*ow])
	for c := range planes {
		for i := range h {
			o := (c*oh+i+p.Top)*ow + p.Left
			copy(y[o:o+w], x[(c*h+i)*w:(c*h+i+1)*w])
		}
	}
}

// ZeroPad2DGrad writes (or, when add is set, adds) into dx the part of
// the padded gradient g that lies over the input, the inverse of
// ZeroPad2DTo.
func ZeroPad2DGrad(p Pad4, planes, h, w int, g, dx []float32, add bool) {
	oh, ow := h+p.Top+p.Bottom, w+p.Left+p.Right
	for c := range planes {
		for i := range h {
			o := (c*oh+i+p.Top)*ow + p.Left
			row := dx[(c*h+i)*w : (c*h+i+1)*w]
			if add {
				axpy(row, g[o:o+w], 1)
			} else {
				copy(row, g[o:o+w])
			}
		}
	}
}

// ZeroPad2D pads a [N, C, H, W] with zeros by p.
func ZeroPad2D(a *Var, p Pad4) *Var {
	s := a.Value.Shape
	if len(s) != 4 || p.Top < 0 || p.Bottom < 0 || p.Left < 0 || p.Right < 0 {
		panic(fmt.Sprintf("autograd: ZeroPad2D of %v by %+v", s, p))
	}
	planes, h, w := s[0]*s[1], s[2], s[3]
	y := tensor.New(s[0], s[1], h+p.Top+p.Bottom, w+p.Left+p.Right)
	ZeroPad2DTo(p, planes, h, w, a.Value.Data, y.Data)
	out := result(y, a)
	out.backward = func() { ZeroPad2DGrad(p, planes, h, w, out.Grad.Data, a.grad().Data, true) }
	return out
}
