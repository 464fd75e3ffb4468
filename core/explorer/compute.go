package explorer

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"cnnviz/core/actmax"
	ag "cnnviz/core/autograd"
	"cnnviz/core/nn"
	"cnnviz/core/tensor"
	"cnnviz/core/tsne"
	"cnnviz/core/tsne/synth"
	"cnnviz/models"
)

// Activation is one layer's output for one image.
type Activation struct {
	Name  string
	Kind  string
	Shape []int // without the batch dimension
	Data  []float32
}

// MaxValues is the most numbers an argument from outside (pixels, a
// tensor) may hold: the size of the largest activation a model may have.
const MaxValues = nn.MaxActivation

// CheckPixels returns an error unless pixels is one image for net: exactly
// C·H·W finite values in [0, 1].
func CheckPixels(net *nn.Sequential, pixels []float32) error {
	in := net.Spec.Input
	want := 1
	for _, d := range in {
		want *= d
	}
	if len(pixels) != want {
		return fmt.Errorf("pixels has %d values, model %s needs %d (%v in CHW order)", len(pixels), net.Spec.Name, want, in)
	}
	for i, v := range pixels {
		if !(v >= 0 && v <= 1) {
			return fmt.Errorf("pixels[%d] = %v is outside 0..1", i, v)
		}
	}
	return nil
}

// Predict returns the logits and softmax probabilities of net for one
// image. It panics if pixels is not one input (see CheckPixels).
func Predict(net *nn.Sequential, pixels []float32) (logits, probs []float32) {
	logits = net.Logits(pixels, 1)
	return logits, tensor.Softmax(logits)
}

// Activations returns every layer's output for one image, in layer order,
// computed by autograd (featuremaps.LayerStats agrees with it exactly); the
// App computes its own through an nn.Plan (planActivations).
func Activations(net *nn.Sequential, pixels []float32) []Activation {
	x := ag.Constant(tensor.FromSlice(pixels, append([]int{1}, net.Spec.Input...)...))
	var out []Activation
	net.Forward(x, func(i int, l nn.Layer, v *ag.Var) {
		s := l.Spec()
		out = append(out, Activation{Name: s.Name, Kind: s.Kind, Shape: append([]int(nil), v.Value.Shape[1:]...), Data: v.Value.Data})
	})
	return out
}

// planActivations runs p (batch 1) on pixels and returns every layer's
// output, copied out of the plan into one new block, so that they stay as
// they are when p runs again.
func planActivations(p *nn.Plan, pixels []float32) []Activation {
	p.Forward(pixels)
	net := p.Net()
	size := 0
	for i := range net.Layers {
		size += len(p.Output(i))
	}
	block := make([]float32, 0, size)
	out := make([]Activation, len(net.Layers))
	for i, l := range net.Layers {
		s := l.Spec()
		start := len(block)
		block = append(block, p.Output(i)...)
		out[i] = Activation{Name: s.Name, Kind: s.Kind, Shape: append([]int(nil), net.OutShape(i)...), Data: block[start:len(block):len(block)]}
	}
	return out
}

// InputGradient returns d logit[class] / d input for one image, shaped as
// the input [C, H, W]. It panics if class is outside [0, classes).
func InputGradient(net *nn.Sequential, pixels []float32, class int) *tensor.Tensor {
	k := len(net.Spec.Classes)
	if class < 0 || class >= k {
		panic(fmt.Sprintf("explorer: class %d outside [0, %d)", class, k))
	}
	x := ag.New(tensor.FromSlice(append([]float32(nil), pixels...), append([]int{1}, net.Spec.Input...)...))
	y := net.Forward(x, nil)
	seed := tensor.New(y.Value.Shape...)
	seed.Data[class] = 1
	ag.Backward(y, seed)
	g := x.Grad.Clone()
	return g.Reshape(net.Spec.Input...)
}

// FitInput converts a 28×28 image (values 0..1) to a model's input shape
// [C, H, W]: resampled to H×W by nearest neighbour when the sizes differ,
// and repeated over the C channels.
func FitInput(pix28 []float32, shape []int) []float32 {
	out := make([]float32, tensor.Numel(shape))
	fitInput(out, pix28, shape)
	return out
}

// fitInput is FitInput into out, which has room for shape.
func fitInput(out, pix28 []float32, shape []int) {
	c, h, w := shape[0], shape[1], shape[2]
	for y := 0; y < h; y++ {
		sy := min(27, y*28/h)
		for x := 0; x < w; x++ {
			sx := min(27, x*28/w)
			v := pix28[sy*28+sx]
			for ch := 0; ch < c; ch++ {
				out[ch*h*w+y*w+x] = v
			}
		}
	}
}

// Bench names the workloads of RunBench.
var BenchWorkloads = []string{"forward", "inputGradient", "trainStep", "actmax", "tsne"}

// BenchOptions tunes RunBench; zero values take the defaults.
type BenchOptions struct {
	Seed   uint64        // input and weights; default 1
	Blocks int           // timed blocks; default 7
	Block  time.Duration // least duration of one block; default 50 ms
	Warmup time.Duration // untimed warm-up; default 200 ms
	Batch  int           // trainStep batch; default 32
	N      int           // tsne points; default 2000
	// Net, when set, is the network that "forward" and "inputGradient"
	// time (a loaded model, as it is: its weights are not changed), on
	// a seeded random input of its shape; the other workloads refuse it.
	Net *nn.Sequential
}

// BenchResult reports milliseconds per operation.
type BenchResult struct {
	Workload string
	Median   float64   // median over blocks of ms per operation
	Min      float64   // fastest block
	Blocks   []float64 // ms per operation in each block
	Reps     int       // operations per block
	Batch    int       // images per operation
	SetupMs  float64   // tsne: milliseconds of setup (neighbours, calibration) before the first iteration
}

// RunBench times a workload of the convnetjs architecture (seeded random
// weights, seeded random 28×28 input), or of o.Net: "forward" (one image, through an
// nn.Plan, as the page predicts), "inputGradient" (forward and backward to
// the input of one image, through the same kind of Plan) or "trainStep" (forward,
// cross-entropy, backward and an SGD step with momentum 0.9 on a batch of
// 32, through a Plan as the page's trainer runs), or "actmax" (100 ascent steps on the mean of conv2 channel 0 from
// seeded noise: plain pixels, no regularizers; see actmax's
// BenchmarkActmax100_convnetjs), or "tsne" (one Barnes–Hut t-SNE iteration,
// θ = 0.5, perplexity 30, on N points (default 2000) of ten seeded
// Gaussian clusters in 50 dimensions, after a setup whose time is reported
// as SetupMs). It warms up first, then times Blocks blocks, each repeating the
// operation enough times to last Block, because a browser's clock is
// coarse. It runs to completion: in the page it blocks the frame loop for
// about Warmup + Blocks·Block.
func RunBench(workload string, o BenchOptions) (res BenchResult, err error) {
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Blocks <= 0 {
		o.Blocks = 7
	}
	if o.Block <= 0 {
		o.Block = 50 * time.Millisecond
	}
	if o.Warmup <= 0 {
		o.Warmup = 200 * time.Millisecond
	}
	if o.Batch <= 0 {
		o.Batch = 32
	}
	if o.N <= 0 {
		o.N = 2000
	}
	spec, err := models.Architecture("convnetjs")
	if err != nil {
		return BenchResult{}, err
	}
	net := nn.MustBuild(spec, o.Seed)
	inSize, classes := 28*28, 10
	if o.Net != nil {
		if workload != "forward" && workload != "inputGradient" {
			return BenchResult{}, fmt.Errorf("workload %q runs the convnetjs architecture only; a model of one's own can be timed with forward and inputGradient", workload)
		}
		net = o.Net
		inSize, classes = tensor.Numel(net.Spec.Input), tensor.Numel(net.OutShape(len(net.Spec.Layers)-1))
	}
	r := rand.New(rand.NewPCG(o.Seed, 0xbe7c))
	random := func(n int) []float32 {
		p := make([]float32, n)
		for i := range p {
			p[i] = r.Float32()
		}
		return p
	}
	var op func()
	batch := 1
	switch workload {
	case "forward":
		x := random(inSize)
		plan := nn.NewPlan(net, 1)
		op = func() { plan.Forward(x) }
	case "inputGradient":
		x := random(inSize)
		plan := nn.NewPlan(net, 1)
		seed := make([]float32, classes)
		seed[min(3, classes-1)] = 1
		op = func() { plan.InputGradient(x, seed) }
	case "trainStep":
		batch = o.Batch
		x := random(batch * 28 * 28)
		labels := make([]int, batch)
		for i := range labels {
			labels[i] = r.IntN(10)
		}
		opt := &nn.SGD{LR: 0.01, Momentum: 0.9}
		params := net.Params()
		plan := nn.NewPlan(net, batch) // as the page's trainer runs
		grad := make([]float32, batch*10)
		op = func() {
			net.ZeroGrad()
			tensor.CrossEntropyRows(plan.Forward(x), 10, labels, grad)
			plan.Backward(grad)
			opt.Step(params)
		}
	case "tsne":
		var setup time.Duration
		op, setup = tsneBench(o)
		batch = o.N
		defer func() { res.SetupMs = float64(setup.Nanoseconds()) / 1e6 }()
	case "actmax":
		opt := actmax.Options{Objective: actmax.Objective{Layer: "conv2", Channel: 0}, Steps: 100, Seed: o.Seed}
		op = func() {
			if _, err := actmax.Maximize(net, opt); err != nil {
				panic(err) // fixed, valid options
			}
		}
	default:
		return BenchResult{}, fmt.Errorf("unknown workload %q (known: %s)", workload, strings.Join(BenchWorkloads, ", "))
	}
	// Warm up, and learn how many operations fill a block.
	start := time.Now()
	n := 0
	for time.Since(start) < o.Warmup || n < 2 {
		op()
		n++
	}
	per := time.Since(start) / time.Duration(n)
	reps := max(1, int(o.Block/max(per, time.Microsecond)))
	res = BenchResult{Workload: workload, Reps: reps, Batch: batch}
	for range o.Blocks {
		t0 := time.Now()
		for range reps {
			op()
		}
		res.Blocks = append(res.Blocks, float64(time.Since(t0).Nanoseconds())/1e6/float64(reps))
	}
	sorted := append([]float64(nil), res.Blocks...)
	sort.Float64s(sorted)
	res.Median = sorted[len(sorted)/2]
	res.Min = sorted[0]
	if math.IsNaN(res.Median) {
		return res, fmt.Errorf("bench %s: timing failed", workload)
	}
	return res, nil
}

// tsneBench prepares the "tsne" workload: it runs the setup of a
// Barnes–Hut t-SNE of o.N seeded points (timed) and returns one iteration
// as the operation.
func tsneBench(o BenchOptions) (func(), time.Duration) {
	n := max(o.N, 20)
	data := synth.Gaussians(o.Seed, 10, (n+9)/10, 50, 3)
	opt := tsne.DefaultOptions()
	opt.Seed = o.Seed
	t0 := time.Now()
	t := tsne.New(data.X[:n*data.D], n, data.D, opt)
	t.Run(0)
	setup := time.Since(t0)
	return func() { t.Run(t.Iteration() + 1) }, setup
}
