package input

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/jpeg" // register JPEG for uploads
	_ "image/png"  // register PNG for uploads
	"io"
)

// MaxPixels bounds the uploads Decode accepts: an image is checked against
// it from its header, before any pixel is decoded.
const MaxPixels = 4096 * 4096

// MaxSide is the longest side of the ink image that Decode and Shrink
// return: a larger picture is area-averaged down by a whole factor until
// its longer side is at most MaxSide. Centre scales the ink into a 20×20
// box anyway, so nothing the model sees is lost.
const MaxSide = 256

// StepPixels is the number of picture pixels one Shrink.Step reads (whole
// rows, at least one).
const StepPixels = 1 << 16

// Config reads only the header of an uploaded file and checks it: a PNG
// or JPEG of 1 to MaxPixels pixels. It is fast whatever the picture's
// size, so the page can call it first and say "decoding 4000×4000 PNG…"
// before DecodeImage, which takes seconds for a large picture.
func Config(b []byte) (image.Config, string, error) {
	if len(b) == 0 {
		return image.Config{}, "", errors.New("the file is empty")
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return image.Config{}, "", fileError(b, err)
	}
	name := formatName(format)
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return image.Config{}, "", fmt.Errorf("this %s image has no pixels: it is %d×%d", name, cfg.Width, cfg.Height)
	}
	if int64(cfg.Width)*int64(cfg.Height) > MaxPixels {
		return image.Config{}, "", fmt.Errorf("this %s image is too large: it is %d×%d pixels, and at most %d pixels (4096×4096) are accepted", name, cfg.Width, cfg.Height, MaxPixels)
	}
	return cfg, name, nil
}

// DecodeImage checks an uploaded PNG or JPEG with Config and decodes it.
// Decoding is one call of the standard library that cannot be split into
// steps: give the user a message before calling it on a large picture.
func DecodeImage(b []byte) (image.Image, error) {
	_, name, err := Config(b)
	if err != nil {
		return nil, err
	}
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, decodeError(b, name, err)
	}
	return img, nil
}

// decodeError explains an error decoding the pixels of b, a name file.
func decodeError(b []byte, name string, err error) error {
	return fmt.Errorf("this %s image %s: %v", name, problem(b, err), err)
}

// Decode reads an uploaded PNG or JPEG and returns its ink image, at most
// MaxSide pixels on its longer side: DecodeImage followed by a Shrink run
// to the end. Errors say in user words what is wrong with the file (empty,
// not a PNG or JPEG, cut short, damaged, too large), then the details.
func Decode(b []byte) (*Gray, error) {
	img, err := DecodeImage(b)
	if err != nil {
		return nil, err
	}
	s := NewShrink(img)
	for !s.Step() {
	}
	return s.Result(), nil
}

// formatName is the name of a registered image format in messages.
func formatName(format string) string {
	switch format {
	case "png":
		return "PNG"
	case "jpeg":
		return "JPEG"
	}
	return format
}

// fileError explains why the header of b could not be read.
func fileError(b []byte, err error) error {
	var name string
	switch {
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		name = "PNG"
	case bytes.HasPrefix(b, []byte{0xff, 0xd8}):
		name = "JPEG"
	default:
		return errors.New("not a PNG or JPEG image: the file starts with neither format's signature")
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return fmt.Errorf("this %s image is cut short: %v", name, err)
	}
	return fmt.Errorf("this %s image is damaged: %v", name, err)
}

// problem says what an error decoding the pixels of b means for the user:
// a file without the end marker of its format (PNG's IEND chunk, JPEG's
// EOI) is cut short, as an interrupted download or copy leaves it;
// otherwise the file is damaged.
func problem(b []byte, err error) string {
	pngEnd := []byte("IEND\xaeB`\x82")
	end := b[max(0, len(b)-32):]
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF),
		bytes.HasPrefix(b, []byte("\x89PNG")) && !bytes.HasSuffix(b, pngEnd),
		bytes.HasPrefix(b, []byte{0xff, 0xd8}) && !bytes.Contains(end, []byte{0xff, 0xd9}):
		return "is cut short"
	}
	return "is damaged"
}

// Shrink turns a decoded picture into an ink image of at most MaxSide
// pixels on its longer side, as a stepper: each Step reads about
// StepPixels pixels, so that a 16-megapixel upload does not freeze the
// page. MNIST digits are light ink on black; photos and scans are usually
// dark ink on white, so when the border of the picture is mostly light the
// result is inverted. In a picture with a transparent border, transparent
// pixels are background and the opaque ones are ink, dark or light.
type Shrink struct {
	img    image.Image
	r      image.Rectangle
	f      int       // the picture's pixels per result pixel along each axis
	w, h   int       // the result's size
	lumA   []float32 // per result pixel: sum of luminance × alpha
	alpha  []float32 // per result pixel: sum of alpha
	rowL   []float32 // one picture row's luminance × alpha
	rowA   []float32 // one picture row's alpha
	y      int       // next picture row, relative to r.Min.Y
	result *Gray
}

// NewShrink returns a stepper that shrinks img (of at most MaxPixels
// pixels, as DecodeImage returns). It panics on an image without pixels.
func NewShrink(img image.Image) *Shrink {
	r := img.Bounds()
	if r.Empty() {
		panic(fmt.Sprintf("input: NewShrink of an empty image %v", r))
	}
	f := (max(r.Dx(), r.Dy()) + MaxSide - 1) / MaxSide
	w, h := (r.Dx()+f-1)/f, (r.Dy()+f-1)/f
	return &Shrink{
		img: img, r: r, f: f, w: w, h: h,
		lumA: make([]float32, w*h), alpha: make([]float32, w*h),
		rowL: make([]float32, r.Dx()), rowA: make([]float32, r.Dx()),
	}
}

// Step reads the next rows of the picture (about StepPixels pixels); the
// step that reads the last row also computes the result. It reports
// whether the work is done.
func (s *Shrink) Step() (done bool) {
	if s.result != nil {
		return true
	}
	rows := max(1, StepPixels/s.r.Dx())
	for end := min(s.y+rows, s.r.Dy()); s.y < end; s.y++ {
		s.readRow(s.r.Min.Y + s.y)
		base := (s.y / s.f) * s.w
		lumA, alpha := s.lumA[base:base+s.w], s.alpha[base:base+s.w]
		for o, x := 0, 0; o < s.w; o++ {
			end := min(x+s.f, len(s.rowL))
			var l, a float32
			for ; x < end; x++ {
				l += s.rowL[x]
				a += s.rowA[x]
			}
			lumA[o] += l
			alpha[o] += a
		}
	}
	if s.y < s.r.Dy() {
		return false
	}
	s.finish()
	return true
}

// Progress returns the fraction of the work done, 0 to 1.
func (s *Shrink) Progress() float64 {
	if s.result != nil {
		return 1
	}
	return float64(s.y) / float64(s.r.Dy()+1)
}

// Result returns the ink image once Step has reported done, nil before.
func (s *Shrink) Result() *Gray { return s.result }

// readRow fills rowL and rowA from picture row y, with fast paths for the
// image types that the PNG and JPEG decoders return most.
func (s *Shrink) readRow(y int) {
	x0, x1 := s.r.Min.X, s.r.Max.X
	switch m := s.img.(type) {
	case *image.YCbCr:
		// JPEG's Y is the same weighted sum of R, G and B as below.
		row := m.Y[m.YOffset(x0, y):]
		for i := range s.rowL {
			s.rowL[i], s.rowA[i] = float32(row[i])/255, 1
		}
	case *image.Gray:
		row := m.Pix[m.PixOffset(x0, y):]
		for i := range s.rowL {
			s.rowL[i], s.rowA[i] = float32(row[i])/255, 1
		}
	case *image.NRGBA:
		row := m.Pix[m.PixOffset(x0, y):]
		for i := range s.rowL {
			p := row[4*i : 4*i+4 : 4*i+4]
			a := float32(p[3]) / 255
			s.rowL[i], s.rowA[i] = luminance(p[0], p[1], p[2])*a, a
		}
	case *image.RGBA:
		// Premultiplied: the weighted sum is already luminance × alpha.
		row := m.Pix[m.PixOffset(x0, y):]
		for i := range s.rowL {
			p := row[4*i : 4*i+4 : 4*i+4]
			s.rowL[i], s.rowA[i] = luminance(p[0], p[1], p[2]), float32(p[3])/255
		}
	default:
		for x := x0; x < x1; x++ {
			c := color.NRGBAModel.Convert(s.img.At(x, y)).(color.NRGBA)
			a := float32(c.A) / 255
			s.rowL[x-x0], s.rowA[x-x0] = luminance(c.R, c.G, c.B)*a, a
		}
	}
}

// luminance is the Rec. 601 luma of an 8-bit colour, in 0..1.
func luminance(r, g, b uint8) float32 {
	return (0.299*float32(r) + 0.587*float32(g) + 0.114*float32(b)) / 255
}

// finish turns the sums into the ink image.
func (s *Shrink) finish() {
	g := NewGray(s.w, s.h)
	alpha := make([]float32, len(g.Pix))
	var inkLum, inkAlpha float64
	for y := 0; y < s.h; y++ {
		bh := min(s.f, s.r.Dy()-y*s.f)
		for x := 0; x < s.w; x++ {
			n := float32(bh * min(s.f, s.r.Dx()-x*s.f))
			i := y*s.w + x
			inkLum += float64(s.lumA[i])
			inkAlpha += float64(s.alpha[i])
			g.Pix[i], alpha[i] = s.lumA[i]/n, s.alpha[i]/n
		}
	}
	s.lumA, s.alpha, s.rowL, s.rowA, s.img = nil, nil, nil, nil, nil
	s.result = g
	if borderMean(alpha, g.W, g.H) < 0.5 {
		// A transparent background: the opaque pixels are the ink, whatever
		// their colour. Their mean luminance says whether the ink is dark
		// (drawn for a white page) or light.
		if inkAlpha > 0 && inkLum/inkAlpha < 0.5 {
			for i, v := range g.Pix {
				g.Pix[i] = alpha[i] - v
			}
		}
		return
	}
	// An opaque picture. MNIST ink is light on black: when the border is
	// mostly light (a scan or a photo of dark ink on paper), invert.
	if borderMean(g.Pix, g.W, g.H) > 0.5 {
		for i, v := range g.Pix {
			g.Pix[i] = 1 - v
		}
	}
}

// borderMean returns the mean of the outermost rows and columns of a w×h
// image.
func borderMean(pix []float32, w, h int) float32 {
	var sum float32
	n := 0
	for x := 0; x < w; x++ {
		sum += pix[x] + pix[(h-1)*w+x]
		n += 2
	}
	for y := 0; y < h; y++ {
		sum += pix[y*w] + pix[y*w+w-1]
		n += 2
	}
	return sum / float32(n)
}
