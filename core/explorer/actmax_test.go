package explorer

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"cnnviz/core/actmax"
	"cnnviz/core/nn"
	"cnnviz/core/tensor"
	"cnnviz/models"
)

func mnistNet(t testing.TB) *nn.Sequential {
	t.Helper()
	spec, err := models.Architecture("mnist")
	if err != nil {
		t.Fatal(err)
	}
	return nn.MustBuild(spec, 3)
}

func TestActmaxState(t *testing.T) {
	net := mnistNet(t)
	for _, tc := range []struct {
		name    string
		layer   string
		ch      int
		opts    map[string]string
		check   func(p ActmaxParams) string
		wantErr string
	}{
		{name: "defaults", layer: "", ch: -1, check: func(p ActmaxParams) string {
			if p.Layer != "conv4" || p.Channel != 0 || p.Objective != "channel" || p.Fourier || p.L2 != 0 || p.TV != 0 ||
				p.Jitter != 2 || p.BlurEvery != 4 || p.Scale != 0 || p.Rotate != 0 || p.Pad != 0 || p.Octaves != 0 ||
				p.Y != -1 || p.Seed != 7 {
				return "want conv4 channel 0, jitter 2 and blur every 4 steps, every other knob off, seed 7"
			}
			return ""
		}},
		{name: "unknown layer falls back", layer: "nope", ch: 5, check: func(p ActmaxParams) string {
			if p.Layer != "conv4" || p.Channel != 0 {
				return "want conv4 channel 0"
			}
			return ""
		}},
		{name: "explicit layer and knobs of an old link", layer: "conv1", ch: 3, opts: map[string]string{"am.jitter": "4", "am.blur": "8"},
			check: func(p ActmaxParams) string {
				if p.Layer != "conv1" || p.Channel != 3 || p.Jitter != 4 || p.BlurEvery != 8 {
					return "want conv1 channel 3, jitter 4, blur every 8"
				}
				return ""
			}},
		{name: "default knobs turned off", layer: "conv2", ch: 0, opts: map[string]string{"am.jitter": "0", "am.blur": "0"},
			check: func(p ActmaxParams) string {
				if p.Jitter != 0 || p.BlurEvery != 0 {
					return "want jitter and blur off"
				}
				return ""
			}},
		{name: "every knob", layer: "conv3", ch: 4, opts: map[string]string{"am.fourier": "1.5", "am.l2": "0.3", "am.tv": "1",
			"am.blur": "4", "am.jitter": "2", "am.scale": "0.1", "am.rotate": "10", "am.pad": "4", "am.up": "2",
			"am.steps": "50", "am.snap": "10", "am.neg": "1", "am.obj": "unit", "am.y": "3", "am.x": "2"},
			check: func(p ActmaxParams) string {
				want := ActmaxParams{Objective: "unit", Layer: "conv3", Channel: 4, Y: 3, X: 2, Class: 2, Negate: true, Steps: 50,
					Seed: 7, Fourier: true, Decay: 1.5, L2: 0.3, TV: 1, BlurEvery: 4, Jitter: 2, Scale: 0.1, Rotate: 10, Pad: 4,
					Octaves: 2, SnapEvery: 10}
				if p.Objective != want.Objective || p.Layer != want.Layer || p.Channel != want.Channel || p.Y != want.Y ||
					p.X != want.X || p.Class != want.Class || p.Negate != want.Negate || p.Steps != want.Steps ||
					p.Fourier != want.Fourier || p.Decay != want.Decay || p.L2 != want.L2 || p.TV != want.TV ||
					p.BlurEvery != want.BlurEvery || p.Jitter != want.Jitter || p.Scale != want.Scale ||
					p.Rotate != want.Rotate || p.Pad != want.Pad || p.Octaves != want.Octaves || p.SnapEvery != want.SnapEvery {
					return "fields differ"
				}
				return ""
			}},
		{name: "direction", layer: "conv2", ch: 3, opts: map[string]string{"am.obj": "direction", "am.ch2": "7"},
			check: func(p ActmaxParams) string {
				want := make([]float32, 32)
				want[3], want[7] = 1, 1
				if !slices.Equal(p.Weights, want) {
					return "want weights 1 at channels 3 and 7"
				}
				return ""
			}},
		{name: "direction default second channel", layer: "conv2", ch: 31, opts: map[string]string{"am.obj": "direction"},
			check: func(p ActmaxParams) string {
				if len(p.Weights) != 32 || p.Weights[31] != 1 || p.Weights[0] != 1 {
					return "want weights 1 at channels 31 and 0"
				}
				return ""
			}},
		{name: "bad number", layer: "conv1", opts: map[string]string{"am.l2": "lots"}, wantErr: `am.l2: "lots"`},
		{name: "negative", layer: "conv1", opts: map[string]string{"am.tv": "-1"}, wantErr: `am.tv: "-1"`},
		{name: "not whole", layer: "conv1", opts: map[string]string{"am.jitter": "1.5"}, wantErr: `am.jitter: "1.5"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := Default()
			s.Layer, s.Channel, s.Seed = tc.layer, tc.ch, 7
			for k, v := range tc.opts {
				s.SetOption(k, v)
			}
			p, err := ActmaxState(s, net, 2)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ActmaxState(%v) error = %v, want one containing %q", tc.opts, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if msg := tc.check(p); msg != "" {
				t.Errorf("ActmaxState(%v) = %+v: %s", tc.opts, p, msg)
			}
		})
	}
}

func TestActmaxOptions(t *testing.T) {
	net := mnistNet(t)
	start := make([]float32, 28*28)
	for _, tc := range []struct {
		name    string
		p       ActmaxParams
		check   func(o actmax.Options) string
		wantErr string
	}{
		{name: "upscale octaves", p: ActmaxParams{Layer: "conv1", Octaves: 2}, check: func(o actmax.Options) string {
			if !slices.Equal(o.Upscale, []int{7, 14}) {
				return "want Upscale [7 14] (28/4, 28/2)"
			}
			return ""
		}},
		{name: "snapshots", p: ActmaxParams{Layer: "conv1", Steps: 25, SnapEvery: 10}, check: func(o actmax.Options) string {
			if !slices.Equal(o.Snapshots, []int{0, 10, 20, 25}) || o.Steps != 25 {
				return "want snapshots 0, 10, 20 and the last step 25"
			}
			return ""
		}},
		{name: "unit centre", p: ActmaxParams{Objective: "unit", Layer: "conv3", Channel: 1, Y: -1, X: -1}, check: func(o actmax.Options) string {
			// conv3 of mnist is 48×7×7: the centre is (3, 3).
			if o.Objective.Kind != actmax.Unit || o.Objective.Y != 3 || o.Objective.X != 3 {
				return "want a unit at (3, 3)"
			}
			return ""
		}},
		{name: "deep dream starts at the input", p: ActmaxParams{Objective: "deepdream", Layer: "conv2"}, check: func(o actmax.Options) string {
			if &o.Start[0] != &start[0] {
				return "want Start = the current input"
			}
			return ""
		}},
		{name: "default steps", p: ActmaxParams{Layer: "conv1"}, check: func(o actmax.Options) string {
			if o.Steps != 100 || o.Fourier || o.L2 != 0 || len(o.Upscale) != 0 {
				return "want 100 steps and nothing else"
			}
			return ""
		}},
		{name: "bad objective", p: ActmaxParams{Objective: "dream", Layer: "conv1"}, wantErr: `objective "dream": want one of channel, unit`},
		{name: "bad layer", p: ActmaxParams{Layer: "conv9"}, wantErr: `has no layer "conv9"`},
		{name: "bad channel", p: ActmaxParams{Layer: "conv1", Channel: 16}, wantErr: `channel 16 of layer "conv1": want 0..15`},
		{name: "bad class", p: ActmaxParams{Objective: "class", Class: 10}, wantErr: "class 10: want 0..9"},
		{name: "too many steps", p: ActmaxParams{Layer: "conv1", Steps: MaxActmaxSteps + 1}, wantErr: "steps 5001"},
		{name: "octaves", p: ActmaxParams{Layer: "conv1", Octaves: 4}, wantErr: "octaves 4"},
		{name: "scale", p: ActmaxParams{Layer: "conv1", Scale: 1}, wantErr: "scale 1: want 0 ≤ scale < 1"},
		{name: "direction length", p: ActmaxParams{Objective: "direction", Layer: "conv1", Weights: []float32{1}}, wantErr: "direction has 1 weights for the 16 channels"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, err := tc.p.Options(net, start)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Options(%+v) error = %v, want one containing %q", tc.p, err, tc.wantErr)
				}
				if strings.HasPrefix(err.Error(), "actmax:") {
					t.Errorf("error %q keeps the package prefix", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if msg := tc.check(o); msg != "" {
				t.Errorf("Options(%+v) = %+v: %s", tc.p, o, msg)
			}
		})
	}
}

// TestActmaxScheduled checks that a run and an atlas driven by the
// Scheduler within a small budget per tick, as the page drives them, give
// bit for bit what Maximize gives.
func TestActmaxScheduled(t *testing.T) {
	net := mnistNet(t)
	p := ActmaxParams{Layer: "conv2", Channel: 5, Steps: 12, Seed: 9, Fourier: true, TV: 0.3, Jitter: 1, SnapEvery: 5}
	opt, err := p.Options(net, nil)
	if err != nil {
		t.Fatal(err)
	}
	want, err := actmax.Maximize(net, opt)
	if err != nil {
		t.Fatal(err)
	}
	r, err := actmax.New(net, opt)
	if err != nil {
		t.Fatal(err)
	}
	var sc Scheduler
	sc.Start("actmax", r)
	ticks := 0
	for sc.Len() > 0 {
		sc.Tick(time.Microsecond)
		ticks++
	}
	if ticks < 2 {
		t.Errorf("the run took %d ticks, want it spread over several", ticks)
	}
	got := r.Result()
	if !slices.Equal(got.Image.Data, want.Image.Data) || !slices.Equal(got.Objective, want.Objective) {
		t.Errorf("scheduled run differs from Maximize")
	}
	if len(got.Snapshots) != 4 { // 0, 5, 10, 12
		t.Errorf("%d snapshots, want 4", len(got.Snapshots))
	}

	// The atlas of conv1 (16 channels), 3 steps each: channel 4 of the
	// atlas equals maximizing channel 4 alone.
	ap := ActmaxParams{Layer: "conv1", Steps: 3, Seed: 2}
	aopt, err := ap.Options(net, nil)
	if err != nil {
		t.Fatal(err)
	}
	at, err := actmax.NewAtlas(net, "conv1", aopt)
	if err != nil {
		t.Fatal(err)
	}
	sc.Start("atlas", at)
	for sc.Len() > 0 {
		sc.Tick(time.Microsecond)
	}
	aopt.Objective.Channel = 4
	one, err := actmax.Maximize(net, aopt)
	if err != nil {
		t.Fatal(err)
	}
	if res, ok := at.Result(4); !ok || !slices.Equal(res.Image.Data, one.Image.Data) {
		t.Errorf("atlas channel 4 differs from maximizing channel 4 alone")
	}
}

func TestActmaxImage(t *testing.T) {
	grey := tensor.FromSlice([]float32{0, 0.5, 1, -2, 3, 0.25}, 1, 2, 3)
	img := ActmaxImage(grey)
	want := []uint8{0, 128, 255, 0, 255, 64}
	for i, w := range want {
		if got := img.Pix[4*i]; got != w || img.Pix[4*i+1] != w || img.Pix[4*i+2] != w || img.Pix[4*i+3] != 255 {
			t.Errorf("ActmaxImage pixel %d = %v, want grey %d", i, img.Pix[4*i:4*i+4], w)
		}
	}
	rgb := tensor.FromSlice([]float32{1, 0, 0, 1, 0.5, 0}, 3, 1, 2)
	img = ActmaxImage(rgb)
	if got := img.Pix[:8]; !slices.Equal(got, []uint8{255, 0, 128, 255, 0, 255, 0, 255}) {
		t.Errorf("ActmaxImage(rgb) = %v, want red-ish then green", got)
	}
}

func TestBenchActmax(t *testing.T) {
	if !slices.Contains(BenchWorkloads, "actmax") {
		t.Fatalf("BenchWorkloads = %v, want actmax listed", BenchWorkloads)
	}
	r, err := RunBench("actmax", BenchOptions{Blocks: 1, Block: time.Millisecond, Warmup: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	// 100 steps are at least 100 forward passes of conv1 and conv2 on a
	// 28×28 image (about 0.4 MFLOP each): far above 1 µs.
	if r.Median < 0.001 || r.Reps < 1 {
		t.Errorf("RunBench(actmax) = %+v: implausible", r)
	}
	if _, err := RunBench("actmx", BenchOptions{}); err == nil || !strings.Contains(err.Error(), "actmax") {
		t.Errorf("RunBench(actmx) error = %v, want one listing actmax", err)
	}
}

// BenchmarkActmaxAtlas_mnistConv4 is the view's default atlas of the
// shipped mnist model's deepest convolution: 64 channels × 100 steps.
func BenchmarkActmaxAtlas_mnistConv4(b *testing.B) {
	net, err := models.Builtin("mnist")
	if err != nil {
		b.Skip(err)
	}
	p, err := ActmaxState(State{Layer: "conv4", Seed: 1}, net, 0)
	if err != nil {
		b.Fatal(err)
	}
	opt, err := p.Options(net, nil)
	if err != nil {
		b.Fatal(err)
	}
	var worst time.Duration
	for b.Loop() {
		at, err := actmax.NewAtlas(net, "conv4", opt)
		if err != nil {
			b.Fatal(err)
		}
		for {
			t0 := time.Now()
			done := at.Step()
			worst = max(worst, time.Since(t0))
			if done {
				break
			}
		}
	}
	b.ReportMetric(float64(worst.Microseconds())/1000, "ms/worst-step")
}

// TestActmaxKnobCycle checks that a knob's button cycles off → levels →
// off through option values, writing "" for the default and "0" for off
// when the default is on, so that links stay short and old links keep
// their meaning.
func TestActmaxKnobCycle(t *testing.T) {
	for _, key := range []string{"am.jitter", "am.l2"} {
		var k ActmaxKnob
		for _, kk := range ActmaxKnobs {
			if kk.Key == key {
				k = kk
			}
		}
		s := Default()
		var got []string
		for range len(k.Levels) + 2 {
			got = append(got, k.Value(s)+"/"+s.Option(k.Key, "-"))
			s.SetOption(k.Key, k.Next(s))
		}
		want := map[string]string{
			"am.jitter": "[2/- 4/4 /0 1/1 2/-]",
			"am.l2":     "[/- 0.3/0.3 1/1 3/3 /-]",
		}[key]
		if fmt.Sprint(got) != want {
			t.Errorf("%s: strength/option over %d presses = %v, want %v", key, len(got), got, want)
		}
	}
}

// TestActmaxDefaultPicture checks that the view's default settings give a
// picture with mid-tones for the shipped mnist model: at most a third of
// its pixels pinned at 0 or 1. The settings before the issue (first
// convolution, no regularizer) gave a black field with one white column,
// every pixel pinned; the test checks that they fail the measure, so
// that it can fail.
func TestActmaxDefaultPicture(t *testing.T) {
	net, err := models.Builtin("mnist")
	if err != nil {
		t.Fatal(err)
	}
	pinned := func(p ActmaxParams) float64 {
		t.Helper()
		o, err := p.Options(net, nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := actmax.Maximize(net, o)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, v := range res.Image.Data {
			if v <= 0.01 || v >= 0.99 {
				n++
			}
		}
		return float64(n) / float64(len(res.Image.Data))
	}
	const most = 1.0 / 3
	for ch := range 4 {
		s := Default()
		s.View, s.Channel = "actmax", ch
		p, err := ActmaxState(s, net, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := pinned(p); got > most {
			t.Errorf("default settings, %s channel %d: %.2f of the pixels at 0 or 1, want at most %.2f", p.Layer, ch, got, most)
		}
	}
	old := ActmaxParams{Layer: "conv1", Seed: 1}
	if got := pinned(old); got <= most {
		t.Errorf("old defaults (conv1 channel 0, no regularizer): %.2f of the pixels at 0 or 1, want more than %.2f (the degenerate picture)", got, most)
	}
}

// TestActmaxColourSpace checks the colour-space knob: decorrelated by
// default for a colour model, "0" for plain red, green and blue, without
// effect (and not offered) on a grey model, anything else an error; and
// the button cycles on → off → on.
func TestActmaxColourSpace(t *testing.T) {
	colour, err := models.Builtin("tinyvgg")
	if err != nil {
		t.Fatal(err)
	}
	grey, err := models.Builtin("mnist")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		net     *nn.Sequential
		option  string // "" for none
		want    actmax.Decorrelation
		wantErr bool
	}{
		{"colour default", colour, "", actmax.DecorrelateAuto, false},
		{"colour off", colour, "0", actmax.DecorrelateOff, false},
		{"colour on", colour, "on", actmax.DecorrelateAuto, false},
		{"grey off", grey, "0", actmax.DecorrelateAuto, false},
		{"bad value", colour, "yes", actmax.DecorrelateAuto, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := Default()
			if tc.option != "" {
				s.SetOption(KeyColourSpace, tc.option)
			}
			p, err := ActmaxState(s, tc.net, 0)
			if (err != nil) != tc.wantErr {
				t.Fatalf("ActmaxState error %v, want error %v", err, tc.wantErr)
			}
			if p.Decorrelate != tc.want {
				t.Errorf("Decorrelate = %d, want %d", p.Decorrelate, tc.want)
			}
			if _, err := p.Options(tc.net, nil); err != nil {
				t.Errorf("Options: %v", err)
			}
		})
	}
	has := func(ks []ActmaxKnob) bool {
		return slices.ContainsFunc(ks, func(k ActmaxKnob) bool { return k.Key == KeyColourSpace })
	}
	if !has(ActmaxKnobsFor(colour)) || has(ActmaxKnobsFor(grey)) {
		t.Errorf("the colour-space knob is offered to tinyvgg %v and to mnist %v, want true and false", has(ActmaxKnobsFor(colour)), has(ActmaxKnobsFor(grey)))
	}
	k := ActmaxKnobsFor(colour)[0]
	s := Default()
	var got []string
	for range 3 {
		got = append(got, k.Value(s)+"/"+s.Option(k.Key, "-"))
		s.SetOption(k.Key, k.Next(s))
	}
	if want := "[on/- /0 on/-]"; fmt.Sprint(got) != want {
		t.Errorf("strength/option over 3 presses = %v, want %v", got, want)
	}
	// Plain colours through the Options of a state must differ from decorrelated ones.
	img := func(opt string) []float32 {
		s := Default()
		s.View = "actmax"
		if opt != "" {
			s.SetOption(KeyColourSpace, opt)
		}
		p, _ := ActmaxState(s, colour, 0)
		p.Steps = 5
		o, err := p.Options(colour, nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := actmax.Maximize(colour, o)
		if err != nil {
			t.Fatal(err)
		}
		return res.Image.Data
	}
	if slices.Equal(img(""), img("0")) {
		t.Errorf("the colour-space knob does not change the picture")
	}
}
