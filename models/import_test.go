package models

import (
	"bytes"
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var updateTinyVGG = flag.Bool("update-tinyvgg", false, "rewrite tinyvgg.safetensors from models/tfjs/testdata/tiny-vgg")

// TinyVGGClasses are the classes of CNN Explainer's Tiny VGG, in output order.
var tinyVGGClasses = []string{"lifeboat", "ladybug", "pizza", "bell pepper", "school bus", "koala", "espresso", "red panda", "orange", "sport car"}

const tinyVGGDir = "tfjs/testdata/tiny-vgg"

func readFolder(tb testing.TB, dir, prefix string) map[string][]byte {
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
		files[prefix+e.Name()] = b
	}
	return files
}

// TestTinyVGGFile checks that the shipped tinyvgg.safetensors is exactly
// what Import makes of the TF.js files (-update-tinyvgg rewrites it), and
// that Builtin gives the logits TensorFlow.js computed.
func TestTinyVGGFile(t *testing.T) {
	m, err := Import(readFolder(t, tinyVGGDir, "tiny-vgg/"), ImportOptions{Name: "tinyvgg", Classes: tinyVGGClasses})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Save(m)
	if err != nil {
		t.Fatal(err)
	}
	if *updateTinyVGG {
		if err := os.WriteFile("tinyvgg.safetensors", b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	shipped, err := BuiltinBytes("tinyvgg")
	if err != nil {
		t.Fatal(err)
	}
	if *updateTinyVGG {
		t.Skip("tinyvgg.safetensors rewritten; the embedded copy is the old one until the next build")
	}
	if !bytes.Equal(shipped, b) {
		t.Fatalf("tinyvgg.safetensors differs from the import of %s (run go test -run TestTinyVGGFile -update-tinyvgg ./models)", tinyVGGDir)
	}
	got, err := Builtin("tinyvgg")
	if err != nil {
		t.Fatal(err)
	}
	var want struct {
		Inputs []string               `json:"inputs"`
		Logits map[string][][]float32 `json:"logits"`
	}
	raw, err := os.ReadFile("tfjs/testdata/expected.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	// Seeded input 1 of expected.js.
	x := make([]float32, 3*64*64)
	for i := range x {
		v := uint32(i)*2654435761 + 40503 + 1
		v ^= v >> 16
		v *= 0x45d9f3b
		v ^= v >> 16
		x[i] = float32(v>>8) / (1 << 24)
	}
	if want.Inputs[0] != "seed1" {
		t.Fatalf("expected.json input 0 is %q, want seed1", want.Inputs[0])
	}
	logits := got.Logits(x, 1)
	for i, w := range want.Logits["tiny-vgg"][0] {
		if math.Abs(float64(logits[i]-w)) > 1e-4 {
			t.Errorf("tinyvgg logits = %v, want tf.js's %v", logits, want.Logits["tiny-vgg"][0])
			break
		}
	}
	if got, want := strings.Join(got.Spec.Classes, ","), strings.Join(tinyVGGClasses, ","); got != want {
		t.Errorf("classes = %s, want %s", got, want)
	}
}

// TestImport checks that Import recognises each format and refuses
// what holds no model or several.
func TestImport(t *testing.T) {
	onnxFile, err := os.ReadFile("onnx/testdata/mnist-8/model.onnx")
	if err != nil {
		t.Fatal(err)
	}
	mnist, err := BuiltinBytes("mnist")
	if err != nil {
		t.Fatal(err)
	}
	tiny := readFolder(t, tinyVGGDir, "")
	tests := []struct {
		name  string
		files map[string][]byte
		want  string // the model's input shape, or an error
	}{
		{"onnx", map[string][]byte{"MNIST-8.ONNX": onnxFile}, "[1 28 28]"},
		{"safetensors", map[string][]byte{"mnist.safetensors": mnist}, "[1 28 28]"},
		{"tfjs", tiny, "[3 64 64]"},
		{"nothing", map[string][]byte{"notes.txt": nil}, "no model among the files notes.txt"},
		{"two", map[string][]byte{"a.onnx": onnxFile, "b.safetensors": mnist}, "more than one model"},
		{"damaged onnx", map[string][]byte{"a.onnx": onnxFile[:100]}, "onnx file: "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Import(tc.files, ImportOptions{})
			got := ""
			if err != nil {
				got = err.Error()
			} else {
				b, _ := json.Marshal(m.Spec.Input)
				got = strings.ReplaceAll(strings.ReplaceAll(string(b), ",", " "), "\"", "")
			}
			if !strings.Contains(got, tc.want) {
				t.Errorf("Import = %q, want %q", got, tc.want)
			}
		})
	}
}
