package explorer

import (
	"math"
	"math/rand/v2"
	"testing"

	"cnnviz/core/nn"
	"cnnviz/core/tsne"
	"cnnviz/models"
	"cnnviz/models/mnist"
)

// bandSet returns n random 28×28 images with labels i%10; the image of
// class c has a bright row band at 2c..2c+2 so that classes differ.
func bandSet(n int, seed uint64) *mnist.Set {
	r := rand.New(rand.NewPCG(seed, 7))
	s := &mnist.Set{Count: n, Rows: 28, Cols: 28, Images: make([]byte, n*784), Labels: make([]uint8, n)}
	for i := 0; i < n; i++ {
		s.Labels[i] = uint8(i % 10)
		for p := 0; p < 784; p++ {
			v := r.IntN(60)
			if y := p / 28; y/3 == i%10 {
				v += 190
			}
			s.Images[i*784+p] = byte(v)
		}
	}
	return s
}

func testNet(t *testing.T) *nn.Sequential {
	t.Helper()
	spec, err := models.Architecture("mnist")
	if err != nil {
		t.Fatal(err)
	}
	return nn.MustBuild(spec, 3)
}

// TestFeaturesMatchActivations checks the batched, stepped features against
// Activations and Predict run on one image at a time.
func TestFeaturesMatchActivations(t *testing.T) {
	net := testNet(t)
	set := bandSet(21, 1)
	for _, src := range []string{PixelsSource, "pool1", "gap", "fc"} {
		t.Run(src, func(t *testing.T) {
			f, err := NewFeatures(net, set, src, 21, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			for !f.Step() {
			}
			for i := 0; i < 21; i++ {
				pix := set.Float(i, nil)
				want := pix
				if src != PixelsSource {
					want = Activations(net, pix)[net.Index(src)].Data
				}
				if len(want) != f.D {
					t.Fatalf("D = %d, want %d", f.D, len(want))
				}
				for j, w := range want {
					if g := f.X[i*f.D+j]; math.Abs(float64(g-w)) > 1e-4*(1+math.Abs(float64(w))) {
						t.Fatalf("X[%d][%d] = %v, want %v", i, j, g, w)
					}
				}
				logits, _ := Predict(net, pix)
				if f.Pred[i] != argmax(logits) || f.Labels[i] != i%10 {
					t.Fatalf("image %d: pred, label = %d, %d, want %d, %d", i, f.Pred[i], f.Labels[i], argmax(logits), i%10)
				}
			}
		})
	}
}

// TestFeaturesProjection checks the projected features against X·R done
// by hand, and that the projection keeps squared distances on average.
func TestFeaturesProjection(t *testing.T) {
	net := testNet(t)
	set := bandSet(12, 2)
	full, err := NewFeatures(net, set, "conv1", 12, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	for !full.Step() {
	}
	p, _ := NewFeatures(net, set, "conv1", 12, 256, 5)
	for !p.Step() {
	}
	if p.D != 256 || full.D != 16*28*28 {
		t.Fatalf("D = %d, %d, want 256, %d", p.D, full.D, 16*28*28)
	}
	r := RandomProjection(full.D, 256, 5)
	for i := 0; i < 12; i += 5 {
		for k := 0; k < 256; k += 37 {
			var s float64
			for j := 0; j < full.D; j++ {
				s += float64(full.X[i*full.D+j]) * float64(r[j*256+k])
			}
			if g := float64(p.X[i*256+k]); math.Abs(g-s) > 1e-3*(1+math.Abs(s)) {
				t.Errorf("projected[%d][%d] = %v, want %v", i, k, g, s)
			}
		}
	}
	var ratio float64
	pairs := 0
	for i := 0; i < 12; i++ {
		for j := i + 1; j < 12; j++ {
			ratio += d2(p.X[i*256:(i+1)*256], p.X[j*256:(j+1)*256]) / d2(full.X[i*full.D:(i+1)*full.D], full.X[j*full.D:(j+1)*full.D])
			pairs++
		}
	}
	// Each ratio has mean 1 and standard deviation √(2/256) ≈ 0.09; the
	// mean of 66 (correlated) ratios stays well within 0.1.
	if m := ratio / float64(pairs); math.Abs(m-1) > 0.1 {
		t.Errorf("mean projected/true squared distance = %.3f, want 1 ± 0.1", m)
	}
}

func d2(a, b []float32) float64 {
	var s float64
	for i := range a {
		d := float64(a[i] - b[i])
		s += d * d
	}
	return s
}

// TestEmbeddingStepperMatchesEmbed: the stepper, however sliced, gives the
// plain function's coordinates, for t-SNE and PCA.
func TestEmbeddingStepperMatchesEmbed(t *testing.T) {
	net := testNet(t)
	set := bandSet(80, 3)
	for _, method := range []string{"tsne", "pca"} {
		t.Run(method, func(t *testing.T) {
			opt := tsne.DefaultOptions()
			opt.MaxIter, opt.ExaggerationIters, opt.Perplexity, opt.Seed = 60, 20, 10, 4
			o := EmbedOptions{Source: "gap", N: 80, Method: method, TSNE: opt}
			want, err := Embed(net, set, o)
			if err != nil {
				t.Fatal(err)
			}
			e, _ := NewEmbedding(net, set, o)
			e.Feat.batch = 3
			steps := 0
			for !e.Step() {
				steps++
				if e.T != nil {
					e.T.Positions() // reading between steps must not disturb
				}
			}
			got := e.Result()
			if len(got.Coords) != 160 {
				t.Fatalf("len(coords) = %d, want 160", len(got.Coords))
			}
			for i := range want.Coords {
				if got.Coords[i] != want.Coords[i] {
					t.Fatalf("coords[%d] = %v after %d steps, want %v", i, got.Coords[i], steps, want.Coords[i])
				}
			}
			if method == "tsne" && (got.Iterations != 60 || got.KL != want.KL || len(e.KL) == 0 || e.KLIter[len(e.KLIter)-1] != 60 || e.KL[len(e.KL)-1] != want.KL) {
				t.Errorf("iterations, KL = %d, %v, want 60, %v; KL samples at %v: %v", got.Iterations, got.KL, want.KL, e.KLIter, e.KL)
			}
			// Restart with the same options reuses the features and
			// gives the same result again.
			r, err := e.Restart(o)
			if err != nil || r.Feat != e.Feat {
				t.Fatalf("Restart: features reused = %v, err %v", r.Feat == e.Feat, err)
			}
			for !r.Step() {
			}
			if c := r.Positions(); c[7] != want.Coords[7] {
				t.Errorf("restarted coords[7] = %v, want %v", c[7], want.Coords[7])
			}
		})
	}
}

// TestMeaningMatchesMetrics compares the stepped per-layer metrics with
// tsne.OneNNAccuracy and tsne.NeighborPreservation on the full features.
func TestMeaningMatchesMetrics(t *testing.T) {
	net := testNet(t)
	set := bandSet(30, 4)
	m, err := NewMeaning(net, set, 30, 1)
	if err != nil {
		t.Fatal(err)
	}
	for !m.Step() {
	}
	pix, _ := NewFeatures(net, set, PixelsSource, 30, 0, 0)
	for !pix.Step() {
	}
	for i, src := range m.Sources {
		f, _ := NewFeatures(net, set, src, 30, 0, 0)
		for !f.Step() {
		}
		acc := tsne.OneNNAccuracy(f.X, f.D, f.Labels)
		kept := tsne.NeighborPreservation(pix.X, pix.D, f.X, f.D, MeaningK)
		if math.Abs(m.OneNN[i]-acc) > 1e-12 || math.Abs(m.Kept[i]-kept) > 1e-12 {
			t.Errorf("%s: 1-NN, kept = %v, %v, want %v, %v", src, m.OneNN[i], m.Kept[i], acc, kept)
		}
	}
	if m.Kept[0] != 1 {
		t.Errorf("pixels keep %v of their own neighbours, want 1", m.Kept[0])
	}
}

func TestEmbeddingErrors(t *testing.T) {
	net := testNet(t)
	set := bandSet(20, 5)
	for _, c := range []struct {
		name string
		o    EmbedOptions
	}{
		{"unknown layer", EmbedOptions{Source: "conv9", N: 10}},
		{"too many", EmbedOptions{Source: "gap", N: 21}},
		{"too few", EmbedOptions{Source: "gap", N: 1}},
		{"method", EmbedOptions{Source: "gap", N: 10, Method: "umap"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := NewEmbedding(net, set, c.o); err == nil {
				t.Errorf("NewEmbedding(%+v) = nil error, want one", c.o)
			}
		})
	}
	if _, err := NewEmbedding(net, nil, EmbedOptions{N: 10}); err == nil {
		t.Error("NewEmbedding without a test set = nil error, want one")
	}
}

// TestFeatureBatchFollowsCost: the features' batch comes from the
// network's multiply-adds, counted by hand for the mnist model, so a Step
// stays near featureStepMACs whatever the model.
func TestFeatureBatchFollowsCost(t *testing.T) {
	net := testNet(t)
	// conv1 28·28·16 outputs × 1·3·3, conv2 14·14·32 × 16·3·3,
	// conv3 7·7·48 × 32·3·3, conv4 7·7·64 × 48·3·3, fc 10 × 64.
	want := 28*28*16*9 + 14*14*32*16*9 + 7*7*48*32*9 + 7*7*64*48*9 + 10*64
	if got := ForwardMACs(net); got != want {
		t.Fatalf("ForwardMACs(mnist) = %d, want %d", got, want)
	}
	for _, tc := range []struct {
		src  string
		proj int
	}{{"gap", 0}, {"conv1", 0}, {"conv1", ProjectDims}, {PixelsSource, ProjectDims}} {
		f, err := NewFeatures(net, bandSet(40, 6), tc.src, 40, tc.proj, 1)
		if err != nil {
			t.Fatal(err)
		}
		cost := want
		if f.proj != nil {
			cost += f.Full * f.D
		}
		if f.batch < 1 || (f.batch > 1 && f.batch*cost > featureStepMACs) {
			t.Errorf("%s (projection %d): batch %d of %d multiply-adds each, want the most that fit in %d (at least 1)", tc.src, tc.proj, f.batch, cost, featureStepMACs)
		}
	}
}
