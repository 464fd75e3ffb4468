//go:build !js

package attack

import (
	"math"
	"slices"
	"testing"

	"cnnviz/core/actmax"
	"cnnviz/core/inputopt"
	"cnnviz/core/nn"
	"cnnviz/models"
	"cnnviz/models/mnist"
)

func builtin(t testing.TB, name string) *nn.Sequential {
	t.Helper()
	m, err := models.Builtin(name)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// testImages returns n seeded test images and their labels.
func testImages(t testing.TB, n int, seed uint64) ([][]float32, []int) {
	t.Helper()
	set, err := mnist.LoadDefault("test")
	if err != nil {
		t.Fatal(err)
	}
	var imgs [][]float32
	var labels []int
	for _, i := range Subset(set.Count, n, seed) {
		imgs = append(imgs, set.Float(i, nil))
		labels = append(labels, int(set.Labels[i]))
	}
	return imgs, labels
}

func run(t *testing.T, m *nn.Sequential, x []float32, label int, opt Options) Result {
	t.Helper()
	res, err := Attack(m, x, label, opt)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestWithinBall runs FGSM and PGD in both norms and checks that every
// perturbation is inside its ball exactly and the image inside 0..1, and
// that the reported norms are the perturbation's.
func TestWithinBall(t *testing.T) {
	m := builtin(t, "mnist")
	imgs, labels := testImages(t, 4, 1)
	for _, opt := range []Options{
		{Method: FGSM, Eps: 0.1},
		{Method: PGD, Eps: 0.3, Steps: 10, RandomStart: true, Seed: 3},
		{Method: PGD, Eps: 0.05, Steps: 10},
		{Method: PGD, Norm: inputopt.L2, Eps: 1.5, Steps: 10, RandomStart: true, Seed: 4},
		{Method: PGD, Norm: inputopt.L2, Eps: 0.2, Steps: 10},
	} {
		for i, x := range imgs {
			res := run(t, m, x, labels[i], opt)
			var linf, l2 float64
			for j, v := range res.Adversarial {
				if v < 0 || v > 1 {
					t.Fatalf("%v: pixel %d = %v, want 0..1", opt, j, v)
				}
				d := math.Abs(float64(v) - float64(x[j]))
				linf = max(linf, d)
				l2 += d * d
			}
			l2 = math.Sqrt(l2)
			got := linf
			if opt.Norm == inputopt.L2 {
				got = l2
			}
			if got > opt.Eps {
				t.Errorf("%v on image %d: norm %v, want ≤ %v", opt.Method, i, got, opt.Eps)
			}
			if res.LInf != linf || math.Abs(res.L2-l2) > 1e-9 {
				t.Errorf("%v: reported norms %v, %v, want %v, %v", opt.Method, res.LInf, res.L2, linf, l2)
			}
			// An L∞ attack that changes pixels moves them by about eps.
			if opt.Norm != inputopt.L2 && linf < opt.Eps*0.9 {
				t.Errorf("%v on image %d: L∞ %v, want about %v", opt.Method, i, linf, opt.Eps)
			}
		}
	}
}

// TestPGDBeatsFGSM checks that PGD's loss on the label is at least FGSM's
// on the same image and radius.
func TestPGDBeatsFGSM(t *testing.T) {
	m := builtin(t, "mnist")
	imgs, labels := testImages(t, 6, 2)
	for _, eps := range []float64{0.05, 0.1, 0.2} {
		for i, x := range imgs {
			f := run(t, m, x, labels[i], Options{Method: FGSM, Eps: eps})
			p := run(t, m, x, labels[i], Options{Method: PGD, Eps: eps, Steps: 20})
			lf := -math.Log(float64(f.AdvProbs[labels[i]]))
			lp := -math.Log(float64(p.AdvProbs[labels[i]]))
			if lp < lf-1e-6 {
				t.Errorf("eps %v image %d: PGD loss %v < FGSM loss %v", eps, i, lp, lf)
			}
			if len(f.Curve) != 2 || len(p.Curve) != 21 {
				t.Errorf("curves of %d and %d evaluations, want 2 and 21", len(f.Curve), len(p.Curve))
			}
		}
	}
}

// TestPGDFools checks that PGD at the usual radius fools the standard
// model, untargeted and targeted, while the clean image was right.
func TestPGDFools(t *testing.T) {
	m := builtin(t, "mnist")
	imgs, labels := testImages(t, 5, 3)
	for i, x := range imgs {
		res := run(t, m, x, labels[i], Options{Eps: 0.3, Steps: 40})
		if res.CleanPred != labels[i] || !res.Success || res.AdvPred == labels[i] {
			t.Errorf("image %d (label %d): clean %d, attacked %d, success %v", i, labels[i], res.CleanPred, res.AdvPred, res.Success)
		}
		target := (labels[i] + 1) % 10
		res = run(t, m, x, labels[i], Options{Eps: 0.3, Steps: 40, Targeted: true, Target: target})
		if res.AdvPred != target || !res.Success {
			t.Errorf("image %d targeted at %d: attacked %d", i, target, res.AdvPred)
		}
	}
}

// TestSharedOptimizer checks that activation maximization and the
// gradient attacks take their steps through the one engine of
// core/inputopt: the process-wide count of engine steps grows by exactly
// their numbers of steps, and each run's image is the engine's values.
func TestSharedOptimizer(t *testing.T) {
	m := builtin(t, "mnist")
	imgs, labels := testImages(t, 1, 4)

	before := inputopt.Calls()
	r, err := actmax.New(m, actmax.Options{Objective: actmax.Objective{Kind: actmax.Class, Class: 3}, Steps: 7})
	if err != nil {
		t.Fatal(err)
	}
	for !r.Step() {
	}
	if got := inputopt.Calls() - before; got != 7 || r.Engine().Steps() != 7 {
		t.Errorf("actmax: engine calls %d and engine steps %d, want 7 and 7", got, r.Engine().Steps())
	}
	if img := r.Image().Data; !slices.Equal(img, r.Engine().X) {
		t.Errorf("actmax image is not the engine's values")
	}

	for _, tc := range []struct {
		opt   Options
		steps int
	}{
		{Options{Method: PGD, Steps: 5}, 5},
		{Options{Method: FGSM}, 1},
		{Options{Method: Fooling, Target: 2, Steps: 3, Confidence: 0.999999}, 3},
	} {
		before = inputopt.Calls()
		a, err := New(m, imgs[0], labels[0], tc.opt)
		if err != nil {
			t.Fatal(err)
		}
		for !a.Step() {
		}
		if got := inputopt.Calls() - before; got != int64(tc.steps) || a.Engine().Steps() != tc.steps {
			t.Errorf("%v: engine calls %d and engine steps %d, want %d", tc.opt.Method, got, a.Engine().Steps(), tc.steps)
		}
	}
	// DeepFool and the one-pixel attack are not gradient ascent.
	before = inputopt.Calls()
	run(t, m, imgs[0], labels[0], Options{Method: DeepFool})
	if got := inputopt.Calls() - before; got != 0 {
		t.Errorf("DeepFool: %d engine calls, want 0", got)
	}
}

// TestSlider checks the constraint slider's two ends on one targeted
// ascent: in a small ball the image stays close; unconstrained, the same
// ascent moves pixels much further and reaches the target.
func TestSlider(t *testing.T) {
	m := builtin(t, "mnist")
	imgs, labels := testImages(t, 1, 5)
	target := (labels[0] + 5) % 10
	small := run(t, m, imgs[0], labels[0], Options{Eps: 0.02, Steps: 100, Alpha: 0.01, Targeted: true, Target: target})
	free := run(t, m, imgs[0], labels[0], Options{Unconstrained: true, Steps: 100, Alpha: 0.01, Targeted: true, Target: target})
	if small.LInf > 0.02 {
		t.Errorf("eps 0.02: L∞ %v", small.LInf)
	}
	if free.LInf <= 0.3 || !free.Success {
		t.Errorf("unconstrained: L∞ %v, success %v; want > 0.3 and success", free.LInf, free.Success)
	}
	if small.Success {
		t.Errorf("eps 0.02 reached the target: want a ball too small for that")
	}
}

// TestDeepFool checks that DeepFool changes the label, with a small L2
// norm, and lands near the boundary: half the perturbation still gives
// the original class.
func TestDeepFool(t *testing.T) {
	m := builtin(t, "mnist")
	imgs, labels := testImages(t, 6, 6)
	for i, x := range imgs {
		res := run(t, m, x, labels[i], Options{Method: DeepFool})
		if !res.Success || res.AdvPred == res.CleanPred {
			t.Errorf("image %d: prediction %d → %d, want a change", i, res.CleanPred, res.AdvPred)
			continue
		}
		t.Logf("image %d: DeepFool %d → %d with L2 %.3f (L∞ %.3f) in %d iterations", i, res.CleanPred, res.AdvPred, res.L2, res.LInf, len(res.Curve))
		if res.L2 > 4 {
			t.Errorf("image %d: L2 %v, want a small perturbation (< 4)", i, res.L2)
		}
		half := slices.Clone(x)
		for j := range half {
			half[j] += res.Perturbation[j] / 2
		}
		if p := run(t, m, half, -1, Options{Method: FGSM, Eps: 1e-9}).CleanPred; p != res.CleanPred {
			t.Errorf("image %d: half the perturbation already gives %d, want the clean %d", i, p, res.CleanPred)
		}
		if res.Backwards == 0 || len(res.Curve) == 0 {
			t.Errorf("image %d: %d backward passes, %d iterations", i, res.Backwards, len(res.Curve))
		}
	}
}

// TestOnePixel checks that the one-pixel attack changes exactly one
// pixel, uses no gradient, and that its best fitness never gets worse.
func TestOnePixel(t *testing.T) {
	m := builtin(t, "mnist")
	imgs, labels := testImages(t, 3, 7)
	for i, x := range imgs {
		res := run(t, m, x, labels[i], Options{Method: OnePixel, Population: 30, Steps: 8, Seed: uint64(i)})
		changed := 0
		for j := range x {
			if res.Adversarial[j] != x[j] {
				changed++
			}
		}
		if changed != 1 {
			t.Errorf("image %d: %d pixels changed, want 1", i, changed)
		}
		t.Logf("image %d: one pixel, %d generations: p(label) %.3f → %.3f, success %v", i, len(res.Curve), res.CleanProbs[labels[i]], res.AdvProbs[labels[i]], res.Success)
		if res.Backwards != 0 {
			t.Errorf("image %d: %d backward passes, want 0 (black box)", i, res.Backwards)
		}
		for g := 1; g < len(res.Curve); g++ {
			if res.Curve[g] > res.Curve[g-1] {
				t.Errorf("image %d: fitness rose from %v to %v at generation %d", i, res.Curve[g-1], res.Curve[g], g)
			}
		}
		if want := float64(res.AdvProbs[labels[i]]); math.Abs(res.Curve[len(res.Curve)-1]-want) > 1e-6 {
			t.Errorf("image %d: best fitness %v, want the attacked image's probability %v", i, res.Curve[len(res.Curve)-1], want)
		}
	}
}

// TestFooling checks that ascent from noise makes the model classify the
// noise as each target with confidence.
func TestFooling(t *testing.T) {
	m := builtin(t, "mnist")
	x := make([]float32, 28*28)
	for target := range 10 {
		res := run(t, m, x, -1, Options{Method: Fooling, Target: target, Seed: uint64(target)})
		if res.AdvPred != target || res.AdvProbs[target] < 0.99 {
			t.Errorf("target %d: predicted %d with p(target) %v, want %d with ≥ 0.99", target, res.AdvPred, res.AdvProbs[target], target)
		}
	}
}

// TestCurve checks the robust-accuracy curve on a seeded subset: its
// first point is the clean accuracy counted independently, it never
// rises, PGD lowers it, and the same seed gives the same curve.
func TestCurve(t *testing.T) {
	m := builtin(t, "mnist")
	imgs, labels := testImages(t, 40, 8)
	opt := CurveOptions{Eps: []float64{0, 0.05, 0.1, 0.2, 0.3}, Steps: 10, RandomStart: true, Seed: 1, Batch: 6}
	curve := func() []float64 {
		c, err := NewCurve(m, imgs, labels, opt)
		if err != nil {
			t.Fatal(err)
		}
		for !c.Step() {
		}
		return c.Accuracy()
	}
	acc := curve()
	if len(acc) != len(opt.Eps) {
		t.Fatalf("%d points, want %d", len(acc), len(opt.Eps))
	}
	correct := 0
	for i, x := range imgs {
		if run(t, m, x, -1, Options{Method: FGSM, Eps: 1e-9}).CleanPred == labels[i] {
			correct++
		}
	}
	if want := float64(correct) / float64(len(imgs)); acc[0] != want {
		t.Errorf("accuracy at eps 0 = %v, want the clean accuracy %v", acc[0], want)
	}
	for i := 1; i < len(acc); i++ {
		if acc[i] > acc[i-1] {
			t.Errorf("accuracy rose from %v at eps %v to %v at eps %v", acc[i-1], opt.Eps[i-1], acc[i], opt.Eps[i])
		}
	}
	if last := acc[len(acc)-1]; last > acc[0]/2 {
		t.Errorf("accuracy at eps 0.3 = %v, want PGD to at least halve %v", last, acc[0])
	}
	if again := curve(); !slices.Equal(again, acc) {
		t.Errorf("same seed, curves %v and %v", acc, again)
	}
}

// TestBadOptions checks that bad options give errors that name the
// problem.
func TestBadOptions(t *testing.T) {
	m := builtin(t, "mnist")
	x := make([]float32, 28*28)
	for _, tc := range []struct {
		name string
		x    []float32
		opt  Options
	}{
		{"short image", x[:10], Options{}},
		{"negative eps", x, Options{Eps: -1}},
		{"NaN eps", x, Options{Eps: math.NaN()}},
		{"target", x, Options{Targeted: true, Target: 10}},
		{"fooling without target", x, Options{Method: Fooling, Target: -1}},
		{"population", x, Options{Method: OnePixel, Population: 2}},
		{"method", x, Options{Method: Method(9)}},
		{"pixel", append(slices.Clone(x[:783]), 2), Options{}},
	} {
		if _, err := New(m, tc.x, -1, tc.opt); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	if _, err := NewCurve(m, [][]float32{x}, []int{1}, CurveOptions{Eps: []float64{0.3, 0.1}}); err == nil {
		t.Errorf("decreasing radii: no error")
	}
}
