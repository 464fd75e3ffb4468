package explorer

import (
	"bytes"
	"errors"
	"image"
	"image/png"
	"math"
	"os"
	"reflect"
	"strings"
	"testing"

	"cnnviz/core/input"
)

// nativeColour is a colour model's input for a picture file, computed
// without the App.
func nativeColour(t *testing.T, b []byte, w, h int) []float32 {
	t.Helper()
	img, err := input.DecodeImage(b)
	if err != nil {
		t.Fatal(err)
	}
	x, err := input.Colour(img, w, h)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func TestColourModelInputs(t *testing.T) {
	full, err := os.ReadFile("../../testdata/photos/coffee.png")
	if err != nil {
		t.Fatal(err)
	}
	sample, err := photoFS.ReadFile("photos/coffee.png")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		setup func(a *App) error
		file  []byte // the picture the input must come from
		kind  InputKind
	}{
		{"selecting tinyvgg shows a sample photo", func(a *App) error { return a.SetModel("tinyvgg") }, sample, InputPhoto},
		{"an upload", func(a *App) error {
			if err := a.SetModel("tinyvgg"); err != nil {
				return err
			}
			return a.Upload(full)
		}, full, InputUpload},
		{"an upload before the model", func(a *App) error {
			if err := a.Upload(full); err != nil {
				return err
			}
			return a.SetModel("tinyvgg")
		}, full, InputUpload},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newApp(t)
			if err := tc.setup(a); err != nil {
				t.Fatal(err)
			}
			a.Refresh()
			if got := a.State.Input.Kind; got != tc.kind {
				t.Fatalf("input kind: got %v, want %v", got, tc.kind)
			}
			want := nativeColour(t, tc.file, 64, 64)
			if got := a.ModelInput(); !reflect.DeepEqual(got, want) {
				t.Fatalf("ModelInput differs from input.Colour of the file (%d values, want %d)", len(got), len(want))
			}
			logits, probs := Predict(a.Current().Net, want)
			// The page's Plan and Predict sum in different orders.
			for i := range logits {
				if d := math.Abs(float64(a.Logits[i] - logits[i])); d > 1e-4*(1+math.Abs(float64(logits[i]))) {
					t.Errorf("logit %d: got %v, want %v", i, a.Logits[i], logits[i])
				}
			}
			p := a.Predicted()
			if got := a.Current().Net.Spec.Classes[p]; got != "espresso" || probs[p] < 0.5 {
				t.Errorf("prediction: got %q p=%.3f, want espresso with p above 0.5", got, probs[p])
			}
			img := a.InputImage()
			if b := img.Bounds(); b.Dx() != 64 || b.Dy() != 64 {
				t.Fatalf("InputImage is %v, want 64×64", b)
			}
			coloured := 0
			for i := 0; i < len(img.Pix); i += 4 {
				if img.Pix[i] != img.Pix[i+1] || img.Pix[i+1] != img.Pix[i+2] {
					coloured++
				}
			}
			if coloured < 64*64/2 {
				t.Errorf("InputImage has %d coloured pixels of %d, want most", coloured, 64*64)
			}
			// Back to a grey model: the input is the photo as ink.
			if err := a.SetModel("mnist"); err != nil {
				t.Fatal(err)
			}
			a.Refresh()
			if got := len(a.ModelInput()); got != 28*28 {
				t.Errorf("mnist input: got %d values, want 784", got)
			}
		})
	}
}

func TestPhotoLinks(t *testing.T) {
	a := newApp(t)
	if err := a.SetModel("tinyvgg"); err != nil {
		t.Fatal(err)
	}
	h := EncodeHash(a.State)
	if !strings.Contains(h, "in=pcoffee") {
		t.Fatalf("link %q, want it to name the photo (in=pcoffee)", h)
	}
	s, err := DecodeHash(h)
	if err != nil {
		t.Fatal(err)
	}
	b := newApp(t)
	if err := b.Apply(s); err != nil {
		t.Fatal(err)
	}
	a.Refresh()
	b.Refresh()
	if !reflect.DeepEqual(a.ModelInput(), b.ModelInput()) || b.State.Input.Photo != "coffee" {
		t.Errorf("the link did not restore the photo input: %+v", b.State.Input)
	}
	// A link to a colour model with a grey input opens on a sample photo.
	s, err = DecodeHash("#model=tinyvgg&in=t3")
	if err != nil {
		t.Fatal(err)
	}
	c := newApp(t)
	if err := c.Apply(s); err != nil || c.State.Input.Kind != InputPhoto {
		t.Errorf("link to tinyvgg with a test image: got input %+v, error %v; want a sample photo", c.State.Input, err)
	}
	for _, tc := range []struct{ hash, wantErr string }{
		{"#model=tinyvgg&in=pnope", `no sample photo "nope"`},
		{"#in=p", `"p" is not a photo name`},
	} {
		s, err := DecodeHash(tc.hash)
		if err == nil {
			err = newApp(t).Apply(s)
		}
		if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("%s: got error %v, want one containing %q", tc.hash, err, tc.wantErr)
		}
	}
}

func TestColourModelIsNotScanned(t *testing.T) {
	a := newApp(t)
	a.SetTestSet(fakeSet(50, 3))
	if err := a.SetModel("tinyvgg"); err != nil {
		t.Fatal(err)
	}
	if s, n, w := a.ScanProgress(); s != 0 || n != 0 || w != 0 {
		t.Errorf("ScanProgress under tinyvgg: got %d of %d, %d wrong; want 0, 0, 0 (no scan to wait for)", s, n, w)
	}
	err := DigitsModel(a.Current().Net, "the embedding")
	if !errors.Is(err, ErrNotDigits) || !strings.Contains(err.Error(), "64×64 colour photos") {
		t.Errorf("DigitsModel(tinyvgg): got %v, want ErrNotDigits naming the photo size", err)
	}
	if err := DigitsModel(a.Model("mnist").Net, "the embedding"); err != nil {
		t.Errorf("DigitsModel(mnist): got %v, want nil", err)
	}
}

// TestColourModelBrowsesNoDigits checks that the test-set browsing calls
// refuse under a colour model and leave its photo in place.
func TestColourModelBrowsesNoDigits(t *testing.T) {
	a := newApp(t)
	a.SetTestSet(fakeSet(50, 3))
	if err := a.SetModel("tinyvgg"); err != nil {
		t.Fatal(err)
	}
	before := a.State.Input
	for _, tc := range []struct {
		name string
		call func() error
	}{
		{"next", func() error { return a.StepTest(1) }},
		{"previous", func() error { return a.StepTest(-1) }},
		{"next of class 3", func() error { return a.NextOfClass(3) }},
		{"random", a.RandomTest},
	} {
		err := tc.call()
		if err == nil || !strings.Contains(err.Error(), "colour photos, not MNIST digits") {
			t.Errorf("%s under tinyvgg: got %v, want an error saying it takes colour photos", tc.name, err)
		}
		if !reflect.DeepEqual(a.State.Input, before) {
			t.Errorf("%s under tinyvgg changed the input from %+v to %+v", tc.name, before, a.State.Input)
		}
	}
	if a.DigitsFit() {
		t.Errorf("DigitsFit under tinyvgg = true")
	}
	if err := a.SetModel("mnist"); err != nil {
		t.Fatal(err)
	}
	if err := a.StepTest(1); err != nil || !a.DigitsFit() {
		t.Errorf("next under mnist: %v (DigitsFit %v)", err, a.DigitsFit())
	}
}

// TestDigitModelLeavesPhotos switches from a digit model to a colour
// model and back: the colour model starts on a sample photo, and the
// digit model comes back to the test image it showed, from a photo or
// the camera alike; an upload stays.
func TestDigitModelLeavesPhotos(t *testing.T) {
	a := newApp(t)
	a.SetTestSet(fakeSet(50, 3))
	if err := a.ShowTest(42); err != nil {
		t.Fatal(err)
	}
	if err := a.SetModel("tinyvgg"); err != nil {
		t.Fatal(err)
	}
	if in := a.State.Input; in.Kind != InputPhoto {
		t.Fatalf("tinyvgg starts on %+v, want a sample photo", in)
	}
	if err := a.SetModel("mnist"); err != nil {
		t.Fatal(err)
	}
	if in := a.State.Input; in.Kind != InputTest || in.Test != 42 {
		t.Errorf("back under mnist from a photo: input %+v, want test image 42", in)
	}
	a.Refresh()
	fresh := newApp(t)
	fresh.SetTestSet(a.Test)
	if err := fresh.ShowTest(42); err != nil {
		t.Fatal(err)
	}
	fresh.Refresh()
	if !reflect.DeepEqual(a.Pixels, fresh.Pixels) {
		t.Errorf("back under mnist: the pixels are not test image 42's")
	}
	// From the camera.
	if err := a.SetModel("tinyvgg"); err != nil {
		t.Fatal(err)
	}
	frame := image.NewRGBA(image.Rect(0, 0, 32, 32))
	if err := a.UseFrame(frame); err != nil {
		t.Fatal(err)
	}
	if err := a.SetModel("convnetjs"); err != nil {
		t.Fatal(err)
	}
	if in := a.State.Input; in.Kind != InputTest || in.Test != 42 {
		t.Errorf("back under convnetjs from the camera: input %+v, want test image 42", in)
	}
}

func TestUseFrame(t *testing.T) {
	a := newApp(t)
	frame := image.NewRGBA(image.Rect(0, 0, 160, 120))
	for i := 0; i < len(frame.Pix); i += 4 {
		frame.Pix[i], frame.Pix[i+1], frame.Pix[i+2], frame.Pix[i+3] = 200, 40, 30, 255
	}
	if err := a.UseFrame(frame); err == nil || !strings.Contains(err.Error(), "camera feeds colour models") {
		t.Fatalf("a frame under mnist: got error %v, want one saying the camera feeds colour models", err)
	}
	if err := a.SetModel("tinyvgg"); err != nil {
		t.Fatal(err)
	}
	if err := a.UseFrame(image.NewRGBA(image.Rect(0, 0, 0, 0))); err == nil {
		t.Error("an empty frame gave no error")
	}
	for n := 1; n <= 2; n++ {
		if err := a.UseFrame(frame); err != nil {
			t.Fatal(err)
		}
		if !a.Refresh() || a.Frames != n || a.State.Input.Kind != InputCamera {
			t.Fatalf("frame %d: refreshed, %d frames, input %v; want a recomputation, %d, camera", n, a.Frames, a.State.Input.Kind, n)
		}
	}
	want := nativeColourImage(t, frame, 64, 64)
	if got := a.ModelInput(); !reflect.DeepEqual(got, want) {
		t.Errorf("ModelInput is not input.Colour of the frame")
	}
	if h := EncodeHash(a.State); strings.Contains(h, "in=") {
		t.Errorf("link %q names the camera input; want it left out, like an upload", h)
	}
}

func nativeColourImage(t *testing.T, img image.Image, w, h int) []float32 {
	t.Helper()
	x, err := input.Colour(img, w, h)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// TestLargeUploadColourCopy uploads a photo three times the size of
// coffee.png: the colour copy kept is shrunk by a whole factor, and the
// model's input is close to input.Colour of the whole picture.
func TestLargeUploadColourCopy(t *testing.T) {
	b, err := os.ReadFile("../../testdata/photos/coffee.png")
	if err != nil {
		t.Fatal(err)
	}
	small, err := input.DecodeImage(b)
	if err != nil {
		t.Fatal(err)
	}
	sb := small.Bounds()
	big := image.NewRGBA(image.Rect(0, 0, 3*sb.Dx()+2, 3*sb.Dy()+1))
	for y := range big.Rect.Dy() {
		for x := range big.Rect.Dx() {
			big.Set(x, y, small.At(sb.Min.X+min(x/3, sb.Dx()-1), sb.Min.Y+min(y/3, sb.Dy()-1)))
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, big); err != nil {
		t.Fatal(err)
	}
	a := newApp(t)
	if err := a.SetModel("tinyvgg"); err != nil {
		t.Fatal(err)
	}
	if err := a.Upload(buf.Bytes()); err != nil {
		t.Fatal(err)
	}
	if kb := a.photo.Bounds(); min(kb.Dx(), kb.Dy()) < photoSide || min(kb.Dx(), kb.Dy()) >= 2*photoSide {
		t.Errorf("colour copy %v, want its short side in %d..%d", kb, photoSide, 2*photoSide-1)
	}
	want := nativeColourImage(t, big, 64, 64)
	x := a.ModelInput()
	worst, mean := 0.0, 0.0
	for i, v := range x {
		d := math.Abs(float64(v - want[i]))
		worst, mean = max(worst, d), mean+d/float64(len(x))
	}
	if mean > 0.01 || worst > 0.1 {
		t.Errorf("input from the shrunk copy differs from input.Colour of the whole picture by %.4f on average, %.3f at most; want under 0.01 and 0.1", mean, worst)
	}
	_, pGot := Predict(a.Current().Net, x)
	_, pWant := Predict(a.Current().Net, want)
	for i := range pWant {
		if d := math.Abs(float64(pGot[i] - pWant[i])); d > 0.03 {
			t.Errorf("p(%s) = %.4f from the shrunk copy, %.4f from the whole picture; want within 0.03", a.Current().Net.Spec.Classes[i], pGot[i], pWant[i])
		}
	}
	t.Logf("input difference %.4f on average, %.4f at most", mean, worst)
}
