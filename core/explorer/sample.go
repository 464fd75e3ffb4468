package explorer

import (
	_ "embed"
	"fmt"

	"cnnviz/models/mnist"
)

// The first SampleCount images of the MNIST test set, with their labels, as
// raw IDX files: built into the program so that the page predicts on a
// real digit before the test set has arrived (sample_test.go checks them
// against the test set and rewrites them with -update).
var (
	//go:embed sample-images-idx3-ubyte
	sampleImages []byte
	//go:embed sample-labels-idx1-ubyte
	sampleLabels []byte
)

// SampleCount is how many of the first test images are built in.
const SampleCount = 10

// Sample returns the built-in first SampleCount images of the MNIST test
// set: test image i, for i below SampleCount, is Sample's image i.
func Sample() (*mnist.Set, error) {
	s, err := mnist.Parse(sampleImages, sampleLabels)
	if err != nil {
		return nil, fmt.Errorf("built-in sample: %v", err)
	}
	return s, nil
}

// testImages returns the test set or, while it has not arrived, the
// built-in sample of its first images.
func (a *App) testImages() *mnist.Set {
	if a.Test != nil {
		return a.Test
	}
	return a.sample
}

// InputReady reports whether the input is an image to predict on: a
// drawing, an upload, or a test image that is at hand (the test set has
// arrived, or the image is one of the built-in sample's). Until then a
// test image shows as blank.
func (a *App) InputReady() bool {
	switch a.State.Input.Kind {
	case InputTest:
		s := a.testImages()
		return s != nil && a.State.Input.Test < s.Count
	case InputUpload:
		return a.uploadPix != nil
	}
	return true
}
