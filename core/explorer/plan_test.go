package explorer

import (
	"math"
	"testing"
)

// TestRefreshThroughPlan checks the App's live prediction, which runs an
// nn.Plan: every layer output equals autograd's (Activations) within
// float32 reassociation (1e-4 of 1 + the layer's largest magnitude; see
// nn's planTol), the logits are the last output, and the outputs of one
// Refresh stay as they were after the next one, on another model and
// another input.
func TestRefreshThroughPlan(t *testing.T) {
	a := newApp(t)
	a.SetTestSet(fakeSet(3, 2))
	var kept [][]float32
	var copies [][]float32
	for _, tc := range []struct {
		model string
		image int
	}{{"mnist", 0}, {"convnetjs", 1}, {"convnetjs", 2}, {"mnist", 1}} {
		if err := a.SetModel(tc.model); err != nil {
			t.Fatal(err)
		}
		a.State.Input.Kind, a.State.Input.Test = InputTest, tc.image
		a.Invalidate()
		a.Refresh()
		net := a.Current().Net
		want := Activations(net, a.ModelInput())
		if len(a.Acts) != len(want) {
			t.Fatalf("%s: %d layer outputs, want %d", tc.model, len(a.Acts), len(want))
		}
		for i, w := range want {
			g := a.Acts[i]
			if g.Name != w.Name || g.Kind != w.Kind || len(g.Data) != len(w.Data) || len(g.Shape) != len(w.Shape) {
				t.Fatalf("%s: Acts[%d] = %s %s %v (%d values), want %s %s %v (%d)", tc.model, i, g.Name, g.Kind, g.Shape, len(g.Data), w.Name, w.Kind, w.Shape, len(w.Data))
			}
			var scale float64
			for _, v := range w.Data {
				scale = max(scale, math.Abs(float64(v)))
			}
			for j := range w.Data {
				if d := math.Abs(float64(g.Data[j] - w.Data[j])); !(d <= 1e-4*(1+scale)) {
					t.Fatalf("%s image %d: Acts[%d %s].Data[%d] = %v, want %v", tc.model, tc.image, i, w.Name, j, g.Data[j], w.Data[j])
				}
			}
		}
		if last := a.Acts[len(a.Acts)-1].Data; &a.Logits[0] != &last[0] {
			t.Errorf("%s: Logits is not the last layer's output", tc.model)
		}
		for i, k := range kept {
			for j := range k {
				if k[j] != copies[i][j] {
					t.Fatalf("an earlier Refresh's output %d changed at %d: %v, was %v", i, j, k[j], copies[i][j])
				}
			}
		}
		for _, act := range a.Acts {
			kept = append(kept, act.Data)
			copies = append(copies, append([]float32(nil), act.Data...))
		}
	}
}
