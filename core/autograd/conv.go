package autograd

import (
	"fmt"

	"cnnviz/core/tensor"
)

// Window is the stride and zero padding of a convolution or pooling window,
// the number of channel groups of a convolution (0 means 1) and a
// pooling's ceil-mode output size.
type Window struct {
	StrideH, StrideW int
	PadH, PadW       int
	Groups           int
	Ceil             bool
}

// groups returns the window's channel groups, at least 1.
func (w Window) groups() int { return max(1, w.Groups) }

func geom(op string, xs []int, kh, kw int, win Window) tensor.Geom {
	if len(xs) != 4 {
		panic(fmt.Sprintf("autograd: %s needs x [N, C, H, W], got %v", op, xs))
	}
	g := tensor.Geom{C: xs[1], H: xs[2], W: xs[3], KH: kh, KW: kw, SH: win.StrideH, SW: win.StrideW, PH: win.PadH, PW: win.PadW, Ceil: win.Ceil}
	g.Check()
	return g
}

// Conv2D returns the cross-correlation of x [N, C, H, W] with w
// [OutC, C/G, KH, KW] in G = win.Groups channel groups, plus b [OutC] (b
// may be nil): shape [N, OutC, OH, OW]. It runs tensor.GroupConvForward
// and tensor.GroupConvBackward, the kernels nn.Plan runs too.
func Conv2D(x, w, b *Var, win Window) *Var {
	ws, gr := w.Value.Shape, win.groups()
	if len(ws) != 4 || len(x.Value.Shape) != 4 || ws[1]*gr != x.Value.Shape[1] || ws[0]%gr != 0 || (b != nil && (len(b.Value.Shape) != 1 || b.Value.Shape[0] != ws[0])) {
		panic(fmt.Sprintf("autograd: Conv2D of x %v with w %v in %d groups", x.Value.Shape, ws, gr))
	}
	win.Ceil = false
	g := geom("Conv2D", x.Value.Shape, ws[2], ws[3], win)
	n, oc := x.Value.Shape[0], ws[0]
	y := tensor.New(n, oc, g.OutH(), g.OutW())
	var bias []float32
	if b != nil {
		bias = b.Value.Data
	}
	tensor.GroupConvForward(g, gr, n, oc, x.Value.Data, w.Value.Data, bias, y.Data, nil, nil)
	out := result(y, x, w, b)
	out.backward = func() {
		var dx, dw, db []float32
		// ConvBackward overwrites dx: a gradient x has not received yet
		// is written in place, one that already holds something is added
		// to.
		fresh := needs(x) && x.Grad == nil
		if needs(x) {
			if fresh {
				dx = x.grad().Data
			} else {
				dx = make([]float32, x.Value.Size())
			}
		}
		if needs(w) {
			dw = w.grad().Data
		}
		if needs(b) {
			db = b.grad().Data
		}
		tensor.GroupConvBackward(g, gr, n, oc, x.Value.Data, w.Value.Data, out.Grad.Data, dx, dw, db, nil)
		if dx != nil && !fresh {
			tensor.Axpy(1, dx, x.Grad.Data)
		}
	}
	return out
}

// MaxPool2D takes the maximum of each kh×kw window of x [N, C, H, W].
// Padding never wins a window. On ties the gradient goes to the first
// maximum.
func MaxPool2D(x *Var, kh, kw int, win Window) *Var {
	g := geom("MaxPool2D", x.Value.Shape, kh, kw, win)
	n := x.Value.Shape[0]
	y := tensor.New(n, g.C, g.OutH(), g.OutW())
	arg := make([]int32, y.Size())
	tensor.MaxPool2D(g, n, x.Value.Data, y.Data, arg)
	out := result(y, x)
	out.backward = func() { tensor.MaxPool2DBackward(out.Grad.Data, arg, x.grad().Data) }
	return out
}

// AvgPool2D averages each kh×kw window of x [N, C, H, W]; padding counts as
// zeros.
func AvgPool2D(x *Var, kh, kw int, win Window) *Var {
	g := geom("AvgPool2D", x.Value.Shape, kh, kw, win)
	n := x.Value.Shape[0]
	y := tensor.New(n, g.C, g.OutH(), g.OutW())
	tensor.AvgPool2D(g, n, x.Value.Data, y.Data)
	out := result(y, x)
	out.backward = func() { tensor.AvgPool2DBackward(g, n, out.Grad.Data, x.grad().Data) }
	return out
}

// GlobalAvgPool averages each channel of x [N, C, H, W] over its H×W
// positions: shape [N, C].
func GlobalAvgPool(x *Var) *Var {
	xs := x.Value.Shape
	if len(xs) != 4 {
		panic(fmt.Sprintf("autograd: GlobalAvgPool needs x [N, C, H, W], got %v", xs))
	}
	n, c, hw := xs[0], xs[1], xs[2]*xs[3]
	y := tensor.New(n, c)
	for i := range y.Data {
		var s float32
		for _, v := range x.Value.Data[i*hw : (i+1)*hw] {
			s += v
		}
		y.Data[i] = s / float32(hw)
	}
	out := result(y, x)
	out.backward = func() {
		gx := x.grad().Data
		for i, g := range out.Grad.Data {
			d := g / float32(hw)
			row := gx[i*hw : (i+1)*hw]
			for j := range row {
				row[j] += d
			}
		}
	}
	return out
}
