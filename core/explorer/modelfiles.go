package explorer

import (
	"fmt"
	"path"
	"strings"

	"cnnviz/core/nn"
	"cnnviz/models"
)

// AddModelFiles imports a model from the files a user picked or dropped,
// keyed by file name (models.Import): a .safetensors model file, an ONNX
// model (.onnx), or a TensorFlow.js model.json with its .bin weight shards.
// It makes the model selectable and returns its name. A foreign file does
// not say what its outputs are called or what pixel values it expects, so
// its classes are numbered and it is fed 0..1; note then says so in user
// words, for the page's status line ("" for a cnnviz model file).
func (a *App) AddModelFiles(files map[string][]byte) (name, note string, err error) {
	if len(files) == 0 {
		return "", "", fmt.Errorf("no files given: give a .safetensors or .onnx file, or a TF.js model.json with its .bin shards")
	}
	foreign := true
	var opt models.ImportOptions
	for n := range files {
		lower := strings.ToLower(n)
		switch {
		case strings.HasSuffix(lower, ".safetensors"):
			foreign = false
		case strings.HasSuffix(lower, ".onnx"):
			if stem := strings.TrimSuffix(path.Base(n), path.Ext(n)); validName(stem) && stem != "model" {
				opt.Name = stem
			}
		}
	}
	net, err := models.Import(files, opt)
	if err != nil {
		return "", "", err
	}
	name, err = a.addNet(net)
	if err != nil {
		return "", "", err
	}
	if foreign {
		in := net.Spec.Input
		note = fmt.Sprintf("no class names or input range in the file: classes 0..%d, %d×%d %s pixels in 0..1",
			len(net.Spec.Classes)-1, in[2], in[1], channelWord(in[0]))
	}
	return name, note, nil
}

// channelWord names the kind of pixels of c channels.
func channelWord(c int) string {
	switch c {
	case 1:
		return "grey"
	case 3:
		return "colour"
	}
	return fmt.Sprintf("%d-channel", c)
}

// addNet checks that net takes images and makes it selectable under its
// architecture's name, with a suffix when a model of that name exists.
func (a *App) addNet(net *nn.Sequential) (string, error) {
	in := net.Spec.Input
	if len(in) != 3 || in[0] < 1 || in[1] < 1 || in[2] < 1 {
		return "", fmt.Errorf("model %s takes input %v; cnnviz needs [C, H, W] images", net.Spec.Name, in)
	}
	base := net.Spec.Name
	if !validName(base) {
		base = "model"
	}
	name := base
	for i := 2; a.Model(name) != nil; i++ {
		name = fmt.Sprintf("%s-%d", base, i)
	}
	a.models = append(a.models, &Model{Name: name, Net: net})
	return name, nil
}

// AreModelFiles reports whether files with these names are meant as a
// model (AddModelFiles) rather than a picture to upload: more than one
// file, or a .safetensors, .onnx, .json or .bin file.
func AreModelFiles(names []string) bool {
	if len(names) > 1 {
		return true
	}
	for _, n := range names {
		switch strings.ToLower(path.Ext(n)) {
		case ".safetensors", ".onnx", ".json", ".bin":
			return true
		}
	}
	return false
}
