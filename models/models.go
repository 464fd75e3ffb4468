package models

import (
	"embed"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"

	"cnnviz/core/nn"
	"cnnviz/core/tensor"
	"cnnviz/models/safetensors"
)

// ArchitectureKey is the metadata key that holds the architecture JSON.
const ArchitectureKey = "architecture"

// OptimizerPrefix starts the names of the optimizer buffers that a
// training checkpoint adds to a model file; Load ignores those tensors, so
// a checkpoint opens as a model.
const OptimizerPrefix = "optimizer."

// Digits are the class names of MNIST.
var Digits = []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}

func conv(name string, filters, k, pad int) nn.LayerSpec {
	return nn.LayerSpec{Name: name, Kind: nn.KindConv2D, Filters: filters, Kernel: [2]int{k, k}, Pad: [2]int{pad, pad}}
}

func relu(name string) nn.LayerSpec { return nn.LayerSpec{Name: name, Kind: nn.KindReLU} }

func maxpool(name string, k int) nn.LayerSpec {
	return nn.LayerSpec{Name: name, Kind: nn.KindMaxPool2D, Kernel: [2]int{k, k}}
}

// RobustArchitecture is the architecture of the shipped Robust model. It is
// not in Architectures (the page's training choices) but Architecture and
// the training command know it.
const RobustArchitecture = "mnistwide"

// Architectures returns the names of the built-in architectures.
func Architectures() []string { return []string{"mnist", "convnetjs"} }

// Architecture returns the built-in architecture with the given name.
func Architecture(name string) (nn.Spec, error) {
	in := []int{1, 28, 28}
	switch name {
	case "mnist":
		return nn.Spec{Name: name, Input: in, Classes: Digits, Layers: []nn.LayerSpec{
			conv("conv1", 16, 3, 1), relu("relu1"), maxpool("pool1", 2),
			conv("conv2", 32, 3, 1), relu("relu2"), maxpool("pool2", 2),
			conv("conv3", 48, 3, 1), relu("relu3"),
			conv("conv4", 64, 3, 1), relu("relu4"),
			{Name: "gap", Kind: nn.KindGlobalAvgPool},
			{Name: "fc", Kind: nn.KindDense, Units: 10},
		}}, nil
	case RobustArchitecture:
		// Wider than mnist and with a dense hidden layer: fast adversarial
		// training at radius 0.3 needs the capacity (Madry et al. 2018).
		return nn.Spec{Name: name, Input: in, Classes: Digits, Layers: []nn.LayerSpec{
			conv("conv1", 32, 3, 1), relu("relu1"), maxpool("pool1", 2),
			conv("conv2", 64, 3, 1), relu("relu2"), maxpool("pool2", 2),
			{Name: "flatten", Kind: nn.KindFlatten},
			{Name: "fc1", Kind: nn.KindDense, Units: 128}, relu("relu3"),
			{Name: "fc", Kind: nn.KindDense, Units: 10},
		}}, nil
	case "convnetjs":
		return nn.Spec{Name: name, Input: in, Classes: Digits, Layers: []nn.LayerSpec{
			conv("conv1", 8, 5, 2), relu("relu1"), maxpool("pool1", 2),
			conv("conv2", 16, 5, 2), relu("relu2"), maxpool("pool2", 3),
			{Name: "flatten", Kind: nn.KindFlatten},
			{Name: "fc", Kind: nn.KindDense, Units: 10},
		}}, nil
	}
	return nn.Spec{}, fmt.Errorf("unknown architecture %q (known: %s)", name, strings.Join(Architectures(), ", "))
}

// Save encodes m as a model file.
func Save(m *nn.Sequential) ([]byte, error) { return save(m, false) }

// SaveHalf encodes m as a model file whose weights are stored in half
// precision (safetensors F16), each rounded to the nearest half: a file
// half the size, which Load reads like any other.
func SaveHalf(m *nn.Sequential) ([]byte, error) { return save(m, true) }

func save(m *nn.Sequential, half bool) ([]byte, error) {
	f := &safetensors.File{Metadata: map[string]string{ArchitectureKey: string(m.Spec.JSON())}}
	for _, p := range m.Params() {
		f.Tensors = append(f.Tensors, safetensors.Tensor{Name: p.Name, Shape: p.Var.Value.Shape, Data: p.Var.Value.Data, Half: half})
	}
	return safetensors.Encode(f)
}

// LooksLikeSafetensors reports whether b starts as a safetensors file
// does: an 8-byte little-endian header length that fits in b, then a JSON
// object. It tells a cnnviz model file from an ONNX model given as bytes
// without a name.
func LooksLikeSafetensors(b []byte) bool {
	if len(b) < 10 {
		return false
	}
	n := binary.LittleEndian.Uint64(b)
	return n >= 2 && n <= uint64(len(b)-8) && b[8] == '{'
}

// Load decodes and checks a model file: the safetensors layout, the
// architecture, and that the tensors are exactly the architecture's
// parameters with the right shapes and finite values. An error first says
// in user words what is wrong with the file ("not a cnnviz model file",
// "this model file is cut short", "... is damaged", "... does not match its
// architecture"), then exactly what and where.
func Load(b []byte) (*nn.Sequential, error) {
	f, err := safetensors.Decode(b)
	if err != nil {
		return nil, fileError(err)
	}
	arch, ok := f.Metadata[ArchitectureKey]
	if !ok {
		return nil, fmt.Errorf("not a cnnviz model file: it holds weights but no %q metadata, the network's layers", ArchitectureKey)
	}
	spec, err := nn.ParseSpec([]byte(arch))
	if err != nil {
		return nil, fmt.Errorf("this model file's architecture is damaged: %v", err)
	}
	m, err := nn.Build(spec, 0)
	if err != nil {
		return nil, fmt.Errorf("this model file's architecture cannot be built: %v", err)
	}
	const mismatch = "this model file's weights do not match its architecture: "
	want := map[string]bool{}
	for _, p := range m.Params() {
		want[p.Name] = true
		t, ok := f.Tensor(p.Name)
		if !ok {
			return nil, fmt.Errorf(mismatch+"it lacks tensor %q", p.Name)
		}
		if !tensor.SameShape(t.Shape, p.Var.Value.Shape) {
			return nil, fmt.Errorf(mismatch+"tensor %q has shape %v, the architecture needs %v", p.Name, t.Shape, p.Var.Value.Shape)
		}
		for i, v := range t.Data {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return nil, fmt.Errorf("this model file is damaged: tensor %q holds %v at index %d", p.Name, v, i)
			}
		}
		copy(p.Var.Value.Data, t.Data)
	}
	for _, t := range f.Tensors {
		if !want[t.Name] && !strings.HasPrefix(t.Name, OptimizerPrefix) {
			return nil, fmt.Errorf(mismatch+"it has tensor %q, which the architecture does not use", t.Name)
		}
	}
	return m, nil
}

// fileError rephrases a safetensors decoding error for a model file.
func fileError(err error) error {
	var fe *safetensors.FormatError
	if !errors.As(err, &fe) {
		return fmt.Errorf("this model file cannot be read: %v", err)
	}
	switch fe.Kind {
	case safetensors.Empty:
		return errors.New("the file is empty")
	case safetensors.Truncated:
		return fmt.Errorf("this model file is cut short (an interrupted download?): %s", fe.Detail)
	case safetensors.NotSafetensors:
		return fmt.Errorf("not a cnnviz model file (a .safetensors file): %s", fe.Detail)
	}
	return fmt.Errorf("this model file is damaged: %s", fe.Detail)
}

//go:embed mnist.safetensors convnetjs.safetensors tinyvgg.safetensors
var builtin embed.FS

// ErrNotEmbedded is Builtin's and BuiltinBytes' error for a shipped model
// that this build does not carry: the page's build (tag site) leaves the
// Robust model out, and the page fetches its file (RobustFile) the first
// time something asks for it.
var ErrNotEmbedded = errors.New("this build does not carry the model's file")

// RobustFile is the Robust model's file, relative to the repository's root
// (and to a site built from it, which serves this folder).
const RobustFile = "models/robust.safetensors"

// Embedded reports whether the shipped model name is in this build.
func Embedded(name string) bool {
	if name == Robust {
		return robustFile != nil
	}
	_, err := builtin.Open(name + ".safetensors")
	return err == nil
}

// PhotoModels returns the names of the shipped models that classify colour
// photos rather than MNIST digits: "tinyvgg", CNN Explainer's Tiny VGG
// (MIT licence, tinyvgg.LICENSE), imported from its TensorFlow.js files.
func PhotoModels() []string { return []string{"tinyvgg"} }

// Robust is the shipped model of the mnistwide architecture
// (RobustArchitecture) trained to resist adversarial examples (fast
// adversarial training, core/attack), stored in half precision.
const Robust = "robust"

// Builtin returns a fresh copy of a shipped trained model: "mnist",
// "convnetjs", Robust, or one of PhotoModels.
func Builtin(name string) (*nn.Sequential, error) {
	b, err := BuiltinBytes(name)
	if err != nil {
		return nil, err
	}
	return Load(b)
}

// BuiltinBytes returns the model file of a shipped model, for download;
// for Robust in the page's build an error that wraps ErrNotEmbedded.
func BuiltinBytes(name string) ([]byte, error) {
	if name == Robust {
		if robustFile == nil {
			return nil, fmt.Errorf("shipped model %q: %w; fetch %s", name, ErrNotEmbedded, RobustFile)
		}
		return robustFile, nil
	}
	b, err := builtin.ReadFile(name + ".safetensors")
	if err != nil {
		return nil, fmt.Errorf("no shipped model %q (shipped: %s)", name, strings.Join(append(Architectures(), append([]string{Robust}, PhotoModels()...)...), ", "))
	}
	return b, nil
}
