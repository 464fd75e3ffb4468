package autograd

import (
	"fmt"

	"cnnviz/core/tensor"
)

// MatMul returns the matrix product a·b of a [M, K] and b [K, N].
func MatMul(a, b *Var) *Var {
	as, bs := a.Value.Shape, b.Value.Shape
	if len(as) != 2 || len(bs) != 2 || as[1] != bs[0] {
		panic(fmt.Sprintf("autograd: MatMul of %v and %v", as, bs))
	}
	m, k, n := as[0], as[1], bs[1]
	y := tensor.New(m, n)
	tensor.Gemm(false, false, m, n, k, a.Value.Data, k, b.Value.Data, n, y.Data, n, false)
	out := result(y, a, b)
	out.backward = func() {
		g := out.Grad.Data
		if needs(a) { // dA = G·Bᵀ
			tensor.Gemm(false, true, m, k, n, g, n, b.Value.Data, n, a.grad().Data, k, true)
		}
		if needs(b) { // dB = Aᵀ·G
			tensor.Gemm(true, false, k, n, m, a.Value.Data, k, g, n, b.grad().Data, n, true)
		}
	}
	return out
}

// Linear returns x·wᵀ + b for x [N, In], w [Out, In] and b [Out] (b may be
// nil): a dense layer in PyTorch's weight layout.
func Linear(x, w, b *Var) *Var {
	xs, ws := x.Value.Shape, w.Value.Shape
	if len(xs) != 2 || len(ws) != 2 || xs[1] != ws[1] || (b != nil && (len(b.Value.Shape) != 1 || b.Value.Shape[0] != ws[0])) {
		bs := []int(nil)
		if b != nil {
			bs = b.Value.Shape
		}
		panic(fmt.Sprintf("autograd: Linear of x %v, w %v, b %v", xs, ws, bs))
	}
	n, in, o := xs[0], xs[1], ws[0]
	y := tensor.New(n, o)
	if b != nil {
		for i := 0; i < n; i++ {
			copy(y.Data[i*o:(i+1)*o], b.Value.Data)
		}
	}
	tensor.Gemm(false, true, n, o, in, x.Value.Data, in, w.Value.Data, in, y.Data, o, true)
	out := result(y, x, w, b)
	out.backward = func() {
		g := out.Grad.Data
		if needs(x) { // dX = G·W
			tensor.Gemm(false, false, n, in, o, g, o, w.Value.Data, in, x.grad().Data, in, true)
		}
		if needs(w) { // dW = Gᵀ·X
			tensor.Gemm(true, false, o, in, n, g, o, x.Value.Data, in, w.grad().Data, in, true)
		}
		if needs(b) {
			gb := b.grad().Data
			for i := 0; i < n; i++ {
				axpy(gb, g[i*o:(i+1)*o], 1)
			}
		}
	}
	return out
}

// BiasAdd adds b[c] to every element of channel c of x [N, C, ...].
func BiasAdd(x, b *Var) *Var {
	xs := x.Value.Shape
	if len(xs) < 2 || len(b.Value.Shape) != 1 || b.Value.Shape[0] != xs[1] {
		panic(fmt.Sprintf("autograd: BiasAdd of x %v and b %v", xs, b.Value.Shape))
	}
	n, c := xs[0], xs[1]
	inner := x.Value.Size() / (n * c)
	y := x.Value.Clone()
	for i := 0; i < n; i++ {
		for ch := 0; ch < c; ch++ {
			row := y.Data[(i*c+ch)*inner : (i*c+ch+1)*inner]
			for j := range row {
				row[j] += b.Value.Data[ch]
			}
		}
	}
	out := result(y, x, b)
	out.backward = func() {
		if needs(x) {
			axpy(x.grad().Data, out.Grad.Data, 1)
		}
		if needs(b) {
			gb := b.grad().Data
			for i := 0; i < n; i++ {
				for ch := 0; ch < c; ch++ {
					var s float32
					for _, v := range out.Grad.Data[(i*c+ch)*inner : (i*c+ch+1)*inner] {
						s += v
					}
					gb[ch] += s
				}
			}
		}
	}
	return out
}
