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
// inverted. Transparent pixels count as background.
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
	for y := 0; y < g.H; y++ {
		for x := 0; x < g.W; x++ {
			c := color.NRGBAModel.Convert(img.At(r.Min.X+x, r.Min.Y+y)).(color.NRGBA)
			lum := (0.299*float32(c.R) + 0.587*float32(c.G) + 0.114*float32(c.B)) / 255
			a := float32(c.A) / 255
			// Composite over black, the MNIST background.
			g.Pix[y*g.W+x] = lum * a
		}
	}
	// Light background: invert so the ink is bright. Judge by the border.
	var border float32
	n := 0
	for x := 0; x < g.W; x++ {
		border += g.Pix[x] + g.Pix[(g.H-1)*g.W+x]
		n += 2
	}
	for y := 0; y < g.H; y++ {
		border += g.Pix[y*g.W] + g.Pix[y*g.W+g.W-1]
		n += 2
	}
	if border/float32(n) > 0.5 {
		for i, v := range g.Pix {
			g.Pix[i] = 1 - v
		}
	}
	return g, nil
}
