package input

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"strings"
	"testing"
)

// paper returns a w×h noisy light picture with a dark bar, which
// compresses about as badly as a photo.
func paper(w, h int) *image.NRGBA {
	r := rand.New(rand.NewPCG(uint64(w), uint64(h)))
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := uint8(190 + r.IntN(40))
			if x > w*2/5 && x < w*3/5 && y > h/5 && y < h*4/5 {
				v = uint8(20 + r.IntN(40))
			}
			img.SetNRGBA(x, y, color.NRGBA{v, v, v - 10, 255})
		}
	}
	return img
}

func encodings(t *testing.T, img image.Image) map[string][]byte {
	t.Helper()
	var p, j bytes.Buffer
	if err := png.Encode(&p, img); err != nil {
		t.Fatal(err)
	}
	if err := jpeg.Encode(&j, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return map[string][]byte{"PNG": p.Bytes(), "JPEG": j.Bytes()}
}

func TestUploadMatchesDecode(t *testing.T) {
	for _, size := range []image.Point{{40, 30}, {900, 700}} {
		for format, b := range encodings(t, paper(size.X, size.Y)) {
			t.Run(format+"_"+size.String(), func(t *testing.T) {
				want, err := Decode(b)
				if err != nil {
					t.Fatal(err)
				}
				u, err := NewUpload(b)
				if err != nil {
					t.Fatal(err)
				}
				steps, decodeSteps := 0, 0
				last, lastPos := -1.0, 0
				for {
					decoding := u.Decoding()
					done := u.Step()
					steps++
					if decoding {
						decodeSteps++
					}
					if read := u.dec.pos - lastPos; read > StepBytes {
						t.Fatalf("step %d let the decoder read %d bytes, want at most %d", steps, read, StepBytes)
					}
					lastPos = u.dec.pos
					p := u.Progress()
					if p < last || (p == 1) != done {
						t.Fatalf("step %d: Progress %v after %v, done %v: want it not falling, 1 exactly when done", steps, p, last, done)
					}
					last = p
					if done {
						break
					}
					if g, err := u.Result(); g != nil || err != nil {
						t.Fatalf("Result before done = %v, %v; want nil, nil", g, err)
					}
				}
				if min := len(b) / StepBytes; decodeSteps < min {
					t.Errorf("%d decoding steps for %d bytes, want at least %d", decodeSteps, len(b), min)
				}
				got, err := u.Result()
				if err != nil {
					t.Fatal(err)
				}
				if got.W != want.W || got.H != want.H {
					t.Fatalf("Upload size %d×%d, Decode %d×%d", got.W, got.H, want.W, want.H)
				}
				for i := range want.Pix {
					if got.Pix[i] != want.Pix[i] {
						t.Fatalf("pixel %d: Upload %v, Decode %v", i, got.Pix[i], want.Pix[i])
					}
				}
			})
		}
	}
}

func TestUploadErrors(t *testing.T) {
	files := encodings(t, paper(300, 200))
	if _, err := NewUpload([]byte("just some text")); err == nil || !strings.HasPrefix(err.Error(), "not a PNG or JPEG image") {
		t.Errorf("NewUpload(text) error = %v, want one starting %q", err, "not a PNG or JPEG image")
	}
	for format, b := range files {
		t.Run(format, func(t *testing.T) {
			u, err := NewUpload(b[:len(b)*2/3])
			if err != nil {
				t.Fatal(err)
			}
			for !u.Step() {
			}
			want := "this " + format + " image is cut short"
			if g, err := u.Result(); g != nil || err == nil || !strings.HasPrefix(err.Error(), want) {
				t.Errorf("Upload of a file cut short: %v, %v; want an error starting %q", g, err, want)
			}
		})
	}
}

func TestUploadStop(t *testing.T) {
	b := encodings(t, paper(600, 600))["PNG"]
	u, err := NewUpload(b)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if u.Step() {
			t.Fatal("a 600×600 PNG decoded in 3 steps")
		}
	}
	u.Stop()
	select {
	case <-u.dec.done:
	default:
		t.Fatal("the decoder goroutine still runs after Stop")
	}
	if g, err := u.Result(); g != nil || err == nil || !strings.Contains(err.Error(), "abandoned") {
		t.Errorf("Result after Stop = %v, %v; want the abandoned error", g, err)
	}
	// Stopping before the first step or after the end is harmless.
	v, _ := NewUpload(b)
	v.Stop()
	w, _ := NewUpload(b)
	for !w.Step() {
	}
	w.Stop()
	if g, err := w.Result(); g == nil || err != nil {
		t.Errorf("Result after the end and Stop = %v, %v; want the image", g, err)
	}
}
