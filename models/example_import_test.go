package models_test

import (
	"fmt"
	"os"

	"cnnviz/models"
)

// The ONNX model zoo's MNIST model expects pixels in 0..255; InputScale
// folds that into its first convolution, so it takes cnnviz's 0..1.
func ExampleImport() {
	b, err := os.ReadFile("onnx/testdata/mnist-8/model.onnx")
	if err != nil {
		fmt.Println(err)
		return
	}
	m, err := models.Import(map[string][]byte{"mnist-8.onnx": b}, models.ImportOptions{Name: "mnist8", Classes: models.Digits, InputScale: 255})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.Spec.Name, m.Spec.Input)
	for i, l := range m.Spec.Layers {
		fmt.Println(l.Name, l.Kind, m.OutShape(i))
	}
	// Output:
	// mnist8 [1 28 28]
	// conv1 conv2d [8 28 28]
	// relu1 relu [8 28 28]
	// pool1 maxpool2d [8 14 14]
	// conv2 conv2d [16 14 14]
	// relu2 relu [16 14 14]
	// pool2 maxpool2d [16 4 4]
	// flatten1 flatten [256]
	// fc1 dense [10]
}
