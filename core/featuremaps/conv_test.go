package featuremaps

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"cnnviz/core/nn"
)

// TestConvUnit checks the step-through against the network's own
// forward pass for corner, edge and random units of every conv layer of
// both architectures: Sum + Bias must equal the layer output (to float32
// rounding of a sum of |products|) and Post the next ReLU's output.
func TestConvUnit(t *testing.T) {
	for _, arch := range archs {
		m := build(t, arch, 9)
		r := rand.New(rand.NewPCG(9, 9))
		x := randomImages(m, r, 1)
		ls := Capture(m, x)
		for li, l := range m.Layers {
			cl, ok := l.(*nn.Conv2D)
			if !ok {
				continue
			}
			sh := m.OutShape(li)
			units := [][3]int{{0, 0, 0}, {sh[0] - 1, sh[1] - 1, sh[2] - 1}, {0, 0, sh[2] / 2}}
			for range 5 {
				units = append(units, [3]int{r.IntN(sh[0]), r.IntN(sh[1]), r.IntN(sh[2])})
			}
			for _, un := range units {
				t.Run(fmt.Sprintf("%s/%s%v", arch, cl.S.Name, un), func(t *testing.T) {
					u := Conv(m, x, li, un[0], un[1], un[2])
					out := ls[li].Data[(un[0]*sh[1]+un[1])*sh[2]+un[2]]
					var mag float64
					for _, p := range u.Products {
						mag += math.Abs(float64(p))
					}
					tol := 1e-6 * (mag + math.Abs(float64(u.Bias)) + 1)
					if math.Abs(u.Pre-float64(out)) > tol || u.Output != out {
						t.Errorf("Sum %v + Bias %v = %v, want the network's %v (±%.2g); Output %v", u.Sum, u.Bias, u.Pre, out, tol, u.Output)
					}
					post := float64(ls[li+1].Data[(un[0]*sh[1]+un[1])*sh[2]+un[2]])
					if !u.ReLU || math.Abs(u.Post-post) > tol {
						t.Errorf("Post = %v (ReLU %v), want the next layer's %v", u.Post, u.ReLU, post)
					}
					for i, p := range u.Products {
						if p != u.Patch[i]*u.Kernel[i] || (u.Padding[i] && u.Patch[i] != 0) {
							t.Fatalf("tap %d: product %v, patch %v, kernel %v, padding %v", i, p, u.Patch[i], u.Kernel[i], u.Padding[i])
						}
					}
				})
			}
		}
	}
}

// TestConvUnitPadding counts the padded taps of corner units, known from
// the geometry: conv1 of mnist (3×3, pad 1) at (0, 0) has the top row and
// left column of its window in the padding, 5 of 9 taps; convnetjs conv1
// (5×5, pad 2) at (0, 0) has 25 − 9 = 16.
func TestConvUnitPadding(t *testing.T) {
	for _, tc := range []struct {
		arch string
		y, x int
		want int
	}{{"mnist", 0, 0, 5}, {"mnist", 27, 5, 3}, {"mnist", 5, 5, 0}, {"convnetjs", 0, 0, 16}, {"convnetjs", 1, 27, 5 + 4*2}} {
		m := build(t, tc.arch, 10)
		u := Conv(m, make([]float32, 784), 0, 0, tc.y, tc.x)
		n := 0
		for _, p := range u.Padding {
			if p {
				n++
			}
		}
		if n != tc.want {
			t.Errorf("%s conv1 unit (0, %d, %d): %d padded taps, want %d", tc.arch, tc.y, tc.x, n, tc.want)
		}
	}
}

// TestConvUnitCanFail computes the sum with the kernel transposed (a
// convolution-vs-correlation mix-up) and expects a mismatch.
func TestConvUnitCanFail(t *testing.T) {
	m := build(t, "mnist", 9)
	x := randomImages(m, rand.New(rand.NewPCG(9, 9)), 1)
	u := Conv(m, x, 0, 3, 14, 14)
	var wrong float64
	for i := range 3 {
		for j := range 3 {
			wrong += float64(u.Patch[i*3+j]) * float64(u.Kernel[j*3+i])
		}
	}
	if math.Abs(wrong+float64(u.Bias)-float64(u.Output)) < 1e-4 {
		t.Errorf("a transposed kernel also matches the output %v: the check cannot tell", u.Output)
	}
}
