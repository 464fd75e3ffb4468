package render

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden PNG files in testdata/")

// golden compares img pixel by pixel with testdata/name.png, or rewrites
// that file when -update is given. On a difference it reports how many
// pixels differ, the largest channel difference and the first few pixels,
// and writes the new image beside the system temporary files for viewing.
func golden(t *testing.T, name string, img *image.RGBA) {
	t.Helper()
	path := filepath.Join("testdata", name+".png")
	if *update {
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("%v (run go test ./core/render -update to create it)", err)
	}
	defer f.Close()
	want, err := png.Decode(f)
	if err != nil {
		t.Fatalf("decoding %s: %v", path, err)
	}
	if d := diffImages(img, want); d != "" {
		out := filepath.Join(os.TempDir(), "cnnviz-render-"+name+".png")
		var buf bytes.Buffer
		if png.Encode(&buf, img) == nil && os.WriteFile(out, buf.Bytes(), 0o644) == nil {
			d += "\nnew image written to " + out
		}
		t.Errorf("%s differs from %s:\n%s", name, path, d)
	}
}

// diffImages describes how got differs from want, or returns "".
func diffImages(got *image.RGBA, want image.Image) string {
	if got.Bounds().Size() != want.Bounds().Size() {
		return fmt.Sprintf("size %v, want %v", got.Bounds().Size(), want.Bounds().Size())
	}
	var b strings.Builder
	n, worst := 0, 0
	wb := want.Bounds()
	for y := range wb.Dy() {
		for x := range wb.Dx() {
			g := got.RGBAAt(got.Rect.Min.X+x, got.Rect.Min.Y+y)
			r, gg, bb, a := want.At(wb.Min.X+x, wb.Min.Y+y).RGBA()
			w := [4]int{int(r >> 8), int(gg >> 8), int(bb >> 8), int(a >> 8)}
			h := [4]int{int(g.R), int(g.G), int(g.B), int(g.A)}
			if w == h {
				continue
			}
			d := 0
			for i := range 4 {
				d = max(d, abs(h[i]-w[i]))
			}
			worst = max(worst, d)
			if n < 10 {
				fmt.Fprintf(&b, "  pixel (%d, %d) = rgba%v, want rgba%v (off by %d)\n", x, y, h, w, d)
			}
			n++
		}
	}
	if n == 0 {
		return ""
	}
	fmt.Fprintf(&b, "%d of %d pixels differ, by at most %d", n, wb.Dx()*wb.Dy(), worst)
	return b.String()
}

// ramp returns an h×w map rising from lo at the top-left to hi at the
// bottom-right.
func ramp(h, w int, lo, hi float32) []float32 {
	d := make([]float32, h*w)
	for i := range d {
		y, x := i/w, i%w
		d[i] = lo + (hi-lo)*float32(x+y)/float32(h+w-2)
	}
	return d
}

// digitImage returns a 28×28 grey test image: a ring, like a zero.
func digitImage() *image.Gray {
	g := image.NewGray(image.Rect(0, 0, 28, 28))
	for y := range 28 {
		for x := range 28 {
			dx, dy := float64(x)-13.5, (float64(y)-13.5)*0.8
			r := dx*dx + dy*dy
			if r > 40 && r < 90 {
				g.Pix[y*28+x] = 255
			}
		}
	}
	return g
}

func TestGolden(t *testing.T) {
	heat := []float32{ // 4×4 attribution: strong top-right, negative bottom-left
		0, 0.2, 0.8, 1,
		0, 0.1, 0.5, 0.8,
		-0.2, 0, 0.1, 0.2,
		-0.5, -0.2, 0, 0,
	}
	maps := make([][]float32, 10)
	scales := make([]Scale, 10)
	for i := range maps {
		maps[i] = ramp(6, 6, float32(-i), float32(i*i))
		scales[i] = Fit(false, maps[i])
	}
	xy := make([]float32, 0, 60)
	labels := make([]int, 0, 30)
	for i := range 30 {
		c := i % 3
		xy = append(xy, float32(c*10+i%7), float32(c*5-i%5))
		labels = append(labels, c*4)
	}
	tests := []struct {
		name string
		img  func() *image.RGBA
	}{
		{"heatmap_viridis", func() *image.RGBA { m := ramp(8, 12, 0, 1); return Heatmap(m, 8, 12, Fit(false, m), Viridis, 4) }},
		{"heatmap_diverging", func() *image.RGBA {
			m := ramp(8, 12, -1, 3)
			return Heatmap(m, 8, 12, Fit(true, m), Diverging, 4)
		}},
		{"heatmap_grey", func() *image.RGBA { m := ramp(5, 5, 2, 7); return Heatmap(m, 5, 5, Fit(false, m), Grey, 3) }},
		{"grid_per_tile", func() *image.RGBA {
			return Grid(maps, Layout(10, 6, 6, 4, 3, 2), scales, Viridis, Background)
		}},
		{"grid_shared", func() *image.RGBA {
			return Grid(maps, Layout(10, 6, 6, 0, 3, 1), []Scale{Fit(false, maps...)}, Viridis, Faint)
		}},
		{"colorbar_unsigned", func() *image.RGBA { return ColorBar(Scale{Min: 0, Max: 2.5}, Viridis, 60, 8, 5) }},
		{"colorbar_signed", func() *image.RGBA { return ColorBar(Scale{Min: -3e-5, Max: 1e-5, Signed: true}, Diverging, 60, 8, 3) }},
		{"colorbar_constant", func() *image.RGBA { return ColorBar(Fit(false, []float32{4, 4}), Viridis, 20, 6, 4) }},
		{"overlay_nearest", func() *image.RGBA {
			return Overlay(digitImage(), heat, 4, 4, Fit(true, heat), Diverging, 0.5, false)
		}},
		{"overlay_bilinear", func() *image.RGBA {
			return Overlay(digitImage(), heat, 4, 4, Fit(false, heat), Viridis, 0.6, true)
		}},
		{"bars", func() *image.RGBA {
			return Bars([]float64{0.01, 0.02, 0.9, 0.03, 0, 0, 0.04, 0, 0, 1.2}, []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}, 2, 60)
		}},
		{"histogram", func() *image.RGBA {
			v := make([]float32, 200)
			for i := range v {
				v[i] = float32(i%20) * float32(i%7) / 10
			}
			return Histogram(v, 12, 120, 70)
		}},
		{"linechart", func() *image.RGBA {
			return LineChart(140, 80,
				Series{Label: "sparsity", Y: []float64{0.1, 0.45, 0.5, 0.62, 0.7}, Color: Categorical[0]},
				Series{Label: "blank", X: []float64{0, 1, 2, 3, 4}, Y: []float64{0, 0.05, 0.1, 0.3, 0.2}, Color: Categorical[1]})
		}},
		{"scatter", func() *image.RGBA {
			return Scatter(xy, labels, ScatterOptions{Width: 80, Height: 60, Radius: 2, Margin: 4})
		}},
		{"font", func() *image.RGBA {
			img := newImage(200, 58, Background)
			Text(img, 1, 1, "0123456789 .-+e:%/()=_×", Ink, 1)
			Text(img, 1, 10, "ABCDEFGHIJKLMNOPQRSTUVWXYZ", Ink, 1)
			Text(img, 1, 19, "abcdefghijklmnopqrstuvwxyz", Ink, 1)
			Text(img, 1, 28, "-1.5e+03 #", Categorical[3], 2)
			Text(img, 1, 44, "Sample: train loss", Categorical[0], 1)
			return img
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { golden(t, tt.name, tt.img()) })
	}
}

// TestGoldenCanFail checks that the comparison reports a changed pixel.
func TestGoldenCanFail(t *testing.T) {
	a := Heatmap(ramp(3, 3, 0, 1), 3, 3, Scale{Max: 1}, Viridis, 2)
	b := image.NewRGBA(a.Rect)
	copy(b.Pix, a.Pix)
	if d := diffImages(a, b); d != "" {
		t.Fatalf("diffImages of equal images = %q, want \"\"", d)
	}
	b.Pix[b.PixOffset(3, 4)+1] += 7
	d := diffImages(a, b)
	if !strings.Contains(d, "pixel (3, 4)") || !strings.Contains(d, "1 of 36 pixels differ, by at most 7") {
		t.Errorf("diffImages with one changed pixel = %q, want it to name pixel (3, 4), off by 7", d)
	}
}
