package explorer

import (
	"encoding/json"
	"image"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"cnnviz/core/render"
)

// TestEmbedViewOptionsRoundTrip checks that options written as URL values
// read back the same, through the encoded hash too.
func TestEmbedViewOptionsRoundTrip(t *testing.T) {
	d := DefaultEmbedViewOptions()
	custom := EmbedViewOptions{Data: "rings", Layer: "pool2", N: 500, Method: "pca", Perplexity: 12.5, LR: 300,
		Exaggeration: 4, Seed: 77, Iterations: 250, Color: ColorCorrect, Init: "random"}
	tests := []struct {
		name string
		o    EmbedViewOptions
		keys int // URL values written
	}{
		{"defaults", d, 0},
		{"all changed", custom, 11},
		{"seed 0", func() EmbedViewOptions { o := d; o.Seed = 0; return o }(), 1},
		{"pixels", func() EmbedViewOptions { o := d; o.Layer = PixelsSource; return o }(), 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			vals := tc.o.Values()
			if len(vals) != tc.keys {
				t.Errorf("Values() = %v, want %d keys", vals, tc.keys)
			}
			s := Default()
			for k, v := range vals {
				s.SetOption(k, v)
			}
			s2, err := DecodeHash(EncodeHash(s))
			if err != nil {
				t.Fatalf("DecodeHash(EncodeHash(%v)): %v", s.Options, err)
			}
			got, err := EmbedViewOptionsOf(s2)
			if err != nil || got != tc.o {
				t.Errorf("EmbedViewOptionsOf(%v) = %+v, %v, want %+v", vals, got, err, tc.o)
			}
		})
	}
}

// TestEmbedViewOptionsReject checks that bad values are refused with a
// message naming the setting, keep the default, and leave the others.
func TestEmbedViewOptionsReject(t *testing.T) {
	tests := []struct{ key, value, want string }{
		{KeyEmbedPerp, "500", "perplexity \"500\" is not a number in 2..100"},
		{KeyEmbedPerp, "abc", "perplexity"},
		{KeyEmbedPerp, "NaN", "perplexity"},
		{KeyEmbedLR, "-1", "learning rate"},
		{KeyEmbedExag, "0.5", "exaggeration"},
		{KeyEmbedSeed, "-3", "seed"},
		{KeyEmbedSeed, "2000000", "seed"},
		{KeyEmbedIters, "9", "iterations"},
		{KeyEmbedIters, "1e3", "iterations"},
		{KeyEmbedN, "1234", "number of images \"1234\" is not one of [500 1000 2000 5000 10000]"},
		{KeyEmbedMethod, "umap", "method"},
		{KeyEmbedData, "cifar", "data set"},
		{KeyEmbedColor, "rainbow", "colouring"},
		{KeyEmbedInit, "spectral", "initialization"},
	}
	for _, tc := range tests {
		t.Run(tc.key+"="+tc.value, func(t *testing.T) {
			o := DefaultEmbedViewOptions()
			err := o.Set(tc.key, tc.value)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Set(%q, %q) = %v, want an error containing %q", tc.key, tc.value, err, tc.want)
			}
			if o != DefaultEmbedViewOptions() {
				t.Errorf("Set(%q, %q) changed the options to %+v", tc.key, tc.value, o)
			}
			s := Default()
			s.SetOption(tc.key, tc.value)
			s.SetOption(KeyEmbedPerp+"x", "1") // not ours: ignored
			s.SetOption(KeyEmbedColor, ColorPred)
			if tc.key == KeyEmbedColor {
				s.SetOption(KeyEmbedColor, tc.value)
			}
			got, err := EmbedViewOptionsOf(s)
			want := DefaultEmbedViewOptions()
			if tc.key != KeyEmbedColor {
				want.Color = ColorPred
			}
			if err == nil || !strings.Contains(err.Error(), tc.key) || got != want {
				t.Errorf("EmbedViewOptionsOf(%v) = %+v, %v; want %+v and an error naming %s", s.Options, got, err, want, tc.key)
			}
		})
	}
	var o EmbedViewOptions
	if err := o.Set("e-nope", "1"); err == nil || !strings.Contains(err.Error(), "unknown") {
		t.Errorf("Set of an unknown key = %v, want an error", err)
	}
}

func TestEmbedViewOptionsResolve(t *testing.T) {
	net := testNet(t)
	tests := []struct{ layer, want string }{
		{"", "gap"},
		{"conv9", "gap"},
		{PixelsSource, PixelsSource},
		{"pool1", "pool1"},
	}
	for _, tc := range tests {
		o := DefaultEmbedViewOptions()
		o.Layer = tc.layer
		if got := o.Resolve(net).Layer; got != tc.want {
			t.Errorf("Resolve(layer %q).Layer = %q, want %q", tc.layer, got, tc.want)
		}
	}
	o := DefaultEmbedViewOptions()
	o.Iterations, o.N = 100, 10000
	e := o.Embed(300)
	if e.N != 300 || e.TSNE.ExaggerationIters > 100 || e.TSNE.MaxIter != 100 || e.TSNE.Perplexity != 30 {
		t.Errorf("Embed(300) = %+v, want N 300, 100 iterations with exaggeration within them", e)
	}
}

func TestNudge(t *testing.T) {
	tests := []struct {
		v, f, lo, hi float64
		up           bool
		want         float64
	}{
		{30, 1.5, 2, 100, true, 45},
		{30, 1.5, 2, 100, false, 20},
		{90, 1.5, 2, 100, true, 100},
		{2.5, 1.5, 2, 100, false, 2},
		{10, 3, 1, 100, false, 3.33},
	}
	for _, tc := range tests {
		if got := Nudge(tc.v, tc.f, tc.lo, tc.hi, tc.up); got != tc.want {
			t.Errorf("Nudge(%v, %v, %v, %v, %v) = %v, want %v", tc.v, tc.f, tc.lo, tc.hi, tc.up, got, tc.want)
		}
	}
}

func TestColoursAndLegend(t *testing.T) {
	net := testNet(t)
	f := &Features{Net: net, N: 6, Labels: []int{0, 1, 2, 2, 7, 1}, Pred: []int{0, 1, 2, 3, 7, 9}}
	tests := []struct {
		color   string
		colours []int
		legend  []LegendEntry
	}{
		{ColorLabel, []int{0, 1, 2, 2, 7, 1}, []LegendEntry{{"0", 0}, {"1", 1}, {"2", 2}, {"3", 3}, {"7", 7}, {"9", 9}}},
		{ColorPred, []int{0, 1, 2, 3, 7, 9}, []LegendEntry{{"0", 0}, {"1", 1}, {"2", 2}, {"3", 3}, {"7", 7}, {"9", 9}}},
		{ColorCorrect, []int{0, 0, 0, 3, 0, 3}, []LegendEntry{{"right", 0}, {"wrong", 3}}},
	}
	for _, tc := range tests {
		t.Run(tc.color, func(t *testing.T) {
			got := Colours(f, tc.color)
			for i := range got {
				if got[i] != tc.colours[i] {
					t.Fatalf("Colours = %v, want %v", got, tc.colours)
				}
			}
			leg := Legend(f, tc.color, []string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"})
			if tc.color != ColorCorrect {
				for i := range tc.legend {
					tc.legend[i].Label = []string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"}[tc.legend[i].Colour]
				}
			}
			if len(leg) != len(tc.legend) {
				t.Fatalf("Legend = %v, want %v", leg, tc.legend)
			}
			for i := range leg {
				if leg[i] != tc.legend[i] {
					t.Fatalf("Legend = %v, want %v", leg, tc.legend)
				}
			}
			// Every colour a point gets has a legend entry.
			has := map[int]bool{}
			for _, e := range leg {
				has[e.Colour] = true
			}
			for i, c := range got {
				if !has[c%10] {
					t.Errorf("point %d has colour %d, which the legend %v lacks", i, c, leg)
				}
			}
		})
	}
	// A synthetic set (no network) names clusters by number; labels past
	// the palette wrap as render.Scatter wraps them.
	syn := &Features{N: 2, Labels: []int{4, 12}, Pred: []int{4, 12}}
	leg := Legend(syn, ColorLabel, nil)
	if len(leg) != 2 || leg[0] != (LegendEntry{"4", 4}) || leg[1] != (LegendEntry{"12", 2}) {
		t.Errorf("Legend of a synthetic set = %v, want [{4 4} {12 2}]", leg)
	}
}

func TestScatterRadius(t *testing.T) {
	prev := math.Inf(1)
	for _, n := range EmbedSizes {
		r := ScatterRadius(n)
		if r > prev || r <= 0 {
			t.Errorf("ScatterRadius(%d) = %v after %v, want positive and not growing with n", n, r, prev)
		}
		prev = r
	}
}

// TestScatterZoom checks the zoom box against render's projection: DataAt
// inverts Project, zooming about a pixel keeps the data point under it,
// and a drag moves the picture with the pointer.
func TestScatterZoom(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	xy := make([]float32, 400)
	for i := range xy {
		xy[i] = float32(r.NormFloat64() * 10)
	}
	z := ScatterZoom{Zoom: 1}
	z.Fit(xy)
	f := render.FitBox(xy)
	if b := z.Box(); b.X0 > f.X0 || b.X1 < f.X1 || b.Y0 > f.Y0 || b.Y1 < f.Y1 || b.X1-b.X0 != b.Y1-b.Y0 {
		t.Fatalf("Box() = %+v does not hold the points' box %+v in a square", b, f)
	}
	auto := z.Auto
	z.Fit(xy[:200]) // the points shrink a little: the box stays
	if z.Auto != auto {
		t.Errorf("Fit of fewer points moved the box from %+v to %+v", auto, z.Auto)
	}
	so := render.ScatterOptions{Width: 401, Height: 401, Margin: 6}
	project := func(x, y float64) image.Point { so.Box = z.Box(); return so.Project(so.Box, x, y) }
	for _, p := range []image.Point{{6, 6}, {200, 100}, {394, 394}, {37, 301}} {
		x, y := z.DataAt(so, p)
		if q := project(x, y); q != p {
			t.Errorf("Project(DataAt(%v)) = %v, want %v", p, q, p)
		}
	}
	for _, tc := range []struct {
		p    image.Point
		zoom float64
	}{{image.Pt(100, 300), 3}, {image.Pt(250, 50), 0.5}, {image.Pt(200, 200), 40}} {
		x, y := z.DataAt(so, tc.p)
		z.ZoomAbout(so, tc.p, x, y, tc.zoom)
		if q := project(x, y); q != tc.p || z.Zoom != tc.zoom {
			t.Errorf("after ZoomAbout(%v, zoom %v) the point is drawn at %v, zoom %v; want %v", tc.p, tc.zoom, q, z.Zoom, tc.p)
		}
	}
	from := z
	x, y := z.DataAt(so, image.Pt(150, 150))
	z.Pan(so, from, image.Pt(30, -20))
	if q := project(x, y); q != image.Pt(180, 130) {
		t.Errorf("after a drag by (30, -20) the point at (150, 150) is at %v, want (180, 130)", q)
	}
	z.Reset()
	if z.Box() != z.Auto {
		t.Errorf("after Reset Box() = %+v, want the automatic box %+v", z.Box(), z.Auto)
	}
	for _, tc := range []struct{ in, want float64 }{{0.1, 0.5}, {3, 3}, {1e4, 200}} {
		if got := ClampZoom(tc.in); got != tc.want {
			t.Errorf("ClampZoom(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// TestNearest checks the hover search against a direct search over the
// projected points.
func TestNearest(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	xy := make([]float32, 600)
	for i := range xy {
		xy[i] = float32(r.Float64())
	}
	so := render.ScatterOptions{Width: 300, Height: 200, Margin: 5, Box: render.Box{X0: 0, Y0: 0, X1: 1, Y1: 1}}
	for k := 0; k < 50; k++ {
		p := image.Pt(r.IntN(300), r.IntN(200))
		got := Nearest(xy, so, p, 6)
		want, best := -1, 36
		for i := 0; i < 300; i++ {
			q := so.Project(so.Box, float64(xy[2*i]), float64(xy[2*i+1])).Sub(p)
			if d := q.X*q.X + q.Y*q.Y; d < best {
				want, best = i, d
			}
		}
		if got != want {
			t.Fatalf("Nearest(%v) = %d, want %d", p, got, want)
		}
	}
	if got := Nearest([]float32{0, 0}, so, image.Pt(299, 0), 6); got != -1 {
		t.Errorf("Nearest far from every point = %d, want -1", got)
	}
}

// TestEmbedViewRun drives the view model as the shell does: Sync starts a
// run on the scheduler, the run finishes, an options change restarts it
// with the same features, pause, step and restart behave like the buttons,
// and the exports hold the positions.
func TestEmbedViewRun(t *testing.T) {
	a := newApp(t)
	v := NewEmbedView()
	if err := v.Sync(a); err != nil || v.E != nil || v.Running(a) {
		t.Fatalf("Sync before the test set = %v, E %v; want to wait", err, v.E)
	}
	a.SetTestSet(bandSet(60, 2))
	// N 2000 is more than the 60 images: the view uses them all.
	a.SetOption(KeyEmbedIters, "20")
	a.SetOption(KeyEmbedPerp, "5")
	if err := v.Sync(a); err != nil || v.E == nil || !v.Running(a) {
		t.Fatalf("Sync = %v, E %v, running %v; want a running embedding", err, v.E, v.Running(a))
	}
	if v.E.Feat.N != 60 || v.E.Feat.Source != "gap" {
		t.Errorf("embedding of %d %s features, want 60 gap", v.E.Feat.N, v.E.Feat.Source)
	}
	if err := v.Sync(a); err != nil {
		t.Errorf("second Sync = %v", err)
	}
	runAll(t, a, 100000)
	v.Observe(a)
	if v.E.Iteration() != 20 || v.SetupAt <= 0 || v.DoneAt <= 0 || v.Steps == 0 {
		t.Fatalf("after the run: iteration %d, setup %v, done %v, %d steps; want 20 and times", v.E.Iteration(), v.SetupAt, v.DoneAt, v.Steps)
	}
	its, kl := v.KLSeries()
	if len(its) == 0 || len(its) != len(v.E.KLIter) || len(kl) != len(its) {
		t.Fatalf("KLSeries: %d iterations, %d values; want %d of each", len(its), len(kl), len(v.E.KLIter))
	}
	for i, it := range v.E.KLIter {
		if its[i] != float64(it) || kl[i] != v.E.KL[i] {
			t.Errorf("KLSeries point %d = (%v, %v), want (%v, %v)", i, its[i], kl[i], it, v.E.KL[i])
		}
	}
	feat := v.E.Feat
	a.SetOption(KeyEmbedPerp, "6")
	if err := v.Sync(a); err != nil || v.E.Feat != feat || v.E.Iteration() != 0 {
		t.Errorf("after a perplexity change: err %v, same features %v, iteration %d; want a new run on the same features", err, v.E.Feat == feat, v.E.Iteration())
	}
	runAll(t, a, 100000)
	e := v.E
	a.SetOption(KeyEmbedColor, ColorCorrect)
	if err := v.Sync(a); err != nil || v.E != e || v.Running(a) {
		t.Errorf("after a colouring change: err %v, same embedding %v, running %v; want the finished run kept", err, v.E == e, v.Running(a))
	}
	// Finished: run starts over; pause stops; step does one iteration.
	if err := v.Toggle(a); err != nil || !v.Running(a) || v.E.Iteration() != 0 {
		t.Errorf("run after the end: err %v, running %v, iteration %d; want a new run", err, v.Running(a), v.E.Iteration())
	}
	v.Toggle(a)
	if v.Running(a) || !v.Paused {
		t.Fatalf("pause: running %v, paused %v", v.Running(a), v.Paused)
	}
	// One step: t-SNE runs as many iterations as fit its work budget
	// (several for few points), then the run stops again.
	it := v.E.Iteration()
	v.StepOnce(a)
	runAll(t, a, 100000)
	if v.E.Iteration() <= it || !v.Paused {
		t.Errorf("step from iteration %d ended at %d, paused %v; want further and paused", it, v.E.Iteration(), v.Paused)
	}
	a.SetOption(KeyEmbedSeed, "9") // paused: the new run waits
	v.Sync(a)
	if v.Running(a) {
		t.Errorf("an option change while paused started the run")
	}
	if err := v.Restart(a); err != nil || !v.Running(a) || v.Paused {
		t.Errorf("restart: err %v, running %v, paused %v", err, v.Running(a), v.Paused)
	}
	runAll(t, a, 100000)
	v.Perturb(a)
	if o := v.Options(a); o.Init != "random" || o.Seed != 10 {
		t.Errorf("perturb: init %q, seed %d; want random, 10", o.Init, o.Seed)
	}
	// Exports.
	csv, err := v.CSV()
	if err != nil || strings.Count(string(csv), "\n") != 61 {
		t.Fatalf("CSV: %v, %d lines; want a header and 60 lines", err, strings.Count(string(csv), "\n"))
	}
	var j struct {
		Coords []float32 `json:"coords"`
		Labels []int     `json:"labels"`
		Source string    `json:"source"`
	}
	b, err := v.JSON("mnist")
	if err != nil || json.Unmarshal(b, &j) != nil || len(j.Coords) != 120 || j.Source != "gap" {
		t.Fatalf("JSON = %s, %v; want 60 points of gap", b, err)
	}
	for i, c := range v.E.Positions() {
		if j.Coords[i] != c {
			t.Fatalf("JSON coords[%d] = %v, want %v", i, j.Coords[i], c)
		}
	}
	lines := v.Status(false)
	if len(lines) < 2 || !strings.Contains(lines[0].Text, "60 points, gap") || !strings.Contains(lines[1].Text, "paused") {
		t.Errorf("Status = %+v, want the points and a paused run", lines)
	}
	// A bad link option is reported once and the run goes on with the
	// default.
	a.SetOption(KeyEmbedPerp, "1000")
	if err := v.Sync(a); err == nil || !strings.Contains(err.Error(), "perplexity") || v.E.Opt.TSNE.Perplexity != 30 {
		t.Errorf("Sync with perplexity 1000 = %v, perplexity %v; want an error and 30", err, v.E.Opt.TSNE.Perplexity)
	}
	if err := v.Sync(a); err != nil {
		t.Errorf("second Sync with the same bad option = %v, want nil", err)
	}
}

// TestEmbedViewSynth checks the teaching data sets through the view.
func TestEmbedViewSynth(t *testing.T) {
	a := newApp(t)
	a.SetOption(KeyEmbedData, "gaussians")
	a.SetOption(KeyEmbedIters, "10")
	v := NewEmbedView()
	if err := v.Sync(a); err != nil || v.E == nil {
		t.Fatalf("Sync of gaussians = %v", err)
	}
	if v.E.Feat.N != 300 || v.E.Feat.Net != nil {
		t.Errorf("gaussians: %d points, want 300 synthetic", v.E.Feat.N)
	}
	if leg := Legend(v.E.Feat, ColorLabel, a.Current().Net.Spec.Classes); len(leg) != 5 {
		t.Errorf("legend of 5 clusters = %v", leg)
	}
	runAll(t, a, 100000)
	if !v.E.Ready() || v.E.Iteration() != 10 {
		t.Errorf("gaussians run: ready %v, iteration %d", v.E.Ready(), v.E.Iteration())
	}
}

// BenchmarkNearest_10000 is the hover search the embedding view runs
// every frame while the pointer is over a scatter of 10,000 points.
func BenchmarkNearest_10000(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	xy := make([]float32, 20000)
	for i := range xy {
		xy[i] = float32(r.NormFloat64())
	}
	so := render.ScatterOptions{Width: 600, Height: 600, Margin: 6, Box: render.Box{X0: -4, Y0: -4, X1: 4, Y1: 4}}
	for b.Loop() {
		Nearest(xy, so, image.Pt(300, 300), 8)
	}
}
