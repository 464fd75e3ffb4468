package tfjs

import (
	"encoding/json"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"cnnviz/core/input"
	"cnnviz/models/chain"
)

// TinyVGGClasses are the classes of CNN Explainer's Tiny VGG, in output order.
var tinyVGGClasses = []string{"lifeboat", "ladybug", "pizza", "bell pepper", "school bus", "koala", "espresso", "red panda", "orange", "sport car"}

// readDir returns every file of a folder by name.
func readDir(tb testing.TB, dir string) map[string][]byte {
	tb.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		tb.Fatal(err)
	}
	files := map[string][]byte{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			tb.Fatal(err)
		}
		files[e.Name()] = b
	}
	return files
}

// pixel is expected.js's seeded input at CHW index i.
func pixel(seed, i uint32) float32 {
	x := i*2654435761 + seed*40503 + 1
	x ^= x >> 16
	x *= 0x45d9f3b
	x ^= x >> 16
	return float32(x>>8) / (1 << 24)
}

func readPNG(tb testing.TB, path string) image.Image {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		tb.Fatal(err)
	}
	return img
}

// pngCHW reads a 64×64 PNG as [3, 64, 64] bytes/255, as expected.js does.
func pngCHW(tb testing.TB, path string) []float32 {
	img := readPNG(tb, path)
	out := make([]float32, 3*64*64)
	for y := range 64 {
		for x := range 64 {
			r, g, b, _ := img.At(x, y).RGBA()
			for c, v := range []uint32{r, g, b} {
				out[(c*64+y)*64+x] = float32(v>>8) / 255
			}
		}
	}
	return out
}

type expected struct {
	Inputs []string               `json:"inputs"`
	Logits map[string][][]float32 `json:"logits"`
	Probs  map[string][][]float32 `json:"probs"`
}

// TestTinyVGGMatchesTFJS imports Tiny VGG with float32, float16 and uint8
// weights and compares its logits with those TensorFlow.js computed
// (expected.js) on seeded random inputs and a photo.
func TestTinyVGGMatchesTFJS(t *testing.T) {
	var want expected
	if err := json.Unmarshal(readFile(t, "testdata/expected.json"), &want); err != nil {
		t.Fatal(err)
	}
	var inputs [][]float32
	for _, name := range want.Inputs {
		var x []float32
		switch name {
		case "seed1", "seed2":
			seed := uint32(name[4] - '0')
			x = make([]float32, 3*64*64)
			for i := range x {
				x[i] = pixel(seed, uint32(i))
			}
		default:
			x = pngCHW(t, filepath.Join("testdata", name))
		}
		inputs = append(inputs, x)
	}
	for _, dir := range []string{"tiny-vgg", "tiny-vgg-f16", "tiny-vgg-u8"} {
		t.Run(dir, func(t *testing.T) {
			m, err := Import(readDir(t, filepath.Join("testdata", dir)), chain.Options{Classes: tinyVGGClasses})
			if err != nil {
				t.Fatal(err)
			}
			for i, x := range inputs {
				got := m.Logits(x, 1)
				w := want.Logits[dir][i]
				var d, scale float64
				for j := range w {
					d = max(d, math.Abs(float64(got[j]-w[j])))
					scale = max(scale, math.Abs(float64(w[j])))
				}
				if d > 1e-5*scale {
					t.Errorf("%s: logits %v, want %v (max difference %.2g)", want.Inputs[i], got, w, d)
				} else {
					t.Logf("%s: max difference from tf.js %.2g (largest logit %.3g)", want.Inputs[i], d, scale)
				}
			}
		})
	}
}

func readFile(tb testing.TB, path string) []byte {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func softmax(z []float32) []float64 {
	m := float64(slices.Max(z))
	p := make([]float64, len(z))
	var s float64
	for i, v := range z {
		p[i] = math.Exp(float64(v) - m)
		s += p[i]
	}
	for i := range p {
		p[i] /= s
	}
	return p
}

// TestCoffeeIsEspresso runs the CC0 coffee photo, centre-cropped and
// area-resized to 64×64 by input.Colour, through the imported Tiny VGG.
func TestCoffeeIsEspresso(t *testing.T) {
	m, err := Import(readDir(t, "testdata/tiny-vgg"), chain.Options{Classes: tinyVGGClasses})
	if err != nil {
		t.Fatal(err)
	}
	x, err := input.Colour(readPNG(t, "../../testdata/photos/coffee.png"), 64, 64)
	if err != nil {
		t.Fatal(err)
	}
	p := softmax(m.Logits(x, 1))
	best := 0
	for i := range p {
		if p[i] > p[best] {
			best = i
		}
	}
	t.Logf("coffee.png: %s %.4f", m.Spec.Classes[best], p[best])
	if got := m.Spec.Classes[best]; got != "espresso" || math.Abs(p[best]-0.91) > 0.02 {
		t.Errorf("coffee.png = %s %.4f, want espresso 0.91±0.02", got, p[best])
	}
}

// TestErrors checks that files cnnviz cannot use are refused with a
// message naming the problem.
func TestErrors(t *testing.T) {
	good := readDir(t, "testdata/tiny-vgg")
	edit := func(f func(top map[string]any)) map[string][]byte {
		var mj map[string]any
		if err := json.Unmarshal(good["model.json"], &mj); err != nil {
			t.Fatal(err)
		}
		f(mj)
		b, err := json.Marshal(mj)
		if err != nil {
			t.Fatal(err)
		}
		files := map[string][]byte{"model.json": b, "group1-shard1of1.bin": good["group1-shard1of1.bin"]}
		return files
	}
	layers := func(mj map[string]any) []any {
		return mj["modelTopology"].(map[string]any)["model_config"].(map[string]any)["config"].(map[string]any)["layers"].([]any)
	}
	config := func(mj map[string]any, i int) map[string]any {
		return layers(mj)[i].(map[string]any)["config"].(map[string]any)
	}
	tests := []struct {
		name  string
		files map[string][]byte
		want  string
	}{
		{"no model.json", map[string][]byte{"a.bin": nil}, "no model.json"},
		{"not json", map[string][]byte{"model.json": []byte("{")}, "not valid JSON"},
		{"missing shard", map[string][]byte{"model.json": good["model.json"]}, `shard "group1-shard1of1.bin" is missing`},
		{"short shard", map[string][]byte{"model.json": good["model.json"], "group1-shard1of1.bin": good["group1-shard1of1.bin"][:1000]}, "hold 1000 bytes"},
		{"long shard", map[string][]byte{"model.json": good["model.json"], "group1-shard1of1.bin": append(slices.Clone(good["group1-shard1of1.bin"]), 0, 0, 0, 0)}, "the manifest describes 79680"},
		{"unsupported", edit(func(mj map[string]any) {
			l := layers(mj)
			l[1].(map[string]any)["class_name"] = "Conv3D"
			l[2].(map[string]any)["class_name"] = "SeparableConv2D"
		}), "unsupported layers Conv3D, SeparableConv2D"},
		{"batch norm without its weights", edit(func(mj map[string]any) {
			layers(mj)[2].(map[string]any)["class_name"] = "BatchNormalization"
		}), `no weight "conv_1_2/gamma"`},
		{"add of one", edit(func(mj map[string]any) {
			layers(mj)[2].(map[string]any)["class_name"] = "Add"
		}), "needs two or more inputs, got 1"},
		{"relu max_value", edit(func(mj map[string]any) {
			layers(mj)[1].(map[string]any)["class_name"] = "ReLU"
			config(mj, 1)["max_value"] = 1
		}), "max_value 1"},
		{"activation", edit(func(mj map[string]any) { config(mj, 1)["activation"] = "tanh" }), `activation "tanh"`},
		{"softmax inside", edit(func(mj map[string]any) { config(mj, 1)["activation"] = "softmax" }), "only at the end"},
		{"same average pooling", edit(func(mj map[string]any) {
			layers(mj)[4].(map[string]any)["class_name"] = "AveragePooling2D"
			config(mj, 4)["padding"] = "same"
			config(mj, 4)["pool_size"] = []int{2, 2}
			config(mj, 4)["strides"] = []int{1, 1}
		}), "'same' average pooling"},
		{"graph model", edit(func(mj map[string]any) { mj["format"] = "graph-model" }), "not graph models"},
		{"dtype", edit(func(mj map[string]any) {
			mj["weightsManifest"].([]any)[0].(map[string]any)["weights"].([]any)[0].(map[string]any)["dtype"] = "complex64"
		}), `dtype "complex64"`},
		{"kernel shape", edit(func(mj map[string]any) { config(mj, 0)["filters"] = 11 }), "has shape [3 3 3 10], want [3 3 3 11]"},
		{"input shape", edit(func(mj map[string]any) { config(mj, 0)["batch_input_shape"] = []any{nil, nil, 64, 3} }), "batch_input_shape"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Import(tc.files, chain.Options{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Import error = %v, want one containing %q", err, tc.want)
			}
			if msg := err.Error(); strings.ToLower(msg[:1]) != msg[:1] {
				t.Errorf("error %q does not start in lowercase", msg)
			}
		})
	}
}

// TestHalf checks the float16 decoder on values with exact halves.
func TestHalf(t *testing.T) {
	tests := []struct {
		h    uint16
		want float32
	}{
		{0x3c00, 1}, {0xc000, -2}, {0x3555, 0.333251953125}, {0x7bff, 65504},
		{0x0001, 1.0 / (1 << 24)}, {0x8400, -1.0 / (1 << 14)}, {0x0000, 0},
		{0x7c00, float32(math.Inf(1))},
	}
	for _, tc := range tests {
		if got := halfToFloat(tc.h); got != tc.want {
			t.Errorf("halfToFloat(%#04x) = %v, want %v", tc.h, got, tc.want)
		}
	}
}

// functional rewrites Tiny VGG's Sequential topology as a Keras 2
// functional Model whose layers name their inputs; branch makes layer
// 3 read layer 1 instead of layer 2.
func functional(tb testing.TB, files map[string][]byte, branch bool) map[string][]byte {
	tb.Helper()
	var mj map[string]any
	if err := json.Unmarshal(files["model.json"], &mj); err != nil {
		tb.Fatal(err)
	}
	mc := mj["modelTopology"].(map[string]any)["model_config"].(map[string]any)
	seq := mc["config"].(map[string]any)["layers"].([]any)
	first := seq[0].(map[string]any)["config"].(map[string]any)
	in := map[string]any{"class_name": "InputLayer", "name": "input", "inbound_nodes": []any{},
		"config": map[string]any{"name": "input", "batch_input_shape": first["batch_input_shape"], "dtype": "float32"}}
	delete(first, "batch_input_shape")
	layers := []any{in}
	prev := "input"
	for i, l := range seq {
		l := l.(map[string]any)
		name := l["config"].(map[string]any)["name"].(string)
		from := prev
		if branch && i == 3 {
			from = seq[1].(map[string]any)["config"].(map[string]any)["name"].(string)
		}
		l["name"] = name
		l["inbound_nodes"] = []any{[]any{[]any{from, 0, 0, map[string]any{}}}}
		layers = append(layers, l)
		prev = name
	}
	mc["class_name"] = "Model"
	mc["config"] = map[string]any{"name": "tinyvgg", "layers": layers,
		"input_layers": []any{[]any{"input", 0, 0}}, "output_layers": []any{[]any{prev, 0, 0}}}
	b, err := json.Marshal(mj)
	if err != nil {
		tb.Fatal(err)
	}
	out := map[string][]byte{}
	for k, v := range files {
		out[k] = v
	}
	out["model.json"] = b
	return out
}

// TestFunctional checks that a functional model that is a chain imports
// to the same model as the Sequential one, and that a branch that leaves
// a layer unread is refused.
func TestFunctional(t *testing.T) {
	files := readDir(t, "testdata/tiny-vgg")
	seq, err := Import(files, chain.Options{})
	if err != nil {
		t.Fatal(err)
	}
	fn, err := Import(functional(t, files, false), chain.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(fn.Spec.JSON()), strings.Replace(string(seq.Spec.JSON()), `"sequential"`, `"tinyvgg"`, 1); got != want {
		t.Errorf("functional spec = %s, want %s", got, want)
	}
	x := pngCHW(t, "testdata/coffee64.png")
	if got, want := fn.Logits(x, 1), seq.Logits(x, 1); !slices.Equal(got, want) {
		t.Errorf("functional logits = %v, want %v", got, want)
	}
	_, err = Import(functional(t, files, true), chain.Options{})
	if want := `("conv_1_2"): no later layer reads its output`; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("branching model: error %v, want one containing %q", err, want)
	}
}

// FuzzImport feeds damaged model.json and shard bytes to Import: it must
// return a model or a lowercase error, never panic.
func FuzzImport(f *testing.F) {
	files := readDir(f, "testdata/tiny-vgg-u8")
	f.Add(files["model.json"], files["group1-shard1of1.bin"])
	f.Add(files["model.json"][:2000], files["group1-shard1of1.bin"][:100])
	for _, g := range []string{"tfjs-resnet", "tfjs-mobilenetv2"} {
		gf := readDir(f, "testdata/"+g)
		f.Add([]byte(strings.ReplaceAll(string(gf["model.json"]), "weights.bin", "group1-shard1of1.bin")), gf["weights.bin"])
	}
	f.Fuzz(func(t *testing.T, js, bin []byte) {
		m, err := Import(map[string][]byte{"model.json": js, "group1-shard1of1.bin": bin}, chain.Options{})
		if err != nil {
			if msg := err.Error(); strings.ToLower(msg[:1]) != msg[:1] {
				t.Errorf("error %q does not start in lowercase", msg)
			}
			return
		}
		if _, err := m.Spec.Shapes(); err != nil {
			t.Errorf("imported model has a bad spec: %v", err)
		}
	})
}

// TestCoffee64 checks that testdata/coffee64.png, the photo input of
// expected.js, is input.Colour's 64×64 coffee photo rounded to bytes.
func TestCoffee64(t *testing.T) {
	x, err := input.Colour(readPNG(t, "../../testdata/photos/coffee.png"), 64, 64)
	if err != nil {
		t.Fatal(err)
	}
	got := pngCHW(t, "testdata/coffee64.png")
	for i, v := range x {
		if want := float32(math.Round(float64(v)*255)) / 255; got[i] != want {
			t.Fatalf("coffee64.png value %d = %v, want %v", i, got[i], want)
		}
	}
}
