package explorer

import (
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"cnnviz/core/input"
)

func randomStrokes(r *rand.Rand, n int) []input.Stroke {
	var out []input.Stroke
	for range n {
		var s input.Stroke
		for range 1 + r.IntN(30) {
			s = append(s, input.Point{X: r.Float64(), Y: r.Float64()})
		}
		out = append(out, s)
	}
	return out
}

func TestHashRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	drawn := Quantize(randomStrokes(r, 5))
	tests := []struct {
		name string
		s    State
	}{
		{"default", Default()},
		{"everything", State{Model: "convnetjs", View: "filters", Layer: "conv2", Channel: 7, Method: "gradcam",
			Class: 3, Input: Input{Kind: InputTest, Test: 9999}, Seed: 42,
			Options: map[string]string{"cmap": "viridis", "scale": "layer"}}},
		{"drawing", State{Model: "mnist", View: "layers", Channel: -1, Class: -1, Seed: 1,
			Input: Input{Kind: InputDrawing, Strokes: drawn}, Options: map[string]string{}}},
		{"channel 0 class 0", State{Model: "m-2", View: "v", Channel: 0, Class: 0, Seed: 0, Options: map[string]string{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := EncodeHash(tt.s)
			got, err := DecodeHash(h)
			if err != nil {
				t.Fatalf("DecodeHash(%q): %v", h, err)
			}
			if !reflect.DeepEqual(got, tt.s) {
				t.Errorf("DecodeHash(EncodeHash(s)) = %+v, want %+v (hash %q)", got, tt.s, h)
			}
			if h2 := EncodeHash(got); h2 != h {
				t.Errorf("EncodeHash after a round trip = %q, want %q", h2, h)
			}
		})
	}
	if h := EncodeHash(Default()); h != "#" {
		t.Errorf("EncodeHash(Default()) = %q, want %q", h, "#")
	}
}

func TestHashKnown(t *testing.T) {
	// A hand-written link.
	got, err := DecodeHash("#model=convnetjs&view=filters&layer=conv1&ch=2&class=5&in=t17&seed=9&o.cmap=grey")
	if err != nil {
		t.Fatal(err)
	}
	want := State{Model: "convnetjs", View: "filters", Layer: "conv1", Channel: 2, Class: 5,
		Input: Input{Kind: InputTest, Test: 17}, Seed: 9, Options: map[string]string{"cmap": "grey"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("DecodeHash = %+v, want %+v", got, want)
	}
	// Two strokes by hand: version 1; 2 points (0,0) (255,255); 1 point (128, 64).
	st, err := DecodeStrokes("AQIAAP__AYBA")
	if err != nil {
		t.Fatal(err)
	}
	wantSt := []input.Stroke{{{X: 0, Y: 0}, {X: 1, Y: 1}}, {{X: 128.0 / 255, Y: 64.0 / 255}}}
	if !reflect.DeepEqual(st, wantSt) {
		t.Errorf("DecodeStrokes = %v, want %v", st, wantSt)
	}
	if enc := EncodeStrokes(wantSt); enc != "AQIAAP__AYBA" {
		t.Errorf("EncodeStrokes = %q, want %q", enc, "AQIAAP__AYBA")
	}
}

func TestHashErrors(t *testing.T) {
	tests := []struct {
		hash string
		want string
	}{
		{"#model=<script>", "model"},
		{"#ch=-3", "ch"},
		{"#ch=x", "ch"},
		{"#class=1e9", "class"},
		{"#seed=-1", "seed"},
		{"#in=t-5", "test image"},
		{"#in=q12", "neither"},
		{"#in=d!!!", "base64"},
		{"#in=dAgAA", "unknown format"},
		{"#in=dAQUAAA", "cut short"},
		{"#in=dAQA", "point count"},
		{"#colour=red", "unknown key"},
		{"#view=%zz", "escape"},
	}
	for _, tt := range tests {
		t.Run(tt.hash, func(t *testing.T) {
			s, err := DecodeHash(tt.hash)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("DecodeHash(%q) error = %v, want it to mention %q", tt.hash, err, tt.want)
			}
			// The bad field keeps its default; the state stays usable.
			if s.Model == "" || s.View == "" || s.Options == nil {
				t.Errorf("DecodeHash(%q) = %+v, want defaults for bad fields", tt.hash, s)
			}
		})
	}
	// Good fields survive next to bad ones.
	s, err := DecodeHash("#view=filters&ch=oops")
	if err == nil || s.View != "filters" || s.Channel != -1 {
		t.Errorf("DecodeHash(view=filters&ch=oops) = %+v, %v; want view filters, channel -1 and an error", s, err)
	}
}

func TestStrokeLimits(t *testing.T) {
	many := make([]input.Stroke, MaxStrokes+1)
	for i := range many {
		many[i] = input.Stroke{{X: float64(i) / 100, Y: 0}}
	}
	if _, err := DecodeStrokes(EncodeStrokes(many)); err == nil || !strings.Contains(err.Error(), "strokes") {
		t.Errorf("DecodeStrokes(%d strokes) error = %v, want a limit error", len(many), err)
	}
	long := input.Stroke{}
	for i := range MaxPoints + 1 {
		long = append(long, input.Point{X: float64(i%256) / 255, Y: float64(i/256) / 255})
	}
	if _, err := DecodeStrokes(EncodeStrokes([]input.Stroke{long})); err == nil || !strings.Contains(err.Error(), "points") {
		t.Errorf("DecodeStrokes(%d points) error = %v, want a limit error", len(long), err)
	}
}

func TestQuantize(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	s := randomStrokes(r, 4)
	q := Quantize(s)
	back, err := DecodeStrokes(EncodeStrokes(s))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, q) {
		t.Fatalf("DecodeStrokes(EncodeStrokes(s)) != Quantize(s)")
	}
	// Every point moves by at most half a grid step; random points in
	// 0..1 are 1/255 apart at most rarely, so the strokes keep their points.
	for i := range s {
		for j := range s[i] {
			if i >= len(q) || j >= len(q[i]) {
				t.Fatalf("Quantize dropped stroke %d point %d", i, j)
			}
			dx, dy := q[i][j].X-s[i][j].X, q[i][j].Y-s[i][j].Y
			if math.Abs(dx) > 0.5/255+1e-12 || math.Abs(dy) > 0.5/255+1e-12 {
				t.Errorf("Quantize moved point %d.%d by (%g, %g), want at most half of 1/255", i, j, dx, dy)
			}
		}
	}
	// Repeated points merge; points off the surface are clamped.
	got := Quantize([]input.Stroke{{{X: 0.5, Y: 0.5}, {X: 0.5001, Y: 0.5}, {X: 2, Y: -1}}, {}})
	want := []input.Stroke{{{X: 128.0 / 255, Y: 128.0 / 255}, {X: 1, Y: 0}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Quantize = %v, want %v", got, want)
	}
}
