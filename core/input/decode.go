package input

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	_ "image/jpeg" // register JPEG for uploads
	_ "image/png"  // register PNG for uploads
)

// MaxPixels bounds the uploads Decode accepts: an image is checked against
// it from its header, before any pixel is decoded.
const MaxPixels = 4096 * 4096

// Decode reads an uploaded PNG or JPEG and returns its ink image. MNIST
// digits are light ink on black; photos and scans are usually dark ink on
// white, so when the border of the picture is mostly light the image is
// inverted. In a picture with a transparent border, transparent pixels are
// background and the opaque ones are ink, dark or light. The size is checked
// from the header (at most MaxPixels) before any pixel is decoded.
func Decode(b []byte) (*Gray, error) {
	if len(b) == 0 {
		return nil, fmt.Errorf("the file is empty")
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("not a PNG or JPEG image: %v", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, fmt.Errorf("the %s image has no pixels (%d×%d)", format, cfg.Width, cfg.Height)
	}
	if int64(cfg.Width)*int64(cfg.Height) > MaxPixels {
		return nil, fmt.Errorf("the %s image is %d×%d pixels; at most %d pixels (4096×4096) are accepted", format, cfg.Width, cfg.Height, MaxPixels)
	}
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("the %s image is damaged: %v", format, err)
	}
	r := img.Bounds()
	g := NewGray(r.Dx(), r.Dy())
	alpha := make([]float32, len(g.Pix))
	var inkLum, inkAlpha float64
	for y := 0; y < g.H; y++ {
		for x := 0; x < g.W; x++ {
			c := color.NRGBAModel.Convert(img.At(r.Min.X+x, r.Min.Y+y)).(color.NRGBA)
			lum := (0.299*float32(c.R) + 0.587*float32(c.G) + 0.114*float32(c.B)) / 255
			a := float32(c.A) / 255
			g.Pix[y*g.W+x] = lum
			alpha[y*g.W+x] = a
			inkLum += float64(lum * a)
			inkAlpha += float64(a)
		}
	}
	if borderMean(alpha, g.W, g.H) < 0.5 {
		// A transparent background: the opaque pixels are the ink, whatever
		// their colour. Their mean luminance says whether the ink is dark
		// (drawn for a white page) or light.
		dark := inkAlpha > 0 && inkLum/inkAlpha < 0.5
		for i, v := range g.Pix {
			if dark {
				v = 1 - v
			}
			g.Pix[i] = v * alpha[i]
		}
		return g, nil
	}
	// An opaque picture. MNIST ink is light on black: when the border is
	// mostly light (a scan or a photo of dark ink on paper), invert.
	for i, v := range g.Pix {
		g.Pix[i] = v * alpha[i]
	}
	if borderMean(g.Pix, g.W, g.H) > 0.5 {
		for i, v := range g.Pix {
			g.Pix[i] = 1 - v
		}
	}
	return g, nil
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
