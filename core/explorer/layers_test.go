package explorer

import (
	"image"
	"slices"
	"strings"
	"testing"
)

// roundTrip stores options through a link and back.
func roundTrip(t *testing.T, store func(*State)) State {
	t.Helper()
	s := Default()
	store(&s)
	got, err := DecodeHash(EncodeHash(s))
	if err != nil {
		t.Fatalf("DecodeHash(EncodeHash(%v)) = %v", s.Options, err)
	}
	return got
}

func TestLayersOptions(t *testing.T) {
	for _, o := range []LayersOptions{
		DefaultLayersOptions(),
		{Cmap: "grey", Scale: ScaleChannel},
		{Cmap: "viridis", Scale: ScaleLayer},
		{Cmap: "grey", Scale: ScaleGlobal},
	} {
		s := roundTrip(t, o.Store)
		got, err := ParseLayersOptions(s)
		if err != nil || got != o {
			t.Errorf("ParseLayersOptions(round trip of %+v) = %+v, %v, want %+v, nil", o, got, err, o)
		}
		if o == DefaultLayersOptions() && EncodeHash(s) != "#" {
			t.Errorf("EncodeHash of the default options = %q, want #", EncodeHash(s))
		}
	}
	for _, tc := range []struct{ key, val, want string }{
		{"cmap", "rainbow", `unknown colormap "rainbow"`},
		{"scale", "log", `unknown colour scale "log"`},
	} {
		s := Default()
		s.SetOption(tc.key, tc.val)
		_, err := ParseLayersOptions(s)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseLayersOptions(%s=%s) = %v, want an error with %q", tc.key, tc.val, err, tc.want)
		}
		if got := LayersOptionsOf(s); got != DefaultLayersOptions() {
			t.Errorf("LayersOptionsOf(%s=%s) = %+v, want the defaults", tc.key, tc.val, got)
		}
	}
}

func TestPeakUnitAndSummary(t *testing.T) {
	acts := []Activation{
		{Shape: []int{2, 2, 3}, Data: []float32{0, 5, 1, 5, 0, 2, -1, -3, -2, -1, -4, -1}},
		{Shape: []int{4}, Data: []float32{0.5, -2, 0, 3}},
	}
	tests := []struct {
		layer, ch int
		ok        bool
		want      Unit
		sum       ChannelSummary
	}{
		{0, 0, true, Unit{0, 0, 0, 1}, ChannelSummary{Value: 5, Min: 0, Max: 5, Mean: 13.0 / 6, Zeros: 2.0 / 6}},
		{0, 1, true, Unit{0, 1, 0, 0}, ChannelSummary{Value: -1, Min: -4, Max: -1, Mean: -12.0 / 6}},
		{1, 3, true, Unit{1, 3, 0, 0}, ChannelSummary{Value: 3, Min: 3, Max: 3, Mean: 3}},
		{1, 2, true, Unit{1, 2, 0, 0}, ChannelSummary{Zeros: 1}},
		{0, 2, false, Unit{}, ChannelSummary{}},
		{2, 0, false, Unit{}, ChannelSummary{}},
		{0, -1, false, Unit{}, ChannelSummary{}},
	}
	for _, tc := range tests {
		got, ok := PeakUnit(acts, tc.layer, tc.ch)
		if got != tc.want || ok != tc.ok {
			t.Errorf("PeakUnit(layer %d, channel %d) = %+v, %v, want %+v, %v", tc.layer, tc.ch, got, ok, tc.want, tc.ok)
			continue
		}
		if !ok {
			continue
		}
		// Independent check: no value of the channel is above the peak's.
		_, h, w := MapShape(acts[tc.layer].Shape)
		for _, v := range acts[tc.layer].Data[tc.ch*h*w : (tc.ch+1)*h*w] {
			if v > acts[tc.layer].Data[tc.ch*h*w+got.Y*w+got.X] {
				t.Errorf("PeakUnit(layer %d, channel %d) = %+v, but the channel holds %v", tc.layer, tc.ch, got, v)
			}
		}
		if s := SummarizeChannel(acts, got); s != tc.sum {
			t.Errorf("SummarizeChannel(%+v) = %+v, want %+v", got, s, tc.sum)
		}
	}
}

func TestClassLabelsAndReceptiveField(t *testing.T) {
	a := newApp(t)
	m := a.Current()
	last := len(m.Net.Spec.Layers) - 1
	for i := range m.Net.Spec.Layers {
		got := ClassLabels(m, i)
		if i == last && !slices.Equal(got, m.Net.Spec.Classes) || i != last && got != nil {
			t.Errorf("ClassLabels(%s) = %v", m.Net.Spec.Layers[i].Name, got)
		}
	}
	if len(ClassLabels(m, last)) != 10 {
		t.Errorf("ClassLabels(output of mnist) has %d labels, want 10", len(ClassLabels(m, last)))
	}
	// The output's units see the whole input; conv1's unit (0, 0) sees its
	// kernel's window inside the padding.
	if got, want := ReceptiveField(m, Unit{Layer: last, Ch: 3}), image.Rect(0, 0, 28, 28); got != want {
		t.Errorf("ReceptiveField(output unit 3) = %v, want %v", got, want)
	}
	if got := ReceptiveField(m, Unit{Layer: 0}); got.Min != (image.Point{}) || got.Dx() > 3 || got.Dx() < 2 {
		t.Errorf("ReceptiveField(conv1 at 0, 0) = %v, want a 2- or 3-pixel window at the corner", got)
	}
}

func TestCrop(t *testing.T) {
	a := newApp(t)
	a.SetTestSet(fakeSet(5, 3))
	r := image.Rect(3, 5, 9, 8)
	got := a.Crop(4, r)
	full := FitInput(a.Test.Float(4, nil), a.Current().Net.Spec.Input)
	if len(got) != r.Dx()*r.Dy() {
		t.Fatalf("Crop has %d values, want %d", len(got), r.Dx()*r.Dy())
	}
	for y := range r.Dy() {
		for x := range r.Dx() {
			if g, w := got[y*r.Dx()+x], full[(r.Min.Y+y)*28+r.Min.X+x]; g != w {
				t.Fatalf("Crop[%d, %d] = %v, want %v", y, x, g, w)
			}
		}
	}
}

func TestLayersView(t *testing.T) {
	a := newApp(t)
	a.Refresh()
	var v LayersView
	v.Update(a)
	if job, _ := v.Top(); job != nil || a.Sched.Len() != 0 {
		t.Fatalf("Update without a test set or pinned layer started a search")
	}
	a.SetTestSet(fakeSet(30, 1))
	a.Refresh()
	a.SetChannel("relu2", 3)
	v.Update(a)
	job, _ := v.Top()
	if job == nil || job.Layer != a.PinnedLayer() || !a.Sched.Running("layers-top") {
		t.Fatalf("Update with relu2 pinned: job %v, running %v", job, a.Sched.Running("layers-top"))
	}
	a.SetChannel("relu2", 5) // another channel of the same layer: the same search
	if v.Update(a); func() *TopJob { j, _ := v.Top(); return j }() != job {
		t.Errorf("Update after a channel change started a new search")
	}
	for a.Sched.Len() > 0 {
		a.Sched.Tick(0)
	}
	v.Update(a)
	if _, ms := v.Top(); ms <= 0 {
		t.Errorf("Top() time after the search = %v, want > 0", ms)
	}
	for _, mode := range LayersScales {
		a.SetOption("scale", mode)
		got, want := v.Scales(a), FeatureScales(a.Acts, mode)
		for i := range want {
			if !slices.Equal(got[i], want[i]) {
				t.Errorf("Scales(%s)[%d] = %v, want %v", mode, i, got[i], want[i])
			}
		}
	}
}
