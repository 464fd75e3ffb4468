package render

import (
	"image/color"
	"math"
)

// Colormap maps a number in [0, 1] to a colour by linear interpolation
// between equally spaced control points.
type Colormap struct {
	Name  string
	Stops []color.RGBA // at t = i/(len(Stops)−1); at least two
}

// At returns the colour for t. Values below 0 (and NaN) give the first
// stop, values above 1 the last. Channels are interpolated in sRGB and
// rounded to the nearest integer.
func (c Colormap) At(t float64) color.RGBA {
	n := len(c.Stops)
	if n < 2 {
		panic("render: colormap " + c.Name + " needs at least two stops")
	}
	if !(t > 0) { // also NaN
		return c.Stops[0]
	}
	if t >= 1 {
		return c.Stops[n-1]
	}
	f := t * float64(n-1)
	i := int(f)
	u := f - float64(i)
	a, b := c.Stops[i], c.Stops[i+1]
	mix := func(x, y uint8) uint8 {
		return uint8(math.Floor(float64(x) + u*(float64(y)-float64(x)) + 0.5))
	}
	return color.RGBA{mix(a.R, b.R), mix(a.G, b.G), mix(a.B, b.B), 255}
}

func rgb(hex uint32) color.RGBA {
	return color.RGBA{uint8(hex >> 16), uint8(hex >> 8), uint8(hex), 255}
}

// Viridis is the default sequential colormap: dark purple (low) through
// blue and green to yellow (high). Its stops are the viridis colours at
// t = 0, 0.1, …, 1 (van der Walt and Smith, matplotlib 2015).
var Viridis = Colormap{Name: "viridis", Stops: []color.RGBA{
	rgb(0x440154), rgb(0x482475), rgb(0x414487), rgb(0x355f8d), rgb(0x2a788e), rgb(0x21918c),
	rgb(0x22a884), rgb(0x44bf70), rgb(0x7ad151), rgb(0xbddf26), rgb(0xfde725),
}}

// Diverging is a blue-white-red colormap for signed values: blue at 0,
// pure white at 0.5, red at 1. Use it with a Signed scale, which puts the
// value 0 at t = 0.5. The stops are ColorBrewer's RdBu, reversed, with the
// centre made pure white.
var Diverging = Colormap{Name: "diverging", Stops: []color.RGBA{
	rgb(0x2166ac), rgb(0x4393c3), rgb(0x92c5de), rgb(0xd1e5f0), rgb(0xffffff),
	rgb(0xfddbc7), rgb(0xf4a582), rgb(0xd6604d), rgb(0xb2182b),
}}

// Grey maps 0 to black and 1 to white.
var Grey = Colormap{Name: "grey", Stops: []color.RGBA{rgb(0x000000), rgb(0xffffff)}}

// Colormaps lists the colormaps by name, for menus.
var Colormaps = []Colormap{Viridis, Diverging, Grey}

// Categorical is a palette of ten distinct colours for class labels (the
// Tableau 10 colours, also matplotlib's tab10). Label i uses
// Categorical[i%10].
var Categorical = [10]color.RGBA{
	rgb(0x1f77b4), rgb(0xff7f0e), rgb(0x2ca02c), rgb(0xd62728), rgb(0x9467bd),
	rgb(0x8c564b), rgb(0xe377c2), rgb(0x7f7f7f), rgb(0xbcbd22), rgb(0x17becf),
}
