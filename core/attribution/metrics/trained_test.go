//go:build !js

package metrics

import (
	"flag"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"

	"cnnviz/core/attribution"
	"cnnviz/core/nn"
	"cnnviz/core/tensor"
	"cnnviz/models"
	"cnnviz/models/mnist"
)

// testDigits loads the first n MNIST test digits as [0, 1] images.
func testDigits(t *testing.T, n int) ([][]float32, []int) {
	t.Helper()
	set, err := mnist.LoadDefault("test")
	if err != nil {
		t.Fatal(err)
	}
	ds := make([][]float32, n)
	ls := make([]int, n)
	for i := range ds {
		ds[i] = make([]float32, DigitSide*DigitSide)
		set.Float(i, ds[i])
		ls[i] = int(set.Labels[i])
	}
	return ds, ls
}

// trained returns the shipped trained model, or the model file named by
// $CNNVIZ_TEST_MNIST_MODEL / $CNNVIZ_TEST_CONVNETJS_MODEL when set (to try
// a freshly trained file before it is shipped).
func trained(t *testing.T, name string) *nn.Sequential {
	t.Helper()
	if path := os.Getenv("CNNVIZ_TEST_" + strings.ToUpper(name) + "_MODEL"); path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		m, err := models.Load(b)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		t.Logf("using %s", path)
		return m
	}
	m, err := models.Builtin(name)
	if err != nil {
		t.Fatalf("trained model %q: %v", name, err)
	}
	return m
}

// upsampled wraps a CAM method as a MapFunc at the input's resolution.
func upsampled(cam func(m *nn.Sequential, x *tensor.Tensor, layer, class int) (*tensor.Tensor, error), layer string) MapFunc {
	return func(m *nn.Sequential, x *tensor.Tensor, class int) ([]float32, error) {
		l, err := attribution.LayerIndex(m, layer)
		if err != nil {
			return nil, err
		}
		c, err := cam(m, x, l, class)
		if err != nil {
			return nil, err
		}
		return attribution.Upsample(c.Data, c.Shape[0], c.Shape[1], x.Shape[1], x.Shape[2], true), nil
	}
}

// summed wraps an input-resolution method as a MapFunc (channels summed).
func summed(f func(m *nn.Sequential, x *tensor.Tensor, class int) (*tensor.Tensor, error)) MapFunc {
	return func(m *nn.Sequential, x *tensor.Tensor, class int) ([]float32, error) {
		a, err := f(m, x, class)
		if err != nil {
			return nil, err
		}
		return attribution.ReduceChannels(a.Data, x.Shape[0], attribution.ReduceSum), nil
	}
}

// allMethods lists every method as a MapFunc, CAMs on layer.
func allMethods(layer string) []struct {
	name string
	f    MapFunc
} {
	type nm = struct {
		name string
		f    MapFunc
	}
	camOnly := func(m *nn.Sequential, x *tensor.Tensor, _, class int) (*tensor.Tensor, error) {
		return attribution.CAM(m, x, class)
	}
	eigen := func(m *nn.Sequential, x *tensor.Tensor, l, _ int) (*tensor.Tensor, error) {
		return attribution.EigenCAM(m, x, l)
	}
	return []nm{
		{"CAM", upsampled(camOnly, layer)},
		{"GradCAM", upsampled(attribution.GradCAM, layer)},
		{"GradCAM++", upsampled(attribution.GradCAMPlusPlus, layer)},
		{"XGradCAM", upsampled(attribution.XGradCAM, layer)},
		{"HiResCAM", upsampled(attribution.HiResCAM, layer)},
		{"LayerCAM", upsampled(attribution.LayerCAM, layer)},
		{"EigenCAM", upsampled(eigen, layer)},
		{"ScoreCAM", upsampled(attribution.ScoreCAM, layer)},
		{"AblationCAM", upsampled(attribution.AblationCAM, layer)},
		{"Saliency", summed(attribution.Saliency)},
		{"GradientXInput", summed(attribution.GradientXInput)},
		{"GuidedBackprop", summed(attribution.GuidedBackprop)},
		{"Deconvnet", summed(attribution.Deconvnet)},
		{"GuidedGradCAM", summed(func(m *nn.Sequential, x *tensor.Tensor, c int) (*tensor.Tensor, error) {
			l, _ := attribution.LayerIndex(m, layer)
			return attribution.GuidedGradCAM(m, x, l, c)
		})},
		{"IntegratedGradients", summed(func(m *nn.Sequential, x *tensor.Tensor, c int) (*tensor.Tensor, error) {
			a, _, err := attribution.IntegratedGradients(m, x, c, attribution.IGOptions{Steps: 32, Batch: 8})
			return a, err
		})},
		{"SmoothGrad", summed(func(m *nn.Sequential, x *tensor.Tensor, c int) (*tensor.Tensor, error) {
			return attribution.SmoothGrad(m, x, c, attribution.SmoothGradOptions{Samples: 16, Seed: 1, Batch: 8})
		})},
		{"Occlusion", summed(func(m *nn.Sequential, x *tensor.Tensor, c int) (*tensor.Tensor, error) {
			return attribution.Occlusion(m, x, c, attribution.OcclusionOptions{Patch: 8, Stride: 6})
		})},
	}
}

// pointingTol is the pointing-game tolerance in pixels: one cell of the
// relu4 grid of the mnist model (stride 4 pixels), the finest detail a
// map at that resolution can place. Zhang et al. (2016)
// likewise allow 15 pixels on ImageNet-sized images.
const pointingTol = 4

// TestTrainedGradCAMPointing: on 84×84 scenes built from MNIST test
// digits, Grad-CAM of the trained mnist model on relu4 (its last conv
// block, 21×21 here) points within pointingTol pixels of the digit's ink
// box for at least 90% of the scenes, while a map that always points at
// the canvas centre (the negative control) scores below 50%. On 56×56
// scenes the centre pointer itself scores about 80% (a 28×28 digit
// always covers much of a 56×56 canvas), so they are reported, not
// asserted, like cluttered scenes and the strict tolerance 0.
func TestTrainedGradCAMPointing(t *testing.T) {
	m := trained(t, "mnist")
	digits, labels := testDigits(t, 1000)
	gradCAM := upsampled(attribution.GradCAM, "relu4")
	for _, tc := range []struct {
		opt    SceneOptions
		n      int
		assert bool
	}{
		{SceneOptions{Size: 84, Seed: 1}, 100, true},
		{SceneOptions{Size: 84, Clutter: 6, Seed: 2}, 40, false},
		{SceneOptions{Size: 56, Seed: 3}, 40, false},
	} {
		opt := tc.opt
		big, err := attribution.WithInput(m, []int{1, opt.Size, opt.Size})
		if err != nil {
			t.Fatal(err)
		}
		set, err := LocalizationSet(digits, labels, tc.n, opt)
		if err != nil {
			t.Fatal(err)
		}
		var correct, hits, strict, centre int
		var energy float64
		S := opt.Size
		for _, s := range set {
			if argmax(big.Logits(s.Image.Data, 1)) == s.Label {
				correct++
			}
			mp, err := gradCAM(big, s.Image, s.Label)
			if err != nil {
				t.Fatal(err)
			}
			if PointingHit(mp, S, S, s.Box, pointingTol) {
				hits++
			}
			if PointingHit(mp, S, S, s.Box, 0) {
				strict++
			}
			energy += EnergyInBox(mp, S, S, s.Box) / float64(len(set))
			if s.Box.Contains(S/2, S/2, pointingTol) {
				centre++
			}
		}
		pct := func(k int) float64 { return 100 * float64(k) / float64(len(set)) }
		t.Logf("%d scenes %dx%d, clutter %d: model accuracy %.1f%%; Grad-CAM pointing %.1f%% (tolerance %d px), %.1f%% (tolerance 0), energy in box %.3f; centre pointer %.1f%%",
			len(set), S, S, opt.Clutter, pct(correct), pct(hits), pointingTol, pct(strict), energy, pct(centre))
		if tc.assert {
			if pct(hits) < 90 {
				t.Errorf("Grad-CAM pointing accuracy on %d×%d scenes = %.1f%%, want >= 90%%", S, S, pct(hits))
			}
			if pct(centre) >= 50 {
				t.Errorf("negative control: the centre pointer scores %.1f%%, want < 50%%", pct(centre))
			}
		}
	}
}

func argmax(y []float32) int {
	best := 0
	for k, v := range y {
		if v > y[best] {
			best = k
		}
	}
	return best
}

// TestTrainedGradCAMSanity: Grad-CAM of the trained model changes clearly
// under cascading randomization (mean Spearman over digits after
// randomizing all layers below 0.5, and already after fc and conv4 below
// the original's 1).
func TestTrainedGradCAMSanity(t *testing.T) {
	m := trained(t, "mnist")
	digits, labels := testDigits(t, 20)
	var sum []float64
	for i := range digits {
		x := tensor.FromSlice(digits[i], 1, 28, 28)
		pts, err := Sanity(m, x, labels[i], upsampled(attribution.GradCAM, "relu4"), uint64(i+1))
		if err != nil {
			t.Fatal(err)
		}
		if sum == nil {
			sum = make([]float64, len(pts))
		}
		for k, p := range pts {
			sum[k] += p.Spearman
		}
	}
	for k := range sum {
		sum[k] /= float64(len(digits))
	}
	t.Logf("mean Spearman of Grad-CAM: original, then after fc, conv4, conv3, conv2, conv1: %.3f", sum)
	if sum[0] != 1 || sum[2] > 0.5 || math.Abs(sum[len(sum)-1]) > 0.5 {
		t.Errorf("Grad-CAM mean Spearman by cascade step = %.3f, want 1 first and below 0.5 from conv4 on", sum)
	}
}

var survey = flag.Bool("survey", false, "run TestTrainedSurvey: every method's metrics on the trained mnist model (slow)")

// TestTrainedSurvey prints every method's figures on the trained mnist
// model: pointing game and energy in box on 56×56 scenes, deletion and
// insertion AUC and average drop / increase on 28×28 test digits, and the
// Spearman correlation after randomizing fc and after randomizing every
// layer. It asserts nothing beyond finite results: the figures are for
// the report and the page. Run with -survey.
func TestTrainedSurvey(t *testing.T) {
	if !*survey {
		t.Skip("run with -survey")
	}
	for _, name := range []string{"mnist", "convnetjs"} {
		t.Run(name, func(t *testing.T) { surveyModel(t, name) })
	}
}

func surveyModel(t *testing.T, name string) {
	m := trained(t, name)
	const nScenes, nDigits = 20, 30
	digits, labels := testDigits(t, 1000)
	layer := "relu4"
	big, err := attribution.WithInput(m, []int{1, 84, 84})
	if name == "convnetjs" {
		layer, big = "relu2", nil // flatten + dense: no larger input, no CAM
	} else if err != nil {
		t.Fatal(err)
	}
	set, err := LocalizationSet(digits, labels, nScenes, SceneOptions{Size: 84, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s, CAMs on %s; pointing on %d 84×84 scenes (tolerance %d px), the rest on %d test digits (blurred baseline for the curves), sanity on 10", name, layer, nScenes, pointingTol, nDigits)
	t.Logf("%-20s %7s %7s %7s %7s %7s %7s %9s %9s", "method", "point%", "energy", "delAUC", "insAUC", "drop%", "incr%", "rho(fc)", "rho(all)")
	for _, me := range allMethods(layer) {
		if name == "convnetjs" && me.name == "CAM" {
			continue
		}
		point, energy := "-", "-"
		if big != nil {
			loc, err := Localize(big, set, me.f, pointingTol)
			if err != nil {
				t.Fatalf("%s: %v", me.name, err)
			}
			point, energy = fmt.Sprintf("%.1f", 100*loc.Accuracy), fmt.Sprintf("%.3f", loc.MeanEnergy)
		}
		var del, ins float64
		xs, maps, cl := []*tensor.Tensor{}, [][]float32{}, []int{}
		var rhoFC, rhoAll float64
		for i := range nDigits {
			x := tensor.FromSlice(digits[i], 1, 28, 28)
			mp, err := me.f(m, x, labels[i])
			if err != nil {
				t.Fatal(err)
			}
			d, _ := Deletion(m, x, labels[i], mp, CurveOptions{Baseline: attribution.BaselineBlur})
			in, _ := Insertion(m, x, labels[i], mp, CurveOptions{Baseline: attribution.BaselineBlur})
			del += d.AUC / nDigits
			ins += in.AUC / nDigits
			xs, maps, cl = append(xs, x), append(maps, mp), append(cl, labels[i])
			if i < 10 {
				pts, err := Sanity(m, x, labels[i], me.f, uint64(i+1))
				if err != nil {
					t.Fatal(err)
				}
				rhoFC += pts[1].Spearman / 10
				rhoAll += pts[len(pts)-1].Spearman / 10
			}
		}
		conf, _ := ConfidenceMetrics(m, xs, maps, cl)
		t.Logf("%-20s %7s %7s %7.3f %7.3f %7.1f %7.1f %9.3f %9.3f", me.name, point, energy, del, ins, conf.AverageDrop, conf.IncreaseRate, rhoFC, rhoAll)
	}
}

// TestTrainedIGCompleteness: on the trained mnist model and real digits,
// integrated gradients with 128 midpoint steps from the black and the
// blurred baseline close the completeness gap to within 1% of
// |f(x) − f(b)| (+1e-3).
func TestTrainedIGCompleteness(t *testing.T) {
	m := trained(t, "mnist")
	digits, labels := testDigits(t, 3)
	for i := range digits {
		for _, b := range []attribution.Baseline{attribution.BaselineBlack, attribution.BaselineBlur} {
			x := tensor.FromSlice(digits[i], 1, 28, 28)
			s, err := attribution.NewIntegratedGradients(m, x, labels[i], attribution.IGOptions{Steps: 128, Baseline: b, Batch: 16})
			if err != nil {
				t.Fatal(err)
			}
			for !s.Step() {
			}
			gap, delta := s.CompletenessError()
			if math.Abs(gap) > 0.01*math.Abs(delta)+1e-3 {
				t.Errorf("digit %d, baseline %d: completeness gap %g, want within 1%% of |f(x)−f(b)| = %g", i, b, gap, math.Abs(delta))
			}
		}
	}
}
