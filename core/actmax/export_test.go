package actmax

import (
	"bytes"
	"image"
	"image/color"
	"image/gif"
	"image/png"
	"strings"
	"testing"

	"cnnviz/core/tensor"
)

func ramp(h, w int) *tensor.Tensor {
	t := tensor.New(1, h, w)
	for i := range t.Data {
		t.Data[i] = float32(i) / float32(len(t.Data)-1)
	}
	return t
}

func TestPaletteColors(t *testing.T) {
	cases := []struct {
		name string
		p    Palette
		i    int
		want color.RGBA
	}{
		{"gray-0", Gray, 0, color.RGBA{0, 0, 0, 255}},
		{"gray-128", Gray, 128, color.RGBA{128, 128, 128, 255}},
		{"viridis-0", Viridis, 0, color.RGBA{0x44, 0x01, 0x54, 255}},
		{"viridis-mid", Viridis, 255 / 2, color.RGBA{0x21, 0x90, 0x8c, 255}},
		{"viridis-255", Viridis, 255, color.RGBA{0xfd, 0xe7, 0x25, 255}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := c.p.Colors()[c.i].(color.RGBA)
			// Index 127 is value 0.498, just short of the anchor #21918c at 0.5.
			if d := int(got.G) - int(c.want.G); got.R != c.want.R || d < -1 || d > 1 || got.B != c.want.B {
				t.Errorf("Colors()[%d] = %v, want %v", c.i, got, c.want)
			}
		})
	}
}

// TestGIF decodes the animation and checks frames, sizes, delays and that
// each pixel's palette index is its value times 255.
func TestGIF(t *testing.T) {
	a, b := ramp(3, 4), ramp(3, 4)
	for i := range b.Data {
		b.Data[i] = 1 - b.Data[i]
	}
	data, err := GIF([]*tensor.Tensor{a, b}, Viridis, 2, 7)
	if err != nil {
		t.Fatal(err)
	}
	g, err := gif.DecodeAll(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Image) != 2 || g.Delay[0] != 7 || g.Delay[1] != 7 {
		t.Fatalf("GIF has %d frames with delays %v, want 2 with 7", len(g.Image), g.Delay)
	}
	for f, src := range []*tensor.Tensor{a, b} {
		img := g.Image[f]
		if img.Bounds() != image.Rect(0, 0, 8, 6) {
			t.Fatalf("frame %d is %v, want 8×6 (4×3 scaled by 2)", f, img.Bounds())
		}
		for y := range 6 {
			for x := range 8 {
				want := Viridis.Colors()[level(src.Data[(y/2)*4+x/2])]
				if got := img.At(x, y); !sameColor(got, want) {
					t.Fatalf("frame %d pixel (%d,%d) = %v, want %v", f, x, y, got, want)
				}
			}
		}
	}
}

func sameColor(a, b color.Color) bool {
	r1, g1, b1, a1 := a.RGBA()
	r2, g2, b2, a2 := b.RGBA()
	return r1 == r2 && g1 == g2 && b1 == b2 && a1 == a2
}

func TestPNG(t *testing.T) {
	src := ramp(2, 3)
	src.Data[0] = -1 // clamps to black
	data, err := PNG(src, Gray, 1)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	gray, ok := img.(*image.Gray)
	if !ok {
		t.Fatalf("PNG decodes to %T, want *image.Gray", img)
	}
	want := []uint8{0, 51, 102, 153, 204, 255}
	if !bytes.Equal(gray.Pix, want) {
		t.Errorf("PNG pixels = %v, want %v", gray.Pix, want)
	}
	rgb := tensor.New(3, 1, 2)
	copy(rgb.Data, []float32{1, 0, 0, 1, 0, 0.5})
	data, err = PNG(rgb, Gray, 3)
	if err != nil {
		t.Fatal(err)
	}
	img, _ = png.Decode(bytes.NewReader(data))
	if got, want := img.At(4, 2), (color.RGBA{0, 255, 128, 255}); !sameColor(got, want) || img.Bounds().Dx() != 6 {
		t.Errorf("RGB PNG pixel (4,2) = %v in %v, want %v in 6×3", got, img.Bounds(), want)
	}
}

func TestExportFromRun(t *testing.T) {
	m := convnetjs(t, 1)
	res, err := Maximize(m, Options{Objective: Objective{Layer: "conv1"}, Steps: 6, Snapshots: []int{0, 3, 6}})
	if err != nil {
		t.Fatal(err)
	}
	pngs, err := PNGFrames(res.Snapshots, Viridis, 1)
	if err != nil || len(pngs) != 3 {
		t.Fatalf("PNGFrames = %d frames, %v; want 3, nil", len(pngs), err)
	}
	data, err := GIF(Frames(res.Snapshots), Gray, 1, 10)
	if err != nil {
		t.Fatal(err)
	}
	g, err := gif.DecodeAll(bytes.NewReader(data))
	if err != nil || len(g.Image) != 3 {
		t.Fatalf("GIF of 3 snapshots decodes to %v frames, %v", len(g.Image), err)
	}
}

func TestExportErrors(t *testing.T) {
	cases := []struct {
		name string
		f    func() error
		want string
	}{
		{"no-frames", func() error { _, err := GIF(nil, Gray, 1, 1); return err }, "no frames"},
		{"mixed", func() error { _, err := GIF([]*tensor.Tensor{ramp(2, 2), ramp(3, 3)}, Gray, 1, 1); return err }, "frame 1"},
		{"channels", func() error { _, err := PNG(tensor.New(2, 3, 3), Gray, 1); return err }, "[1 or 3, H, W]"},
		{"scale", func() error { _, err := PNG(ramp(2, 2), Gray, 0); return err }, "scale 0"},
		{"nil", func() error { _, err := PNG(nil, Gray, 1); return err }, "nil"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := c.f(); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error = %v, want one containing %q", err, c.want)
			}
		})
	}
}
