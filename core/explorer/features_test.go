package explorer

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"cnnviz/core/featuremaps"
	"cnnviz/core/nn"
	"cnnviz/core/render"
	"cnnviz/models"
	"cnnviz/models/mnist"
)

func TestFeatureScales(t *testing.T) {
	// conv: signed, 2 channels of 2 values; relu: unsigned; fc: flat, signed.
	acts := []Activation{
		{Name: "conv", Shape: []int{2, 1, 2}, Data: []float32{-1, 2, 0.5, 0.25}},
		{Name: "relu", Shape: []int{2, 1, 2}, Data: []float32{0, 2, 0.5, 0.25}},
		{Name: "fc", Shape: []int{3}, Data: []float32{-4, 1, 3}},
	}
	sg := func(m float64) render.Scale { return render.Scale{Min: -m, Max: m, Signed: true} }
	un := func(lo, hi float64) render.Scale { return render.Scale{Min: lo, Max: hi} }
	tests := []struct {
		mode string
		want [][]render.Scale
	}{
		{ScaleChannel, [][]render.Scale{{sg(2), sg(0.5)}, {un(0, 2), un(0.25, 0.5)}, {sg(4), sg(4), sg(4)}}},
		{"nonsense", [][]render.Scale{{sg(2), sg(0.5)}, {un(0, 2), un(0.25, 0.5)}, {sg(4), sg(4), sg(4)}}},
		{ScaleLayer, [][]render.Scale{{sg(2), sg(2)}, {un(0, 2), un(0, 2)}, {sg(4), sg(4), sg(4)}}},
		{ScaleGlobal, [][]render.Scale{{sg(4), sg(4)}, {un(0, 4), un(0, 4)}, {sg(4), sg(4), sg(4)}}},
	}
	for _, tc := range tests {
		t.Run(tc.mode, func(t *testing.T) {
			got := FeatureScales(acts, tc.mode)
			for i := range tc.want {
				if !slices.Equal(got[i], tc.want[i]) {
					t.Errorf("FeatureScales(%s)[%s] = %v, want %v", tc.mode, acts[i].Name, got[i], tc.want[i])
				}
			}
		})
	}
}

func TestScaleMode(t *testing.T) {
	for _, tc := range []struct{ opt, want string }{{"", ScaleChannel}, {"layer", ScaleLayer}, {"global", ScaleGlobal}, {"x", ScaleChannel}} {
		s := Default()
		s.SetOption("scale", tc.opt)
		if got := ScaleMode(s); got != tc.want {
			t.Errorf("ScaleMode(scale=%q) = %q, want %q", tc.opt, got, tc.want)
		}
	}
}

// tinySet is a 4-image 2×2 set whose image i has all pixels 50·i.
func tinySet() *mnist.Set {
	s := &mnist.Set{Count: 4, Rows: 2, Cols: 2, Labels: make([]uint8, 4)}
	for i := range 4 {
		for range 4 {
			s.Images = append(s.Images, byte(50*i))
		}
	}
	return s
}

func TestSampleImages(t *testing.T) {
	s := tinySet()
	got := SampleImages(s, []int{3, 1}, []int{2, 1, 1})
	want := []float32{150.0 / 255, 150.0 / 255, 50.0 / 255, 50.0 / 255}
	if !slices.Equal(got, want) {
		t.Errorf("SampleImages([3 1], [2 1 1]) = %v, want %v", got, want)
	}
}

func TestTestSample(t *testing.T) {
	s := tinySet()
	a, err := TestSample(s, 2, 7)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := TestSample(s, 2, 7)
	if !slices.Equal(a, b) || len(a) != 2 || a[0] == a[1] {
		t.Errorf("TestSample(2, seed 7) = %v then %v, want the same 2 distinct indices", a, b)
	}
	all, _ := TestSample(s, 10, 7)
	if !slices.Equal(all, []int{0, 1, 2, 3}) {
		t.Errorf("TestSample(10) = %v, want [0 1 2 3]", all)
	}
	if _, err := TestSample(s, 0, 7); err == nil {
		t.Errorf("TestSample(0) gave no error")
	}
}

func TestConvScanPosition(t *testing.T) {
	for _, tc := range []struct{ step, y, x int }{{0, 0, 0}, {2, 0, 2}, {3, 1, 0}, {5, 1, 2}, {6, 0, 0}, {-1, 1, 2}} {
		y, x := ConvScanPosition(tc.step, 2, 3)
		if y != tc.y || x != tc.x {
			t.Errorf("ConvScanPosition(%d, 2, 3) = (%d, %d), want (%d, %d)", tc.step, y, x, tc.y, tc.x)
		}
	}
}

// randomSet returns n random 28×28 images.
func randomSet(n int, seed uint64) *mnist.Set {
	r := rand.New(rand.NewPCG(seed, 1))
	s := &mnist.Set{Count: n, Rows: 28, Cols: 28, Labels: make([]uint8, n), Images: make([]byte, n*784)}
	for i := range s.Images {
		if r.IntN(4) == 0 {
			s.Images[i] = byte(r.IntN(256))
		}
	}
	return s
}

func TestJobsMatchPlainFunctions(t *testing.T) {
	// A small network of the usual kinds, so that the test stays fast
	// under WebAssembly too.
	spec := nn.Spec{Name: "tiny", Input: []int{1, 28, 28}, Classes: []string{"a", "b", "c"}, Layers: []nn.LayerSpec{
		{Name: "conv1", Kind: nn.KindConv2D, Filters: 3, Kernel: [2]int{3, 3}, Pad: [2]int{1, 1}},
		{Name: "relu1", Kind: nn.KindReLU},
		{Name: "pool1", Kind: nn.KindMaxPool2D, Kernel: [2]int{2, 2}},
		{Name: "conv2", Kind: nn.KindConv2D, Filters: 4, Kernel: [2]int{3, 3}},
		{Name: "relu2", Kind: nn.KindReLU},
		{Name: "flatten", Kind: nn.KindFlatten},
		{Name: "fc", Kind: nn.KindDense, Units: 3},
	}}
	m := &Model{Name: "tiny", Net: nn.MustBuild(spec, 3)}
	set := randomSet(sampleChunk+20, 5) // more than one conversion chunk
	idx, _ := TestSample(set, sampleChunk+10, 9)
	images := SampleImages(set, idx, m.Net.Spec.Input)

	t.Run("top", func(t *testing.T) {
		layer := m.Net.Index("relu2")
		j := NewTopJob(m, layer, set, idx, 3)
		steps := 0
		for !j.Step() {
			steps++
		}
		if steps < 2 {
			t.Errorf("TopJob finished in %d steps, want several", steps)
		}
		want := featuremaps.TopImages(m.Net, layer, images, len(idx), 3)
		got := j.Result()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("TopJob result = %v, want TopImages %v", got[:2], want[:2])
		}
		if d, n := j.Progress(); d != n || n != len(idx) {
			t.Errorf("TopJob.Progress() = %d, %d, want %d, %d", d, n, len(idx), len(idx))
		}
		if j.TestIndex(got[0][0].Image) != idx[got[0][0].Image] {
			t.Errorf("TestIndex mismatch")
		}
	})
	t.Run("stats", func(t *testing.T) {
		j := NewStatsJob(m, set, idx)
		for !j.Step() {
		}
		want := featuremaps.LayerStats(m.Net, images, len(idx))
		got := j.Stats()
		for i := range want {
			g, w := got[i], want[i]
			if g.Images != w.Images || math.Abs(g.Mean-w.Mean) > 1e-9*(1+math.Abs(w.Mean)) || math.Abs(g.Std-w.Std) > 1e-6*(1+w.Std) ||
				g.Sparsity != w.Sparsity || g.Blank != w.Blank || g.DeadUnits != w.DeadUnits || g.Min != w.Min || g.Max != w.Max {
				t.Errorf("StatsJob layer %s = %+v, want LayerStats %+v", w.Name, g, w)
			}
		}
	})
	t.Run("current", func(t *testing.T) {
		x := images[:784]
		got := CurrentStats(m, Activations(m.Net, x))
		want := featuremaps.LayerStats(m.Net, x, 1)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("CurrentStats = %+v, want %+v", got[0], want[0])
		}
	})
}

// BenchmarkFeatureScales_mnist times the colour scales of every channel
// of every layer of the shipped mnist model for one input, in each mode:
// the number work the layers view redoes on an input change.
func BenchmarkFeatureScales_mnist(b *testing.B) {
	net, err := models.Builtin("mnist")
	if err != nil {
		b.Skip(err)
	}
	x := make([]float32, 784)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range x {
		x[i] = r.Float32()
	}
	acts := Activations(net, x)
	for _, mode := range []string{ScaleChannel, ScaleLayer, ScaleGlobal} {
		b.Run(mode, func(b *testing.B) {
			for b.Loop() {
				FeatureScales(acts, mode)
			}
		})
	}
}

// BenchmarkActivations_mnist times the forward pass with every layer's
// output kept, which the app runs on every input change.
func BenchmarkActivations_mnist(b *testing.B) {
	net, err := models.Builtin("mnist")
	if err != nil {
		b.Skip(err)
	}
	x := make([]float32, 784)
	for b.Loop() {
		Activations(net, x)
	}
}

// TestFeatureScalesMatchFit checks the one-pass ranges against render.Fit
// on random layers with NaN and infinities mixed in.
func TestFeatureScalesMatchFit(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	var acts []Activation
	for i, shape := range [][]int{{3, 4, 5}, {2, 3, 3}, {7}} {
		n := 1
		for _, d := range shape {
			n *= d
		}
		d := make([]float32, n)
		for j := range d {
			d[j] = float32(r.NormFloat64())
			if i == 1 {
				d[j] = float32(math.Abs(float64(d[j]))) // an unsigned layer
			}
		}
		d[0], d[n-1] = float32(math.NaN()), float32(math.Inf(1))
		acts = append(acts, Activation{Name: fmt.Sprint("l", i), Shape: shape, Data: d})
	}
	ch := FeatureScales(acts, ScaleChannel)
	ly := FeatureScales(acts, ScaleLayer)
	for i, a := range acts {
		sg := Signed(a.Data)
		if want := render.Fit(sg, a.Data); ly[i][0] != want {
			t.Errorf("FeatureScales(layer)[%s] = %v, want render.Fit %v", a.Name, ly[i][0], want)
		}
		if len(a.Shape) != 3 {
			continue
		}
		hw := a.Shape[1] * a.Shape[2]
		for c := range a.Shape[0] {
			if want := render.Fit(sg, a.Data[c*hw:(c+1)*hw]); ch[i][c] != want {
				t.Errorf("FeatureScales(channel)[%s][%d] = %v, want render.Fit %v", a.Name, c, ch[i][c], want)
			}
		}
	}
}
