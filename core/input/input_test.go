package input

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// fill returns a w×h image with ink 1 inside the rectangles.
func fill(w, h int, rects ...image.Rectangle) *Gray {
	g := NewGray(w, h)
	for _, r := range rects {
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				g.Pix[y*w+x] = 1
			}
		}
	}
	return g
}

// inkBox returns the bounding box of pixels above 0.05 in a 28×28 image.
func inkBox(pix []float32) image.Rectangle {
	g := &Gray{W: Size, H: Size, Pix: pix}
	x0, y0, x1, y1, _ := g.bounds(0.05)
	return image.Rect(x0, y0, x1, y1)
}

// centreOfMass returns the ink-weighted mean position of the pixel centres.
func centreOfMass(pix []float32) (x, y float64) {
	var m float64
	for i, v := range pix {
		x += float64(v) * (float64(i%Size) + 0.5)
		y += float64(v) * (float64(i/Size) + 0.5)
		m += float64(v)
	}
	return x / m, y / m
}

func TestCentreSquare(t *testing.T) {
	// A 10×10 square anywhere becomes the 20×20 square [4,24)² whose centre
	// of mass is exactly (14, 14).
	for _, at := range []image.Point{{50, 50}, {0, 0}, {85, 3}} {
		g := fill(100, 100, image.Rect(at.X, at.Y, at.X+10, at.Y+10))
		out := Centre(g)
		for y := 0; y < Size; y++ {
			for x := 0; x < Size; x++ {
				want := float32(0)
				if x >= 4 && x < 24 && y >= 4 && y < 24 {
					want = 1
				}
				if got := out[y*Size+x]; math.Abs(float64(got-want)) > 1e-6 {
					t.Fatalf("Centre(square at %v)[%d,%d] = %g, want %g", at, x, y, got, want)
				}
			}
		}
	}
}

func TestCentreAspectAndMass(t *testing.T) {
	tests := []struct {
		name  string
		g     *Gray
		w, h  int // size of the ink box in the output
		exact bool
	}{
		{"wide bar", fill(200, 100, image.Rect(10, 40, 90, 60)), 20, 5, true},
		{"tall bar", fill(100, 200, image.Rect(40, 10, 50, 170)), 1, 20, false},
		{"L shape", fill(60, 60, image.Rect(10, 10, 20, 50), image.Rect(10, 40, 40, 50)), 15, 20, true},
		{"two blobs", fill(90, 90, image.Rect(0, 0, 10, 10), image.Rect(70, 70, 90, 90)), 20, 20, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := Centre(tt.g)
			box := inkBox(out)
			if tt.exact && (box.Dx() != tt.w || box.Dy() != tt.h) {
				t.Errorf("Centre ink box = %v (%d×%d), want %d×%d", box, box.Dx(), box.Dy(), tt.w, tt.h)
			}
			if max(box.Dx(), box.Dy()) != Box {
				t.Errorf("Centre ink box = %v, want its longer side %d", box, Box)
			}
			cx, cy := centreOfMass(out)
			if math.Abs(cx-14) > 0.5 || math.Abs(cy-14) > 0.5 {
				t.Errorf("Centre centre of mass = (%.3f, %.3f), want (14, 14) ± 0.5", cx, cy)
			}
		})
	}
}

func TestCentreRandomStrokes(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 20 {
		var strokes []Stroke
		for range 1 + r.IntN(3) {
			var s Stroke
			for range 2 + r.IntN(6) {
				s = append(s, Point{X: 20 + r.Float64()*200, Y: 20 + r.Float64()*200})
			}
			strokes = append(strokes, s)
		}
		out := Centre(Rasterize(strokes, 240, 240, 18))
		cx, cy := centreOfMass(out)
		box := inkBox(out)
		// The clamp that keeps ink inside may move a lopsided digit away
		// from the centre, but never while the box fits around (14, 14).
		if box.Min.X > 0 && box.Max.X < Size && math.Abs(cx-14) > 0.5 {
			t.Errorf("drawing %d: centre of mass x = %.3f, want 14 ± 0.5 (box %v)", i, cx, box)
		}
		if box.Min.Y > 0 && box.Max.Y < Size && math.Abs(cy-14) > 0.5 {
			t.Errorf("drawing %d: centre of mass y = %.3f, want 14 ± 0.5 (box %v)", i, cy, box)
		}
		if max(box.Dx(), box.Dy()) < Box-1 || max(box.Dx(), box.Dy()) > Box {
			t.Errorf("drawing %d: ink box %v, want the longer side %d", i, box, Box)
		}
	}
}

func TestCentreBlank(t *testing.T) {
	for _, g := range []*Gray{NewGray(50, 50), NewGray(1, 1), fill(30, 30, image.Rect(0, 0, 30, 30))} {
		out := Centre(g)
		if len(out) != Size*Size {
			t.Fatalf("len(Centre) = %d, want %d", len(out), Size*Size)
		}
	}
	for i, v := range Centre(NewGray(50, 50)) {
		if v != 0 {
			t.Fatalf("Centre(blank)[%d] = %g, want 0", i, v)
		}
	}
}

func TestRasterize(t *testing.T) {
	// A horizontal line at y = 10.5 with a pen of width 4 (radius 2).
	g := Rasterize([]Stroke{{{5, 10.5}, {25, 10.5}}}, 40, 20, 4)
	tests := []struct {
		x, y int
		want float32
	}{
		{15, 10, 1},   // on the line
		{15, 11, 1},   // distance 1
		{15, 12, 0.5}, // distance 2 = the radius: half covered
		{15, 8, 0.5},
		{15, 13, 0}, // distance 3
		{15, 7, 0},
		{30, 10, 0}, // past the end cap
		{26, 10, 1}, // inside the round cap (distance 1.5)
		{27, 10, 0}, // outside it (distance 2.5)
		{2, 10, 0},
	}
	for _, tt := range tests {
		if got := g.At(tt.x, tt.y); math.Abs(float64(got-tt.want)) > 1e-6 {
			t.Errorf("Rasterize(line).At(%d, %d) = %g, want %g", tt.x, tt.y, got, tt.want)
		}
	}
	// The ink adds up to the capsule's area: length·width + π·r².
	var sum float64
	for _, v := range g.Pix {
		sum += float64(v)
	}
	if want := 20*4 + math.Pi*4; math.Abs(sum-want)/want > 0.03 {
		t.Errorf("ink of the line = %.2f, want the capsule area %.2f ± 3%%", sum, want)
	}
	// A single point is a dot; a stroke off the surface is clipped.
	dot := Rasterize([]Stroke{{{10, 10}}, {{-50, -50}, {-40, -60}}}, 20, 20, 6)
	if got := dot.At(9, 9); got != 1 {
		t.Errorf("dot.At(9, 9) = %g, want 1", got)
	}
	if got := dot.At(0, 0); got != 0 {
		t.Errorf("dot.At(0, 0) = %g, want 0", got)
	}
}

func encodePNG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// digitPicture returns a 40×40 picture with a 10×20 bar of ink colour on
// the background colour.
func digitPicture(bg, ink color.Color) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, 40, 40))
	for y := 0; y < 40; y++ {
		for x := 0; x < 40; x++ {
			c := bg
			if x >= 15 && x < 25 && y >= 10 && y < 30 {
				c = ink
			}
			img.Set(x, y, c)
		}
	}
	return img
}

// pngHeader returns the signature and IHDR chunk of a w×h 8-bit grey PNG,
// with no pixel data after it.
func pngHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	data := make([]byte, 13)
	binary.BigEndian.PutUint32(data[0:], w)
	binary.BigEndian.PutUint32(data[4:], h)
	data[8], data[9] = 8, 0 // bit depth 8, greyscale
	chunk := append([]byte("IHDR"), data...)
	binary.Write(&b, binary.BigEndian, uint32(len(data)))
	b.Write(chunk)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return b.Bytes()
}

func TestDecode(t *testing.T) {
	black := color.NRGBA{0, 0, 0, 255}
	white := color.NRGBA{255, 255, 255, 255}
	clear := color.NRGBA{0, 0, 0, 0}
	var jpg bytes.Buffer
	if err := jpeg.Encode(&jpg, digitPicture(white, black), &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		b         []byte
		ink, back float32 // want Pix at the bar's centre and at a corner
	}{
		{"black on white is inverted", encodePNG(t, digitPicture(white, black)), 1, 0},
		{"white on black stays", encodePNG(t, digitPicture(black, white)), 1, 0},
		{"black on transparent", encodePNG(t, digitPicture(clear, black)), 1, 0},
		{"white on transparent", encodePNG(t, digitPicture(clear, white)), 1, 0},
		{"JPEG black on white", jpg.Bytes(), 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := Decode(tt.b)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if g.W != 40 || g.H != 40 {
				t.Fatalf("Decode size = %d×%d, want 40×40", g.W, g.H)
			}
			if got := g.At(20, 20); math.Abs(float64(got-tt.ink)) > 0.05 {
				t.Errorf("Decode ink at (20, 20) = %g, want %g", got, tt.ink)
			}
			if got := g.At(2, 2); math.Abs(float64(got-tt.back)) > 0.05 {
				t.Errorf("Decode background at (2, 2) = %g, want %g", got, tt.back)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	good := encodePNG(t, digitPicture(color.Black, color.White))
	tests := []struct {
		name string
		b    []byte
		want string // in the error
	}{
		{"empty", nil, "empty"},
		{"text file", []byte("hello, this is a text file\n"), "not a PNG or JPEG"},
		// Only a header: decoding it would fail as damaged, so the size
		// message proves the size was refused before decoding.
		{"enormous", pngHeader(20000, 20000), "20000×20000"},
		{"too many pixels", pngHeader(100000, 200), "100000×200"},
		{"truncated", good[:len(good)/2], "damaged"},
		{"header only", pngHeader(10, 10), "damaged"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := Decode(tt.b)
			if err == nil {
				t.Fatalf("Decode = %d×%d image, want an error containing %q", g.W, g.H, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Decode error = %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestPaintIncremental(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	var s Stroke
	for range 30 {
		s = append(s, Point{X: r.Float64() * 60, Y: r.Float64() * 60})
	}
	whole := Rasterize([]Stroke{s}, 60, 60, 7)
	parts := NewGray(60, 60)
	Paint(parts, []Stroke{s[:1]}, 7)
	for i := 1; i < len(s); i++ {
		Paint(parts, []Stroke{s[i-1 : i+1]}, 7)
	}
	for i := range whole.Pix {
		if whole.Pix[i] != parts.Pix[i] {
			t.Fatalf("pixel %d painted in parts = %g, whole = %g", i, parts.Pix[i], whole.Pix[i])
		}
	}
}
