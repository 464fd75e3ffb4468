package featuremaps

import (
	"math"
	"math/rand/v2"
	"testing"

	"cnnviz/core/nn"
	"cnnviz/core/tensor"
)

// tiny is a network on 1×4×4 images: conv (2 filters 1×1), relu, gap, fc.
func tiny(t *testing.T) *nn.Sequential {
	t.Helper()
	return nn.MustBuild(nn.Spec{Name: "tiny", Input: []int{1, 4, 4}, Classes: []string{"a", "b"}, Layers: []nn.LayerSpec{
		{Name: "conv", Kind: nn.KindConv2D, Filters: 2, Kernel: [2]int{1, 1}},
		{Name: "relu", Kind: nn.KindReLU},
		{Name: "gap", Kind: nn.KindGlobalAvgPool},
		{Name: "fc", Kind: nn.KindDense, Units: 2},
	}}, 1)
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-12+1e-9*math.Abs(b) }

func TestStatsHandBuilt(t *testing.T) {
	m := tiny(t)
	hot := make([]float32, 32) // channel 0 all zero, channel 1 one hot pixel
	hot[16+1*4+2] = 5
	ones := make([]float32, 32) // channel 0 all ones, channel 1 hot elsewhere
	for i := range 16 {
		ones[i] = 1
	}
	ones[16+3*4+0] = 2

	a := NewAccumulator(m)
	a.Add(1, hot)
	got := a.Stats()[1]
	mean := 5.0 / 32
	want := Stats{Name: "relu", Kind: "relu", Images: 1, Min: 0, Max: 5, Mean: mean,
		Std: math.Sqrt(25.0/32 - mean*mean), Sparsity: 31.0 / 32, Blank: 0.5, DeadUnits: 31.0 / 32, DeadChannels: 0.5}
	checkStats(t, "one hot pixel", got, want)

	a.Add(1, ones)
	got = a.Stats()[1]
	mean = (5.0 + 16 + 2) / 64
	want = Stats{Name: "relu", Kind: "relu", Images: 2, Min: 0, Max: 5, Mean: mean,
		Std:      math.Sqrt((25.0+16+4)/64 - mean*mean),
		Sparsity: (31.0 + 15) / 64, Blank: (0.5 + 0) / 2,
		DeadUnits: (32.0 - 16 - 2) / 32, DeadChannels: 0}
	checkStats(t, "second image", got, want)

	// A flat layer: each unit is a channel. gap has 2 units.
	b := NewAccumulator(m)
	b.Add(2, []float32{0, 3})
	b.Add(2, []float32{0, 0})
	b.Add(2, []float32{0, -1})
	checkStats(t, "flat layer", b.Stats()[2], Stats{Name: "gap", Kind: "globalavgpool", Images: 3, Min: -1, Max: 3,
		Mean: 2.0 / 6, Std: math.Sqrt(10.0/6 - 4.0/36), Sparsity: 4.0 / 6, Blank: (0.5 + 1 + 0.5) / 3, DeadUnits: 0.5, DeadChannels: 0.5})
}

func checkStats(t *testing.T, name string, got, want Stats) {
	t.Helper()
	g := []float64{float64(got.Images), got.Min, got.Max, got.Mean, got.Std, got.Sparsity, got.Blank, got.DeadUnits, got.DeadChannels}
	w := []float64{float64(want.Images), want.Min, want.Max, want.Mean, want.Std, want.Sparsity, want.Blank, want.DeadUnits, want.DeadChannels}
	for i := range g {
		if !near(g[i], w[i]) || got.Name != want.Name || got.Kind != want.Kind {
			t.Errorf("%s: stats = %+v, want %+v", name, got, want)
			return
		}
	}
}

// TestStatsEndToEnd builds weights whose outputs are known: filter 0 is
// w = 0, b = −1, so after the ReLU channel 0 is blank for every input;
// filter 1 is w = 1, b = 0, so channel 1 copies the image.
func TestStatsEndToEnd(t *testing.T) {
	m := tiny(t)
	conv := m.Layers[0].(*nn.Conv2D)
	copy(conv.W.Value.Data, []float32{0, 1})
	copy(conv.B.Value.Data, []float32{-1, 0})
	img := make([]float32, 16) // 6 of 16 pixels non-zero
	for _, i := range []int{0, 3, 5, 6, 9, 15} {
		img[i] = 0.5
	}
	s := Summarize(m, Capture(m, img))
	checkStats(t, "relu of known image", s[1], Stats{Name: "relu", Kind: "relu", Images: 1, Min: 0, Max: 0.5,
		Mean: 3.0 / 32, Std: math.Sqrt(1.5/32 - 9.0/1024), Sparsity: 26.0 / 32, Blank: 0.5, DeadUnits: 26.0 / 32, DeadChannels: 0.5})
	if s[0].Sparsity != 10.0/32 || s[0].Min != -1 {
		t.Errorf("conv stats = %+v, want sparsity 10/32 and min −1", s[0])
	}
}

// TestStatsMergeMatchesDirect checks the image-by-image merge of mean and
// variance against a direct two-pass computation over all values.
func TestStatsMergeMatchesDirect(t *testing.T) {
	m := build(t, "convnetjs", 3)
	r := rand.New(rand.NewPCG(3, 3))
	const n = 7
	imgs := randomImages(m, r, n)
	got := LayerStats(m, imgs, n)
	size := tensor.Numel(m.Spec.Input)
	for li := range m.Layers {
		var all []float64
		for j := range n {
			for _, v := range Capture(m, imgs[j*size:(j+1)*size])[li].Data {
				all = append(all, float64(v))
			}
		}
		var mean, ss float64
		for _, v := range all {
			mean += v
		}
		mean /= float64(len(all))
		for _, v := range all {
			ss += (v - mean) * (v - mean)
		}
		std := math.Sqrt(ss / float64(len(all)))
		if math.Abs(got[li].Mean-mean) > 1e-9*(1+math.Abs(mean)) || math.Abs(got[li].Std-std) > 1e-9*(1+std) {
			t.Errorf("layer %s: mean, std = %v, %v, want %v, %v", got[li].Name, got[li].Mean, got[li].Std, mean, std)
		}
	}
}

// TestStatsRunMatchesLayerStats runs the batched stepper and the plain
// image-by-image function on the same images.
func TestStatsRunMatchesLayerStats(t *testing.T) {
	for _, arch := range archs {
		t.Run(arch, func(t *testing.T) {
			m := build(t, arch, 4)
			const n = 23
			imgs := randomImages(m, rand.New(rand.NewPCG(4, 4)), n)
			want := LayerStats(m, imgs, n)
			run := NewStatsRun(m, imgs, n)
			steps := 0
			for !run.Step() {
				steps++
				if d, _ := run.Progress(); d == 0 || d >= n {
					t.Fatalf("after step %d Progress = %d, want in (0, %d)", steps, d, n)
				}
			}
			got := run.Stats()
			for i := range want {
				g, w := got[i], want[i]
				if g.Images != n || g.Min != w.Min || g.Max != w.Max || g.Sparsity != w.Sparsity || g.Blank != w.Blank ||
					g.DeadUnits != w.DeadUnits || g.DeadChannels != w.DeadChannels ||
					math.Abs(g.Mean-w.Mean) > 1e-9*(1+math.Abs(w.Mean)) || math.Abs(g.Std-w.Std) > 1e-9*(1+w.Std) {
					t.Errorf("layer %s: stepper %+v, want %+v", w.Name, g, w)
				}
			}
		})
	}
}

// checkInvariants checks relations every Stats must satisfy: channels of
// one layer have equal size, so a blank channel fraction b forces a
// sparsity of at least b; a dead unit is zero in every image, so every
// image's sparsity, and their mean, is at least DeadUnits.
func checkInvariants(t *testing.T, s Stats) {
	t.Helper()
	const eps = 1e-12
	if !(s.Sparsity >= s.Blank-eps && s.Sparsity >= s.DeadUnits-eps && s.Blank >= s.DeadChannels-eps && s.DeadUnits >= s.DeadChannels-eps) {
		t.Errorf("layer %s: sparsity %v, blank %v, dead units %v, dead channels %v break sparsity ≥ blank ≥ dead channels, sparsity ≥ dead units ≥ dead channels",
			s.Name, s.Sparsity, s.Blank, s.DeadUnits, s.DeadChannels)
	}
	if !(s.Min <= s.Mean && s.Mean <= s.Max && s.Std >= 0) {
		t.Errorf("layer %s: min %v, mean %v, max %v, std %v out of order", s.Name, s.Min, s.Mean, s.Max, s.Std)
	}
}

func TestStatsInvariantsRandom(t *testing.T) {
	for _, arch := range archs {
		m := build(t, arch, 5)
		for _, s := range LayerStats(m, randomImages(m, rand.New(rand.NewPCG(5, 5)), 9), 9) {
			checkInvariants(t, s)
		}
	}
}
