package input

import (
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"testing"
)

// TestColourAreaAverage checks the resize against averages computed by
// hand: a 2×2 checkerboard of red and blue halves to a constant, and a
// 6×3 gradient shrunk by three averages each block of three columns.
func TestColourAreaAverage(t *testing.T) {
	checker := image.NewNRGBA(image.Rect(0, 0, 4, 4))
	for y := range 4 {
		for x := range 4 {
			if (x+y)%2 == 0 {
				checker.Set(x, y, color.NRGBA{255, 0, 0, 255})
			} else {
				checker.Set(x, y, color.NRGBA{0, 0, 255, 255})
			}
		}
	}
	got, err := Colour(checker, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := []float32{0.5, 0.5, 0.5, 0.5, 0, 0, 0, 0, 0.5, 0.5, 0.5, 0.5}
	for i := range want {
		if math.Abs(float64(got[i]-want[i])) > 1e-6 {
			t.Fatalf("Colour(checker, 2, 2) = %v, want %v", got, want)
		}
	}

	// 9×3 grey ramp 0, 30, ..., 240 with a 3-pixel-wide red band on the
	// left and right: the 3×3 centre crop is the middle three columns.
	ramp := image.NewRGBA(image.Rect(10, 20, 19, 23))
	for y := range 3 {
		for x := range 9 {
			v := uint8(30 * x)
			c := color.RGBA{v, v, v, 255}
			if x < 3 || x >= 6 {
				c = color.RGBA{255, 0, 0, 255}
			}
			ramp.Set(10+x, 20+y, c)
		}
	}
	tests := []struct {
		w, h int
		want []float32 // the green plane
	}{
		{3, 3, []float32{90, 120, 150, 90, 120, 150, 90, 120, 150}},
		{1, 1, []float32{120}},
		// 3 columns into 2: the first output covers column 0 and half of
		// column 1: (90 + 0.5·120) / 1.5 = 100.
		{2, 2, []float32{100, 140, 100, 140}},
		// Upscaling copies: 3 → 6 gives each column twice.
		{6, 6, []float32{90, 90, 120, 120, 150, 150}},
	}
	for _, tc := range tests {
		got, err := Colour(ramp, tc.w, tc.h)
		if err != nil {
			t.Fatal(err)
		}
		green := got[tc.w*tc.h : 2*tc.w*tc.h]
		for i, w := range tc.want {
			if d := math.Abs(float64(green[i]*255 - w)); d > 1e-3 {
				t.Errorf("Colour(ramp, %d, %d) green = %v, want %v (·1/255)", tc.w, tc.h, green, tc.want)
				break
			}
		}
	}
}

// TestColourAspect checks the centre crop of a tall image: only its
// middle square survives.
func TestColourAspect(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 10, 30))
	for y := range 30 {
		for x := range 10 {
			c := color.RGBA{0, 0, 0, 255}
			if y >= 10 && y < 20 {
				c = color.RGBA{0, 255, 0, 255}
			}
			img.Set(x, y, c)
		}
	}
	got, err := Colour(img, 4, 4)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range got {
		want := float32(0)
		if i/16 == 1 {
			want = 1
		}
		if v != want {
			t.Fatalf("Colour(tall)[%d] = %v, want %v", i, v, want)
		}
	}
	if _, err := Colour(img, 0, 4); err == nil {
		t.Errorf("Colour(img, 0, 4) gave no error")
	}
	if _, err := Colour(image.NewRGBA(image.Rectangle{}), 4, 4); err == nil {
		t.Errorf("Colour(empty image) gave no error")
	}
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

// BenchmarkColour_600x400to64 resizes the coffee photo to Tiny VGG's input.
func BenchmarkColour_600x400to64(b *testing.B) {
	img := readPNG(b, "../../testdata/photos/coffee.png")
	for b.Loop() {
		if _, err := Colour(img, 64, 64); err != nil {
			b.Fatal(err)
		}
	}
}

func TestCentreCrop(t *testing.T) {
	for _, tc := range []struct {
		b    image.Rectangle
		w, h int
		want image.Rectangle
	}{
		{image.Rect(0, 0, 600, 400), 64, 64, image.Rect(100, 0, 500, 400)},
		{image.Rect(0, 0, 400, 600), 64, 64, image.Rect(0, 100, 400, 500)},
		{image.Rect(0, 0, 451, 300), 64, 32, image.Rect(0, 37, 451, 262)},
		{image.Rect(10, 20, 30, 25), 1, 1, image.Rect(17, 20, 22, 25)},
		{image.Rect(5, 5, 5, 9), 4, 4, image.Rect(5, 5, 5, 5)},
	} {
		if got := CentreCrop(tc.b, tc.w, tc.h); got != tc.want {
			t.Errorf("CentreCrop(%v, %d, %d) = %v, want %v", tc.b, tc.w, tc.h, got, tc.want)
		}
	}
}
