package featuremaps

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"cnnviz/core/nn"
	"cnnviz/core/tensor"
)

func TestCapture(t *testing.T) {
	for _, arch := range archs {
		t.Run(arch, func(t *testing.T) {
			m := build(t, arch, 1)
			x := randomImages(m, rand.New(rand.NewPCG(1, 1)), 1)
			ls := Capture(m, x)
			if len(ls) != len(m.Layers) {
				t.Fatalf("Capture gave %d layers, want %d", len(ls), len(m.Layers))
			}
			for i, l := range ls {
				s := m.Spec.Layers[i]
				if l.Index != i || l.Name != s.Name || l.Kind != s.Kind || !slices.Equal(l.Shape, m.OutShape(i)) || len(l.Data) != tensor.Numel(l.Shape) {
					t.Errorf("layer %d = {%d %s %s %v, %d values}, want {%d %s %s %v}", i, l.Index, l.Name, l.Kind, l.Shape, len(l.Data), i, s.Name, s.Kind, m.OutShape(i))
				}
				if s.Kind == nn.KindReLU {
					for j, v := range l.Data {
						if want := max(ls[i-1].Data[j], 0); v != want {
							t.Fatalf("%s[%d] = %v, want max(%s[%d], 0) = %v", l.Name, j, v, ls[i-1].Name, j, want)
						}
					}
				}
			}
			logits := m.Logits(x, 1)
			last := ls[len(ls)-1].Data
			for j := range logits {
				if math.Abs(float64(last[j]-logits[j])) > 1e-5 {
					t.Errorf("last layer[%d] = %v, want the logit %v", j, last[j], logits[j])
				}
			}
		})
	}
}

func TestCapturePanicsOnWrongSize(t *testing.T) {
	m := build(t, "convnetjs", 1)
	defer func() {
		if recover() == nil {
			t.Error("Capture of 10 values did not panic")
		}
	}()
	Capture(m, make([]float32, 10))
}
