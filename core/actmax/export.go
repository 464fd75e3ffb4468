package actmax

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/color/palette"
	"image/draw"
	"image/gif"
	"image/png"
	"math"

	"cnnviz/core/tensor"
)

// Palette maps one-channel images to colours.
type Palette int

const (
	// Gray maps 0 to black and 1 to white.
	Gray Palette = iota
	// Viridis is the perceptually uniform blue–green–yellow colour map of
	// matplotlib (van der Walt and Smith 2015), interpolated linearly
	// between its colours at eighths of the range.
	Viridis
)

// viridisAnchors are viridis at 0, 1/8, ..., 1.
var viridisAnchors = [9][3]float64{
	{0x44, 0x01, 0x54}, {0x47, 0x2d, 0x7b}, {0x3b, 0x52, 0x8b}, {0x2c, 0x72, 0x8e}, {0x21, 0x91, 0x8c},
	{0x28, 0xae, 0x80}, {0x5e, 0xc9, 0x62}, {0xad, 0xdc, 0x30}, {0xfd, 0xe7, 0x25},
}

// Colors returns the palette's 256 colours, index i for value i/255.
func (p Palette) Colors() color.Palette {
	pal := make(color.Palette, 256)
	for i := range pal {
		if p == Viridis {
			t := float64(i) / 255 * 8
			k := min(int(t), 7)
			f := t - float64(k)
			a, b := viridisAnchors[k], viridisAnchors[k+1]
			c := func(j int) uint8 { return uint8(math.Round(a[j] + f*(b[j]-a[j]))) }
			pal[i] = color.RGBA{c(0), c(1), c(2), 255}
		} else {
			pal[i] = color.RGBA{uint8(i), uint8(i), uint8(i), 255}
		}
	}
	return pal
}

// level maps a value in 0..1 (clamped) to 0..255.
func level(v float32) uint8 {
	return uint8(math.Round(float64(min(max(v, 0), 1)) * 255))
}

// checkImage returns the size of a [1, H, W] or [3, H, W] image.
func checkImage(img *tensor.Tensor) (c, h, w int, err error) {
	if img == nil || len(img.Shape) != 3 || (img.Shape[0] != 1 && img.Shape[0] != 3) || img.Shape[1] <= 0 || img.Shape[2] <= 0 {
		return 0, 0, 0, fmt.Errorf("actmax: image must be [1 or 3, H, W], got %v", shapeOf(img))
	}
	return img.Shape[0], img.Shape[1], img.Shape[2], nil
}

func shapeOf(t *tensor.Tensor) any {
	if t == nil {
		return "nil"
	}
	return t.Shape
}

// paletted draws img scaled up scale times (nearest neighbour) with pal;
// three-channel images are matched to the nearest palette colour.
func paletted(img *tensor.Tensor, pal Palette, scale int) (*image.Paletted, error) {
	c, h, w, err := checkImage(img)
	if err != nil {
		return nil, err
	}
	if c == 3 {
		rgba := toRGBA(img, 1)
		p := image.NewPaletted(image.Rect(0, 0, w*scale, h*scale), palette.WebSafe)
		for y := range h * scale {
			for x := range w * scale {
				p.Set(x, y, rgba.At(x/scale, y/scale))
			}
		}
		return p, nil
	}
	p := image.NewPaletted(image.Rect(0, 0, w*scale, h*scale), pal.Colors())
	for y := range h * scale {
		for x := range w * scale {
			p.Pix[y*p.Stride+x] = level(img.Data[(y/scale)*w+x/scale])
		}
	}
	return p, nil
}

func toRGBA(img *tensor.Tensor, scale int) *image.RGBA {
	h, w := img.Shape[1], img.Shape[2]
	out := image.NewRGBA(image.Rect(0, 0, w*scale, h*scale))
	for y := range h * scale {
		for x := range w * scale {
			i := (y/scale)*w + x/scale
			o := y*out.Stride + 4*x
			for ch := range 3 {
				out.Pix[o+ch] = level(img.Data[ch*h*w+i])
			}
			out.Pix[o+3] = 255
		}
	}
	return out
}

// GIF encodes frames (each [1, H, W] or [3, H, W] in 0..1, all the same
// shape) as a looping animated GIF, each pixel scale×scale, each frame
// shown delay hundredths of a second. One-channel frames use pal exactly;
// three-channel frames are matched to the web-safe palette.
func GIF(frames []*tensor.Tensor, pal Palette, scale, delay int) ([]byte, error) {
	if len(frames) == 0 {
		return nil, fmt.Errorf("actmax: no frames for the animation")
	}
	if scale < 1 || scale > 64 {
		return nil, fmt.Errorf("actmax: scale %d: want 1..64", scale)
	}
	if _, _, _, err := checkImage(frames[0]); err != nil {
		return nil, fmt.Errorf("frame 0: %v", err)
	}
	anim := &gif.GIF{}
	for i, f := range frames {
		if f == nil || !tensor.SameShape(f.Shape, frames[0].Shape) {
			return nil, fmt.Errorf("actmax: frame %d is %v, frame 0 is %v", i, shapeOf(f), frames[0].Shape)
		}
		p, err := paletted(f, pal, scale)
		if err != nil {
			return nil, fmt.Errorf("frame %d: %v", i, err)
		}
		anim.Image = append(anim.Image, p)
		anim.Delay = append(anim.Delay, delay)
	}
	var b bytes.Buffer
	if err := gif.EncodeAll(&b, anim); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// PNG encodes one image ([1, H, W] or [3, H, W] in 0..1) as a PNG, each
// pixel scale×scale: one channel through pal (8-bit gray for Gray), three
// channels as RGB.
func PNG(img *tensor.Tensor, pal Palette, scale int) ([]byte, error) {
	c, h, w, err := checkImage(img)
	if err != nil {
		return nil, err
	}
	if scale < 1 || scale > 64 {
		return nil, fmt.Errorf("actmax: scale %d: want 1..64", scale)
	}
	var out image.Image
	switch {
	case c == 3:
		out = toRGBA(img, scale)
	case pal == Gray:
		g := image.NewGray(image.Rect(0, 0, w*scale, h*scale))
		for y := range h * scale {
			for x := range w * scale {
				g.Pix[y*g.Stride+x] = level(img.Data[(y/scale)*w+x/scale])
			}
		}
		out = g
	default:
		p, _ := paletted(img, pal, scale)
		rgba := image.NewRGBA(p.Bounds())
		draw.Draw(rgba, rgba.Bounds(), p, image.Point{}, draw.Src)
		out = rgba
	}
	var b bytes.Buffer
	if err := png.Encode(&b, out); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// PNGFrames encodes each snapshot's image as a PNG (see PNG).
func PNGFrames(snaps []Snapshot, pal Palette, scale int) ([][]byte, error) {
	out := make([][]byte, len(snaps))
	for i, s := range snaps {
		b, err := PNG(s.Image, pal, scale)
		if err != nil {
			return nil, fmt.Errorf("snapshot %d (step %d): %v", i, s.Step, err)
		}
		out[i] = b
	}
	return out, nil
}

// Frames returns the images of snaps, for GIF.
func Frames(snaps []Snapshot) []*tensor.Tensor {
	out := make([]*tensor.Tensor, len(snaps))
	for i, s := range snaps {
		out[i] = s.Image
	}
	return out
}
