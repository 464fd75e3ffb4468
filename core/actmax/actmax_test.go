package actmax

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	ag "cnnviz/core/autograd"
	"cnnviz/core/nn"
	"cnnviz/core/tensor"
	"cnnviz/models"
)

// oneFilter builds a model [1,n,n] → conv1 (one k×k filter, no padding,
// weights kernel) → relu1 → gap → fc (one class).
func oneFilter(t testing.TB, n int, kernel [][]float32) *nn.Sequential {
	t.Helper()
	k := len(kernel)
	spec := nn.Spec{Name: "onefilter", Input: []int{1, n, n}, Classes: []string{"a"}, Layers: []nn.LayerSpec{
		{Name: "conv1", Kind: nn.KindConv2D, Filters: 1, Kernel: [2]int{k, k}},
		{Name: "relu1", Kind: nn.KindReLU},
		{Name: "gap", Kind: nn.KindGlobalAvgPool},
		{Name: "fc", Kind: nn.KindDense, Units: 1},
	}}
	m, err := nn.Build(spec, 1)
	if err != nil {
		t.Fatal(err)
	}
	w := m.Layers[0].(*nn.Conv2D).W.Value.Data
	for y, row := range kernel {
		copy(w[y*k:], row)
	}
	return m
}

func verticalEdge() [][]float32 {
	return [][]float32{{-1, 0, 1}, {-1, 0, 1}, {-1, 0, 1}}
}

// grating is cos(2π(x·cosθ + y·sinθ)/period + phase) on k×k.
func grating(k int, theta, period, phase float64) [][]float32 {
	g := make([][]float32, k)
	for y := range g {
		g[y] = make([]float32, k)
		for x := range g[y] {
			g[y][x] = float32(math.Cos(2*math.Pi*(float64(x)*math.Cos(theta)+float64(y)*math.Sin(theta))/period + phase))
		}
	}
	return g
}

// pearson is the correlation of two equal-length vectors.
func pearson(a, b []float32) float64 {
	n := float64(len(a))
	var ma, mb float64
	for i := range a {
		ma += float64(a[i])
		mb += float64(b[i])
	}
	ma, mb = ma/n, mb/n
	var sab, saa, sbb float64
	for i := range a {
		da, db := float64(a[i])-ma, float64(b[i])-mb
		sab += da * db
		saa += da * da
		sbb += db * db
	}
	if saa == 0 || sbb == 0 {
		return 0
	}
	return sab / math.Sqrt(saa*sbb)
}

func flatten(k [][]float32) []float32 {
	var f []float32
	for _, r := range k {
		f = append(f, r...)
	}
	return f
}

// TestUnitPreferredPattern maximizes one pre-ReLU unit of a hand-built
// filter. The unit is linear in its receptive field, so under the 0..1
// box its optimum is 1 where the weight is positive and 0 where it is
// negative; that pattern's correlation with the kernel is 1 for the edge
// kernel (weights −1, 0, 1) and about 0.9 for a grating (a square wave
// against a cosine). The optimized patch must reach 95% of the optimum's
// correlation: the zero-weight pixels keep their starting noise, and 100
// steps are not quite the limit. Chance level for 9 or 49 pixels is below
// 0.5.
func TestUnitPreferredPattern(t *testing.T) {
	kernels := []struct {
		name string
		k    [][]float32
	}{
		{"vertical-edge", verticalEdge()},
		{"grating30", grating(7, math.Pi/6, 4, 0)},
		{"grating120", grating(5, 2*math.Pi/3, 3, 1)},
	}
	for _, kc := range kernels {
		for _, fourier := range []bool{false, true} {
			name := kc.name + map[bool]string{false: "/pixels", true: "/fourier"}[fourier]
			t.Run(name, func(t *testing.T) {
				const n, y0, x0 = 20, 5, 6
				m := oneFilter(t, n, kc.k)
				res, err := Maximize(m, Options{Objective: Objective{Kind: Unit, Layer: "conv1", Y: y0, X: x0}, Fourier: fourier, Seed: 3})
				if err != nil {
					t.Fatal(err)
				}
				kf := flatten(kc.k)
				ideal := make([]float32, len(kf))
				for i, w := range kf {
					ideal[i] = 0.5
					if w > 0 {
						ideal[i] = 1
					} else if w < 0 {
						ideal[i] = 0
					}
				}
				var patch []float32
				for y := range kc.k {
					patch = append(patch, res.Image.Data[(y0+y)*n+x0:(y0+y)*n+x0+len(kc.k)]...)
				}
				got, best := pearson(patch, kf), pearson(ideal, kf)
				if got < 0.95*best {
					t.Errorf("corr(optimized patch, kernel) = %.3f, want ≥ 0.95 × %.3f (the box optimum)", got, best)
				}
			})
		}
	}
}

// TestChannelPreferredPattern maximizes the mean of a ReLU channel of a
// hand-built oriented-grating filter over a 20×20 image: the best input
// repeats the grating everywhere. The image must correlate with a grating
// of the filter's orientation and period at its best phase (≥ 0.5; the
// optimum under the box is a lattice-aligned square wave, which measured
// 0.65, and chance for 400 pixels is about 0.1), and not with the
// perpendicular grating (≤ 0.2).
func TestChannelPreferredPattern(t *testing.T) {
	const n = 20
	theta := math.Pi / 6
	m := oneFilter(t, n, grating(7, theta, 4, 0))
	res, err := Maximize(m, Options{Objective: Objective{Layer: "relu1"}})
	if err != nil {
		t.Fatal(err)
	}
	bestCorr := func(th float64) float64 {
		best := -1.0
		for p := range 16 {
			best = max(best, pearson(res.Image.Data, flatten(grating(n, th, 4, 2*math.Pi*float64(p)/16))))
		}
		return best
	}
	if got := bestCorr(theta); got < 0.5 {
		t.Errorf("corr(image, grating at %.0f°) = %.3f, want ≥ 0.5", theta*180/math.Pi, got)
	}
	if got := bestCorr(theta + math.Pi/2); got > 0.2 {
		t.Errorf("corr(image, perpendicular grating) = %.3f, want ≤ 0.2", got)
	}
}

// gradEnergy returns Σ(∂x)² and Σ(∂y)² of a one-channel n×n image.
func gradEnergy(img []float32, n int) (ex, ey float64) {
	for y := range n {
		for x := range n {
			v := float64(img[y*n+x])
			if x+1 < n {
				d := float64(img[y*n+x+1]) - v
				ex += d * d
			}
			if y+1 < n {
				d := float64(img[(y+1)*n+x]) - v
				ey += d * d
			}
		}
	}
	return ex, ey
}

// TestVerticalEdgeChannel maximizes a vertical-edge ReLU channel: the
// image becomes vertical stripes, so it varies along x more than along y.
// The noise start has equal energy both ways; horizontal stripes would
// give the x energy less than the y one. The stripes' phase may jump
// between rows (equally good optima meet there), so the ratio stays
// finite: 4.2 with pixels and 2.2 with the smoother Fourier images were
// measured; we require 2.
func TestVerticalEdgeChannel(t *testing.T) {
	for _, fourier := range []bool{false, true} {
		t.Run(map[bool]string{false: "pixels", true: "fourier"}[fourier], func(t *testing.T) {
			m := oneFilter(t, 20, verticalEdge())
			res, err := Maximize(m, Options{Objective: Objective{Layer: "relu1"}, Fourier: fourier, Steps: 200})
			if err != nil {
				t.Fatal(err)
			}
			ex, ey := gradEnergy(res.Image.Data, 20)
			if ex < 2*ey {
				t.Errorf("x-gradient energy %.3f, y-gradient energy %.3f: want the x one ≥ 2× larger", ex, ey)
			}
		})
	}
}

func convnetjs(t testing.TB, seed uint64) *nn.Sequential {
	t.Helper()
	spec, err := models.Architecture("convnetjs")
	if err != nil {
		t.Fatal(err)
	}
	return nn.MustBuild(spec, seed)
}

func mnistArch(t testing.TB, seed uint64) *nn.Sequential {
	t.Helper()
	spec, err := models.Architecture("mnist")
	if err != nil {
		t.Fatal(err)
	}
	return nn.MustBuild(spec, seed)
}

// randomInput is a seeded image [1, 28, 28] in 0..1.
func randomInput(seed uint64) []float32 {
	r := rand.New(rand.NewPCG(seed, 77))
	x := make([]float32, 28*28)
	for i := range x {
		x[i] = float32(r.Float64())
	}
	return x
}

// TestObjectiveValues checks each compiled objective against the same
// quantity read directly from the full model's observer.
func TestObjectiveValues(t *testing.T) {
	m := mnistArch(t, 4)
	x := randomInput(1)
	outs := map[int]*tensor.Tensor{}
	logits := m.Forward(ag.Constant(tensor.FromSlice(slices.Clone(x), 1, 1, 28, 28)), func(i int, _ nn.Layer, o *ag.Var) { outs[i] = o.Value })
	conv3 := outs[m.Index("conv3")] // [1, 48, 7, 7]
	mean := func(c int) float64 {
		var s float64
		for _, v := range conv3.Data[c*49 : (c+1)*49] {
			s += float64(v)
		}
		return s / 49
	}
	w := make([]float32, 48)
	w[3], w[7] = 2, -0.5
	var squares float64
	for _, v := range conv3.Data {
		squares += float64(v) * float64(v)
	}
	cases := []struct {
		name string
		obj  Objective
		want float64
	}{
		{"channel", Objective{Layer: "conv3", Channel: 5}, mean(5)},
		{"channel-negated", Objective{Layer: "conv3", Channel: 5, Negate: true}, -mean(5)},
		{"unit", Objective{Kind: Unit, Layer: "conv3", Channel: 2, Y: 3, X: 6}, float64(conv3.Data[2*49+3*7+6])},
		{"class", Objective{Kind: Class, Class: 7}, float64(logits.Value.Data[7])},
		{"direction", Objective{Kind: Direction, Layer: "conv3", Weights: w}, 2*mean(3) - 0.5*mean(7)},
		{"deepdream", Objective{Kind: DeepDream, Layer: "conv3"}, squares / float64(conv3.Size())},
		{"dense-unit", Objective{Kind: Unit, Layer: "fc", Channel: 4}, float64(logits.Value.Data[4])},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tgt, err := compile(m, c.obj)
			if err != nil {
				t.Fatal(err)
			}
			var n int
			xv := ag.New(tensor.FromSlice(slices.Clone(x), 1, 1, 28, 28))
			v := tgt.eval(xv, &n)
			got := float64(v.Value.Data[0])
			if math.Abs(got-c.want) > 1e-5*(1+math.Abs(c.want)) {
				t.Errorf("objective = %v, want %v", got, c.want)
			}
			// The narrowed network must give the whole layer's input gradient.
			ag.Backward(v, nil)
			noNarrow = true
			full, _ := compile(m, c.obj)
			noNarrow = false
			if c.obj.Kind != DeepDream && c.obj.Kind != Class && tgt.channels == nil {
				t.Errorf("objective on %v channels was not narrowed", c.obj.Kind)
			}
			xf := ag.New(tensor.FromSlice(slices.Clone(x), 1, 1, 28, 28))
			ag.Backward(full.eval(xf, &n), nil)
			for i := range xf.Grad.Data {
				if d := math.Abs(float64(xv.Grad.Data[i] - xf.Grad.Data[i])); d > 1e-6*(1+math.Abs(float64(xf.Grad.Data[i]))) {
					t.Fatalf("input gradient[%d] = %v narrowed, %v over the whole layer", i, xv.Grad.Data[i], xf.Grad.Data[i])
				}
			}
		})
	}
}

// TestFrozenIgnoresReLURule checks that the ascent uses true gradients
// even when a view has switched the shared model to guided ReLUs, and
// leaves the model's weights without gradients.
func TestFrozenIgnoresReLURule(t *testing.T) {
	m := convnetjs(t, 2)
	opt := Options{Objective: Objective{Layer: "conv2"}, Steps: 5}
	want, _ := Maximize(m, opt)
	for _, l := range m.Layers {
		if r, ok := l.(*nn.ReLU); ok {
			r.Rule = ag.ReLUGuided
		}
	}
	got, _ := Maximize(m, opt)
	if !slices.Equal(got.Image.Data, want.Image.Data) {
		t.Errorf("the image changed when the model's ReLUs were set to guided")
	}
	for _, p := range m.Params() {
		if p.Var.Grad != nil {
			t.Errorf("%s has a gradient after activation maximization", p.Name)
		}
	}
}

// TestObjectiveRises checks on random-weight models that the objective
// curve rises and ends far above its value on random images: more than
// ten standard deviations of the random images' values above the best of
// them. (The test against real MNIST digits and trained weights, with a
// ratio, is in mnist_test.go.)
func TestObjectiveRises(t *testing.T) {
	cases := []struct {
		name string
		m    *nn.Sequential
		obj  Objective
	}{
		{"convnetjs/conv2", convnetjs(t, 5), Objective{Layer: "conv2", Channel: 0}},
		{"mnist/conv4", mnistArch(t, 5), Objective{Layer: "conv4", Channel: 9}},
		{"mnist/class", mnistArch(t, 5), Objective{Kind: Class, Class: 3}},
	}
	for _, c := range cases {
		for _, fourier := range []bool{false, true} {
			t.Run(c.name+map[bool]string{false: "/pixels", true: "/fourier"}[fourier], func(t *testing.T) {
				res, err := Maximize(c.m, Options{Objective: c.obj, Fourier: fourier, Seed: 1})
				if err != nil {
					t.Fatal(err)
				}
				tgt, _ := compile(c.m, c.obj)
				var n int
				eval := func(x []float32) float64 {
					return float64(tgt.eval(ag.New(tensor.FromSlice(slices.Clone(x), 1, 1, 28, 28)), &n).Value.Data[0])
				}
				final := eval(res.Image.Data)
				best, sum, sum2 := math.Inf(-1), 0.0, 0.0
				const k = 20
				for s := range uint64(k) {
					v := eval(randomInput(s))
					best = max(best, v)
					sum += v
					sum2 += v * v
				}
				std := math.Sqrt(max(sum2/k-(sum/k)*(sum/k), 0))
				curve := res.Objective
				if final < best+10*std || final <= curve[0] {
					t.Errorf("objective: start %.3f, end %.3f; 20 random images: best %.3f, std %.3f: want the end ≥ best + 10 std", curve[0], final, best, std)
				}
			})
		}
	}
}

// allOn turns on every regularizer and transform.
func allOn(fourier bool) Options {
	return Options{Objective: Objective{Layer: "conv2", Channel: 1}, Steps: 30, Fourier: fourier, Seed: 9,
		L2: 0.1, TV: 0.1, BlurEvery: 4, BlurSigma: 0.7, Jitter: 2, Scale: 0.1, Rotate: 10, Pad: 3, PadValue: 0.2,
		Upscale: []int{14}, UpscaleEvery: 10, Snapshots: []int{0, 10, 30}}
}

// TestSeeded checks that a seed fixes the result bit for bit and another
// seed changes it.
func TestSeeded(t *testing.T) {
	m := convnetjs(t, 3)
	for _, fourier := range []bool{false, true} {
		t.Run(map[bool]string{false: "pixels", true: "fourier"}[fourier], func(t *testing.T) {
			opt := allOn(fourier)
			a, _ := Maximize(m, opt)
			b, _ := Maximize(m, opt)
			if !slices.Equal(a.Image.Data, b.Image.Data) || !slices.Equal(a.Objective, b.Objective) {
				t.Errorf("two runs with seed %d differ", opt.Seed)
			}
			opt.Seed++
			c, _ := Maximize(m, opt)
			if slices.Equal(a.Image.Data, c.Image.Data) {
				t.Errorf("seeds %d and %d give the same image", opt.Seed-1, opt.Seed)
			}
		})
	}
}

// TestStepper checks that stepping gives Maximize's result, that each
// Step makes exactly one forward and one backward pass, and that the
// snapshots are taken at the listed steps.
func TestStepper(t *testing.T) {
	m := convnetjs(t, 3)
	for _, fourier := range []bool{false, true} {
		t.Run(map[bool]string{false: "pixels", true: "fourier"}[fourier], func(t *testing.T) {
			opt := allOn(fourier)
			want, _ := Maximize(m, opt)
			r, err := New(m, opt)
			if err != nil {
				t.Fatal(err)
			}
			steps := 0
			for done := false; !done; {
				f0, b0 := r.Passes()
				done = r.Step()
				steps++
				if f, b := r.Passes(); f != f0+1 || b != b0+1 {
					t.Fatalf("Step %d made %d forward and %d backward passes, want 1 and 1", steps, f-f0, b-b0)
				}
				if got := len(r.Objective()); got != steps {
					t.Fatalf("after %d steps the curve has %d values", steps, got)
				}
			}
			if steps != opt.Steps {
				t.Errorf("Step reported done after %d steps, want %d", steps, opt.Steps)
			}
			if !r.Step() {
				t.Errorf("Step after the end reported not done")
			}
			if f, _ := r.Passes(); f != opt.Steps {
				t.Errorf("Step after the end ran a pass (%d passes in all)", f)
			}
			got := r.Result()
			if !slices.Equal(got.Image.Data, want.Image.Data) || !slices.Equal(got.Objective, want.Objective) {
				t.Errorf("stepper result differs from Maximize")
			}
			var at []int
			for _, s := range got.Snapshots {
				at = append(at, s.Step)
			}
			if !slices.Equal(at, opt.Snapshots) {
				t.Errorf("snapshots at steps %v, want %v", at, opt.Snapshots)
			}
			if last := got.Snapshots[len(got.Snapshots)-1].Image; !slices.Equal(last.Data, got.Image.Data) {
				t.Errorf("snapshot at the last step is not the final image")
			}
			for _, v := range got.Image.Data {
				if !(v >= 0 && v <= 1) {
					t.Fatalf("image value %v outside 0..1", v)
				}
			}
		})
	}
}

// laplacianEnergy measures high-frequency content: Σ (4x − neighbours)²
// over interior pixels.
func laplacianEnergy(img []float32, n int) float64 {
	var e float64
	for y := 1; y < n-1; y++ {
		for x := 1; x < n-1; x++ {
			l := 4*img[y*n+x] - img[y*n+x-1] - img[y*n+x+1] - img[(y-1)*n+x] - img[(y+1)*n+x]
			e += float64(l) * float64(l)
		}
	}
	return e
}

// TestRegularizersWork checks that each regularizer moves the result its
// way compared with the same run without it.
func TestRegularizersWork(t *testing.T) {
	m := convnetjs(t, 6)
	norm := func(x []float32) float64 { return dot64(x, x) }
	tv := func(x []float32) float64 { return totalVariation(1, 28, 28, x, nil, 0) }
	hf := func(x []float32) float64 { return laplacianEnergy(x, 28) }
	cases := []struct {
		name    string
		set     func(*Options)
		measure func([]float32) float64
	}{
		{"L2/norm", func(o *Options) { o.L2 = 2 }, norm},
		{"TV/tv", func(o *Options) { o.TV = 2 }, tv},
		{"blur/high-frequency", func(o *Options) { o.BlurEvery, o.BlurSigma = 1, 1 }, hf},
	}
	for _, c := range cases {
		for _, fourier := range []bool{false, true} {
			t.Run(c.name+map[bool]string{false: "/pixels", true: "/fourier"}[fourier], func(t *testing.T) {
				opt := Options{Objective: Objective{Layer: "conv2", Channel: 2}, Fourier: fourier, Seed: 2, Steps: 60}
				base, _ := Maximize(m, opt)
				c.set(&opt)
				reg, _ := Maximize(m, opt)
				b, r := c.measure(base.Image.Data), c.measure(reg.Image.Data)
				if !(r < 0.8*b) {
					t.Errorf("%s with the regularizer = %.4g, without = %.4g: want at most 80%%", c.name, r, b)
				}
			})
		}
	}
}

// TestUpscaleContinues checks that moving to the next size keeps the
// image: exactly for the unsquashed Fourier image (bilinear upscaling then
// exact analysis), and for pixels as the bilinear upscale.
func TestUpscaleContinues(t *testing.T) {
	m := convnetjs(t, 7)
	for _, fourier := range []bool{false, true} {
		t.Run(map[bool]string{false: "pixels", true: "fourier"}[fourier], func(t *testing.T) {
			r, err := New(m, Options{Objective: Objective{Layer: "conv1"}, Fourier: fourier, Upscale: []int{7, 14}, Steps: 9})
			if err != nil {
				t.Fatal(err)
			}
			for range 3 {
				r.Step()
			}
			before := r.latent()
			r.upscale()
			if r.ph != 14 || r.pw != 14 {
				t.Fatalf("after upscaling the parameters are %d×%d, want 14×14", r.ph, r.pw)
			}
			want := resize(1, 7, 7, 14, 14, before)
			got := r.latent()
			for i := range want {
				if math.Abs(float64(got[i]-want[i])) > 1e-4 {
					t.Fatalf("upscaled image[%d] = %v, want %v", i, got[i], want[i])
				}
			}
		})
	}
}

// TestDeepDream starts from a hand-drawn "1" and amplifies a layer with
// normalized gradient steps: the objective rises, and the image still
// looks like its start. (With Adam, which moves every pixel by about LR
// whatever its gradient, the same run keeps a correlation of only 0.3.)
func TestDeepDream(t *testing.T) {
	start := make([]float32, 28*28)
	for y := 5; y < 23; y++ {
		for x := 12; x < 16; x++ {
			start[y*28+x] = 1
		}
	}
	m := mnistArch(t, 8)
	res, err := Maximize(m, Options{Objective: Objective{Kind: DeepDream, Layer: "conv2"}, Start: start, Steps: 20, LR: 0.01})
	if err != nil {
		t.Fatal(err)
	}
	if c := res.Objective; c[len(c)-1] < 1.5*c[0] {
		t.Errorf("deep dream objective %v → %v: want ≥ 1.5× the start", c[0], c[len(c)-1])
	}
	if c := pearson(res.Image.Data, start); c < 0.8 {
		t.Errorf("corr(dream, start) = %.3f, want ≥ 0.8", c)
	}
}

func TestAtlas(t *testing.T) {
	m := convnetjs(t, 4)
	opt := Options{Steps: 4, Seed: 5}
	a, err := NewAtlas(m, "conv1", opt)
	if err != nil {
		t.Fatal(err)
	}
	if a.Channels() != 8 {
		t.Fatalf("Channels() = %d, want 8", a.Channels())
	}
	steps := 0
	for !a.Step() {
		steps++
		if steps == 6 {
			if a.Channel() != 1 || a.Image(0) == nil || a.Image(1) == nil || a.Image(2) != nil {
				t.Errorf("after 6 steps: channel %d in progress, images 0/1/2 present %v/%v/%v; want 1, true/true/false",
					a.Channel(), a.Image(0) != nil, a.Image(1) != nil, a.Image(2) != nil)
			}
			if _, ok := a.Result(1); ok {
				t.Errorf("Result(1) is ready while channel 1 is in progress")
			}
		}
	}
	if steps+1 != 8*4 {
		t.Errorf("atlas took %d steps, want 32", steps+1)
	}
	for c := range 8 {
		o := opt
		o.Objective = Objective{Layer: "conv1", Channel: c}
		want, _ := Maximize(m, o)
		got, ok := a.Result(c)
		if !ok || !slices.Equal(got.Image.Data, want.Image.Data) {
			t.Errorf("atlas channel %d differs from Maximize", c)
		}
	}
	if _, err := NewAtlas(m, "nope", opt); err == nil {
		t.Errorf("NewAtlas with an unknown layer gave no error")
	}
}

func TestOptionErrors(t *testing.T) {
	m := convnetjs(t, 1)
	ok := Objective{Layer: "conv2"}
	cases := []struct {
		name string
		opt  Options
		want string
	}{
		{"layer", Options{Objective: Objective{Layer: "conv9"}}, `no layer "conv9"`},
		{"channel", Options{Objective: Objective{Layer: "conv2", Channel: 16}}, "channel 16"},
		{"unit", Options{Objective: Objective{Kind: Unit, Layer: "conv2", Y: 14}}, "unit position"},
		{"dense-position", Options{Objective: Objective{Kind: Unit, Layer: "fc", X: 1}}, "no position"},
		{"class", Options{Objective: Objective{Kind: Class, Class: 10}}, "class 10"},
		{"direction", Options{Objective: Objective{Kind: Direction, Layer: "conv2", Weights: []float32{1}}}, "1 weights for the 16"},
		{"dream", Options{Objective: Objective{Kind: DeepDream, Layer: "conv2"}}, "starting image"},
		{"start", Options{Objective: ok, Start: make([]float32, 10)}, "10 values"},
		{"start-range", Options{Objective: ok, Start: append(make([]float32, 783), 2)}, "value 2 at 783"},
		{"weight-nan", Options{Objective: Objective{Kind: Direction, Layer: "conv2", Weights: append(make([]float32, 15), float32(math.NaN()))}}, "weight 15"},
		{"steps", Options{Objective: ok, Steps: -1}, "-1 steps"},
		{"scale", Options{Objective: ok, Scale: 1}, "scale"},
		{"nan", Options{Objective: ok, Rotate: math.NaN()}, "rotation"},
		{"tv", Options{Objective: ok, TV: -1}, "TV"},
		{"optimizer", Options{Objective: ok, Optimizer: 9}, "optimizer 9"},
		{"upscale", Options{Objective: ok, Upscale: []int{14, 7}}, "upscale"},
		{"kind", Options{Objective: Objective{Kind: 42, Layer: "conv2"}}, "kind 42"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := New(m, c.opt)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("New error = %v, want one containing %q", err, c.want)
			}
		})
	}
}
