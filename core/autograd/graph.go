package autograd

import (
	"fmt"

	"cnnviz/core/tensor"
)

// Concat joins xs along axis 1 (the channels of [N, C, H, W], the units of
// [N, D]): every x has the same batch and the same sizes after axis 1.
func Concat(xs ...*Var) *Var {
	if len(xs) == 0 {
		panic("autograd: Concat of nothing")
	}
	s0 := xs[0].Value.Shape
	if len(s0) < 2 {
		panic(fmt.Sprintf("autograd: Concat of shape %v", s0))
	}
	inner := tensor.Numel(s0[2:])
	c := 0
	for _, x := range xs {
		s := x.Value.Shape
		if len(s) != len(s0) || s[0] != s0[0] || !tensor.SameShape(s[2:], s0[2:]) {
			panic(fmt.Sprintf("autograd: Concat of shapes %v and %v", s0, s))
		}
		c += s[1]
	}
	shape := append([]int{s0[0], c}, s0[2:]...)
	y := tensor.New(shape...)
	ConcatTo(len(xs), s0[0], func(k int) []float32 { return xs[k].Value.Data }, inner*c, y.Data)
	parents := append([]*Var(nil), xs...)
	out := result(y, parents...)
	out.backward = func() {
		off := 0
		n := s0[0]
		for _, x := range xs {
			m := x.Value.Size() / n
			if needs(x) {
				gx := x.grad().Data
				for i := 0; i < n; i++ {
					axpy(gx[i*m:(i+1)*m], out.Grad.Data[i*inner*c+off:i*inner*c+off+m], 1)
				}
			}
			off += m
		}
	}
	return out
}

// ConcatTo writes the k inputs in(0..k−1), each n images of any size, one
// after the other into each of the n images of y (row values per image):
// the channel concatenation of a batch.
func ConcatTo(k, n int, in func(int) []float32, row int, y []float32) {
	off := 0
	for j := 0; j < k; j++ {
		x := in(j)
		m := len(x) / n
		for i := 0; i < n; i++ {
			copy(y[i*row+off:i*row+off+m], x[i*m:(i+1)*m])
		}
		off += m
	}
}

// ChannelAffine returns x·scale[c] + shift[c] for each channel c of x
// [N, C, ...] (scale and shift [C]): a batch normalization folded into
// one scale and shift per channel.
func ChannelAffine(x, scale, shift *Var) *Var {
	xs := x.Value.Shape
	if len(xs) < 2 || scale.Value.Size() != xs[1] || shift.Value.Size() != xs[1] {
		panic(fmt.Sprintf("autograd: ChannelAffine of x %v with scale %v and shift %v", xs, scale.Value.Shape, shift.Value.Shape))
	}
	n, c := xs[0], xs[1]
	hw := x.Value.Size() / (n * c)
	y := tensor.New(xs...)
	AffineTo(n, c, hw, x.Value.Data, scale.Value.Data, shift.Value.Data, y.Data)
	out := result(y, x, scale, shift)
	out.backward = func() {
		var dx, ds, db []float32
		if needs(x) {
			dx = x.grad().Data
		}
		if needs(scale) {
			ds = scale.grad().Data
		}
		if needs(shift) {
			db = shift.grad().Data
		}
		AffineGrad(n, c, hw, x.Value.Data, scale.Value.Data, out.Grad.Data, dx, ds, db, true)
	}
	return out
}

// AffineTo writes y = x·scale[c] + shift[c] for n images of c channels of
// hw values.
func AffineTo(n, c, hw int, x, scale, shift, y []float32) {
	for i := 0; i < n; i++ {
		for ch := 0; ch < c; ch++ {
			o := (i*c + ch) * hw
			s, t := scale[ch], shift[ch]
			for j, v := range x[o : o+hw] {
				y[o+j] = v*s + t
			}
		}
	}
}

// AffineGrad is the backward pass of AffineTo given g = dL/dy: it writes
// (or with add, adds) g·scale to dx and ADDS to ds and db the parameter
// gradients; any of dx, ds, db may be nil.
func AffineGrad(n, c, hw int, x, scale, g, dx, ds, db []float32, add bool) {
	for i := 0; i < n; i++ {
		for ch := 0; ch < c; ch++ {
			o := (i*c + ch) * hw
			s := scale[ch]
			var sg, sxg float32
			for j, gv := range g[o : o+hw] {
				if dx != nil {
					if add {
						dx[o+j] += gv * s
					} else {
						dx[o+j] = gv * s
					}
				}
				sg += gv
				sxg += gv * x[o+j]
			}
			if ds != nil {
				ds[ch] += sxg
			}
			if db != nil {
				db[ch] += sg
			}
		}
	}
}
