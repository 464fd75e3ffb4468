//go:build !js

// Command train trains one of cnnviz's built-in architectures on MNIST and
// writes it as a model file.
//
//	go run ./models/train -model mnist
//
// It runs the trainer of the page, core/train, to the end: the same
// batching, loss, optimizer and seeded data order, here with Adam, a cosine
// learning-rate decay from -lr to -lr/100 over the whole run, random shifts
// of up to -shift pixels and a validation pass over the MNIST test set after
// every epoch. Training is deterministic from -seed (the initial weights,
// the order of the images and the shifts all come from it), so the same
// flags give the same file on any machine with the same Go version.
//
// The shipped models/mnist.safetensors and models/convnetjs.safetensors
// were made at commit fb22fd0 by the earlier version of this command, which
// had a training loop of its own (the same optimizer, decay and shifts, but
// its own random streams and each batch split over goroutines); the same
// flags now give different, equally reproducible files.
package main

import (
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"time"

	"cnnviz/core/attack"
	"cnnviz/core/nn"
	"cnnviz/core/train"
	"cnnviz/models"
	"cnnviz/models/mnist"
)

// config holds the command's flags.
type config struct {
	model         string
	epochs, batch int
	lr, wd        float64
	shift         int
	seed          uint64
	limit         int
	// Fast adversarial training (FGSM with random start) when advEps > 0.
	advEps, advAlpha float64
	advRamp          float64 // epochs over which the radius grows from 0
	half             bool    // write the weights as F16
}

func main() {
	var c config
	flag.StringVar(&c.model, "model", "mnist", "architecture: "+strings.Join(models.Architectures(), ", "))
	flag.IntVar(&c.epochs, "epochs", 10, "passes over the training set")
	flag.IntVar(&c.batch, "batch", 64, "images per step (at most 1024)")
	flag.Float64Var(&c.lr, "lr", 2e-3, "Adam learning rate at the start; it decays along a cosine to 1% at the end")
	flag.Float64Var(&c.wd, "wd", 0, "decoupled weight decay")
	flag.IntVar(&c.shift, "shift", 2, "largest random shift in pixels (0 turns augmentation off)")
	flag.Uint64Var(&c.seed, "seed", 1, "seed for weights, shuffling and augmentation")
	flag.IntVar(&c.limit, "limit", 0, "use only the first N training images (0: all)")
	flag.Float64Var(&c.advEps, "adv-eps", 0, "fast adversarial training: train on FGSM-with-random-start images of this L∞ radius (0: off)")
	flag.Float64Var(&c.advAlpha, "adv-alpha", 0, "fast adversarial training: FGSM step (default 1.25 × adv-eps)")
	flag.Float64Var(&c.advRamp, "adv-ramp", 0, "fast adversarial training: epochs over which the radius grows from 0 to adv-eps")
	flag.BoolVar(&c.half, "half", false, "store the weights in half precision (a file half the size)")
	out := flag.String("out", "", "model file to write (default models/NAME.safetensors)")
	flag.Parse()
	if *out == "" {
		*out = "models/" + c.model + ".safetensors"
	}
	if err := run(c, *out); err != nil {
		fmt.Fprintln(os.Stderr, "train:", err)
		os.Exit(1)
	}
}

func run(c config, out string) error {
	dir, err := mnist.Dir()
	if err != nil {
		return err
	}
	data, err := mnist.Load(dir, "train")
	if err != nil {
		return err
	}
	test, err := mnist.Load(dir, "test")
	if err != nil {
		return err
	}
	if c.limit > 0 && c.limit < data.Count {
		data = &mnist.Set{Count: c.limit, Rows: data.Rows, Cols: data.Cols,
			Images: data.Images[:c.limit*data.Rows*data.Cols], Labels: data.Labels[:c.limit]}
	}
	start := time.Now()
	m, err := trainModel(c, data, test, os.Stdout)
	if err != nil {
		return err
	}
	save := models.Save
	if c.half {
		save = models.SaveHalf
	}
	b, err := save(m)
	if err != nil {
		return err
	}
	if err := os.WriteFile(out, b, 0o644); err != nil {
		return err
	}
	fmt.Printf("wrote %s (%d bytes) after %s\n", out, len(b), time.Since(start).Round(time.Second))
	return nil
}

// options are the core/train settings for c on n training images and a
// validation set of val images, and the number of optimizer steps to take.
func (c config) options(n, val int) (train.Options, int, error) {
	if c.epochs < 1 || c.batch < 1 || c.batch > n {
		return train.Options{}, 0, fmt.Errorf("%d epochs of batches of %d images out of %d: want at least one full batch", c.epochs, c.batch, n)
	}
	perEpoch := n / c.batch
	steps := c.epochs * perEpoch
	return train.Options{
		Optimizer:   "adam",
		LR:          c.lr,
		WeightDecay: c.wd,
		Batch:       c.batch,
		Augment:     c.shift > 0,
		Shift:       c.shift,
		Seed:        c.seed,
		CosineSteps: steps,
		Chunk:       c.batch, // natively no frame to share: a whole batch per Step
		ValEvery:    perEpoch,
		ValSize:     val,
		Adversary:   c.adversary(perEpoch),
	}, steps, nil
}

// adversary returns the fast adversarial training of c, or nil.
func (c config) adversary(perEpoch int) train.Adversary {
	if c.advEps <= 0 {
		return nil
	}
	alpha := c.advAlpha
	if alpha == 0 {
		alpha = 1.25 * c.advEps
	}
	return attack.FastAdversary{Eps: c.advEps, Alpha: alpha, RampSteps: int(c.advRamp * float64(perEpoch))}
}

// trainModel builds c.model from c.seed and trains it on data, validating
// on all of val after every epoch, with progress written to log.
func trainModel(c config, data, val *mnist.Set, log io.Writer) (*nn.Sequential, error) {
	spec, err := models.Architecture(c.model)
	if err != nil {
		return nil, err
	}
	opts, steps, err := c.options(data.Count, val.Count)
	if err != nil {
		return nil, err
	}
	m := nn.MustBuild(spec, c.seed)
	t, err := train.New(m, data, val, opts)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(log, "training %s (%d parameters) on %d images, %d epochs, batch %d\n", c.model, m.NumParams(), data.Count, c.epochs, c.batch)
	start := time.Now()
	reported := 0
	for t.Steps() < steps || t.Validating() {
		before := t.Steps()
		if !t.Step() {
			return nil, t.Err()
		}
		if s := t.Steps(); s != before && (s%20 == 0 || s == steps) {
			progress(log, t, steps, opts.ValEvery, time.Since(start))
		}
		if len(t.Validation) > reported {
			v := t.Validation[reported]
			reported++
			fmt.Fprintf(log, "\nepoch %d: test accuracy %.2f%% (%s elapsed)\n", v.Step/opts.ValEvery, 100*v.Accuracy, time.Since(start).Round(time.Second))
		}
	}
	return m, nil
}

// progress prints a bar for the current epoch with the mean loss and
// accuracy of its batches so far.
func progress(w io.Writer, t *train.Trainer, steps, perEpoch int, elapsed time.Duration) {
	const width = 30
	s := t.Steps()
	e, done := (s-1)/perEpoch, (s-1)%perEpoch+1
	var loss, acc float64
	for i := s - done; i < s; i++ {
		loss += t.Losses[i]
		acc += t.BatchAccuracy[i]
	}
	bar := width * done / perEpoch
	fmt.Fprintf(w, "\repoch %d/%d [%s%s] %3d%% loss %.4f train acc %.2f%% lr %.2g %.0f img/s ",
		e+1, steps/perEpoch, strings.Repeat("=", bar), strings.Repeat(" ", width-bar), 100*done/perEpoch,
		loss/float64(done), 100*acc/float64(done), t.LR(s-1), float64(t.Examples)/math.Max(elapsed.Seconds(), 1e-9))
}
