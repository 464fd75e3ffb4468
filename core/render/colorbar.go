package render

import (
	"fmt"
	"image"
	"math"
)

// ColorBar draws a vertical colour bar of thickness×length pixels for
// scale under cmap, highest values at the top, with ticks tick marks evenly
// spaced from the lowest to the highest value of the scale (±max for a
// signed scale) and their values written beside them in the built-in font,
// so that a viewer reads the real numbers a colour stands for. The image is
// wider than the bar by the longest label. A scale of zero width gets one
// tick. It panics if length < 2, thickness < 1 or ticks < 2.
func ColorBar(scale Scale, cmap Colormap, length, thickness, ticks int) *image.RGBA {
	if length < 2 || thickness < 1 || ticks < 2 {
		panic(fmt.Sprintf("render: ColorBar of length %d, thickness %d, %d ticks", length, thickness, ticks))
	}
	lo, hi := scale.Min, scale.Max
	if scale.Signed {
		hi = math.Max(math.Abs(lo), math.Abs(hi))
		lo = -hi
	}
	if !(hi > lo) {
		ticks = 1
	}
	vals := make([]float64, ticks)
	labels := make([]string, ticks)
	wide := 0
	for i := range vals {
		if ticks > 1 {
			vals[i] = lo + (hi-lo)*float64(i)/float64(ticks-1)
		} else {
			vals[i] = lo
		}
		if i == ticks-1 {
			vals[i] = hi // exact, whatever the rounding above
		}
		labels[i] = FormatNumber(vals[i])
		wide = max(wide, TextWidth(labels[i], 1))
	}
	// The tick is a notch cut into the bar's edge, in the ink colour, and
	// the label starts a few pixels to the right: a short line right
	// before a number would read as a minus sign.
	const tickLen, space = 3, 3
	top := GlyphH / 2 // room for the half of a label above the top tick
	img := newImage(thickness+space+wide, length+2*top, Background)
	for j := range length {
		c := cmap.At(1 - float64(j)/float64(length-1))
		fillRect(img, image.Rect(0, top+j, thickness, top+j+1), c)
	}
	for i, v := range vals {
		j := int(math.Round((1 - scale.T(v)) * float64(length-1)))
		if ticks == 1 {
			j = length - 1
		}
		fillRect(img, image.Rect(max(0, thickness-tickLen), top+j, thickness, top+j+1), Ink)
		Text(img, thickness+space, top+j-GlyphH/2, labels[i], Ink, 1)
	}
	return img
}
