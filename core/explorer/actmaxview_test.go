package explorer

import (
	"image"
	"image/draw"
	"slices"
	"testing"
	"time"

	"cnnviz/core/actmax"
	"cnnviz/core/nn"
)

// runAll ticks a's scheduler until nothing runs (or n ticks passed).
func runAll(t *testing.T, a *App, n int) {
	t.Helper()
	for i := 0; a.Sched.Len() > 0; i++ {
		if i == n {
			t.Fatalf("the steppers still run after %d ticks", n)
		}
		a.Sched.Tick(time.Millisecond)
	}
}

// TestActmaxViewRun checks that the view-model starts the run the link
// asks for, that it computes what actmax.Maximize does with the options
// ActmaxState reads, that an unchanged state does not restart it, and
// that leaving the view stops it.
func TestActmaxViewRun(t *testing.T) {
	a := newApp(t)
	a.State.View, a.State.Layer, a.State.Channel, a.State.Seed = "actmax", "conv3", 5, 4
	a.SetOption("am.steps", "20")
	var v ActmaxView
	v.Sync(a)
	if v.Err != "" || v.Run == nil || v.Atlas != nil {
		t.Fatalf("Sync: err %q run %v atlas %v, want a run", v.Err, v.Run != nil, v.Atlas != nil)
	}
	gen := v.Gen
	v.Sync(a)
	if v.Gen != gen {
		t.Errorf("a second Sync with the same state restarted the run (gen %d, want %d)", v.Gen, gen)
	}
	runAll(t, a, 1000)
	if v.Took <= 0 {
		t.Errorf("Took = %v after the run finished, want > 0", v.Took)
	}
	p, err := ActmaxState(a.State, a.Current().Net, a.Target())
	if err != nil {
		t.Fatal(err)
	}
	want, err := Maximize(a.Current().Net, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	for !want.Step() {
	}
	if !slices.Equal(v.Run.Image().Data, want.Image().Data) {
		t.Errorf("the view's run differs from Maximize with ActmaxState's options")
	}
	if got, wantS := v.Status(), "20 steps in"; len(got) < len(wantS) || got[:len(wantS)] != wantS {
		t.Errorf("Status() = %q, want it to start with %q", got, wantS)
	}

	// A new choice restarts; leaving the view stops the run and lets the
	// next visit start afresh.
	a.SetOption("am.jitter", "0")
	v.Sync(a)
	if v.Gen != gen+1 || !a.Sched.Running(ActmaxJob) {
		t.Fatalf("after a changed option: gen %d running %v, want gen %d and a run", v.Gen, a.Sched.Running(ActmaxJob), gen+1)
	}
	a.SetView("layers")
	a.Sched.Tick(time.Millisecond)
	if a.Sched.Running(ActmaxJob) || v.Key != "" {
		t.Errorf("after leaving the view: running %v key %q, want stopped and no key", a.Sched.Running(ActmaxJob), v.Key)
	}

	// A bad option is an error to show, and nothing runs.
	a.SetView("actmax")
	a.SetOption("am.l2", "lots")
	v.Sync(a)
	if v.Err == "" || v.Run != nil || a.Sched.Running(ActmaxJob) {
		t.Errorf("bad option: err %q run %v, want an error and no run", v.Err, v.Run != nil)
	}
}

// TestActmaxViewAtlas checks the atlas: every tile of the painted grid is
// the channel's own picture, and the strongest test images are found.
func TestActmaxViewAtlas(t *testing.T) {
	a := newApp(t)
	a.SetTestSet(fakeSet(30, 2))
	runAll(t, a, 10000)
	a.State.View, a.State.Layer = "actmax", "conv1"
	a.SetOption("am.mode", "atlas")
	a.SetOption("am.steps", "3")
	var v ActmaxView
	for i := 0; i < 100000 && (i == 0 || a.Sched.Len() > 0); i++ {
		v.Sync(a)
		a.Sched.Tick(time.Millisecond)
	}
	v.Sync(a)
	if v.Atlas == nil || v.Atlas.Channels() != 16 || v.Took <= 0 {
		t.Fatalf("atlas %v took %v, want 16 channels done", v.Atlas != nil, v.Took)
	}
	for ch := range 16 {
		want := image.NewRGBA(v.GridLayout.Tile(ch))
		draw.Draw(want, want.Rect, ActmaxImage(v.Atlas.Image(ch)), image.Point{}, draw.Src)
		got := v.Grid.SubImage(v.GridLayout.Tile(ch)).(*image.RGBA)
		for y := want.Rect.Min.Y; y < want.Rect.Max.Y; y++ {
			for x := want.Rect.Min.X; x < want.Rect.Max.X; x++ {
				if got.RGBAAt(x, y) != want.RGBAAt(x, y) {
					t.Fatalf("grid tile %d pixel (%d, %d) = %v, want %v", ch, x, y, got.RGBAAt(x, y), want.RGBAAt(x, y))
				}
			}
		}
	}
	// Atlas channel 4 is channel 4 maximized alone with the same options.
	p, _ := ActmaxState(a.State, a.Current().Net, 0)
	p.Channel = 4
	r, err := Maximize(a.Current().Net, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	for !r.Step() {
	}
	if !slices.Equal(r.Image().Data, v.Atlas.Image(4).Data) {
		t.Errorf("atlas channel 4 differs from maximizing channel 4 alone")
	}
	if got := len(v.TopImages(a, 3)); got != ActmaxTopK*28*28 {
		t.Errorf("TopImages(3) has %d values, want %d (%d images)", got, ActmaxTopK*28*28, ActmaxTopK)
	}
}

func TestActmaxDerived(t *testing.T) {
	net := mnistNet(t)
	for _, tc := range []struct {
		name  string
		p     ActmaxParams
		y, x  int
		ok    bool
		sec   int
		steps int
	}{
		{"unit centre", ActmaxParams{Layer: "conv3", Y: -1, X: -1}, 3, 3, true, 0, 100},
		{"unit given", ActmaxParams{Layer: "conv1", Y: 5, X: 20, Steps: 50}, 5, 20, true, 0, 50},
		{"dense has no map", ActmaxParams{Layer: "fc", Y: -1, X: -1}, 0, 0, false, 0, 100},
		{"direction", ActmaxParams{Layer: "conv2", Channel: 3, Weights: weightsAt(32, 3, 9)}, 0, 0, false, 9, 100},
		{"direction twice the same", ActmaxParams{Layer: "conv2", Channel: 3, Weights: weightsAt(32, 3, 3)}, 0, 0, false, 3, 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.p.Weights == nil {
				y, x, ok := tc.p.UnitAt(net)
				if y != tc.y || x != tc.x || ok != tc.ok {
					t.Errorf("UnitAt = %d, %d, %v, want %d, %d, %v", y, x, ok, tc.y, tc.x, tc.ok)
				}
			} else if got := tc.p.SecondChannel(); got != tc.sec {
				t.Errorf("SecondChannel = %d, want %d", got, tc.sec)
			}
			if got := tc.p.StepsShown(); got != tc.steps {
				t.Errorf("StepsShown = %d, want %d", got, tc.steps)
			}
		})
	}
	if got, want := OptimizableLayers(net), []string{"conv1", "conv2", "conv3", "conv4", "fc"}; !slices.Equal(got, want) {
		t.Errorf("OptimizableLayers = %v, want %v", got, want)
	}
	// The weights of conv2 filter 7 as shown for relu2 (the conv before it).
	w, ok := AtlasWeights(net, net.Index("relu2"), 7, 16)
	if !ok || w.Layer != "conv2" || w.Show != 16 || w.Inputs != 16 || w.KH != 3 || w.KW != 3 {
		t.Fatalf("AtlasWeights(relu2, 7) = %+v, %v, want conv2's filter, 16 of 16 inputs, 3×3", w, ok)
	}
	all := net.Layers[net.Index("conv2")].(*nn.Conv2D).W.Value.Data
	for j, m := range w.Maps {
		if off := (7*16 + j) * 9; !slices.Equal(m, all[off:off+9]) {
			t.Errorf("AtlasWeights map %d = %v, want conv2.W[7, %d] = %v", j, m, j, all[off:off+9])
		}
	}
	if _, ok := AtlasWeights(net, net.Index("conv1"), 16, 16); ok {
		t.Errorf("AtlasWeights(conv1, 16) ok, want no filter 16 of 16")
	}
	if got := SnapSteps([]actmax.Snapshot{{Step: 0}, {Step: 5}, {Step: 10}}); got != "0, 5, 10" {
		t.Errorf("SnapSteps = %q, want %q", got, "0, 5, 10")
	}
}

func weightsAt(n int, i, j int) []float32 {
	w := make([]float32, n)
	w[i]++
	w[j]++
	return w
}
