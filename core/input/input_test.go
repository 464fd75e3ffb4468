package input

import (
	"bytes"
	"encoding/binary"
	"fmt"
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
	var jpg bytes.Buffer
	if err := jpeg.Encode(&jpg, digitPicture(color.White, color.Black), nil); err != nil {
		t.Fatal(err)
	}
	badCRC := append([]byte(nil), good...)
	badCRC[len(badCRC)-20] ^= 0xff // inside the last IDAT chunk or its checksum
	tests := []struct {
		name string
		b    []byte
		want string // the start of the message: the problem in user words
		more string // a detail after it
	}{
		{"empty", nil, "the file is empty", ""},
		{"text file", []byte("hello, this is a text file\n"), "not a PNG or JPEG image", "signature"},
		{"a model file", []byte("\x40\x00\x00\x00\x00\x00\x00\x00{\"__metadata__\":{}}"), "not a PNG or JPEG image", ""},
		// Only a header: decoding it would fail as cut short, so the size
		// message proves the size was refused before decoding.
		{"enormous", pngHeader(20000, 20000), "this PNG image is too large", "20000×20000"},
		{"too many pixels", pngHeader(100000, 200), "this PNG image is too large", "100000×200"},
		{"no pixels", pngHeader(0, 10), "this PNG image is damaged", "dimension"},
		{"PNG cut short", good[:len(good)/2], "this PNG image is cut short", "png"},
		{"PNG without its end", good[:len(good)-12], "this PNG image is cut short", ""},
		{"PNG header only", pngHeader(10, 10), "this PNG image is cut short", "EOF"},
		{"PNG cut in its header", good[:20], "this PNG image is cut short", "EOF"},
		{"PNG damaged", badCRC, "this PNG image is damaged", "png"},
		{"JPEG cut short", jpg.Bytes()[:jpg.Len()/2], "this JPEG image is cut short", "EOF"},
		{"JPEG damaged", append(append([]byte{0xff, 0xd8, 0xff, 0x01}, make([]byte, 40)...), 0xff, 0xd9), "this JPEG image is damaged", "invalid JPEG"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := Decode(tt.b)
			if err == nil {
				t.Fatalf("Decode = %d×%d image, want an error starting %q", g.W, g.H, tt.want)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, tt.want) || !strings.Contains(msg, tt.more) {
				t.Errorf("Decode error = %q, want it to start with %q and contain %q", msg, tt.want, tt.more)
			}
		})
	}
}

// generic hides an image's concrete type, so that Shrink takes its slow,
// general path.
type generic struct{ image.Image }

// noisy returns a w×h grey picture, dark (values below 100) so that it is
// not inverted, from a seeded generator.
func noisy(w, h int, seed uint64) *image.Gray {
	r := rand.New(rand.NewPCG(seed, 2))
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(r.IntN(100))
	}
	return img
}

func shrink(img image.Image) *Gray {
	s := NewShrink(img)
	for !s.Step() {
	}
	return s.Result()
}

func TestShrinkAreaAverages(t *testing.T) {
	for _, tt := range []struct {
		w, h, f int // picture size and the expected factor
	}{
		{40, 30, 1},
		{256, 100, 1},
		{257, 100, 2},
		{1030, 517, 5},
		{300, 2100, 9},
	} {
		t.Run(fmt.Sprintf("%dx%d", tt.w, tt.h), func(t *testing.T) {
			img := noisy(tt.w, tt.h, uint64(tt.w))
			g := shrink(img)
			ww, wh := (tt.w+tt.f-1)/tt.f, (tt.h+tt.f-1)/tt.f
			if g.W != ww || g.H != wh {
				t.Fatalf("Shrink size = %d×%d, want %d×%d", g.W, g.H, ww, wh)
			}
			if max(g.W, g.H) > MaxSide {
				t.Errorf("Shrink size = %d×%d, want at most %d on a side", g.W, g.H, MaxSide)
			}
			// Each result pixel is the mean of its block (blocks at the
			// right and bottom edges can be smaller).
			for y := 0; y < g.H; y++ {
				for x := 0; x < g.W; x++ {
					var sum float64
					n := 0
					for sy := y * tt.f; sy < min((y+1)*tt.f, tt.h); sy++ {
						for sx := x * tt.f; sx < min((x+1)*tt.f, tt.w); sx++ {
							sum += float64(img.GrayAt(sx, sy).Y) / 255
							n++
						}
					}
					if got, want := float64(g.At(x, y)), sum/float64(n); math.Abs(got-want) > 1e-5 {
						t.Fatalf("Shrink pixel (%d, %d) = %v, want the block mean %v", x, y, got, want)
					}
				}
			}
		})
	}
}

func TestShrinkFastPathsMatchGeneral(t *testing.T) {
	// The same picture in each image type the decoders return; one ink
	// bar on a light or transparent background, so that the inversion
	// paths run too.
	const w, h = 700, 500
	grey := image.NewGray(image.Rect(0, 0, w, h))
	nrgba := image.NewNRGBA(grey.Rect)
	clear := image.NewNRGBA(grey.Rect)
	ycc := image.NewYCbCr(grey.Rect, image.YCbCrSubsampleRatio420)
	for i := range ycc.Cb {
		ycc.Cb[i], ycc.Cr[i] = 128, 128
	}
	r := rand.New(rand.NewPCG(1, 1))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := uint8(200 + r.IntN(56))
			a := uint8(0)
			if x > 300 && x < 400 && y > 100 && y < 400 {
				v, a = uint8(r.IntN(60)), 255
			}
			grey.SetGray(x, y, color.Gray{v})
			ycc.Y[ycc.YOffset(x, y)] = v
			nrgba.SetNRGBA(x, y, color.NRGBA{v, v, v, 255})
			clear.SetNRGBA(x, y, color.NRGBA{v, v / 2, v, a})
		}
	}
	rgba := image.NewRGBA(grey.Rect)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			rgba.Set(x, y, clear.At(x, y))
		}
	}
	for _, tt := range []struct {
		name string
		img  image.Image
		tol  float64
	}{
		{"Gray", grey, 1e-6},
		{"YCbCr", ycc, 1e-6},
		{"NRGBA", nrgba, 1e-6},
		{"NRGBA transparent", clear, 1e-6},
		// Premultiplied 8-bit colour rounds a little differently.
		{"RGBA transparent", rgba, 2.0 / 255},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fast, slow := shrink(tt.img), shrink(generic{tt.img})
			if fast.W != slow.W || fast.H != slow.H {
				t.Fatalf("fast path %d×%d, general %d×%d", fast.W, fast.H, slow.W, slow.H)
			}
			for i := range fast.Pix {
				if d := math.Abs(float64(fast.Pix[i] - slow.Pix[i])); d > tt.tol {
					t.Fatalf("pixel %d: fast path %v, general %v", i, fast.Pix[i], slow.Pix[i])
				}
			}
			// Dark ink on a light or transparent ground comes out as
			// light ink on black.
			if ink, bg := fast.At(fast.W*350/w, fast.H/2), fast.At(2, 2); ink < 0.7 || bg > 0.15 {
				t.Errorf("ink %v, background %v: want ink near 1 on 0", ink, bg)
			}
		})
	}
}

func TestShrinkSteps(t *testing.T) {
	for _, tt := range []struct{ w, h int }{{4000, 3000}, {100000 / 200, 200}, {StepPixels * 2, 3}, {3, 4096}} {
		t.Run(fmt.Sprintf("%dx%d", tt.w, tt.h), func(t *testing.T) {
			s := NewShrink(generic{image.NewGray(image.Rect(0, 0, tt.w, tt.h))})
			rows := max(1, StepPixels/tt.w)
			steps, last := 0, -1.0
			for {
				before := s.y
				done := s.Step()
				steps++
				if read := (s.y - before) * tt.w; s.y-before > 1 && read > StepPixels {
					t.Fatalf("step %d read %d pixels, want at most %d or one row", steps, read, StepPixels)
				}
				p := s.Progress()
				if p <= last || p > 1 || (p == 1) != done {
					t.Fatalf("step %d: Progress %v after %v, done %v: want it rising, 1 exactly when done", steps, p, last, done)
				}
				last = p
				if done != (s.Result() != nil) {
					t.Fatalf("step %d: done %v, Result %v", steps, done, s.Result())
				}
				if done {
					break
				}
			}
			if want := (tt.h + rows - 1) / rows; steps != want {
				t.Errorf("%d steps, want %d", steps, want)
			}
			if !s.Step() {
				t.Error("Step after done is not done")
			}
		})
	}
}

func TestDecodeLargeJPEG(t *testing.T) {
	// A 2000×1500 photo of a dark bar on light paper: decoded, shrunk to
	// 250×188 and inverted.
	const w, h = 2000, 1500
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := uint8(230)
			if x >= 900 && x < 1100 && y >= 300 && y < 1200 {
				v = 20
			}
			img.SetGray(x, y, color.Gray{v})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	g, err := Decode(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if g.W != 250 || g.H != 188 {
		t.Fatalf("Decode size = %d×%d, want 250×188", g.W, g.H)
	}
	if ink, bg := g.At(125, 94), g.At(10, 10); math.Abs(float64(ink)-(1-20.0/255)) > 0.03 || math.Abs(float64(bg)-(1-230.0/255)) > 0.03 {
		t.Errorf("ink %v, background %v: want %v and %v", ink, bg, 1-20.0/255, 1-230.0/255)
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
