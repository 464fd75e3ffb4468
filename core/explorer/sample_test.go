package explorer

import (
	"errors"
	"testing"

	"cnnviz/core/input"
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

// TestTestSetOnDemand checks what asks for the test set while it has not
// arrived: browsing beyond the built-in sample and whatever works on the
// whole set do, and fail with ErrTestLoading; steps within the sample go
// ahead; looking at the sample or drawing asks for nothing.
func TestTestSetOnDemand(t *testing.T) {
	tests := []struct {
		name      string
		act       func(a *App) error
		wantErr   bool // ErrTestLoading
		wantAsked bool // TestRequested afterwards
		wantImage int  // the test image shown afterwards, -1 for none
	}{
		{"first prediction on the sample", func(a *App) error { a.Refresh(); return nil }, false, false, 0},
		{"drawing", func(a *App) error {
			a.BeginStroke(input.Point{X: 5, Y: 5})
			a.ExtendStroke(input.Point{X: 20, Y: 20})
			a.EndStroke()
			a.Refresh()
			return nil
		}, false, false, -1},
		{"next within the sample", func(a *App) error { return a.StepTest(1) }, false, true, 1},
		{"three on within the sample", func(a *App) error { return a.StepTest(3) }, false, true, 3},
		{"back from the first image", func(a *App) error { return a.StepTest(-1) }, true, true, 0},
		{"next after the sample", func(a *App) error {
			a.State.Input.Test = SampleCount - 1
			return a.StepTest(1)
		}, true, true, SampleCount - 1},
		{"a sample image", func(a *App) error { return a.ShowTest(4) }, false, true, 4},
		{"an image beyond the sample", func(a *App) error { return a.ShowTest(SampleCount) }, true, true, 0},
		{"random image", func(a *App) error { return a.RandomTest() }, true, true, 0},
		{"next of a class", func(a *App) error { return a.NextOfClass(3) }, true, true, 0},
		{"misclassified only", func(a *App) error { a.MisOnly = true; return a.StepTest(1) }, true, true, 0},
		{"a link to an image beyond the sample", func(a *App) error {
			a.State.Input = Input{Kind: InputTest, Test: 42}
			a.Invalidate()
			a.Refresh()
			return nil
		}, false, true, 42},
		{"the set itself", func(a *App) error { _, err := a.TestSet(); return err }, true, true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := New()
			if err != nil {
				t.Fatal(err)
			}
			err = tt.act(a)
			if got := errors.Is(err, ErrTestLoading); got != tt.wantErr {
				t.Errorf("error %v, want ErrTestLoading: %v", err, tt.wantErr)
			}
			if got := a.TestRequested(); got != tt.wantAsked {
				t.Errorf("TestRequested() = %v, want %v", got, tt.wantAsked)
			}
			if a.TestRequested() {
				t.Errorf("TestRequested() = true twice for one need, want it reported once")
			}
			img := -1
			if a.State.Input.Kind == InputTest {
				img = a.State.Input.Test
			}
			if img != tt.wantImage {
				t.Errorf("input %+v, want test image %d", a.State.Input, tt.wantImage)
			}
			// Once the set is there, nothing asks for it any more.
			a.SetTestSet(fakeSet(50, 1))
			if _, err := a.TestSet(); err != nil || a.TestRequested() {
				t.Errorf("with the test set: TestSet() error %v, TestRequested() %v; want nil, false", err, a.TestRequested())
			}
		})
	}
}
