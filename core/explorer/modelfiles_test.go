package explorer

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"cnnviz/models"
)

func readFiles(t *testing.T, paths ...string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		files[p[strings.LastIndex(p, "/")+1:]] = b
	}
	return files
}

func TestAddModelFiles(t *testing.T) {
	const tv = "../../models/tfjs/testdata/tiny-vgg/"
	const ox = "../../models/onnx/testdata/mnist-8/model.onnx"
	mnistBytes, err := models.BuiltinBytes("mnist")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		files   map[string][]byte
		input   []int
		note    string // part of the note; "" wants none
		wantErr string // part of the error
	}{
		{name: "tfjs", files: readFiles(t, tv+"model.json", tv+"group1-shard1of1.bin"), input: []int{3, 64, 64}, note: "classes 0..9, 64×64 colour pixels"},
		{name: "onnx", files: readFiles(t, ox), input: []int{1, 28, 28}, note: "28×28 grey pixels in 0..1"},
		{name: "safetensors", files: map[string][]byte{"mine.safetensors": mnistBytes}, input: []int{1, 28, 28}},
		{name: "missing shard", files: readFiles(t, tv+"model.json"), wantErr: `weight shard "group1-shard1of1.bin" is missing`},
		{name: "no model", files: map[string][]byte{"a.txt": []byte("x")}, wantErr: "no model among the files a.txt"},
		{name: "nothing", files: map[string][]byte{}, wantErr: "no files given"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newApp(t)
			n := len(a.Models())
			name, note, err := a.AddModelFiles(tc.files)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tc.wantErr)
				}
				if len(a.Models()) != n {
					t.Errorf("a failed import added a model: got %d models, want %d", len(a.Models()), n)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			m := a.Model(name)
			if m == nil {
				t.Fatalf("model %q is not selectable", name)
			}
			if got := m.Net.Spec.Input; !reflect.DeepEqual(got, tc.input) {
				t.Errorf("input: got %v, want %v", got, tc.input)
			}
			if (tc.note == "") != (note == "") || !strings.Contains(note, tc.note) {
				t.Errorf("note: got %q, want one containing %q", note, tc.note)
			}
			// Importing the same files again gives a second, distinct name.
			again, _, err := a.AddModelFiles(tc.files)
			if err != nil || again == name || a.Model(again) == nil {
				t.Errorf("second import: got %q, %v; want a new name beside %q", again, err, name)
			}
		})
	}
}

func TestAreModelFiles(t *testing.T) {
	for _, tc := range []struct {
		names []string
		want  bool
	}{
		{[]string{"digit.png"}, false},
		{[]string{"photo.JPG"}, false},
		{[]string{"m.safetensors"}, true},
		{[]string{"mnist-8.ONNX"}, true},
		{[]string{"model.json"}, true},
		{[]string{"group1-shard1of1.bin"}, true},
		{[]string{"model.json", "group1-shard1of1.bin"}, true},
		{[]string{"a.png", "b.png"}, true},
	} {
		if got := AreModelFiles(tc.names); got != tc.want {
			t.Errorf("AreModelFiles(%q): got %v, want %v", tc.names, got, tc.want)
		}
	}
}
