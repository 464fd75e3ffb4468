package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func randSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.NormFloat64())
	}
	return s
}

func close32(a, b, tol float32) bool {
	return float32(math.Abs(float64(a-b))) <= tol*(1+float32(math.Abs(float64(b))))
}

// naiveGemm is the textbook triple loop, in float64.
func naiveGemm(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int) []float32 {
	c := make([]float32, m*n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float64
			for p := 0; p < k; p++ {
				var av, bv float32
				if transA {
					av = a[p*lda+i]
				} else {
					av = a[i*lda+p]
				}
				if transB {
					bv = b[j*ldb+p]
				} else {
					bv = b[p*ldb+j]
				}
				s += float64(av) * float64(bv)
			}
			c[i*n+j] = float32(s)
		}
	}
	return c
}

// gemmFunc is Gemm's signature; the tests run every implementation.
type gemmFunc func(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, accumulate bool)

var gemms = map[string]gemmFunc{
	"Gemm": Gemm,
	"portable": func(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, accumulate bool) {
		if !accumulate {
			for i := 0; i < m; i++ {
				clear(c[i*ldc : i*ldc+n])
			}
		}
		if k > 0 && m > 0 && n > 0 {
			gemmPortable(transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
		}
	},
}

func TestGemm(t *testing.T) {
	for name, gemm := range gemms {
		t.Run(name, func(t *testing.T) { testGemm(t, gemm) })
	}
}

func testGemm(t *testing.T, gemm gemmFunc) {
	r := rand.New(rand.NewPCG(1, 2))
	sizes := [][3]int{{1, 1, 1}, {4, 4, 4}, {5, 7, 3}, {16, 196, 200}, {3, 9, 1}, {8, 5, 13}, {0, 3, 2}, {2, 3, 0}, {6, 10, 2*gemmKC + 3}}
	for _, sz := range sizes {
		for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
			for _, acc := range []bool{false, true} {
				m, n, k := sz[0], sz[1], sz[2]
				t.Run(fmt.Sprintf("%dx%dx%d/tA=%v/tB=%v/acc=%v", m, n, k, tr[0], tr[1], acc), func(t *testing.T) {
					lda, ldb, ldc := k+1, n+2, n+3 // padded rows test the leading dimensions
					if tr[0] {
						lda = m + 1
					}
					if tr[1] {
						ldb = k + 2
					}
					ar, br := m, k
					if tr[0] {
						ar = k
					}
					if tr[1] {
						br = n
					}
					a, b := randSlice(r, ar*lda), randSlice(r, br*ldb)
					c := randSlice(r, m*ldc)
					orig := append([]float32(nil), c...)
					gemm(tr[0], tr[1], m, n, k, a, lda, b, ldb, c, ldc, acc)
					want := naiveGemm(tr[0], tr[1], m, n, k, a, lda, b, ldb)
					for i := 0; i < m; i++ {
						for j := 0; j < ldc; j++ {
							got := c[i*ldc+j]
							if j >= n {
								if got != orig[i*ldc+j] {
									t.Fatalf("C[%d,%d] beyond n changed: %v, want %v", i, j, got, orig[i*ldc+j])
								}
								continue
							}
							w := want[i*n+j]
							if acc {
								w += orig[i*ldc+j]
							}
							if !close32(got, w, 1e-4) {
								t.Fatalf("C[%d,%d] = %v, want %v", i, j, got, w)
							}
						}
					}
				})
			}
		}
	}
}

func TestGemmPanicsOnShortSlice(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("Gemm with a short A did not panic")
		}
	}()
	Gemm(false, false, 2, 2, 2, make([]float32, 3), 2, make([]float32, 4), 2, make([]float32, 4), 2, false)
}

var geoms = []Geom{
	{C: 1, H: 5, W: 5, KH: 3, KW: 3, SH: 1, SW: 1, PH: 1, PW: 1},
	{C: 2, H: 7, W: 6, KH: 3, KW: 2, SH: 2, SW: 1, PH: 0, PW: 1},
	{C: 3, H: 8, W: 9, KH: 5, KW: 5, SH: 1, SW: 1, PH: 2, PW: 2},
	{C: 2, H: 6, W: 7, KH: 2, KW: 3, SH: 3, SW: 2, PH: 1, PW: 1},
	{C: 1, H: 4, W: 4, KH: 1, KW: 1, SH: 1, SW: 1},
	{C: 2, H: 14, W: 14, KH: 3, KW: 3, SH: 3, SW: 3},
}

// naiveConv evaluates the convolution straight from its definition.
func naiveConv(g Geom, n, oc int, x, w, b []float32) []float32 {
	oh, ow := g.OutH(), g.OutW()
	y := make([]float32, n*oc*oh*ow)
	for i := 0; i < n; i++ {
		for o := 0; o < oc; o++ {
			for oy := 0; oy < oh; oy++ {
				for ox := 0; ox < ow; ox++ {
					var s float64
					if b != nil {
						s = float64(b[o])
					}
					for c := 0; c < g.C; c++ {
						for ky := 0; ky < g.KH; ky++ {
							for kx := 0; kx < g.KW; kx++ {
								yy, xx := oy*g.SH+ky-g.PH, ox*g.SW+kx-g.PW
								if yy < 0 || yy >= g.H || xx < 0 || xx >= g.W {
									continue
								}
								s += float64(x[((i*g.C+c)*g.H+yy)*g.W+xx]) * float64(w[((o*g.C+c)*g.KH+ky)*g.KW+kx])
							}
						}
					}
					y[((i*oc+o)*oh+oy)*ow+ox] = float32(s)
				}
			}
		}
	}
	return y
}

func dot(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

func TestIm2ColAdjoint(t *testing.T) {
	// <Im2Col(x), c> = <x, Col2Im(c)> for all x, c: Col2Im is the exact
	// adjoint that backward needs.
	r := rand.New(rand.NewPCG(3, 4))
	for _, g := range geoms {
		t.Run(fmt.Sprintf("%+v", g), func(t *testing.T) {
			x := randSlice(r, g.C*g.H*g.W)
			cn := g.C * g.KH * g.KW * g.OutH() * g.OutW()
			c := randSlice(r, cn)
			col := make([]float32, cn)
			Im2Col(g, x, col)
			back := make([]float32, len(x))
			Col2Im(g, c, back)
			if l, rr := dot(col, c), dot(x, back); math.Abs(l-rr) > 1e-4*(1+math.Abs(l)) {
				t.Fatalf("<Im2Col x, c> = %v, <x, Col2Im c> = %v", l, rr)
			}
		})
	}
}

// TestConvIdentities checks ConvForward against the definition with and
// without bias, and ConvBackward by the dot-product identities of the
// forward map, which is linear in x, in w and in b separately.
func TestConvIdentities(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, g := range geoms {
		for _, bias := range []bool{false, true} {
			t.Run(fmt.Sprintf("%+v/bias=%v", g, bias), func(t *testing.T) {
				n, oc := 2, 3
				x := randSlice(r, n*g.C*g.H*g.W)
				w := randSlice(r, oc*g.C*g.KH*g.KW)
				var b []float32
				if bias {
					b = randSlice(r, oc)
				}
				y := make([]float32, n*oc*g.OutH()*g.OutW())
				ConvForward(g, n, oc, x, w, b, y, nil, nil)
				want := naiveConv(g, n, oc, x, w, b)
				for i := range y {
					if !close32(y[i], want[i], 1e-4) {
						t.Fatalf("y[%d] = %v, want %v", i, y[i], want[i])
					}
				}
				// Backward: dot-product identities against the forward map,
				// which is linear in x, in w and in b separately.
				dy := randSlice(r, len(y))
				dx, dw := make([]float32, len(x)), make([]float32, len(w))
				db := make([]float32, oc)
				ConvBackward(g, n, oc, x, w, dy, dx, dw, db, nil)
				noBias := naiveConv(g, n, oc, x, w, nil)
				if l, rr := dot(noBias, dy), dot(x, dx); math.Abs(l-rr) > 1e-3*(1+math.Abs(l)) {
					t.Fatalf("<conv(x), dy> = %v, <x, dx> = %v", l, rr)
				}
				if l, rr := dot(noBias, dy), dot(w, dw); math.Abs(l-rr) > 1e-3*(1+math.Abs(l)) {
					t.Fatalf("<conv(w), dy> = %v, <w, dw> = %v", l, rr)
				}
				ones := make([]float32, oc)
				for i := range ones {
					ones[i] = 1
				}
				zero := make([]float32, len(x))
				onlyB := naiveConv(g, n, oc, zero, w, ones)
				if l, rr := dot(onlyB, dy), dot(ones, db); math.Abs(l-rr) > 1e-3*(1+math.Abs(l)) {
					t.Fatalf("<conv(b), dy> = %v, <b, db> = %v", l, rr)
				}
			})
		}
	}
}

func TestMaxPool2D(t *testing.T) {
	tests := []struct {
		name string
		g    Geom
		x    []float32
		want []float32
		arg  []int32
	}{
		{"2x2 stride 2", Geom{C: 1, H: 2, W: 4, KH: 2, KW: 2, SH: 2, SW: 2}, []float32{1, 5, 2, 0, 3, 4, 8, 7}, []float32{5, 8}, []int32{1, 6}},
		{"all negative", Geom{C: 1, H: 2, W: 2, KH: 2, KW: 2, SH: 2, SW: 2}, []float32{-3, -1, -2, -5}, []float32{-1}, []int32{1}},
		{"non-square 1x3", Geom{C: 1, H: 2, W: 3, KH: 1, KW: 3, SH: 1, SW: 1}, []float32{1, 9, 2, 7, 3, 4}, []float32{9, 7}, []int32{1, 3}},
		{"non-square 2x1 stride 1x2", Geom{C: 1, H: 3, W: 3, KH: 2, KW: 1, SH: 1, SW: 2}, []float32{1, 2, 3, 4, 5, 6, 0, 8, -1}, []float32{4, 6, 4, 6}, []int32{3, 5, 3, 5}},
		{"padding never wins", Geom{C: 1, H: 2, W: 2, KH: 2, KW: 2, SH: 2, SW: 2, PH: 1, PW: 1}, []float32{-1, -2, -3, -4}, []float32{-1, -2, -3, -4}, []int32{0, 1, 2, 3}},
		{"ties take the first", Geom{C: 1, H: 1, W: 3, KH: 1, KW: 3, SH: 1, SW: 1}, []float32{2, 2, 2}, []float32{2}, []int32{0}},
		{"3x3 stride 3 drops the border", Geom{C: 1, H: 4, W: 4, KH: 3, KW: 3, SH: 3, SW: 3}, []float32{0, 1, 2, 99, 3, 4, 5, 99, 6, 7, 8, 99, 99, 99, 99, 99}, []float32{8}, []int32{10}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			y := make([]float32, len(tc.want))
			arg := make([]int32, len(tc.want))
			MaxPool2D(tc.g, 1, tc.x, y, arg)
			for i := range y {
				if y[i] != tc.want[i] || arg[i] != tc.arg[i] {
					t.Fatalf("MaxPool2D = %v %v, want %v %v", y, arg, tc.want, tc.arg)
				}
			}
			dy := make([]float32, len(y))
			for i := range dy {
				dy[i] = float32(i + 1)
			}
			dx := make([]float32, len(tc.x))
			MaxPool2DBackward(dy, arg, dx)
			var sx, sy float32
			for i := range dx {
				sx += dx[i]
			}
			for _, v := range dy {
				sy += v
			}
			if sx != sy {
				t.Fatalf("backward lost gradient: sum dx %v, sum dy %v", sx, sy)
			}
		})
	}
}

func TestAvgPool2D(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, g := range []Geom{
		{C: 2, H: 4, W: 6, KH: 2, KW: 3, SH: 2, SW: 3},
		{C: 1, H: 5, W: 5, KH: 3, KW: 3, SH: 2, SW: 2, PH: 1, PW: 1},
	} {
		t.Run(fmt.Sprintf("%+v", g), func(t *testing.T) {
			n := 2
			x := randSlice(r, n*g.C*g.H*g.W)
			y := make([]float32, n*g.C*g.OutH()*g.OutW())
			AvgPool2D(g, n, x, y)
			// Average pooling is a convolution of each channel with a
			// constant kernel 1/(KH·KW).
			g1 := g
			g1.C = 1
			w := make([]float32, g.KH*g.KW)
			for i := range w {
				w[i] = 1 / float32(len(w))
			}
			want := naiveConv(g1, n*g.C, 1, x, w, nil)
			for i := range y {
				if !close32(y[i], want[i], 1e-5) {
					t.Fatalf("y[%d] = %v, want %v", i, y[i], want[i])
				}
			}
			dy := randSlice(r, len(y))
			dx := make([]float32, len(x))
			AvgPool2DBackward(g, n, dy, dx)
			if l, rr := dot(y, dy), dot(x, dx); math.Abs(l-rr) > 1e-4*(1+math.Abs(l)) {
				t.Fatalf("<pool x, dy> = %v, <x, dx> = %v", l, rr)
			}
		})
	}
}

func TestReshape(t *testing.T) {
	x := New(2, 3, 4)
	if got := x.Reshape(-1, 4).Shape; !SameShape(got, []int{6, 4}) {
		t.Fatalf("Reshape(-1, 4).Shape = %v, want [6 4]", got)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("Reshape to a wrong size did not panic")
		}
	}()
	x.Reshape(5, 5)
}
