package models

import (
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/golden.json from the shipped models (needs the MNIST files; native only)")

// golden is the fixture of TestGoldenLogits: a few MNIST test images and
// the logits the shipped models gave for them when the weights were
// committed.
type golden struct {
	Indices []int                  `json:"indices"`
	Images  [][]uint8              `json:"images"` // 784 bytes each, 0..255
	Labels  []int                  `json:"labels"`
	Logits  map[string][][]float32 `json:"logits"`
	Note    string                 `json:"note"`
}

const goldenPath = "testdata/golden.json"

func pixels(img []uint8) []float32 {
	x := make([]float32, len(img))
	for i, p := range img {
		x[i] = float32(p) / 255
	}
	return x
}

// TestGoldenLogits pins the shipped weights and the forward pass: any
// change to either, or a platform whose arithmetic differs beyond float32
// rounding, shows here. Run with -update after retraining.
func TestGoldenLogits(t *testing.T) {
	if *update {
		writeGolden(t)
	}
	b, err := os.ReadFile(goldenPath)
	if err != nil {
		t.Fatal(err)
	}
	var g golden
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	for _, name := range Architectures() {
		m, err := Builtin(name)
		if err != nil {
			t.Fatal(err)
		}
		for i, img := range g.Images {
			got := m.Logits(pixels(img), 1)
			want := g.Logits[name][i]
			for k := range want {
				if d := math.Abs(float64(got[k] - want[k])); d > goldenTol*math.Max(1, math.Abs(float64(want[k]))) {
					t.Errorf("%s image %d logit %d = %.7g, want %.7g", name, g.Indices[i], k, got[k], want[k])
				}
			}
			best := 0
			for k := range got {
				if got[k] > got[best] {
					best = k
				}
			}
			if best != g.Labels[i] {
				t.Errorf("%s predicts %d for test image %d, labelled %d", name, best, g.Indices[i], g.Labels[i])
			}
		}
	}
}

func writeGolden(t *testing.T) {
	t.Helper()
	set := loadTestSet(t)
	g := golden{Indices: []int{0, 1, 2, 3, 4}, Logits: map[string][][]float32{},
		Note: "written by go test ./models -run GoldenLogits -update from the shipped weights"}
	for _, i := range g.Indices {
		g.Images = append(g.Images, append([]uint8(nil), set.Image(i)...))
		g.Labels = append(g.Labels, int(set.Labels[i]))
	}
	for _, name := range Architectures() {
		m, err := Builtin(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, img := range g.Images {
			g.Logits[name] = append(g.Logits[name], m.Logits(pixels(img), 1))
		}
	}
	b, err := json.MarshalIndent(g, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(goldenPath), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(goldenPath, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
