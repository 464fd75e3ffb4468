package models

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"cnnviz/core/nn"
	"cnnviz/models/chain"
	"cnnviz/models/onnx"
	"cnnviz/models/tfjs"
)

// ImportOptions say what a foreign model file may not: the model's name,
// its class names and the pixel value it expects for full intensity.
type ImportOptions = chain.Options

// Import reads a model from the files a user dropped, keyed by file name:
// a cnnviz model file (.safetensors, read by Load; opt does not apply), an
// ONNX model (.onnx), or a TensorFlow.js layers model (model.json with the
// .bin weight shards its manifest names). Foreign models must be chains of
// layers that cnnviz has (see the onnx and tfjs packages).
func Import(files map[string][]byte, opt ImportOptions) (*nn.Sequential, error) {
	var names []string
	for name := range files {
		names = append(names, name)
	}
	slices.Sort(names)
	pick := func(ext string) []string {
		var out []string
		for _, n := range names {
			if strings.HasSuffix(strings.ToLower(n), ext) {
				out = append(out, n)
			}
		}
		return out
	}
	st, ox := pick(".safetensors"), pick(".onnx")
	_, hasJSON := files[tfjs.ModelFile]
	for _, n := range names {
		hasJSON = hasJSON || path.Base(n) == tfjs.ModelFile
	}
	found := len(st) + len(ox)
	if hasJSON {
		found++
	}
	switch {
	case found == 0:
		return nil, fmt.Errorf("no model among the files %s: give a .safetensors or .onnx file, or a TF.js model.json with its .bin shards", strings.Join(names, ", "))
	case found > 1:
		return nil, fmt.Errorf("the files %s hold more than one model: give one at a time", strings.Join(names, ", "))
	case len(st) == 1:
		return Load(files[st[0]])
	case len(ox) == 1:
		return onnx.Import(files[ox[0]], opt)
	}
	return tfjs.Import(files, opt)
}
