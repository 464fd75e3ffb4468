//go:build js

package models

import (
	"testing"

	"cnnviz/models/mnist"
)

func loadTestSet(t *testing.T) *mnist.Set {
	t.Fatal("-update needs the MNIST files: run it natively")
	return nil
}
