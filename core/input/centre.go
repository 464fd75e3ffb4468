package input

import (
	"math"
)

// Size is the side of an MNIST image; Box is the side of the box the digit
// is scaled into.
const (
	Size = 28
	Box  = 20
)

// Gray is a grey image of ink values in 0..1 (1 is ink), row-major.
type Gray struct {
	W, H int
	Pix  []float32
}

// NewGray returns a blank w×h image.
func NewGray(w, h int) *Gray { return &Gray{W: w, H: h, Pix: make([]float32, w*h)} }

// At returns the ink at (x, y), 0 outside the image.
func (g *Gray) At(x, y int) float32 {
	if x < 0 || y < 0 || x >= g.W || y >= g.H {
		return 0
	}
	return g.Pix[y*g.W+x]
}

// bounds returns the smallest rectangle [x0,x1)×[y0,y1) holding ink above
// threshold; ok is false for a blank image.
func (g *Gray) bounds(threshold float32) (x0, y0, x1, y1 int, ok bool) {
	x0, y0, x1, y1 = g.W, g.H, 0, 0
	for y := 0; y < g.H; y++ {
		for x := 0; x < g.W; x++ {
			if g.Pix[y*g.W+x] > threshold {
				x0, y0 = min(x0, x), min(y0, y)
				x1, y1 = max(x1, x+1), max(y1, y+1)
			}
		}
	}
	return x0, y0, x1, y1, x1 > x0
}

// Centre returns the 28×28 MNIST-style version of g: the ink's bounding box
// scaled (area-averaged, aspect kept) so that its longer side is 20 pixels,
// then placed so that its centre of mass falls on the image centre (14, 14),
// clamped so that no ink leaves the image. A blank image gives a blank
// result.
func Centre(g *Gray) []float32 {
	out := make([]float32, Size*Size)
	x0, y0, x1, y1, ok := g.bounds(0.05)
	if !ok {
		return out
	}
	bw, bh := x1-x0, y1-y0
	scale := float64(Box) / float64(max(bw, bh))
	sw := max(1, int(math.Round(float64(bw)*scale)))
	sh := max(1, int(math.Round(float64(bh)*scale)))
	small := resample(g, x0, y0, bw, bh, sw, sh)
	// Centre of mass of the scaled digit.
	var mx, my, mass float64
	for y := 0; y < sh; y++ {
		for x := 0; x < sw; x++ {
			v := float64(small[y*sw+x])
			mx += v * (float64(x) + 0.5)
			my += v * (float64(y) + 0.5)
			mass += v
		}
	}
	ox := int(math.Round(Size/2 - mx/mass))
	oy := int(math.Round(Size/2 - my/mass))
	ox = min(max(ox, 0), Size-sw)
	oy = min(max(oy, 0), Size-sh)
	for y := 0; y < sh; y++ {
		copy(out[(oy+y)*Size+ox:(oy+y)*Size+ox+sw], small[y*sw:(y+1)*sw])
	}
	return out
}

// resample scales the w×h region at (x0, y0) of g to sw×sh by averaging
// the area each output pixel covers (a box filter), which anti-aliases
// when shrinking and interpolates blockily when enlarging.
func resample(g *Gray, x0, y0, w, h, sw, sh int) []float32 {
	out := make([]float32, sw*sh)
	fx, fy := float64(w)/float64(sw), float64(h)/float64(sh)
	for oy := 0; oy < sh; oy++ {
		ya, yb := float64(oy)*fy, float64(oy+1)*fy
		for ox := 0; ox < sw; ox++ {
			xa, xb := float64(ox)*fx, float64(ox+1)*fx
			var s, area float64
			for y := int(ya); float64(y) < yb; y++ {
				wy := math.Min(yb, float64(y+1)) - math.Max(ya, float64(y))
				for x := int(xa); float64(x) < xb; x++ {
					wx := math.Min(xb, float64(x+1)) - math.Max(xa, float64(x))
					s += wx * wy * float64(g.At(x0+x, y0+y))
					area += wx * wy
				}
			}
			out[oy*sw+ox] = float32(s / area)
		}
	}
	return out
}
