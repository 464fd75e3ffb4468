package models

import (
	"encoding/binary"
	"math"
	"strings"
	"testing"

	"cnnviz/core/nn"
	"cnnviz/models/safetensors"
)

func built(t *testing.T, name string) *nn.Sequential {
	t.Helper()
	spec, err := Architecture(name)
	if err != nil {
		t.Fatal(err)
	}
	return nn.MustBuild(spec, 42)
}

func TestSaveLoadRoundTrip(t *testing.T) {
	for _, name := range Architectures() {
		t.Run(name, func(t *testing.T) {
			m := built(t, name)
			b, err := Save(m)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Load(b)
			if err != nil {
				t.Fatal(err)
			}
			if string(got.Spec.JSON()) != string(m.Spec.JSON()) {
				t.Fatalf("architecture changed:\n%s\n%s", got.Spec.JSON(), m.Spec.JSON())
			}
			want, have := m.Params(), got.Params()
			for i := range want {
				for j, v := range want[i].Var.Value.Data {
					if math.Float32bits(have[i].Var.Value.Data[j]) != math.Float32bits(v) {
						t.Fatalf("%s[%d] = %v, want %v", want[i].Name, j, have[i].Var.Value.Data[j], v)
					}
				}
			}
			again, _ := Save(got)
			if string(again) != string(b) {
				t.Fatal("Save(Load(b)) differs from b")
			}
		})
	}
}

// reencode decodes a valid model file, lets f damage it and encodes it again.
func reencode(t *testing.T, b []byte, f func(*safetensors.File)) []byte {
	t.Helper()
	file, err := safetensors.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	f(file)
	out, err := safetensors.Encode(file)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestLoadDamage(t *testing.T) {
	good, err := Save(built(t, "convnetjs"))
	if err != nil {
		t.Fatal(err)
	}
	setArch := func(s string) func(*safetensors.File) {
		return func(f *safetensors.File) { f.Metadata[ArchitectureKey] = s }
	}
	hugeHeader := append([]byte(nil), good...)
	binary.LittleEndian.PutUint64(hugeHeader, 1<<50)
	tests := []struct {
		name string
		file []byte
		want string // the problem in user words: the start of the message
		more string // a detail that must follow
	}{
		{"empty", nil, "the file is empty", ""},
		{"a text file", []byte("these are my notes, not a model\n"), "not a cnnviz model file", "header length"},
		{"a PNG", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x1c"), "not a cnnviz model file", "header length"},
		{"truncated header length", good[:5], "this model file is cut short", "5 bytes"},
		{"truncated header", good[:100], "this model file is cut short", "exceeds the 92 bytes after the length prefix"},
		{"truncated data", good[:len(good)-100], "this model file is cut short", "extend past the end"},
		{"absurd header length", hugeHeader, "not a cnnviz model file", "exceeds the limit"},
		{"bad JSON", append([]byte{8, 0, 0, 0, 0, 0, 0, 0}, "{nope:}!"...), "this model file is damaged", "not valid json"},
		{"no architecture", reencode(t, good, func(f *safetensors.File) { delete(f.Metadata, ArchitectureKey) }), "not a cnnviz model file", `no "architecture" metadata`},
		{"architecture not JSON", reencode(t, good, setArch("conv!")), "this model file's architecture is damaged", "not valid JSON"},
		{"unknown layer kind", reencode(t, good, setArch(strings.Replace(string(built(t, "convnetjs").Spec.JSON()), `"relu"`, `"swish"`, 1))), "this model file's architecture", `unknown kind "swish"`},
		{"absurd architecture", reencode(t, good, setArch(strings.Replace(string(built(t, "convnetjs").Spec.JSON()), `"filters":16`, `"filters":4000000`, 1))), "this model file's architecture", "filters 4000000"},
		{"wrong shape", reencode(t, good, func(f *safetensors.File) {
			for i := range f.Tensors {
				if f.Tensors[i].Name == "fc.bias" {
					f.Tensors[i].Shape, f.Tensors[i].Data = []int{9}, f.Tensors[i].Data[:9]
				}
			}
		}), "this model file's weights do not match its architecture", `"fc.bias" has shape [9], the architecture needs [10]`},
		{"missing tensor", reencode(t, good, func(f *safetensors.File) {
			for i := range f.Tensors {
				if f.Tensors[i].Name == "conv2.weight" {
					f.Tensors = append(f.Tensors[:i], f.Tensors[i+1:]...)
					break
				}
			}
		}), "this model file's weights do not match its architecture", `lacks tensor "conv2.weight"`},
		{"extra tensor", reencode(t, good, func(f *safetensors.File) {
			f.Tensors = append(f.Tensors, safetensors.Tensor{Name: "zz.extra", Shape: []int{1}, Data: []float32{1}})
		}), "this model file's weights do not match its architecture", `tensor "zz.extra", which the architecture does not use`},
		{"NaN weight", reencode(t, good, func(f *safetensors.File) {
			f.Tensors[0].Data[3] = float32(math.NaN())
		}), "this model file is damaged", "holds NaN at index 3"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(tc.file)
			if err == nil {
				t.Fatalf("Load() error = nil, want %q...", tc.want)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, tc.want) || !strings.Contains(msg, tc.more) {
				t.Errorf("Load() error = %q, want it to start with %q and contain %q", msg, tc.want, tc.more)
			}
		})
	}
}

func FuzzLoad(f *testing.F) {
	for _, name := range Architectures() {
		spec, _ := Architecture(name)
		b, err := Save(nn.MustBuild(spec, 1))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)/2])
	}
	f.Add([]byte{})
	f.Add([]byte("\x10\x00\x00\x00\x00\x00\x00\x00{\"a\":{}}        "))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Load(b)
		if err != nil {
			return
		}
		// A file that loads must save and load again to the same model.
		again, err := Save(m)
		if err != nil {
			t.Fatalf("Save after Load: %v", err)
		}
		if _, err := Load(again); err != nil {
			t.Fatalf("Load(Save(Load(b))): %v", err)
		}
	})
}

func TestArchitectureErrors(t *testing.T) {
	if _, err := Architecture("resnet"); err == nil || !strings.Contains(err.Error(), `unknown architecture "resnet"`) {
		t.Fatalf("Architecture(resnet) = %v", err)
	}
}

// TestSaveHalf checks that a half-precision file is about half the size,
// loads, and holds every weight within half precision's rounding (a
// relative 2⁻¹¹), and that the network's outputs barely move.
func TestSaveHalf(t *testing.T) {
	m := built(t, "mnist")
	full, err := Save(m)
	if err != nil {
		t.Fatal(err)
	}
	half, err := SaveHalf(m)
	if err != nil {
		t.Fatal(err)
	}
	if r := float64(len(half)) / float64(len(full)); r < 0.45 || r > 0.55 {
		t.Errorf("half-precision file %d bytes, full %d: ratio %.3f, want about 0.5", len(half), len(full), r)
	}
	got, err := Load(half)
	if err != nil {
		t.Fatal(err)
	}
	want, have := m.Params(), got.Params()
	changed := 0
	for i := range want {
		for j, v := range want[i].Var.Value.Data {
			h := have[i].Var.Value.Data[j]
			if math.Abs(float64(h-v)) > math.Abs(float64(v))*0x1p-11+0x1p-25 {
				t.Fatalf("%s[%d] = %v after half precision, want within a half's rounding of %v", want[i].Name, j, h, v)
			}
			if h != v {
				changed++
			}
		}
	}
	if changed == 0 {
		t.Error("no weight changed: the file was not stored in half precision")
	}
	pixels := make([]float32, 28*28)
	for i := range pixels {
		pixels[i] = float32(i%29) / 28
	}
	a, b := m.Logits(pixels, 1), got.Logits(pixels, 1)
	for k := range a {
		if d := math.Abs(float64(a[k] - b[k])); d > 1e-2*(1+math.Abs(float64(a[k]))) {
			t.Errorf("logit %d = %v from the half-precision file, %v from the full one", k, b[k], a[k])
		}
	}
}
