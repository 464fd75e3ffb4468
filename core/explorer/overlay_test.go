package explorer

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"testing"
)

// stripesPNG is a w×h picture of vertical black and white stripes,
// period pixels apart, in PNG.
func stripesPNG(t testing.TB, w, h, period int) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			if x%period < period/2 {
				img.Pix[y*img.Stride+x] = 255
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// edges counts the changes of more than 64 grey levels between
// neighbours along the middle row of img.
func edges(img *image.RGBA) int {
	y := img.Rect.Dy() / 2
	n := 0
	prev := -1
	for x := range img.Rect.Dx() {
		v := int(img.Pix[img.PixOffset(x, y)])
		if prev >= 0 && (v-prev > 64 || prev-v > 64) {
			n++
		}
		prev = v
	}
	return n
}

// TestOverlayOnPhoto checks that attribution maps of a colour model are
// drawn on the photo's crop at its own resolution (up to the overlay
// copy's), and on the model's input otherwise: an upload of 2048×2048
// pixels with stripes 32 pixels apart, which the 64×64 input averages to
// a flat grey, shows its stripes in the overlay at opacity 0 (512×512,
// 128 stripe edges along a row); the same upload drawn on the input shows
// none.
func TestOverlayOnPhoto(t *testing.T) {
	heat := []float32{0, 1, 2, 3}
	for _, tc := range []struct {
		name     string
		model    string
		setup    func(a *App) error
		base     string
		wantCrop image.Point // zero: no crop
		wantSize image.Point
		onPhoto  bool
		edges    [2]int // least and most
	}{
		{"stripes on the photo", "tinyvgg", func(a *App) error { return a.Upload(stripesPNG(t, 2048, 2048, 32)) },
			"photo", image.Pt(512, 512), image.Pt(512, 512), true, [2]int{120, 130}},
		{"stripes on the input", "tinyvgg", func(a *App) error { return a.Upload(stripesPNG(t, 2048, 2048, 32)) },
			"input", image.Pt(512, 512), image.Pt(512, 512), false, [2]int{0, 0}},
		{"a 3:2 upload", "tinyvgg", func(a *App) error { return a.Upload(stripesPNG(t, 2400, 1600, 24)) },
			"photo", image.Pt(533, 533), image.Pt(533, 533), true, [2]int{100, 200}},
		{"the sample photo, enlarged 4 times", "tinyvgg", func(a *App) error { return a.ShowPhoto("coffee") },
			"photo", image.Pt(128, 128), image.Pt(512, 512), true, [2]int{0, 512}},
		{"an upload smaller than the input", "tinyvgg", func(a *App) error { return a.Upload(stripesPNG(t, 50, 40, 4)) },
			"photo", image.Pt(40, 40), image.Pt(512, 512), false, [2]int{0, 512}},
		{"a grey model", "mnist", func(a *App) error { return a.Upload(stripesPNG(t, 600, 400, 8)) },
			"photo", image.Point{}, image.Pt(224, 224), false, [2]int{0, 224}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newApp(t)
			if err := a.SetModel(tc.model); err != nil {
				t.Fatal(err)
			}
			if err := tc.setup(a); err != nil {
				t.Fatal(err)
			}
			a.Refresh()
			crop := a.PhotoCrop()
			var got image.Point
			if crop != nil {
				got = crop.Rect.Size()
			}
			if got != tc.wantCrop {
				t.Errorf("PhotoCrop is %v (zero for none), want %v", got, tc.wantCrop)
			}
			d := DefaultAttrDisplay()
			d.Alpha, d.Base = 0, tc.base
			img, onPhoto := d.OverlayOn(a, 8, heat, 2, 2)
			if got := img.Rect.Size(); got != tc.wantSize || onPhoto != tc.onPhoto {
				t.Errorf("overlay %v on the photo %v, want %v and %v", got, onPhoto, tc.wantSize, tc.onPhoto)
			}
			if n := edges(img); n < tc.edges[0] || n > tc.edges[1] {
				t.Errorf("%d edges along the middle row, want %d..%d", n, tc.edges[0], tc.edges[1])
			}
			// At opacity 100 the map alone shows: its four values differ.
			d.Alpha = 100
			img, _ = d.OverlayOn(a, 8, heat, 2, 2)
			b := img.Rect
			if img.RGBAAt(0, 0) == img.RGBAAt(b.Dx()-1, b.Dy()-1) || img.RGBAAt(0, 0) == (color.RGBA{}) {
				t.Errorf("opacity 100: corners %v and %v, want the map's two ends", img.RGBAAt(0, 0), img.RGBAAt(b.Dx()-1, b.Dy()-1))
			}
		})
	}
}

// BenchmarkOverlayOnPhoto_1023 draws a 13×13 map on the crop of a
// 1023×1023 upload (the largest square crop an upload keeps). In wasm:
// GOOS=js GOARCH=wasm go test -run XXX -bench OverlayOnPhoto
// -exec="$(go env GOROOT)/lib/wasm/go_js_wasm_exec" ./core/explorer
func BenchmarkOverlayOnPhoto_1023(b *testing.B) {
	a, err := New()
	if err != nil {
		b.Fatal(err)
	}
	if err := a.SetModel("tinyvgg"); err != nil {
		b.Fatal(err)
	}
	if err := a.Upload(stripesPNG(b, 1023, 1023, 8)); err != nil {
		b.Fatal(err)
	}
	a.Refresh()
	heat := make([]float32, 13*13)
	for i := range heat {
		heat[i] = float32(i)
	}
	d := DefaultAttrDisplay()
	if img, onPhoto := d.OverlayOn(a, 8, heat, 13, 13); img.Rect.Dx() != 1023 || !onPhoto {
		b.Fatalf("overlay %v on the photo %v, want 1023 wide on the photo", img.Rect, onPhoto)
	}
	for b.Loop() {
		d.OverlayOn(a, 8, heat, 13, 13)
	}
}
