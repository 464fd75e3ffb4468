package explorer

import (
	"math"
	"slices"
	"strings"
	"testing"
)

func TestConvOptions(t *testing.T) {
	for _, o := range []ConvOptions{DefaultConvOptions(), {Speed: 0.5}, {Speed: 30, InCh: 7}, {Speed: 12.5, InCh: 1}} {
		got, err := ParseConvOptions(roundTrip(t, o.Store))
		if err != nil || got != o {
			t.Errorf("ParseConvOptions(round trip of %+v) = %+v, %v", o, got, err)
		}
	}
	for _, tc := range []struct {
		key, val, want string
		lenient        ConvOptions
	}{
		{"speed", "fast", `speed "fast"`, DefaultConvOptions()},
		{"speed", "-1", `speed "-1"`, DefaultConvOptions()},
		{"speed", "31", "0..30", ConvOptions{Speed: MaxConvSpeed}},
		{"speed", "NaN", `speed "NaN"`, DefaultConvOptions()},
		{"inch", "x", `input channel "x"`, DefaultConvOptions()},
		{"inch", "-2", `input channel "-2"`, DefaultConvOptions()},
	} {
		s := Default()
		s.SetOption(tc.key, tc.val)
		if _, err := ParseConvOptions(s); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseConvOptions(%s=%s) = %v, want an error with %q", tc.key, tc.val, err, tc.want)
		}
		if got := ConvOptionsOf(s); got != tc.lenient && !(math.IsNaN(got.Speed) && tc.val == "NaN") {
			t.Errorf("ConvOptionsOf(%s=%s) = %+v, want %+v", tc.key, tc.val, got, tc.lenient)
		}
	}
}

func TestSnapSpeed(t *testing.T) {
	for _, tc := range []struct{ in, want float64 }{{0, 0.5}, {0.2, 0.5}, {2, 2}, {2.2, 2}, {2.3, 2.5}, {29.9, 30}, {100, 30}} {
		if got := SnapSpeed(tc.in); got != tc.want {
			t.Errorf("SnapSpeed(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestConvTarget(t *testing.T) {
	a := newApp(t)
	m := a.Current()
	var convs []string
	for _, i := range ConvLayers(m) {
		convs = append(convs, m.Net.Spec.Layers[i].Name)
	}
	if want := []string{"conv1", "conv2", "conv3", "conv4"}; !slices.Equal(convs, want) {
		t.Fatalf("ConvLayers(mnist) = %v, want %v", convs, want)
	}
	for _, tc := range []struct {
		layer string
		ch    int
		wantL string
		wantF int
	}{
		{"", -1, "conv1", 0},
		{"relu2", 3, "conv1", 0}, // not a convolution: the first one
		{"conv3", 5, "conv3", 5},
		{"conv2", -1, "conv2", 0},
		{"conv2", 1000, "conv2", 0}, // out of range
	} {
		a.SetChannel(tc.layer, tc.ch)
		l, f := ConvTarget(a)
		if m.Net.Spec.Layers[l].Name != tc.wantL || f != tc.wantF {
			t.Errorf("ConvTarget(%s channel %d) = %s, %d, want %s, %d", tc.layer, tc.ch, m.Net.Spec.Layers[l].Name, f, tc.wantL, tc.wantF)
		}
	}
}

func TestConvAnimation(t *testing.T) {
	v := NewConvView()
	for range 20 {
		v.Tick(3, 60) // 3 positions per second: one per 20 frames
	}
	if y, x := v.Position(4, 5); y != 0 || x != 1 {
		t.Errorf("Position after 20 frames at 3/s = (%d, %d), want (0, 1)", y, x)
	}
	for range 120 {
		v.Tick(3, 60)
	}
	if y, x := v.Position(4, 5); y != 1 || x != 2 {
		t.Errorf("Position after 140 frames at 3/s = (%d, %d), want (1, 2)", y, x)
	}
	v.Toggle(4, 5)
	v.Tick(30, 60)
	v.Tick(30, 60)
	if y, x := v.Position(4, 5); v.Playing || y != 1 || x != 2 {
		t.Errorf("Position after a pause = (%d, %d), playing %v; want (1, 2), paused", y, x, v.Playing)
	}
	v.Pin(9, 9)
	if y, x := v.Position(4, 5); y != 3 || x != 4 {
		t.Errorf("Position pinned at (9, 9) of 4×5 = (%d, %d), want (3, 4)", y, x)
	}
}

func TestConvFrame(t *testing.T) {
	a := newApp(t)
	if _, ok := NewConvView().Frame(a); ok {
		t.Errorf("Frame before the first Refresh reports ok")
	}
	a.SetTestSet(fakeSet(3, 2))
	a.Refresh()
	for _, tc := range []struct {
		layer  string
		filter int
		inch   string
		y, x   int
		wantIC int
	}{
		{"conv1", 2, "", 5, 7, 0},
		{"conv1", 1, "", 0, 0, 0}, // the window starts in the padding
		{"conv2", 4, "3", 2, 9, 3},
		{"conv3", 0, "999", 6, 0, 0}, // a slice out of range shows slice 0
	} {
		a.SetChannel(tc.layer, tc.filter)
		a.SetOption("inch", tc.inch)
		v := NewConvView()
		v.Pin(tc.y, tc.x)
		f, ok := v.Frame(a)
		if !ok {
			t.Fatalf("Frame(%s) not ok", tc.layer)
		}
		li := a.PinnedLayer()
		_, h, w := MapShape(a.Acts[li].Shape)
		if f.Y != tc.y || f.X != tc.x || f.InCh != tc.wantIC || f.Filter != tc.filter || f.Layer != li {
			t.Errorf("Frame(%s) at (%d, %d) slice %d, filter %d, want (%d, %d) slice %d, filter %d", tc.layer, f.Y, f.X, f.InCh, f.Filter, tc.y, tc.x, tc.wantIC, tc.filter)
		}
		// The output map is the layer's own, and the unit's arithmetic
		// gives the value at the position.
		if got, want := f.OutMap[tc.y*w+tc.x], a.Acts[li].Data[tc.filter*h*w+tc.y*w+tc.x]; got != want {
			t.Errorf("Frame(%s).OutMap at the unit = %v, want %v", tc.layer, got, want)
		}
		if d := math.Abs(f.Unit.Pre - float64(f.OutMap[tc.y*w+tc.x])); d > 1e-4 {
			t.Errorf("Frame(%s).Unit.Pre = %v, output %v", tc.layer, f.Unit.Pre, f.OutMap[tc.y*w+tc.x])
		}
		// Partial is the sum of the slice's products, computed here from
		// the patch and the kernel.
		var want float64
		patch, kern := f.Tap(f.Unit.Patch), f.Tap(f.Unit.Kernel)
		for i := range patch {
			want += float64(patch[i]) * float64(kern[i])
		}
		if math.Abs(f.Partial-want) > 1e-5 {
			t.Errorf("Frame(%s).Partial = %v, want %v", tc.layer, f.Partial, want)
		}
		// The padding taps are those outside the layer's input.
		pad := f.PadTap()
		for i := range f.Unit.KH {
			for j := range f.Unit.KW {
				y, x := f.Unit.InY+i, f.Unit.InX+j
				if want := y < 0 || y >= f.InH || x < 0 || x >= f.InW; pad[i*f.Unit.KW+j] != want {
					t.Errorf("Frame(%s) at (%d, %d): PadTap()[%d, %d] = %v, want %v", tc.layer, tc.y, tc.x, i, j, !want, want)
				}
			}
		}
		if tc.y == 0 && tc.x == 0 && !slices.Contains(pad, true) {
			t.Errorf("Frame(%s) at (0, 0): no padding tap, want the window to start in the padding", tc.layer)
		}
		in := a.ModelInput()
		if li > 0 {
			in = a.Acts[li-1].Data
		}
		if !slices.Equal(f.In, in[f.InCh*f.InH*f.InW:(f.InCh+1)*f.InH*f.InW]) {
			t.Errorf("Frame(%s).In is not slice %d of the layer's input", tc.layer, f.InCh)
		}
	}
}
