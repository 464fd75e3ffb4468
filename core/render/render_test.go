package render

import (
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestColormapKnownValues(t *testing.T) {
	white := color.RGBA{255, 255, 255, 255}
	tests := []struct {
		name string
		cm   Colormap
		t    float64
		want color.RGBA
	}{
		// Published viridis endpoints and midpoint (#440154, #21918c, #fde725).
		{"viridis 0", Viridis, 0, color.RGBA{68, 1, 84, 255}},
		{"viridis 0.5", Viridis, 0.5, color.RGBA{33, 145, 140, 255}},
		{"viridis 1", Viridis, 1, color.RGBA{253, 231, 37, 255}},
		{"viridis below 0 clamps", Viridis, -3, color.RGBA{68, 1, 84, 255}},
		{"viridis above 1 clamps", Viridis, 7, color.RGBA{253, 231, 37, 255}},
		{"viridis NaN is low", Viridis, math.NaN(), color.RGBA{68, 1, 84, 255}},
		{"diverging centre is white", Diverging, 0.5, white},
		{"diverging 0 is blue", Diverging, 0, color.RGBA{0x21, 0x66, 0xac, 255}},
		{"diverging 1 is red", Diverging, 1, color.RGBA{0xb2, 0x18, 0x2b, 255}},
		{"grey 0", Grey, 0, color.RGBA{0, 0, 0, 255}},
		{"grey 1", Grey, 1, white},
		{"grey 0.5 rounds up", Grey, 0.5, color.RGBA{128, 128, 128, 255}},
		{"grey 0.25", Grey, 0.25, color.RGBA{64, 64, 64, 255}}, // 63.75
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.cm.At(tt.t); got != tt.want {
				t.Errorf("%s.At(%v) = %v, want %v", tt.cm.Name, tt.t, got, tt.want)
			}
		})
	}
}

// TestViridisLightness checks a defining property of viridis: its
// lightness rises monotonically from 0 to 1 (here the sRGB luma,
// 0.2126R + 0.7152G + 0.0722B, over 256 samples).
func TestViridisLightness(t *testing.T) {
	luma := func(c color.RGBA) float64 { return 0.2126*float64(c.R) + 0.7152*float64(c.G) + 0.0722*float64(c.B) }
	prev := -1.0
	for i := range 256 {
		l := luma(Viridis.At(float64(i) / 255))
		if l < prev-0.5 { // half a level of slack for rounding
			t.Fatalf("luma(Viridis.At(%d/255)) = %.2f, want >= %.2f (the previous sample)", i, l, prev)
		}
		prev = max(prev, l)
	}
}

func TestScale(t *testing.T) {
	tests := []struct {
		name string
		s    Scale
		v    float64
		want float64
	}{
		{"min is 0", Scale{Min: 2, Max: 6}, 2, 0},
		{"max is 1", Scale{Min: 2, Max: 6}, 6, 1},
		{"middle", Scale{Min: 2, Max: 6}, 3, 0.25},
		{"clamped low", Scale{Min: 2, Max: 6}, -10, 0},
		{"clamped high", Scale{Min: 2, Max: 6}, 10, 1},
		{"constant map does not divide by zero", Scale{Min: 3, Max: 3}, 3, 0},
		{"signed zero is the centre", Scale{Min: -1, Max: 4, Signed: true}, 0, 0.5},
		{"signed max-abs is 1", Scale{Min: -1, Max: 4, Signed: true}, 4, 1},
		{"signed −max-abs is 0", Scale{Min: -1, Max: 4, Signed: true}, -4, 0},
		{"signed half", Scale{Min: -1, Max: 4, Signed: true}, -2, 0.25},
		{"signed all-zero map", Scale{Signed: true}, 0, 0.5},
		{"NaN", Scale{Min: 0, Max: 1}, math.NaN(), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.s.T(tt.v); got != tt.want {
				t.Errorf("%+v.T(%v) = %v, want %v", tt.s, tt.v, got, tt.want)
			}
		})
	}
	t.Run("diverging shows zero as white", func(t *testing.T) {
		s := Fit(true, []float32{-0.3, 0.1, 2})
		if got := Diverging.At(s.T(0)); got != (color.RGBA{255, 255, 255, 255}) {
			t.Errorf("Diverging.At(%+v.T(0)) = %v, want white", s, got)
		}
	})
}

func TestFit(t *testing.T) {
	inf := float32(math.Inf(1))
	nan := float32(math.NaN())
	tests := []struct {
		name   string
		signed bool
		data   [][]float32
		want   Scale
	}{
		{"one layer", false, [][]float32{{3, -1, 2}}, Scale{Min: -1, Max: 3}},
		{"global over layers", false, [][]float32{{3, 1}, {-5, 0}, {}}, Scale{Min: -5, Max: 3}},
		{"symmetric", true, [][]float32{{-0.5, 2}}, Scale{Min: -2, Max: 2, Signed: true}},
		{"skips NaN and Inf", false, [][]float32{{nan, 1, inf, 4, -inf}}, Scale{Min: 1, Max: 4}},
		{"empty", true, nil, Scale{Signed: true}},
		{"constant", false, [][]float32{{7, 7}}, Scale{Min: 7, Max: 7}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Fit(tt.signed, tt.data...); got != tt.want {
				t.Errorf("Fit(%v, %v) = %+v, want %+v", tt.signed, tt.data, got, tt.want)
			}
		})
	}
	got := PerChannel([]float32{1, 2, 0, 0, -3, 5}, 2, false)
	want := []Scale{{Min: 1, Max: 2}, {Min: 0, Max: 0}, {Min: -3, Max: 5}}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("PerChannel(...)[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestHeatmapCells(t *testing.T) {
	data := []float32{0, 1, 2, 3, 4, 5}
	s := Scale{Min: 0, Max: 5}
	img := Heatmap(data, 2, 3, s, Viridis, 3)
	if got := img.Bounds().Size(); got != image.Pt(9, 6) {
		t.Fatalf("Heatmap(2×3, cell 3) size = %v, want (9,6)", got)
	}
	for y := range 6 {
		for x := range 9 {
			want := Viridis.At(s.T(float64(data[(y/3)*3+x/3])))
			if got := img.RGBAAt(x, y); got != want {
				t.Errorf("pixel (%d,%d) = %v, want %v", x, y, got, want)
			}
		}
	}
}

func TestLayoutAtInvertsTile(t *testing.T) {
	lay := Layout(10, 3, 5, 4, 2, 3)
	if w, h := lay.Size(); w != 3+4*(10+3) || h != 3+3*(6+3) {
		t.Fatalf("Size() = %d×%d, want %d×%d", w, h, 3+4*13, 3+3*9)
	}
	hits := 0
	w, h := lay.Size()
	for py := range h {
		for px := range w {
			tile, y, x, ok := lay.At(image.Pt(px, py))
			if !ok {
				continue
			}
			hits++
			r := lay.Tile(tile)
			want := image.Pt(r.Min.X+x*2, r.Min.Y+y*2)
			if !image.Pt(px, py).In(r) || px-want.X < 0 || px-want.X > 1 || py-want.Y < 0 || py-want.Y > 1 {
				t.Fatalf("At(%d,%d) = tile %d (%d,%d), but Tile(%d) = %v", px, py, tile, y, x, tile, r)
			}
		}
	}
	if want := 10 * 3 * 5 * 2 * 2; hits != want {
		t.Errorf("pixels inside tiles = %d, want %d", hits, want)
	}
}

func TestUpsample(t *testing.T) {
	tests := []struct {
		name       string
		src        []float32
		h, w, H, W int
		bilinear   bool
		want       []float32
	}{
		{"nearest doubles blocks", []float32{1, 2, 3, 4}, 2, 2, 4, 4, false,
			[]float32{1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}},
		{"bilinear ramp holds edges", []float32{0, 1}, 1, 2, 1, 4, true, []float32{0, 0.25, 0.75, 1}},
		{"nearest 3 to 7", []float32{0, 1, 2}, 1, 3, 1, 7, false, []float32{0, 0, 1, 1, 1, 2, 2}},
		{"bilinear same size is identity", []float32{5, -1, 2, 8}, 2, 2, 2, 2, true, []float32{5, -1, 2, 8}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Upsample(tt.src, tt.h, tt.w, tt.H, tt.W, tt.bilinear)
			for i := range tt.want {
				if got[i] != tt.want[i] {
					t.Fatalf("Upsample(%v, %d×%d→%d×%d, %v) = %v, want %v", tt.src, tt.h, tt.w, tt.H, tt.W, tt.bilinear, got, tt.want)
				}
			}
		})
	}
	t.Run("bilinear of a constant is constant", func(t *testing.T) {
		src := []float32{0.3, 0.3, 0.3, 0.3, 0.3, 0.3}
		for i, v := range Upsample(src, 2, 3, 28, 28, true) {
			if math.Abs(float64(v)-0.3) > 1e-7 {
				t.Fatalf("Upsample(constant 0.3)[%d] = %v, want 0.3", i, v)
			}
		}
	})
}

func TestOverlayAlphaEnds(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	base := image.NewGray(image.Rect(0, 0, 12, 10))
	for i := range base.Pix {
		base.Pix[i] = uint8(r.IntN(256))
	}
	heat := make([]float32, 3*4)
	for i := range heat {
		heat[i] = r.Float32()*2 - 1
	}
	s := Fit(true, heat)
	for _, bilinear := range []bool{false, true} {
		zero := Overlay(base, heat, 3, 4, s, Diverging, 0, bilinear)
		for i, g := range base.Pix {
			x, y := i%12, i/12
			if got, want := zero.RGBAAt(x, y), (color.RGBA{g, g, g, 255}); got != want {
				t.Fatalf("Overlay(alpha 0, bilinear %v) at (%d,%d) = %v, want the base %v", bilinear, x, y, got, want)
			}
		}
		one := Overlay(base, heat, 3, 4, s, Diverging, 1, bilinear)
		up := Upsample(heat, 3, 4, 10, 12, bilinear)
		for i, v := range up {
			x, y := i%12, i/12
			if got, want := one.RGBAAt(x, y), Diverging.At(s.T(float64(v))); got != want {
				t.Fatalf("Overlay(alpha 1, bilinear %v) at (%d,%d) = %v, want the map colour %v", bilinear, x, y, got, want)
			}
		}
	}
}

func TestHistogramCounts(t *testing.T) {
	nan := float32(math.NaN())
	tests := []struct {
		name   string
		v      []float32
		bins   int
		lo, hi float64
		want   []int
	}{
		{"edges", []float32{0, 0.25, 0.5, 0.75, 1}, 4, 0, 1, []int{1, 1, 1, 2}},
		{"outside and NaN dropped", []float32{-1, 0.1, 2, nan}, 2, 0, 1, []int{1, 0}},
		{"zero width", []float32{3, 3, 4}, 3, 3, 3, []int{2, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := HistogramCounts(tt.v, tt.bins, tt.lo, tt.hi)
			for i := range tt.want {
				if got[i] != tt.want[i] {
					t.Fatalf("HistogramCounts(%v, %d, %v, %v) = %v, want %v", tt.v, tt.bins, tt.lo, tt.hi, got, tt.want)
				}
			}
		})
	}
}

func TestFont(t *testing.T) {
	for r, g := range glyphs {
		rows := strings.Split(g, " ")
		if len(rows) != GlyphH {
			t.Errorf("glyph %q has %d rows, want %d", r, len(rows), GlyphH)
		}
		for i, row := range rows {
			if len(row) != GlyphW || strings.Trim(row, ".#") != "" {
				t.Errorf("glyph %q row %d = %q, want %d of '.' or '#'", r, i, row, GlyphW)
			}
		}
	}
	for _, c := range "0123456789.-+e" {
		if _, ok := glyphs[c]; !ok {
			t.Errorf("font lacks %q", c)
		}
	}
	if got := TextWidth("1.5e-3", 2); got != (6*6-1)*2 {
		t.Errorf("TextWidth(\"1.5e-3\", 2) = %d, want %d", got, (6*6-1)*2)
	}
	// "1" drawn at scale 1: its stem is column 2, rows 0..6.
	img := newImage(5, 7, Background)
	Text(img, 0, 0, "1", Ink, 1)
	for y := range 7 {
		if got := img.RGBAAt(2, y); got != Ink {
			t.Errorf("Text(\"1\") pixel (2,%d) = %v, want ink", y, got)
		}
	}
}

// inkOf returns the ink pixels of s drawn at scale 1 as a string of '#'
// and '.', one row per line.
func inkOf(s string) string {
	img := newImage(TextWidth(s, 1), GlyphH, Background)
	Text(img, 0, 0, s, Ink, 1)
	var b strings.Builder
	for y := range GlyphH {
		for x := range img.Rect.Dx() {
			if img.RGBAAt(x, y) == Ink {
				b.WriteByte('#')
			} else {
				b.WriteByte('.')
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func TestLowerCase(t *testing.T) {
	// Every lower-case letter has a glyph of its own, unlike its capital:
	// the chart font once drew "SAMPLe" for "sample".
	box := inkOf("\u0001")
	for _, c := range "abcdefghijklmnopqrstuvwxyz" {
		lo, up := inkOf(string(c)), inkOf(strings.ToUpper(string(c)))
		if lo == up {
			t.Errorf("%q renders as %q:\n%s", c, strings.ToUpper(string(c)), lo)
		}
		if lo == box {
			t.Errorf("%q renders as the unknown-character box", c)
		}
	}
	// x-height letters leave the two top rows empty; ascenders reach row 0.
	for _, tt := range []struct {
		s       string
		topInk  bool
		comment string
	}{
		{"aceomnrsuvwxz", false, "x-height letters"},
		{"bdfhklt", true, "ascenders"},
	} {
		for _, c := range tt.s {
			got := strings.Contains(strings.SplitN(inkOf(string(c)), "\n", 2)[0], "#")
			if got != tt.topInk {
				t.Errorf("%q (%s) has ink in row 0: %v, want %v", c, tt.comment, got, tt.topInk)
			}
		}
	}
	// No two characters share a glyph.
	seen := map[string]rune{}
	for r, g := range glyphs {
		if o, ok := seen[g]; ok {
			t.Errorf("%q and %q have the same glyph", r, o)
		}
		seen[g] = r
	}
	if got, want := inkOf("sample"), inkOf("SAMPLE"); got == want {
		t.Errorf("\"sample\" renders as \"SAMPLE\"")
	}
}

func TestFormatNumber(t *testing.T) {
	tests := []struct {
		v    float64
		want string
	}{{0, "0"}, {0.25, "0.25"}, {-1.5e-5, "-1.5e-05"}, {123456, "1.23e+05"}, {2.5, "2.5"}}
	for _, tt := range tests {
		if got := FormatNumber(tt.v); got != tt.want {
			t.Errorf("FormatNumber(%v) = %q, want %q", tt.v, got, tt.want)
		}
	}
}

func TestLineChartAxes(t *testing.T) {
	series := []Series{
		{Label: "a", X: []float64{2, 5, 11}, Y: []float64{0.1, 0.9, 0.4}, Color: Categorical[0]},
		{Label: "b", X: []float64{2, 5, 11}, Y: []float64{0.3, 0.2, 0.5}, Color: Categorical[3]},
	}
	for _, size := range []image.Point{{200, 100}, {97, 61}} {
		img := LineChart(size.X, size.Y, series...)
		ax := LineChartAxes(size.X, size.Y, series...)
		if ax.XLo != 2 || ax.XHi != 11 || ax.YLo != 0.1 || ax.YHi != 0.9 {
			t.Errorf("LineChartAxes(%v) ranges = %+v, want x 2..11, y 0.1..0.9", size, ax)
		}
		// Every point is drawn where the axes say, in its series' colour.
		for _, s := range series[1:] {
			for i := range s.X {
				if got := img.RGBAAt(ax.PX(s.X[i]), ax.PY(s.Y[i])); got != s.Color {
					t.Errorf("LineChart(%v) at (%v, %v) of %s = %v, want %v", size, s.X[i], s.Y[i], s.Label, got, s.Color)
				}
			}
		}
		if ax.PX(2) != ax.Plot.Min.X || ax.PX(11) != ax.Plot.Max.X-1 {
			t.Errorf("LineChartAxes(%v): x 2..11 at columns %d..%d, want the plot's %d..%d", size, ax.PX(2), ax.PX(11), ax.Plot.Min.X, ax.Plot.Max.X-1)
		}
	}
}
