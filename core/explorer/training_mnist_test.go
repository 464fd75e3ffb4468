//go:build !js

package explorer

import (
	"testing"
	"time"

	"cnnviz/core/train"
	"cnnviz/models"
	"cnnviz/models/mnist"
)

// trainSteps and minAccuracy are the numbers the browser test
// (web/training_test.go) also uses: the convnetjs network, trained from
// seed 1 with Adam (lr 0.001) for 150 steps of 32 images, classifies more
// than minAccuracy of the first 1000 test images. Measured natively: see
// the log line of this test.
const (
	trainSteps  = 150
	minAccuracy = 0.85
)

func TestTrainConvnetjsOnMNIST(t *testing.T) {
	dir, err := mnist.Dir()
	if err != nil {
		t.Skipf("MNIST not available: %v", err)
	}
	data, err := mnist.Load(dir, "train")
	if err != nil {
		t.Fatal(err)
	}
	val, err := mnist.Load(dir, "test")
	if err != nil {
		t.Fatal(err)
	}
	spec, _ := models.Architecture("convnetjs")
	start := time.Now()
	tr, err := Train(spec, data, val, train.Options{Optimizer: "adam", LR: 0.001, Batch: 32, Seed: 1, ValEvery: 50, ValSize: 1000}, trainSteps)
	if err != nil {
		t.Fatal(err)
	}
	acc := tr.Validation[len(tr.Validation)-1].Accuracy
	t.Logf("convnetjs, %d steps of 32: validation accuracy %.3f (curve %v), last loss %.4f, %.1f s natively",
		trainSteps, acc, tr.Validation, tr.Losses[len(tr.Losses)-1], time.Since(start).Seconds())
	if acc < minAccuracy {
		t.Errorf("validation accuracy after %d steps = %.3f, want at least %.2f", trainSteps, acc, minAccuracy)
	}
}
