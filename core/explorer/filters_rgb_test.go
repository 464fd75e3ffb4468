package explorer

import "testing"

func TestFiltersRGB(t *testing.T) {
	a := newApp(t)
	if err := a.SetModel("tinyvgg"); err != nil {
		t.Fatal(err)
	}
	net := a.Current().Net
	var convs []int
	for i, l := range net.Spec.Layers {
		if l.Kind == "conv2d" {
			convs = append(convs, i)
		}
	}
	first, second := FiltersOf(a, convs[0]), FiltersOf(a, convs[1])
	if !first.RGB(a) || second.RGB(a) {
		t.Fatalf("RGB: first conv %v, second %v; want true, false", first.RGB(a), second.RGB(a))
	}
	const tile, gap = 6, 2
	img := first.RGBStrip(tile, gap)
	if b := img.Bounds(); b.Dx() != tile || b.Dy() != first.F*(tile+gap)-gap {
		t.Fatalf("strip size %v, want %d×%d", b, tile, first.F*(tile+gap)-gap)
	}
	// Each 2×2 block of the strip is one weight triple of the filter.
	m := first.Scale.Max
	for i := range first.F {
		for c := range 3 {
			w := first.Kernel(i, c)[first.KW+1] // row 1, column 1
			want := (float64(w)/m + 1) / 2 * 255
			got := img.Pix[img.PixOffset(tile/first.KW+1, i*(tile+gap)+tile/first.KH+1)+c]
			if d := float64(got) - want; d > 1 || d < -1 {
				t.Errorf("filter %d channel %d: got %d, want %.1f", i, c, got, want)
			}
		}
	}
	a2 := newApp(t) // a grey model has no colour filters
	if FiltersOf(a2, 0).RGB(a2) {
		t.Error("mnist's conv1 reports RGB filters")
	}
}

func TestOverlayOnColourInput(t *testing.T) {
	// A 2×2 colour picture: red, green / blue, white.
	pix := []float32{
		1, 0, 0, 1, // red plane
		0, 1, 0, 1, // green plane
		0, 0, 1, 1, // blue plane
	}
	m := []float32{0, 1, 2, 3}
	want := [][3]uint8{{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {255, 255, 255}}
	for _, tc := range []struct {
		alpha int
		photo bool // the picture shows through unchanged
	}{{0, true}, {100, false}} {
		d := AttrDisplay{Colormap: "auto", Interp: "nearest", Alpha: tc.alpha}
		img := d.Overlay(pix, 2, 2, 3, m, 2, 2)
		if b := img.Bounds(); b.Dx() != 6 || b.Dy() != 6 {
			t.Fatalf("overlay size %v, want 6×6", b)
		}
		for i, w := range want {
			x, y := 3*(i%2)+1, 3*(i/2)+1
			p := img.Pix[img.PixOffset(x, y):]
			got := [3]uint8{p[0], p[1], p[2]}
			if tc.photo && got != w {
				t.Errorf("alpha 0, pixel %d: got %v, want the photo's %v", i, got, w)
			}
			if !tc.photo && i == 3 && got == w {
				t.Errorf("alpha 100, pixel %d: got the photo's %v, want the map's colour", i, got)
			}
		}
	}
}
