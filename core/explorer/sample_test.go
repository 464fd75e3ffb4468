package explorer

import (
	"testing"

	"cnnviz/models/mnist"
)

// TestPredictsBeforeTestSet checks that the first test images are shown
// and predicted from the built-in sample before the test set arrives, that
// later ones wait for it, and that its arrival changes nothing for an
// image the sample holds.
func TestPredictsBeforeTestSet(t *testing.T) {
	a, err := New()
	if err != nil {
		t.Fatal(err)
	}
	s, _ := Sample()
	tests := []struct {
		image     int
		wantReady bool
		wantLabel int
	}{
		{0, true, int(s.Labels[0])},
		{SampleCount - 1, true, int(s.Labels[SampleCount-1])},
		{SampleCount, false, -1},
		{42, false, -1},
	}
	for _, tt := range tests {
		a.State.Input = Input{Kind: InputTest, Test: tt.image}
		a.Invalidate()
		if !a.Refresh() {
			t.Fatalf("test image %d: Refresh() = false, want a new prediction", tt.image)
		}
		if got := a.InputReady(); got != tt.wantReady {
			t.Errorf("test image %d without the test set: InputReady() = %v, want %v", tt.image, got, tt.wantReady)
		}
		if got := a.Label(); got != tt.wantLabel {
			t.Errorf("test image %d without the test set: Label() = %d, want %d", tt.image, got, tt.wantLabel)
		}
		ink := 0
		for _, p := range a.Pixels {
			if p > 0 {
				ink++
			}
		}
		if gotInk := ink > 0; gotInk != tt.wantReady {
			t.Errorf("test image %d without the test set: %d inked pixels, want ink: %v", tt.image, ink, tt.wantReady)
		}
	}
	// The shipped mnist model reads the sample's 7 as a 7.
	a.State.Input = Input{Kind: InputTest, Test: 0}
	a.Invalidate()
	a.Refresh()
	if got, want := a.Predicted(), int(s.Labels[0]); got != want {
		t.Errorf("model %s predicts %d for the sample's first image, want %d", a.State.Model, got, want)
	}
	before := append([]float32(nil), a.Probs...)

	// A test set whose first images are the sample's: the same input.
	set := &mnist.Set{Count: SampleCount + 5, Rows: s.Rows, Cols: s.Cols,
		Images: append(append([]byte(nil), s.Images...), make([]byte, 5*s.Rows*s.Cols)...),
		Labels: append(append([]uint8(nil), s.Labels...), 1, 2, 3, 4, 5)}
	a.SetTestSet(set)
	a.Refresh()
	for i := range before {
		if a.Probs[i] != before[i] {
			t.Fatalf("probabilities changed when the test set arrived: %v, want %v", a.Probs, before)
		}
	}
	a.State.Input = Input{Kind: InputTest, Test: SampleCount + 2}
	a.Invalidate()
	a.Refresh()
	if !a.InputReady() || a.Label() != 3 {
		t.Errorf("test image %d with the test set: InputReady() = %v, Label() = %d, want true, 3", SampleCount+2, a.InputReady(), a.Label())
	}
}
