package explorer

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"cnnviz/core/attribution"
	"cnnviz/core/attribution/metrics"
	"cnnviz/core/nn"
	"cnnviz/core/tensor"
	"cnnviz/models"
)

// digitLike returns a seeded image with a bright bar, so that gradients
// and CAMs are not trivially zero.
func digitLike(r *rand.Rand) []float32 {
	x := make([]float32, 28*28)
	for i := range x {
		x[i] = 0.1 * r.Float32()
	}
	for y := 6; y < 22; y++ {
		for c := 12; c < 16; c++ {
			x[y*28+c] = 0.9 + 0.1*r.Float32()
		}
	}
	return x
}

func builtin(t *testing.T, name string) *nn.Sequential {
	t.Helper()
	m, err := models.Builtin(name)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func maxDiff(a, b []float32) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	d := 0.0
	for i := range a {
		d = max(d, math.Abs(float64(a[i]-b[i])))
	}
	return d
}

// TestAttributeMatchesPackage: the job of every method gives the same
// numbers as the attribution package's plain function, for both shipped
// models, and the steppers (Batch 1, as in the page) agree with the plain
// functions that batch differently.
func TestAttributeMatchesPackage(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	opt := DefaultAttrOptions()
	opt.IGSteps, opt.SGSamples = 8, 4
	for _, name := range []string{"mnist", "convnetjs"} {
		net := builtin(t, name)
		px := digitLike(r)
		x := tensor.FromSlice(append([]float32(nil), px...), net.Spec.Input...)
		layer := DefaultAttrLayer(net)
		class := 3
		ref := map[string]func() (*tensor.Tensor, error){
			"gradcam":     func() (*tensor.Tensor, error) { return attribution.GradCAM(net, x, layer, class) },
			"eigencam":    func() (*tensor.Tensor, error) { return attribution.EigenCAM(net, x, layer) },
			"scorecam":    func() (*tensor.Tensor, error) { return attribution.ScoreCAM(net, x, layer, class) },
			"ablationcam": func() (*tensor.Tensor, error) { return attribution.AblationCAM(net, x, layer, class) },
			"saliency":    func() (*tensor.Tensor, error) { return attribution.Saliency(net, x, class) },
			"guidedgradcam": func() (*tensor.Tensor, error) {
				return attribution.GuidedGradCAM(net, x, layer, class)
			},
			"ig": func() (*tensor.Tensor, error) {
				a, _, err := attribution.IntegratedGradients(net, x, class, attribution.IGOptions{Steps: 8, Seed: 1})
				return a, err
			},
			"smoothgrad": func() (*tensor.Tensor, error) {
				return attribution.SmoothGrad(net, x, class, attribution.SmoothGradOptions{Samples: 4, Noise: 0.15, Seed: 1})
			},
			"occlusion": func() (*tensor.Tensor, error) {
				return attribution.Occlusion(net, x, class, attribution.OcclusionOptions{Patch: 6, Stride: 2})
			},
		}
		for id, f := range ref {
			t.Run(name+"/"+id, func(t *testing.T) {
				want, err := f()
				if err != nil {
					t.Fatal(err)
				}
				o := opt
				o.Batch = 1
				got, err := Attribute(net, px, id, layer, class, o)
				if err != nil {
					t.Fatal(err)
				}
				if d := maxDiff(got.Data, want.Data); d > 1e-5 {
					t.Errorf("Attribute(%s) differs from the package by %g, want <= 1e-5", id, d)
				}
			})
		}
		// Every method gives a finite map of the documented shape.
		for _, m := range AttrMethods {
			t.Run(name+"/finite/"+m.ID, func(t *testing.T) {
				got, err := Attribute(net, px, m.ID, layer, class, opt)
				if m.ID == "cam" && name == "convnetjs" {
					if err == nil {
						t.Fatal("CAM on convnetjs (no global average pooling) gave no error")
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				wantDims := 3
				if m.CAM {
					wantDims = 2
				}
				if len(got.Shape) != wantDims {
					t.Errorf("%s shape %v, want %d dimensions", m.ID, got.Shape, wantDims)
				}
				for i, v := range got.Data {
					if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
						t.Fatalf("%s value %d = %v", m.ID, i, v)
					}
				}
			})
		}
	}
}

func TestAttributeErrors(t *testing.T) {
	net := builtin(t, "mnist")
	px := make([]float32, 28*28)
	opt := DefaultAttrOptions()
	bad := opt
	bad.IGSteps = 0
	big := opt
	big.OccPatch = 29
	for _, tc := range []struct {
		name, method string
		px           []float32
		layer, class int
		opt          AttrOptions
	}{
		{"unknown method", "nope", px, 8, 0, opt},
		{"class too big", "gradcam", px, 8, 10, opt},
		{"negative class", "saliency", px, 8, -1, opt},
		{"dense layer", "gradcam", px, len(net.Layers) - 1, 0, opt},
		{"short input", "gradcam", px[:10], 8, 0, opt},
		{"zero steps", "ig", px, 8, 0, bad},
		{"patch too big", "occlusion", px, 8, 0, big},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Attribute(net, tc.px, tc.method, tc.layer, tc.class, tc.opt); err == nil {
				t.Errorf("Attribute(%s, layer %d, class %d) gave no error", tc.method, tc.layer, tc.class)
			}
		})
	}
}

// TestAttrEvalMatchesMetrics: the evaluation stepper, which steps the maps
// itself, gives the metrics package's numbers.
func TestAttrEvalMatchesMetrics(t *testing.T) {
	net := builtin(t, "mnist")
	r := rand.New(rand.NewPCG(3, 4))
	imgs := [][]float32{digitLike(r), digitLike(r)}
	classes := []int{1, 7}
	layer := DefaultAttrLayer(net)
	opt := DefaultAttrOptions()
	f := MapFunc("gradcam", layer, opt)
	run := func(t *testing.T, metric string, n *nn.Sequential, imgs [][]float32, cls []int, boxes []metrics.Box) *AttrEval {
		t.Helper()
		e, err := NewAttrEval(n, metric, "gradcam", layer, opt, imgs, cls, boxes, 5)
		if err != nil {
			t.Fatal(err)
		}
		for !e.Step() {
		}
		if e.Err() != nil {
			t.Fatal(e.Err())
		}
		return e
	}
	t.Run("deletion", func(t *testing.T) {
		e := run(t, "deletion", net, imgs, classes, nil)
		var auc float64
		for i, im := range imgs {
			x := tensor.FromSlice(im, 1, 28, 28)
			m, _ := f(net, x, classes[i])
			c, err := metrics.Deletion(net, x, classes[i], m, metrics.CurveOptions{})
			if err != nil {
				t.Fatal(err)
			}
			auc += c.AUC / 2
		}
		if got := e.MeanCurve().AUC; math.Abs(got-auc) > 1e-6 {
			t.Errorf("mean deletion AUC = %v, want %v", got, auc)
		}
	})
	t.Run("sanity", func(t *testing.T) {
		e := run(t, "sanity", net, imgs[:1], classes[:1], nil)
		want, err := metrics.Sanity(net, tensor.FromSlice(imgs[0], 1, 28, 28), classes[0], f, 5)
		if err != nil {
			t.Fatal(err)
		}
		got := e.Sanity()
		if len(got) != len(want) {
			t.Fatalf("%d sanity points, want %d", len(got), len(want))
		}
		for i := range want {
			if got[i].Layer != want[i].Layer || math.Abs(got[i].Spearman-want[i].Spearman) > 1e-9 || math.Abs(got[i].SSIM-want[i].SSIM) > 1e-9 {
				t.Errorf("sanity point %d = %+v, want %+v", i, got[i], want[i])
			}
		}
		if got[0].Spearman < 0.999 {
			t.Errorf("original vs itself Spearman = %v, want 1", got[0].Spearman)
		}
	})
	t.Run("given maps", func(t *testing.T) {
		// With the original maps given, sanity and deletion give the same
		// numbers as when they compute them.
		for _, metric := range []string{"sanity", "deletion"} {
			plain := run(t, metric, net, imgs, classes, nil)
			e, err := NewAttrEval(net, metric, "gradcam", layer, opt, imgs, classes, nil, 5)
			if err != nil {
				t.Fatal(err)
			}
			var given [][]float32
			for i, im := range imgs {
				m, _ := f(net, tensor.FromSlice(im, 1, 28, 28), classes[i])
				given = append(given, m)
			}
			e.UseMaps(given)
			for !e.Step() {
			}
			if e.Err() != nil {
				t.Fatal(e.Err())
			}
			if metric == "sanity" {
				a, b := plain.Sanity(), e.Sanity()
				for i := range a {
					if math.Abs(a[i].Spearman-b[i].Spearman) > 1e-9 {
						t.Errorf("sanity point %d with given maps = %+v, want %+v", i, b[i], a[i])
					}
				}
			} else if a, b := plain.MeanCurve().AUC, e.MeanCurve().AUC; math.Abs(a-b) > 1e-9 {
				t.Errorf("deletion AUC with given maps = %v, want %v", b, a)
			}
		}
	})
	t.Run("pointing", func(t *testing.T) {
		digits := [][]float32{imgs[0], imgs[1]}
		set, err := metrics.LocalizationSet(digits, classes, 4, metrics.SceneOptions{Size: SceneSize, Seed: 2})
		if err != nil {
			t.Fatal(err)
		}
		big, err := attribution.WithInput(net, []int{1, SceneSize, SceneSize})
		if err != nil {
			t.Fatal(err)
		}
		var sims [][]float32
		var cls []int
		var boxes []metrics.Box
		for _, s := range set {
			sims, cls, boxes = append(sims, s.Image.Data), append(cls, s.Label), append(boxes, s.Box)
		}
		e := run(t, "pointing", big, sims, cls, boxes)
		want, err := metrics.Localize(big, set, f, PointingTol)
		if err != nil {
			t.Fatal(err)
		}
		if got := e.Localization(); got.Hits != want.Hits || math.Abs(got.MeanEnergy-want.MeanEnergy) > 1e-9 {
			t.Errorf("localization = %+v, want %+v", got, want)
		}
	})
	t.Run("convnetjs scenes", func(t *testing.T) {
		if _, err := attribution.WithInput(builtin(t, "convnetjs"), []int{1, SceneSize, SceneSize}); err == nil {
			t.Error("convnetjs took 84×84 scenes; its dense layer should fix the input size")
		}
	})
}

func TestAttrOptionsOf(t *testing.T) {
	s := Default()
	s.SetOption("igsteps", "100")
	s.SetOption("sgn", "0")          // out of range: default
	s.SetOption("sgnoise", "banana") // not a number: default
	s.SetOption("igbase", "blur")
	s.SetOption("occpatch", "8")
	o, err := AttrOptionsOf(s)
	if err == nil || !strings.Contains(err.Error(), `sgn: "0" is not a whole number 1..256`) || !strings.Contains(err.Error(), `sgnoise: "banana"`) {
		t.Errorf("AttrOptionsOf error = %v, want one naming sgn and sgnoise", err)
	}
	d := DefaultAttrOptions()
	if o.IGSteps != 100 || o.SGSamples != d.SGSamples || o.SGNoise != d.SGNoise || o.IGBaseline != attribution.BaselineBlur || o.OccPatch != 8 {
		t.Errorf("AttrOptionsOf = %+v, want steps 100, samples %d, noise %v, blur, patch 8", o, d.SGSamples, d.SGNoise)
	}
	if err := CheckAttrOptions(o); err != nil {
		t.Errorf("CheckAttrOptions(%+v) = %v, want nil", o, err)
	}
	// Round trip through the link.
	for _, want := range []AttrOptions{
		DefaultAttrOptions(),
		{IGSteps: 7, IGBaseline: attribution.BaselineNoise, SGSamples: 3, SGNoise: 0.05, OccPatch: 3, OccStride: 1, Seed: 9},
	} {
		s := Default()
		s.Seed = want.Seed
		for k, v := range want.Options() {
			s.SetOption(k, v)
		}
		s2, err := DecodeHash(EncodeHash(s))
		if err != nil {
			t.Fatal(err)
		}
		got, err := AttrOptionsOf(s2)
		if err != nil || got != want {
			t.Errorf("AttrOptionsOf(link of %+v) = %+v, %v, want it back", want, got, err)
		}
	}
	if n := len(DefaultAttrOptions().Options()); n != 0 {
		t.Errorf("the default options give %d link options, want none", n)
	}
	net := builtin(t, "mnist")
	if got := AttrLayerOf(net, AttrMethodOf(s), "fc"); got != DefaultAttrLayer(net) {
		t.Errorf("AttrLayerOf(dense layer) = %d, want the default %d", got, DefaultAttrLayer(net))
	}
	if got, want := AttrLayerOf(net, AttrMethodOf(s), "conv2"), net.Index("conv2"); got != want {
		t.Errorf("AttrLayerOf(conv2) = %d, want %d", got, want)
	}
}

// TestNonNegativeLayer checks the rule for the methods that assume
// non-negative activations (Grad-CAM++, XGrad-CAM): on a layer that can
// be negative they use the ReLU right after it and say so, and refuse a
// layer that no ReLU follows; other methods and non-negative layers are
// left alone. The map is the package's on the ReLU.
func TestNonNegativeLayer(t *testing.T) {
	mnist := builtin(t, "mnist")
	spec, err := models.Architecture("mnist")
	if err != nil {
		t.Fatal(err)
	}
	// The mnist architecture without relu1: conv1 feeds pool1 directly.
	spec.Layers = append(spec.Layers[:1:1], spec.Layers[2:]...)
	norelu := nn.MustBuild(spec, 1)
	px := digitLike(rand.New(rand.NewPCG(3, 4)))
	for _, tc := range []struct {
		name     string
		net      *nn.Sequential
		method   string
		layer    string
		want     string // layer used
		wantNote bool
		wantErr  string
	}{
		{"gradcampp on conv2", mnist, "gradcampp", "conv2", "relu2", true, ""},
		{"xgradcam on conv4", mnist, "xgradcam", "conv4", "relu4", true, ""},
		{"gradcampp on relu2", mnist, "gradcampp", "relu2", "relu2", false, ""},
		{"xgradcam on pool1", mnist, "xgradcam", "pool1", "pool1", false, ""},
		{"gradcam on conv2", mnist, "gradcam", "conv2", "conv2", false, ""},
		{"layercam on conv3", mnist, "layercam", "conv3", "conv3", false, ""},
		{"gradcampp on conv1 without relu", norelu, "gradcampp", "conv1", "", false, "conv1 can be negative and no relu follows"},
		{"xgradcam on pool of conv", norelu, "xgradcam", "pool1", "", false, "pool1 can be negative"},
		{"gradcampp after the relu-less pool", norelu, "gradcampp", "conv2", "relu2", true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			li := tc.net.Index(tc.layer)
			j, err := NewAttr(tc.net, px, tc.method, li, 3, DefaultAttrOptions())
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("NewAttr(%s, %s) error = %v, want one containing %q", tc.method, tc.layer, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := tc.net.Spec.Layers[j.Layer].Name; got != tc.want {
				t.Errorf("NewAttr(%s, %s) uses layer %s, want %s", tc.method, tc.layer, got, tc.want)
			}
			if (j.Note != "") != tc.wantNote || (tc.wantNote && !strings.Contains(j.Note, tc.want)) {
				t.Errorf("NewAttr(%s, %s) note %q, want a note naming %s: %v", tc.method, tc.layer, j.Note, tc.want, tc.wantNote)
			}
			for !j.Step() {
			}
			if j.Err() != nil {
				t.Fatal(j.Err())
			}
			x := tensor.FromSlice(append([]float32(nil), px...), tc.net.Spec.Input...)
			f := map[string]func(*nn.Sequential, *tensor.Tensor, int, int) (*tensor.Tensor, error){
				"gradcampp": attribution.GradCAMPlusPlus, "xgradcam": attribution.XGradCAM,
				"gradcam": attribution.GradCAM, "layercam": attribution.LayerCAM,
			}[tc.method]
			want, err := f(tc.net, x, tc.net.Index(tc.want), 3)
			if err != nil {
				t.Fatal(err)
			}
			if d := maxDiff(j.Result().Data, want.Data); d > 1e-5 {
				t.Errorf("the map differs from the package's %s on %s by %g", tc.method, tc.want, d)
			}
		})
	}
}
