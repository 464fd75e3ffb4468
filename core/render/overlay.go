package render

import (
	"fmt"
	"image"
	"math"
)

// Overlay blends an h×w attribution map heat over the grey input image
// base: heat is upsampled to base's size (nearest neighbour, or bilinear
// when bilinear is true), coloured with cmap under scale, and mixed as
// (1−alpha)·base + alpha·colour in each channel. Alpha 0 gives the input,
// alpha 1 the map alone. The result has base's bounds, starting at (0, 0).
//
// Upsampling treats each map value as covering an equal block of the image
// (sample positions at pixel centres, "align corners" false): nearest picks
// the block that contains the pixel centre; bilinear interpolates between
// block centres and holds the edge values beyond the outer centres. It
// panics if len(heat) != h·w, h or w < 1, or alpha is outside [0, 1].
func Overlay(base *image.Gray, heat []float32, h, w int, scale Scale, cmap Colormap, alpha float64, bilinear bool) *image.RGBA {
	return OverlayOn(base, heat, h, w, scale, cmap, alpha, bilinear)
}

// OverlayOn is Overlay on any picture, a colour photo too: each of the
// base's red, green and blue is mixed with the map's colour.
func OverlayOn(base image.Image, heat []float32, h, w int, scale Scale, cmap Colormap, alpha float64, bilinear bool) *image.RGBA {
	if h < 1 || w < 1 || len(heat) != h*w || !(alpha >= 0 && alpha <= 1) {
		panic(fmt.Sprintf("render: Overlay of %d values as %d×%d with alpha %v", len(heat), h, w, alpha))
	}
	b := base.Bounds()
	W, H := b.Dx(), b.Dy()
	up := Upsample(heat, h, w, H, W, bilinear)
	img := image.NewRGBA(image.Rect(0, 0, W, H))
	mix := func(g, c uint8) uint8 {
		return uint8(math.Floor((1-alpha)*float64(g) + alpha*float64(c) + 0.5))
	}
	rgba, _ := base.(*image.RGBA) // read directly: At allocates for every pixel
	for y := range H {
		for x := range W {
			var br, bg, bb uint8
			if rgba != nil {
				p := rgba.Pix[rgba.PixOffset(b.Min.X+x, b.Min.Y+y):]
				br, bg, bb = p[0], p[1], p[2]
			} else {
				r16, g16, b16, _ := base.At(b.Min.X+x, b.Min.Y+y).RGBA()
				br, bg, bb = uint8(r16>>8), uint8(g16>>8), uint8(b16>>8)
			}
			c := cmap.At(scale.T(float64(up[y*W+x])))
			i := img.PixOffset(x, y)
			img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = mix(br, c.R), mix(bg, c.G), mix(bb, c.B), 255
		}
	}
	return img
}

// BlendOver mixes colours over base as (1−alpha/100)·base +
// (alpha/100)·colour in each of red, green and blue, rounded, with
// colours stretched to base's size by nearest neighbour: a map coloured
// at a small size laid over a large photo without colouring every pixel
// (OverlayOn does that, and takes ten times as long on a 1023×1023
// photo in wasm). Both images' bounds start at (0, 0); the result is
// opaque, with base's bounds. It panics if alpha is outside 0..100.
func BlendOver(base, colours *image.RGBA, alpha int) *image.RGBA {
	if alpha < 0 || alpha > 100 {
		panic(fmt.Sprintf("render: BlendOver with alpha %d%%", alpha))
	}
	bw, bh := base.Rect.Dx(), base.Rect.Dy()
	hw, hh := colours.Rect.Dx(), colours.Rect.Dy()
	out := image.NewRGBA(base.Rect)
	// Two tables; n/100 is n·5243>>19 for n below 43,699.
	var keep, add [256]uint32
	for v := range 256 {
		keep[v] = uint32(v) * uint32(100-alpha)
		add[v] = uint32(v)*uint32(alpha) + 50
	}
	hx := make([]int, bw)
	for x := range hx {
		hx[x] = 4 * (x * hw / bw)
	}
	for y := range bh {
		src, dst := base.Pix[y*base.Stride:][:4*bw], out.Pix[y*out.Stride:][:4*bw]
		hrow := colours.Pix[(y*hh/bh)*colours.Stride:][:4*hw]
		for x, o := range hx {
			i := 4 * x
			dst[i] = uint8((keep[src[i]] + add[hrow[o]]) * 5243 >> 19)
			dst[i+1] = uint8((keep[src[i+1]] + add[hrow[o+1]]) * 5243 >> 19)
			dst[i+2] = uint8((keep[src[i+2]] + add[hrow[o+2]]) * 5243 >> 19)
			dst[i+3] = 255
		}
	}
	return out
}

// Upsample resizes an h×w map to H×W (row-major), by nearest neighbour or
// bilinear interpolation with the pixel-centre convention described at
// Overlay. It panics if len(src) != h·w or any size is below 1.
func Upsample(src []float32, h, w, H, W int, bilinear bool) []float32 {
	if h < 1 || w < 1 || H < 1 || W < 1 || len(src) != h*w {
		panic(fmt.Sprintf("render: Upsample of %d values as %d×%d to %d×%d", len(src), h, w, H, W))
	}
	dst := make([]float32, H*W)
	// pos maps an output index to a fractional source coordinate whose
	// integer points are source centres.
	pos := func(i, n, N int) float64 { return (float64(i)+0.5)*float64(n)/float64(N) - 0.5 }
	for y := range H {
		fy := pos(y, h, H)
		for x := range W {
			fx := pos(x, w, W)
			if !bilinear {
				sy := min(int(math.Floor(fy+0.5)), h-1)
				sx := min(int(math.Floor(fx+0.5)), w-1)
				dst[y*W+x] = src[max(sy, 0)*w+max(sx, 0)]
				continue
			}
			y0, ty := split(fy, h)
			x0, tx := split(fx, w)
			y1, x1 := min(y0+1, h-1), min(x0+1, w-1)
			a := float64(src[y0*w+x0])*(1-tx) + float64(src[y0*w+x1])*tx
			c := float64(src[y1*w+x0])*(1-tx) + float64(src[y1*w+x1])*tx
			dst[y*W+x] = float32(a*(1-ty) + c*ty)
		}
	}
	return dst
}

// split returns the lower source index for coordinate f in [−0.5, n−0.5]
// and the weight of the next one, clamped at the edges.
func split(f float64, n int) (int, float64) {
	if f <= 0 {
		return 0, 0
	}
	if f >= float64(n-1) {
		return n - 1, 0
	}
	i := int(f)
	return i, f - float64(i)
}
