//go:build !js

// Command train trains one of cnnviz's built-in architectures on MNIST and
// writes it as a model file.
//
//	go run ./models/train -model mnist
//
// Training is deterministic from -seed: the shuffling, the augmentation
// (random shifts of up to -shift pixels) and the initial weights all come
// from it, and the batch is split over -workers goroutines whose gradients
// are summed in a fixed order, so the same flags give the same file on any
// machine with the same Go version.
package main

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"time"

	ag "cnnviz/core/autograd"
	"cnnviz/core/nn"
	"cnnviz/core/tensor"
	"cnnviz/models"
	"cnnviz/models/mnist"
)

func main() {
	name := flag.String("model", "mnist", "architecture: "+strings.Join(models.Architectures(), ", "))
	epochs := flag.Int("epochs", 10, "passes over the training set")
	batch := flag.Int("batch", 64, "images per step")
	lr := flag.Float64("lr", 2e-3, "Adam learning rate at the start; it decays along a cosine to 1% at the end")
	wd := flag.Float64("wd", 0, "decoupled weight decay")
	shift := flag.Int("shift", 2, "largest random shift in pixels (0 turns augmentation off)")
	seed := flag.Uint64("seed", 1, "seed for weights, shuffling and augmentation")
	workers := flag.Int("workers", 2, "goroutines sharing each batch")
	limit := flag.Int("limit", 0, "use only the first N training images (0: all)")
	out := flag.String("out", "", "model file to write (default models/NAME.safetensors)")
	flag.Parse()
	if *out == "" {
		*out = "models/" + *name + ".safetensors"
	}
	if err := run(*name, *epochs, *batch, *lr, *wd, *shift, *seed, *workers, *limit, *out); err != nil {
		fmt.Fprintln(os.Stderr, "train:", err)
		os.Exit(1)
	}
}

func run(name string, epochs, batch int, lr, wd float64, shift int, seed uint64, workers, limit int, out string) error {
	spec, err := models.Architecture(name)
	if err != nil {
		return err
	}
	dir, err := mnist.Dir()
	if err != nil {
		return err
	}
	train, err := mnist.Load(dir, "train")
	if err != nil {
		return err
	}
	test, err := mnist.Load(dir, "test")
	if err != nil {
		return err
	}
	n := train.Count
	if limit > 0 && limit < n {
		n = limit
	}
	m := nn.MustBuild(spec, seed)
	fmt.Printf("training %s (%d parameters) on %d images, %d epochs, batch %d, %d workers\n", name, m.NumParams(), n, epochs, batch, workers)
	t := newTrainer(m, workers)
	opt := &nn.Adam{LR: float32(lr), WeightDecay: float32(wd)}
	r := rand.New(rand.NewPCG(seed, 0x747261696e))
	steps := epochs * (n / batch)
	step := 0
	start := time.Now()
	x := make([]float32, batch*784)
	labels := make([]int, batch)
	img := make([]byte, 784)
	for e := 0; e < epochs; e++ {
		order := r.Perm(n)
		var lossSum float64
		var correct, seen int
		for b := 0; b+batch <= n; b += batch {
			for i := 0; i < batch; i++ {
				k := order[b+i]
				src := train.Image(k)
				if shift > 0 {
					mnist.Shift(img, src, 28, 28, r.IntN(2*shift+1)-shift, r.IntN(2*shift+1)-shift)
					src = img
				}
				for j, p := range src {
					x[i*784+j] = float32(p) / 255
				}
				labels[i] = int(train.Labels[k])
			}
			// Cosine decay from lr to lr/100.
			opt.LR = float32(lr * (0.01 + 0.99*0.5*(1+math.Cos(math.Pi*float64(step)/float64(steps)))))
			loss, ok := t.step(x, labels, opt)
			if math.IsNaN(loss) {
				return fmt.Errorf("the loss became NaN at step %d: lower -lr", step)
			}
			lossSum += loss * float64(batch)
			correct += ok
			seen += batch
			step++
			if step%20 == 0 || b+2*batch > n {
				progress(e, epochs, seen, n, lossSum/float64(seen), float64(correct)/float64(seen), float64(step*batch)/time.Since(start).Seconds())
			}
		}
		acc := t.accuracy(test)
		fmt.Printf("\nepoch %d: test accuracy %.2f%% (%s elapsed)\n", e+1, 100*acc, time.Since(start).Round(time.Second))
	}
	b, err := models.Save(m)
	if err != nil {
		return err
	}
	if err := os.WriteFile(out, b, 0o644); err != nil {
		return err
	}
	fmt.Printf("wrote %s (%d bytes) after %s\n", out, len(b), time.Since(start).Round(time.Second))
	return nil
}

func progress(e, epochs, seen, n int, loss, acc, rate float64) {
	const width = 30
	done := width * seen / n
	fmt.Printf("\repoch %d/%d [%s%s] %3d%% loss %.4f train acc %.2f%% %.0f img/s ",
		e+1, epochs, strings.Repeat("=", done), strings.Repeat(" ", width-done), 100*seen/n, loss, 100*acc, rate)
}

// trainer splits each batch over worker copies of the model and sums their
// gradients into the master in a fixed order, so that the result does not
// depend on scheduling.
type trainer struct {
	master  *nn.Sequential
	workers []*nn.Sequential
}

func newTrainer(m *nn.Sequential, n int) *trainer {
	t := &trainer{master: m}
	for i := 0; i < max(n, 1); i++ {
		t.workers = append(t.workers, m.Clone())
	}
	return t
}

// step trains on one batch and returns its mean loss and how many images
// the model (before the update) classified correctly.
func (t *trainer) step(x []float32, labels []int, opt nn.Optimizer) (float64, int) {
	batch := len(labels)
	mp := t.master.Params()
	losses := make([]float64, len(t.workers))
	correct := make([]int, len(t.workers))
	var wg sync.WaitGroup
	for w, wm := range t.workers {
		lo, hi := w*batch/len(t.workers), (w+1)*batch/len(t.workers)
		if lo == hi {
			continue
		}
		wp := wm.Params()
		for i := range wp {
			copy(wp[i].Var.Value.Data, mp[i].Var.Value.Data)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			wm.ZeroGrad()
			xs := tensor.FromSlice(x[lo*784:hi*784], hi-lo, 1, 28, 28)
			logits := wm.Forward(ag.Constant(xs), nil)
			loss := ag.CrossEntropy(logits, labels[lo:hi])
			ag.Backward(loss, nil)
			losses[w] = float64(loss.Value.Data[0]) * float64(hi-lo) / float64(batch)
			correct[w] = countCorrect(logits.Value.Data, labels[lo:hi])
		}()
	}
	wg.Wait()
	var loss float64
	ok := 0
	for i, p := range mp {
		if p.Var.Grad == nil {
			p.Var.Grad = tensor.New(p.Var.Value.Shape...)
		}
		g := p.Var.Grad.Data
		clear(g)
		for w, wm := range t.workers {
			lo, hi := w*batch/len(t.workers), (w+1)*batch/len(t.workers)
			if lo == hi {
				continue
			}
			s := float32(hi-lo) / float32(batch)
			for j, v := range wm.Params()[i].Var.Grad.Data {
				g[j] += s * v
			}
		}
	}
	for w := range t.workers {
		loss += losses[w]
		ok += correct[w]
	}
	opt.Step(mp)
	return loss, ok
}

func countCorrect(logits []float32, labels []int) int {
	k := len(logits) / len(labels)
	ok := 0
	for i, l := range labels {
		row := logits[i*k : (i+1)*k]
		best := 0
		for j, v := range row {
			if v > row[best] {
				best = j
			}
		}
		if best == l {
			ok++
		}
	}
	return ok
}

// accuracy evaluates the master's weights on a whole set, in parallel.
func (t *trainer) accuracy(s *mnist.Set) float64 {
	mp := t.master.Params()
	var wg sync.WaitGroup
	correct := make([]int, len(t.workers))
	for w, wm := range t.workers {
		wp := wm.Params()
		for i := range wp {
			copy(wp[i].Var.Value.Data, mp[i].Var.Value.Data)
		}
		lo, hi := w*s.Count/len(t.workers), (w+1)*s.Count/len(t.workers)
		wg.Add(1)
		go func() {
			defer wg.Done()
			const chunk = 100
			x := make([]float32, chunk*784)
			labels := make([]int, 0, chunk)
			for b := lo; b < hi; b += chunk {
				e := min(b+chunk, hi)
				labels = labels[:0]
				for i := b; i < e; i++ {
					s.Float(i, x[(i-b)*784:])
					labels = append(labels, int(s.Labels[i]))
				}
				correct[w] += countCorrect(wm.Logits(x[:(e-b)*784], e-b), labels)
			}
		}()
	}
	wg.Wait()
	ok := 0
	for _, c := range correct {
		ok += c
	}
	return float64(ok) / float64(s.Count)
}
