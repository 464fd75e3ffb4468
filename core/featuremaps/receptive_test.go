package featuremaps

import (
	"fmt"
	"image"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	ag "cnnviz/core/autograd"
	"cnnviz/core/nn"
	"cnnviz/core/tensor"
	"cnnviz/models"
)

func TestReceptiveFieldKnown(t *testing.T) {
	mnist, _ := models.Architecture("mnist")
	cjs, _ := models.Architecture("convnetjs")
	tests := []struct {
		spec     nn.Spec
		layer    string
		y, x     int
		want     image.Rectangle
		whyKnown string
	}{
		{mnist, "conv1", 5, 7, image.Rect(6, 4, 9, 7), "3×3 window centred on (5, 7)"},
		{mnist, "conv1", 0, 0, image.Rect(0, 0, 2, 2), "the window's top row and left column are padding"},
		{mnist, "relu1", 5, 7, image.Rect(6, 4, 9, 7), "ReLU reads one unit"},
		{mnist, "pool1", 3, 3, image.Rect(5, 5, 9, 9), "pool rows 6..7 of conv1, whose windows cover 5..8"},
		{mnist, "conv2", 3, 3, image.Rect(3, 3, 11, 11), "pool rows 2..4 → conv1 rows 4..9 → input 3..10"},
		{mnist, "relu4", 3, 3, image.Rect(1, 1, 27, 27), "conv4 row 3 → conv3 2..4 → pool2 1..5 → relu2 2..11 → pool1 1..12 → conv1 2..25 → input 1..26 (size 1+Σ(k−1)·jump = 26)"},
		{mnist, "conv3", 0, 0, image.Rect(0, 0, 11, 11), "corner: pool2 0..1 → relu2 0..3 → pool1 0..4 → conv1 0..9 → input 0..10, padding cut at every level"},
		{mnist, "gap", 0, 5, image.Rect(0, 0, 28, 28), "global pooling reads the whole map"},
		{mnist, "fc", 0, 9, image.Rect(0, 0, 28, 28), "dense reads everything"},
		{cjs, "conv1", 10, 10, image.Rect(8, 8, 13, 13), "5×5 window"},
		{cjs, "pool2", 0, 0, image.Rect(0, 0, 12, 12), "relu2 rows 0..2 → pool1 0..4 (−2 is padding) → conv1 0..9 → input 0..11"},
		{cjs, "pool2", 3, 3, image.Rect(12, 12, 28, 28), "relu2 rows 9..11 → pool1 7..13 → conv1 14..27 → input 12..27; relu2 rows 12..13 are never pooled"},
		{cjs, "flatten", 0, 5, image.Rect(0, 0, 18, 18), "unit 5 is pool2 channel 0, row 1, col 1 → relu2 3..5 → pool1 1..7 → conv1 2..15 → input 0..17"},
		{cjs, "flatten", 0, 16 + 15, image.Rect(12, 12, 28, 28), "unit 31 is channel 1, row 3, col 3"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%s(%d,%d)", tt.spec.Name, tt.layer, tt.y, tt.x), func(t *testing.T) {
			if got := ReceptiveField(tt.spec, indexOf(tt.spec, tt.layer), tt.y, tt.x); got != tt.want {
				t.Errorf("ReceptiveField(%s, %s, %d, %d) = %v, want %v (%s)", tt.spec.Name, tt.layer, tt.y, tt.x, got, tt.want, tt.whyKnown)
			}
		})
	}
}

func indexOf(s nn.Spec, name string) int {
	for i, l := range s.Layers {
		if l.Name == name {
			return i
		}
	}
	panic("no layer " + name)
}

// positive sets every weight of m to a value in [0.5, 1)/fan-in and every
// bias to [0.1, 0.2). With inputs ≥ 0, every pre-activation is then
// positive, so every ReLU passes its input and every unit increases strictly
// with every input pixel it depends on.
func positive(m *nn.Sequential, r *rand.Rand) {
	for _, p := range m.Params() {
		d := p.Var.Value.Data
		fanIn := len(d) / p.Var.Value.Shape[0]
		for i := range d {
			if strings.HasSuffix(p.Name, ".bias") {
				d[i] = 0.1 + 0.1*r.Float32()
			} else {
				d[i] = (0.5 + 0.5*r.Float32()) / float32(fanIn)
			}
		}
	}
}

// TestReceptiveFieldBruteForce checks ReceptiveField for EVERY unit of
// EVERY layer of both architectures against perturbation. With all weights
// positive (see positive), raising one input pixel by a large amount raises
// every unit that depends on it through any path, by more than the spread of
// a pooling window, so it also changes every max-pool output whose window
// holds an affected unit: the union over inputs of the support, not one
// input's argmax path. A unit is "influenced" by pixel p when its value
// moves by more than tol; the set of such p must be exactly the analytic
// rectangle.
func TestReceptiveFieldBruteForce(t *testing.T) {
	for _, arch := range archs {
		t.Run(arch, func(t *testing.T) {
			spec, _ := models.Architecture(arch)
			m := nn.MustBuild(spec, 11)
			r := rand.New(rand.NewPCG(11, 0))
			positive(m, r)
			size := tensor.Numel(spec.Input)
			w := spec.Input[2]
			base := make([]float32, size)
			for i := range base {
				base[i] = r.Float32()
			}
			ref := outputs(m, base, 1)
			// rects[l][u]: the analytic field of unit u of layer l (flat index).
			rects := make([][]image.Rectangle, len(m.Layers))
			for l := range m.Layers {
				sh := m.OutShape(l)
				c, hw := channels(sh)
				rects[l] = make([]image.Rectangle, c*hw)
				for u := range rects[l] {
					if len(sh) == 3 {
						p := u % hw
						rects[l][u] = ReceptiveField(spec, l, p/sh[2], p%sh[2])
					} else {
						rects[l][u] = ReceptiveField(spec, l, 0, u)
					}
				}
			}
			const bump, tol = 1e6, 1e-2
			const chunk = 98 // pixels perturbed per batched forward pass
			mismatches := 0
			minIn, maxOut := math.Inf(1), 0.0
			for start := 0; start < size; start += chunk {
				b := min(chunk, size-start)
				batch := make([]float32, b*size)
				for j := range b {
					copy(batch[j*size:], base)
					batch[j*size+start+j] += bump
				}
				outs := outputs(m, batch, b)
				for l := range m.Layers {
					per := len(ref[l])
					for j := range b {
						p := start + j
						pt := image.Pt(p%w, p/w)
						for u, v := range outs[l][j*per : (j+1)*per] {
							d := math.Abs(float64(v) - float64(ref[l][u]))
							in := pt.In(rects[l][u])
							if in {
								minIn = math.Min(minIn, d)
							} else {
								maxOut = math.Max(maxOut, d)
							}
							if in != (d > tol) {
								if mismatches < 10 {
									t.Errorf("layer %s unit %d: pixel (%d,%d) moves it by %.3g, but its field is %v", spec.Layers[l].Name, u, pt.X, pt.Y, d, rects[l][u])
								}
								mismatches++
							}
						}
					}
				}
			}
			t.Logf("%s: smallest change inside a field %.3g, largest outside %.3g (threshold %g); %d mismatches", arch, minIn, maxOut, tol, mismatches)
		})
	}
}

// outputs runs n images through m and returns every layer's batched output.
func outputs(m *nn.Sequential, images []float32, n int) [][]float32 {
	out := make([][]float32, len(m.Layers))
	forward(m, images, n, len(m.Layers)-1, func(i int, v *ag.Var) { out[i] = v.Value.Data })
	return out
}

// TestReceptiveFieldCanFail feeds the brute-force comparison a field that
// is one pixel too small and expects a mismatch: the check can fail.
func TestReceptiveFieldCanFail(t *testing.T) {
	spec, _ := models.Architecture("convnetjs")
	m := nn.MustBuild(spec, 12)
	positive(m, rand.New(rand.NewPCG(12, 0)))
	base := make([]float32, 28*28)
	ref := outputs(m, base, 1)
	rect := ReceptiveField(spec, 0, 10, 10)
	rect.Max.X-- // wrong on purpose
	img := append([]float32(nil), base...)
	img[10*28+12] += 1e6 // column 12 is in the true 5×5 field (8..12)
	got := outputs(m, img, 1)
	u := 0*28*28 + 10*28 + 10
	moved := math.Abs(float64(got[0][u]-ref[0][u])) > 1e-2
	if !moved || image.Pt(12, 10).In(rect) {
		t.Errorf("pixel (12,10) moved conv1 (10,10): %v; in shrunken field %v: %v; want moved and outside", moved, rect, image.Pt(12, 10).In(rect))
	}
}
