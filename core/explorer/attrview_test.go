package explorer

import (
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"

	"cnnviz/core/attribution"
)

// TestAttrDisplayRoundTrip checks that the display choices survive a
// trip through link options, that defaults are left out of the link,
// and that bad values keep their defaults with an error naming them.
func TestAttrDisplayRoundTrip(t *testing.T) {
	def := DefaultAttrDisplay()
	for _, tc := range []struct {
		name string
		d    AttrDisplay
		keys int // options in the link
	}{
		{"defaults", def, 0},
		{"honest", AttrDisplay{Honest: true, ReLU: true, Norm: "minmax", Colormap: "auto", Interp: "bilinear", Alpha: 60, Panel: "metrics", Metric: "curves", Base: "photo"}, 1},
		{"everything else", AttrDisplay{ReLU: false, Norm: "maxabs", Colormap: "diverging", Interp: "nearest", Alpha: 0, Panel: "grid", Metric: "sanity", Base: "input"}, 8},
		{"alpha 100", AttrDisplay{ReLU: true, Norm: "none", Colormap: "viridis", Interp: "bilinear", Alpha: 100, Panel: "metrics", Metric: "pointing", Base: "photo"}, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := tc.d.Options()
			if len(opts) != tc.keys {
				t.Errorf("Options() = %v, want %d keys", opts, tc.keys)
			}
			s := Default()
			for k, v := range opts {
				s.SetOption(k, v)
			}
			// Through the link's text as well.
			s2, err := DecodeHash(EncodeHash(s))
			if err != nil {
				t.Fatal(err)
			}
			got, err := AttrDisplayOf(s2)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.d {
				t.Errorf("AttrDisplayOf(%v) = %+v, want %+v", opts, got, tc.d)
			}
		})
	}
	for _, tc := range []struct {
		opts    map[string]string
		wantErr string
	}{
		{map[string]string{"honest": "yes"}, `honest: "yes" is not 0 or 1`},
		{map[string]string{"norm": "max"}, `norm: "max" is not one of minmax, none, maxabs`},
		{map[string]string{"acmap": "jet"}, `acmap: "jet"`},
		{map[string]string{"alpha": "150"}, `alpha: "150" is not a whole percentage 0..100`},
		{map[string]string{"alpha": "-1", "panel": "x"}, `alpha: "-1"`},
		{map[string]string{"metric": "auc"}, `metric: "auc"`},
		{map[string]string{"base": "full"}, `base: "full" is not one of photo, input`},
	} {
		s := Default()
		for k, v := range tc.opts {
			s.SetOption(k, v)
		}
		got, err := AttrDisplayOf(s)
		if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("AttrDisplayOf(%v) error = %v, want one containing %q", tc.opts, err, tc.wantErr)
		}
		if got != def {
			t.Errorf("AttrDisplayOf(%v) = %+v, want the defaults kept", tc.opts, got)
		}
	}
}

func TestAttrDisplayPost(t *testing.T) {
	for _, tc := range []struct {
		d    AttrDisplay
		want attribution.Post
	}{
		{DefaultAttrDisplay(), attribution.Post{ReLU: true, Norm: attribution.NormMinMax}},
		{AttrDisplay{Honest: true, ReLU: true, Norm: "maxabs"}, attribution.Post{}},
		{AttrDisplay{ReLU: false, Norm: "maxabs"}, attribution.Post{Norm: attribution.NormMaxAbs}},
		{AttrDisplay{ReLU: true, Norm: "none"}, attribution.Post{ReLU: true}},
	} {
		if got := tc.d.Post(); got != tc.want {
			t.Errorf("%+v.Post() = %+v, want %+v", tc.d, got, tc.want)
		}
	}
}

func TestClassOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for n := range 12 {
		p := make([]float32, n)
		for i := range p {
			p[i] = float32(r.IntN(4)) // ties
		}
		got := ClassOrder(p)
		want := make([]int, n)
		for i := range want {
			want[i] = i
		}
		sort.SliceStable(want, func(a, b int) bool { return p[want[a]] > p[want[b]] })
		if !slices.Equal(got, want) {
			t.Errorf("ClassOrder(%v) = %v, want %v", p, got, want)
		}
	}
}

// TestAttrViewSync drives the view-model as the page does: the main map
// equals Attribute's, display choices do not restart it, the metrics
// panel starts once the map is done, and the grid fills in every method.
func TestAttrViewSync(t *testing.T) {
	a := newApp(t)
	a.SetTestSet(fakeSet(20, 3))
	a.State.View = "attribution"
	a.Refresh()
	if slices.Max(a.ModelInput()) == 0 {
		t.Fatal("the input is blank: the maps would be trivial")
	}
	var v AttrView
	v.Sync(a)
	if v.Job == nil || v.Err != "" {
		t.Fatalf("Sync started no map (err %q)", v.Err)
	}
	net := a.Current().Net
	runAll(t, a, 10000)
	v.Sync(a) // starts the metrics, now that the map is done
	if len(v.Evals) != 2 || v.EvalNames[0] != "deletion" {
		t.Fatalf("metrics %v, want deletion and insertion", v.EvalNames)
	}
	runAll(t, a, 100000)
	if !v.EvalsDone() || v.Elapsed <= 0 {
		t.Errorf("EvalsDone %v Elapsed %v, want done and timed", v.EvalsDone(), v.Elapsed)
	}
	for _, e := range v.Evals {
		if c, m := e.ShownCurve(), e.MeanCurve(); len(c.Scores) == 0 || c.AUC != m.AUC {
			t.Errorf("%s: ShownCurve AUC %v of %d points, want the finished mean's %v", e.Metric, c.AUC, len(c.Scores), m.AUC)
		}
		if got := e.Status(); got != "1/1 images" {
			t.Errorf("%s: Status() = %q, want %q", e.Metric, got, "1/1 images")
		}
	}
	want, err := Attribute(net, a.ModelInput(), "gradcam", DefaultAttrLayer(net), AttrTarget(a), AttrOptions{IGSteps: 32, SGSamples: 24, SGNoise: 0.15, OccPatch: 6, OccStride: 2, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if slices.Max(want.Data) <= 0 {
		t.Fatalf("Grad-CAM map with no positive value: a trivial check")
	}
	if d := maxDiff(v.Job.Result().Data, want.Data); d > 1e-6 {
		t.Errorf("the view's map differs from Attribute's by %g", d)
	}
	in := net.Spec.Input
	x := a.ModelInput()
	half := v.Deleted(x, in, 0.5)
	if want := Removed(x, InputMap(want, in[1], in[2]), 0.5, false); !slices.Equal(half, want) {
		t.Errorf("Deleted(0.5) differs from Removed with the map at input resolution")
	}
	job := v.Job
	a.SetOption("honest", "1")
	a.SetOption("acmap", "diverging")
	v.Sync(a)
	if v.Job != job {
		t.Errorf("a display choice restarted the map")
	}
	// Grad-CAM++ on conv2 uses relu2 and the title says so.
	a.SetMethod("gradcampp")
	a.SetLayer("conv2")
	v.Sync(a)
	if got := AttrTitle(a, v.Job); !strings.HasSuffix(got, "on relu2") || v.Job.Note == "" {
		t.Errorf("Grad-CAM++ on conv2: title %q note %q, want the title on relu2 and a note", got, v.Job.Note)
	}
	a.SetOption("panel", "grid")
	v.Sync(a)
	runAll(t, a, 1000000)
	if got := v.GridDone(); got != len(AttrMethods) {
		t.Errorf("GridDone = %d, want %d", got, len(AttrMethods))
	}
	d, _ := AttrDisplayOf(a.State)
	img := v.GridImage(a.ModelInput(), in[1], in[2], d, 5, 40, 6, 18, 16)
	m, h, w := DisplayMap(v.Grid["gradcam"].Job.Result(), d.Post())
	ov := d.Overlay(a.ModelInput(), in[1], in[2], 4, m, h, w)
	for _, p := range [][2]int{{0, 0}, {20, 13}, {39, 39}} {
		got := img.RGBAAt(p[0], 16+p[1])
		want := ov.RGBAAt(p[0]*ov.Rect.Dx()/40, p[1]*ov.Rect.Dy()/40)
		if got != want {
			t.Errorf("grid tile of gradcam at %v = %v, want the overlay's %v", p, got, want)
		}
	}
}

func TestAttrTitle(t *testing.T) {
	a := newApp(t)
	a.Refresh()
	cls := a.Current().Net.Spec.Classes[AttrTarget(a)]
	for _, tc := range []struct{ method, layer, want string }{
		{"", "", "Grad-CAM for class " + cls + " on relu4"},
		{"gradcam", "conv2", "Grad-CAM for class " + cls + " on conv2"},
		{"saliency", "conv2", "Saliency for class " + cls},
		{"eigencam", "", "Eigen-CAM (no class: the same map for every class) on relu4"},
		{"cam", "conv2", "CAM for class " + cls + " on relu4"},
	} {
		a.State.Method, a.State.Layer = tc.method, tc.layer
		if got := AttrTitle(a, nil); got != tc.want {
			t.Errorf("AttrTitle(%s, %s) = %q, want %q", tc.method, tc.layer, got, tc.want)
		}
	}
}
