package chain

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"cnnviz/core/nn"
)

func random(r *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	return v
}

// net is conv 4@3×3 pad 1 on [2, 6, 6] → ReLU → max 2×2 → flatten →
// dense 3, with a pool first when poolFirst is set.
func net(r *rand.Rand, poolFirst bool) ([]Layer, []int) {
	var ls []Layer
	if poolFirst {
		ls = append(ls, Layer{Spec: nn.LayerSpec{Name: "pool0", Kind: nn.KindMaxPool2D, Kernel: [2]int{1, 1}}})
	}
	ls = append(ls,
		Layer{Spec: nn.LayerSpec{Name: "conv", Kind: nn.KindConv2D, Filters: 4, Kernel: [2]int{3, 3}, Pad: [2]int{1, 1}}, W: random(r, 4*2*9), B: random(r, 4)},
		Layer{Spec: nn.LayerSpec{Name: "relu", Kind: nn.KindReLU}},
		Layer{Spec: nn.LayerSpec{Name: "pool", Kind: nn.KindMaxPool2D, Kernel: [2]int{2, 2}}},
		Layer{Spec: nn.LayerSpec{Name: "flat", Kind: nn.KindFlatten}},
		Layer{Spec: nn.LayerSpec{Name: "fc", Kind: nn.KindDense, Units: 3}, W: random(r, 3*36)},
	)
	return ls, []int{2, 6, 6}
}

// TestInputScale checks the folded scale: the model with scale s on x
// gives what the unscaled model gives on s·x, and the caller's weights
// are left alone.
func TestInputScale(t *testing.T) {
	for _, poolFirst := range []bool{false, true} {
		r := rand.New(rand.NewPCG(1, 2))
		ls, in := net(r, poolFirst)
		w0 := append([]float32(nil), ls[len(ls)-5].W...)
		plain, err := Build("n", in, ls, Options{})
		if err != nil {
			t.Fatal(err)
		}
		scaled, err := Build("n", in, ls, Options{InputScale: 255})
		if err != nil {
			t.Fatal(err)
		}
		x := make([]float32, 72)
		big := make([]float32, 72)
		for i := range x {
			x[i] = r.Float32()
			big[i] = 255 * x[i]
		}
		got, want := scaled.Logits(x, 1), plain.Logits(big, 1)
		for i := range want {
			if math.Abs(float64(got[i]-want[i])) > 1e-5*math.Max(1, math.Abs(float64(want[i]))) {
				t.Errorf("poolFirst %v: scaled logits %v, want %v", poolFirst, got, want)
				break
			}
		}
		// The folded model must differ from the plain one on x, or the
		// check above proves nothing.
		if p := plain.Logits(x, 1); p[0] == got[0] {
			t.Errorf("poolFirst %v: the scale changed nothing", poolFirst)
		}
		for i, v := range ls[len(ls)-5].W {
			if v != w0[i] {
				t.Fatalf("Build changed the caller's weights")
			}
		}
		if got, want := strings.Join(plain.Spec.Classes, ","), "0,1,2"; got != want {
			t.Errorf("default classes = %s, want %s", got, want)
		}
	}
}

func TestBuildErrors(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	ls, in := net(r, false)
	nanW := append([]Layer(nil), ls...)
	nanW[0].W = append([]float32(nil), ls[0].W...)
	nanW[0].W[5] = float32(math.NaN())
	short := append([]Layer(nil), ls...)
	short[4].W = ls[4].W[:10]
	tests := []struct {
		name   string
		layers []Layer
		opt    Options
		want   string
	}{
		{"nan", nanW, Options{}, `layer "conv" holds NaN at index 5`},
		{"short", short, Options{}, `layer "fc" has 10 weights, its shape needs 108`},
		{"scale", ls, Options{InputScale: -2}, "input scale -2: must be a positive number"},
		{"classes", ls, Options{Classes: []string{"a"}}, "1 class names for 3 outputs"},
		{"spatial end", ls[:3], Options{}, "ends in shape [4 3 3]"},
		{"empty", nil, Options{}, "no layers"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Build("n", in, tc.layers, tc.opt)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Build error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestTranspose(t *testing.T) {
	for _, size := range [][2]int{{1, 1}, {3, 70}, {65, 33}} {
		rows, cols := size[0], size[1]
		src := make([]float32, rows*cols)
		for i := range src {
			src[i] = float32(i)
		}
		rev := func(j int) int { return rows - 1 - j }
		for _, row := range []func(int) int{nil, rev} {
			got := Transpose(src, rows, cols, row)
			for c := range cols {
				for j := range rows {
					r := j
					if row != nil {
						r = row(j)
					}
					if got[c*rows+j] != src[r*cols+c] {
						t.Fatalf("Transpose %dx%d: out[%d][%d] = %v, want %v", rows, cols, c, j, got[c*rows+j], src[r*cols+c])
					}
				}
			}
		}
	}
}
