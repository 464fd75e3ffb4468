package metrics

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"cnnviz/core/attribution"
	"cnnviz/core/nn"
	"cnnviz/core/tensor"
	"cnnviz/models"
)

// brightModel scores class 0 by the mean brightness: a 1×1 conv with
// weight 1, ReLU, GAP and a dense layer with weights +a and −a, so
// p(class 0) = σ(2a·mean(relu(x))).
func brightModel(h, w int, a float32) *nn.Sequential {
	spec := nn.Spec{Name: "bright", Input: []int{1, h, w}, Classes: []string{"bright", "dark"}, Layers: []nn.LayerSpec{
		{Name: "conv", Kind: nn.KindConv2D, Filters: 1, Kernel: [2]int{1, 1}},
		{Name: "relu", Kind: nn.KindReLU},
		{Name: "gap", Kind: nn.KindGlobalAvgPool},
		{Name: "fc", Kind: nn.KindDense, Units: 2},
	}}
	m := nn.MustBuild(spec, 0)
	m.Layers[0].(*nn.Conv2D).W.Value.Data[0] = 1
	fc := m.Layers[3].(*nn.Dense)
	fc.W.Value.Data[0], fc.W.Value.Data[1] = a, -a
	return m
}

func sigmoid(v float64) float64 { return 1 / (1 + math.Exp(-v)) }

// spots returns an h×w image with value 1 at the given pixels.
func spots(h, w int, px ...int) *tensor.Tensor {
	x := tensor.New(1, h, w)
	for _, p := range px {
		x.Data[p] = 1
	}
	return x
}

func TestDeletionInsertionKnown(t *testing.T) {
	const h, w, a = 5, 4, 20
	m := brightModel(h, w, a)
	x := spots(h, w, 3, 7, 11, 16)
	good := append([]float32(nil), x.Data...) // the truth: bright pixels matter
	bad := make([]float32, len(good))
	for i, v := range good {
		bad[i] = 1 - v
	}
	opt := CurveOptions{Fraction: 0.1}
	del, err := Deletion(m, x, 0, good, opt)
	if err != nil {
		t.Fatal(err)
	}
	// 20 pixels, steps of 2: 11 points; after 2 points (4 pixels) every
	// bright pixel is gone and p = σ(0) = 0.5.
	if len(del.Scores) != 11 || del.Fractions[0] != 0 || del.Fractions[10] != 1 {
		t.Fatalf("Deletion has %d points from %v to %v, want 11 from 0 to 1", len(del.Scores), del.Fractions[0], del.Fractions[len(del.Fractions)-1])
	}
	want := []float64{sigmoid(2 * a * 4 / 20), sigmoid(2 * a * 2 / 20), 0.5}
	for k, v := range want {
		if math.Abs(del.Scores[k]-v) > 1e-6 {
			t.Errorf("Deletion score %d = %v, want %v", k, del.Scores[k], v)
		}
	}
	// Exact AUC: trapezoids of width 0.1 over the known points.
	wantAUC := 0.1*(want[0]+want[1])/2 + 0.1*(want[1]+want[2])/2 + 0.8*0.5
	if math.Abs(del.AUC-wantAUC) > 1e-6 {
		t.Errorf("Deletion AUC = %v, want %v", del.AUC, wantAUC)
	}
	delBad, _ := Deletion(m, x, 0, bad, opt)
	if !(del.AUC < delBad.AUC) {
		t.Errorf("Deletion AUC of the true map %v, of the reversed map %v: want the true one smaller", del.AUC, delBad.AUC)
	}
	ins, _ := Insertion(m, x, 0, good, opt)
	insBad, _ := Insertion(m, x, 0, bad, opt)
	if !(ins.AUC > insBad.AUC) {
		t.Errorf("Insertion AUC of the true map %v, of the reversed map %v: want the true one larger", ins.AUC, insBad.AUC)
	}
	if ins.Scores[0] != 0.5 || math.Abs(ins.Scores[len(ins.Scores)-1]-want[0]) > 1e-6 {
		t.Errorf("Insertion runs from %v to %v, want 0.5 to %v", ins.Scores[0], ins.Scores[len(ins.Scores)-1], want[0])
	}
}

// TestCurveConstantModel: a model whose weights are all zero gives p = 1/K
// everywhere, so the AUC is exactly 1/K whatever the map.
func TestCurveConstantModel(t *testing.T) {
	spec, _ := models.Architecture("mnist")
	m := nn.MustBuild(spec, 1)
	for _, p := range m.Params() {
		p.Var.Value.Zero()
	}
	r := rand.New(rand.NewPCG(1, 1))
	x := tensor.New(1, 28, 28)
	attr := make([]float32, 28*28)
	for i := range x.Data {
		x.Data[i], attr[i] = float32(r.Float64()), float32(r.NormFloat64())
	}
	for _, b := range []attribution.Baseline{attribution.BaselineBlack, attribution.BaselineBlur} {
		c, err := Deletion(m, x, 3, attr, CurveOptions{Baseline: b})
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(c.AUC-0.1) > 1e-6 {
			t.Errorf("Deletion AUC (baseline %d) of a constant model = %v, want 0.1", b, c.AUC)
		}
	}
}

func TestCurveStepperMatchesPlain(t *testing.T) {
	spec, _ := models.Architecture("convnetjs")
	m := nn.MustBuild(spec, 3)
	r := rand.New(rand.NewPCG(2, 2))
	x := tensor.New(1, 28, 28)
	attr := make([]float32, 28*28)
	for i := range x.Data {
		x.Data[i], attr[i] = float32(r.Float64()), float32(r.NormFloat64())
	}
	opt := CurveOptions{Fraction: 0.07, Baseline: attribution.BaselineBlur}
	want, _ := Insertion(m, x, 1, attr, opt)
	for _, batch := range []int{1, 5} {
		opt.Batch = batch
		s, err := NewInsertion(m, x, 1, attr, opt)
		if err != nil {
			t.Fatal(err)
		}
		steps := 0
		for !s.Step() {
			steps++
			if done, _ := s.Progress(); len(s.Curve().Scores) != done {
				t.Fatalf("partial curve has %d points, Progress says %d", len(s.Curve().Scores), done)
			}
		}
		got := s.Curve()
		if len(got.Scores) != len(want.Scores) || math.Abs(got.AUC-want.AUC) > 1e-6 {
			t.Errorf("batch %d: %d points, AUC %v; plain: %d points, AUC %v", batch, len(got.Scores), got.AUC, len(want.Scores), want.AUC)
		}
	}
}

func TestConfidenceKnown(t *testing.T) {
	const h, w, a = 4, 4, 3
	m := brightModel(h, w, a)
	x := spots(h, w, 0, 5, 6)
	keep := append([]float32(nil), x.Data...)
	drop := make([]float32, len(keep))
	for i, v := range keep {
		drop[i] = 1 - v
	}
	y := sigmoid(2 * a * 3.0 / 16)
	for _, tc := range []struct {
		name     string
		maps     [][]float32
		wantDrop float64
		wantInc  float64
	}{
		{"keeps_everything", [][]float32{keep}, 0, 0},
		{"keeps_nothing", [][]float32{drop}, 100 * (y - 0.5) / y, 0},
		{"both", [][]float32{keep, drop}, 50 * (y - 0.5) / y, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			xs := make([]*tensor.Tensor, len(tc.maps))
			cl := make([]int, len(tc.maps))
			for i := range xs {
				xs[i] = x
			}
			got, err := ConfidenceMetrics(m, xs, tc.maps, cl)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(got.AverageDrop-tc.wantDrop) > 1e-4 || got.IncreaseRate != tc.wantInc {
				t.Errorf("ConfidenceMetrics = %+v, want drop %v, increase %v", got, tc.wantDrop, tc.wantInc)
			}
		})
	}
	// Class 1 (dark) gains when the bright pixels are hidden: increase 100%.
	got, _ := ConfidenceMetrics(m, []*tensor.Tensor{x}, [][]float32{drop}, []int{1})
	if got.IncreaseRate != 100 || got.AverageDrop != 0 {
		t.Errorf("ConfidenceMetrics(dark class, hide bright) = %+v, want drop 0, increase 100", got)
	}
}

// fakeDigits returns n synthetic 28×28 "digits": a filled rectangle of
// random size and place, labelled i % 10.
func fakeDigits(n int, r *rand.Rand) ([][]float32, []int) {
	ds := make([][]float32, n)
	ls := make([]int, n)
	for i := range ds {
		d := make([]float32, DigitSide*DigitSide)
		y0, x0 := 4+r.IntN(6), 4+r.IntN(6)
		y1, x1 := y0+6+r.IntN(10), x0+3+r.IntN(10)
		for y := y0; y < y1; y++ {
			for x := x0; x < x1; x++ {
				d[y*DigitSide+x] = 0.5 + 0.5*float32(r.Float64())
			}
		}
		ds[i], ls[i] = d, i%10
	}
	return ds, ls
}

func TestLocalizationSet(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	digits, labels := fakeDigits(30, r)
	for _, opt := range []SceneOptions{{Size: 56, Seed: 1}, {Size: 84, Clutter: 4, Seed: 2}, {Size: 28, Seed: 3}} {
		t.Run(fmt.Sprintf("size%d_clutter%d", opt.Size, opt.Clutter), func(t *testing.T) {
			set, err := LocalizationSet(digits, labels, 20, opt)
			if err != nil {
				t.Fatal(err)
			}
			again, _ := LocalizationSet(digits, labels, 20, opt)
			clutter := 0
			for k, s := range set {
				S := opt.Size
				d := digits[s.Index]
				if s.Label != labels[s.Index] {
					t.Fatalf("scene %d: label %d, digit %d has label %d", k, s.Label, s.Index, labels[s.Index])
				}
				// The digit's ink, found by brute force, spans the box exactly.
				var dy0, dx0, dy1, dx1 = DigitSide, DigitSide, 0, 0
				for y := 0; y < DigitSide; y++ {
					for x := 0; x < DigitSide; x++ {
						if d[y*DigitSide+x] > 0 {
							dy0, dx0, dy1, dx1 = min(dy0, y), min(dx0, x), max(dy1, y+1), max(dx1, x+1)
						}
					}
				}
				b := s.Box
				if b.X1-b.X0 != dx1-dx0 || b.Y1-b.Y0 != dy1-dy0 {
					t.Fatalf("scene %d: box %+v, ink is %dx%d", k, b, dx1-dx0, dy1-dy0)
				}
				ox, oy := b.X0-dx0, b.Y0-dy0
				for y := 0; y < DigitSide; y++ {
					for x := 0; x < DigitSide; x++ {
						if got, want := s.Image.Data[(oy+y)*S+ox+x], d[y*DigitSide+x]; got != want {
							t.Fatalf("scene %d: pixel (%d,%d) of the digit cell = %v, want %v (clutter may not enter the cell)", k, x, y, got, want)
						}
					}
				}
				for i, v := range s.Image.Data {
					x, y := i%S, i/S
					if v > 0 && !(x >= ox && x < ox+DigitSide && y >= oy && y < oy+DigitSide) {
						clutter++
					}
					if v != again[k].Image.Data[i] {
						t.Fatalf("scene %d is not reproducible from its seed", k)
					}
				}
			}
			if (clutter > 0) != (opt.Clutter > 0) {
				t.Errorf("%d clutter pixels with Clutter = %d", clutter, opt.Clutter)
			}
		})
	}
}

func TestPointingAndEnergy(t *testing.T) {
	m := []float32{
		0, 1, 0, 0,
		0, 3, -5, 0,
		0, 0, 2, 0,
	}
	box := Box{X0: 1, Y0: 1, X1: 3, Y1: 3} // holds 3, −5, 0, 2
	if !PointingHit(m, 3, 4, box, 0) {
		t.Error("PointingHit: the maximum 3 at (1,1) is in the box")
	}
	if PointingHit(m, 3, 4, Box{X0: 2, Y0: 0, X1: 4, Y1: 3}, 0) {
		t.Error("PointingHit: the maximum at (1,1) is outside box x 2..3")
	}
	if !PointingHit(m, 3, 4, Box{X0: 2, Y0: 0, X1: 4, Y1: 3}, 1) {
		t.Error("PointingHit with tolerance 1: (1,1) is within 1 pixel of x 2..3")
	}
	if got, want := EnergyInBox(m, 3, 4, box), 5.0/6; math.Abs(got-want) > 1e-12 {
		t.Errorf("EnergyInBox = %v, want %v", got, want)
	}
	if got := EnergyInBox(make([]float32, 12), 3, 4, box); got != 0 {
		t.Errorf("EnergyInBox(zero map) = %v, want 0", got)
	}
}

func TestSimilarities(t *testing.T) {
	a := []float32{1, 2, 3, 4, 5}
	cube := []float32{1, 8, 27, 64, 125}
	rev := []float32{5, 4, 3, 2, 1}
	ties := []float32{1, 1, 2, 2, 3}
	konst := []float32{2, 2, 2, 2, 2}
	for _, tc := range []struct {
		name         string
		f            func(a, b []float32) float64
		x, y         []float32
		want         float64
		lessThanWant bool
	}{
		{"spearman_monotone", Spearman, a, cube, 1, false},
		{"pearson_monotone", Pearson, a, cube, 1, true},
		{"spearman_reversed", Spearman, a, rev, -1, false},
		{"pearson_reversed", Pearson, a, rev, -1, false},
		{"spearman_ties", Spearman, a, ties, 0.9486832980505138, false}, // ranks 0.5,0.5,2.5,2.5,4
		{"pearson_constant", Pearson, a, konst, 0, false},
		{"ssim_same", SSIM, a, a, 1, false},
		{"ssim_scaled", SSIM, a, []float32{10, 20, 30, 40, 50}, 1, false},
		{"ssim_reversed", SSIM, a, rev, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.f(tc.x, tc.y)
			if tc.lessThanWant {
				if !(got < tc.want-1e-3) {
					t.Errorf("%s(%v, %v) = %v, want below %v", tc.name, tc.x, tc.y, got, tc.want)
				}
			} else if math.Abs(got-tc.want) > 1e-6 {
				t.Errorf("%s(%v, %v) = %v, want %v", tc.name, tc.x, tc.y, got, tc.want)
			}
		})
	}
}

// gradCAMMap is Grad-CAM on layer, upsampled bilinearly to the input.
func gradCAMMap(layer string) MapFunc {
	return func(m *nn.Sequential, x *tensor.Tensor, class int) ([]float32, error) {
		l, err := attribution.LayerIndex(m, layer)
		if err != nil {
			return nil, err
		}
		c, err := attribution.GradCAM(m, x, l, class)
		if err != nil {
			return nil, err
		}
		return attribution.Upsample(c.Data, c.Shape[0], c.Shape[1], x.Shape[1], x.Shape[2], true), nil
	}
}

// TestSanityDetectsModelIndependence: an "explanation" that ignores the
// model (the input itself) stays perfectly similar under randomization;
// Grad-CAM's map changes. The stepper matches the plain function.
func TestSanityDetectsModelIndependence(t *testing.T) {
	spec, _ := models.Architecture("mnist")
	m := nn.MustBuild(spec, 5)
	r := rand.New(rand.NewPCG(4, 4))
	x := tensor.New(1, 28, 28)
	for i := range x.Data {
		x.Data[i] = float32(r.Float64())
	}
	edge := func(_ *nn.Sequential, x *tensor.Tensor, _ int) ([]float32, error) { return x.Data, nil }
	pts, err := Sanity(m, x, 2, edge, 9)
	if err != nil {
		t.Fatal(err)
	}
	if len(pts) != 6 || pts[1].Layer != "fc" || pts[5].Layer != "conv1" {
		t.Fatalf("Sanity visits %v, want the original then fc, conv4, conv3, conv2, conv1", pts)
	}
	for _, p := range pts {
		if p.Spearman < 0.999999 || p.SSIM < 0.999999 {
			t.Errorf("model-independent map after randomizing %q: %+v, want all 1", p.Layer, p)
		}
	}
	gc, err := Sanity(m, x, 2, gradCAMMap("relu4"), 9)
	if err != nil {
		t.Fatal(err)
	}
	if last := gc[len(gc)-1]; math.Abs(last.Spearman) > 0.9 {
		t.Errorf("Grad-CAM after randomizing every layer: Spearman %v, want it to change", last.Spearman)
	}
	s := NewSanity(m, x, 2, gradCAMMap("relu4"), 9)
	for !s.Step() {
	}
	for i, p := range s.Points() {
		if p != gc[i] {
			t.Errorf("stepper point %d = %+v, plain %+v", i, p, gc[i])
		}
	}
	// m itself is untouched.
	if again, _ := Sanity(m, x, 2, gradCAMMap("relu4"), 9); again[1] != gc[1] {
		t.Error("Sanity changed the model it was given")
	}
}

func TestOptionErrors(t *testing.T) {
	m := brightModel(4, 4, 1)
	x := tensor.New(1, 4, 4)
	attr := make([]float32, 16)
	for _, f := range []float64{-0.1, 1e-6, 1.5} {
		if _, err := Deletion(m, x, 0, attr, CurveOptions{Fraction: f}); err == nil {
			t.Errorf("Deletion(Fraction %v) gave no error, want one", f)
		}
	}
	if _, err := Deletion(m, x, 2, attr, CurveOptions{}); err == nil {
		t.Error("Deletion(class 2 of 2) gave no error, want one")
	}
	blank := [][]float32{make([]float32, DigitSide*DigitSide)}
	if _, err := LocalizationSet(blank, []int{1}, 3, SceneOptions{}); err == nil {
		t.Error("LocalizationSet(blank digits) gave no error, want one")
	}
	if _, err := LocalizationSet(blank, []int{1}, 3, SceneOptions{Size: 20}); err == nil {
		t.Error("LocalizationSet(canvas 20) gave no error, want one")
	}
}
