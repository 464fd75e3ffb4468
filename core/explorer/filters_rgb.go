package explorer

import (
	"image"

	"cnnviz/core/nn"
	"cnnviz/core/render"
)

// RGB reports whether the layer's filters look at the colour picture
// itself (the first convolution of a colour model), so that each filter
// can be shown as one colour patch: the colour it responds to most.
func (f Filters) RGB(a *App) bool {
	net := a.Current().Net
	if !IsColour(net) || f.C != 3 {
		return false
	}
	for _, l := range net.Spec.Layers[:f.Layer] {
		if l.Kind == nn.KindConv2D || l.Kind == nn.KindDense {
			return false
		}
	}
	return true
}

// RGBStrip draws filter after filter, top to bottom, as colour patches
// tile pixels wide with gap pixels between them: a filter's three input
// slices are its red, green and blue, scaled so that ±Scale.Max is full
// intensity and 0 is mid-grey (render.RGB), each weight a tile/KW-wide
// block.
func (f Filters) RGBStrip(tile, gap int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, tile, f.F*(tile+gap)-gap))
	k := 3 * f.KH * f.KW
	m := float32(f.Scale.Max)
	for i := range f.F {
		patch := render.RGB(f.Weights[i*k:(i+1)*k], f.KH, f.KW, -m, m)
		y0 := i * (tile + gap)
		for y := range tile {
			for x := range tile {
				src := patch.PixOffset(x*f.KW/tile, y*f.KH/tile)
				copy(img.Pix[img.PixOffset(x, y0+y):][:4], patch.Pix[src:src+4])
			}
		}
	}
	return img
}
