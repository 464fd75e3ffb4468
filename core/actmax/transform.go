package actmax

import "math"

// warp is a bilinear resampling from a source image h×w to an output image
// H×W (every channel alike): output pixel o reads the source at a
// continuous position and mixes its four neighbours. The position is the
// output pixel centre rotated by Angle and scaled by Scale about the image
// centre, then shifted by (DY, DX), all in output pixels, then mapped to
// source pixels by the size ratio (half-pixel centres, so a pure resize is
// the usual bilinear resize).
//
// Neighbours outside the source image read the canvas: the image padded
// with Pad pixels of value PadValue on every side (Pad in output pixels,
// converted to source pixels); beyond the canvas the canvas edge repeats.
// With Pad 0 this is edge replication. So "pad, transform, crop to H×W" is
// one linear map plus a constant, and its adjoint scatters each output
// gradient back to the source pixels it read (padding is constant and gets
// nothing).
type warp struct {
	h, w, oh, ow int
	idx          []int32   // [4·oh·ow] source index, −1 for padding
	wt           []float32 // [4·oh·ow]
	padValue     float32
}

// geometry holds the random transform of one step.
type geometry struct {
	DY, DX   float64 // shift in output pixels
	Scale    float64 // zoom factor (1 = none)
	Angle    float64 // radians
	Pad      int     // output pixels
	PadValue float32
}

func (g geometry) identity() bool {
	return g.DY == 0 && g.DX == 0 && (g.Scale == 1 || g.Scale == 0) && g.Angle == 0
}

// newWarp builds the sampling table for source h×w, output oh×ow.
func newWarp(h, w, oh, ow int, g geometry) *warp {
	if g.Scale == 0 {
		g.Scale = 1
	}
	wp := &warp{h: h, w: w, oh: oh, ow: ow, idx: make([]int32, 4*oh*ow), wt: make([]float32, 4*oh*ow), padValue: g.PadValue}
	ry, rx := float64(h)/float64(oh), float64(w)/float64(ow)
	py := int(math.Round(float64(g.Pad) * ry))
	px := int(math.Round(float64(g.Pad) * rx))
	cos, sin := math.Cos(g.Angle), math.Sin(g.Angle)
	cy, cx := float64(oh)/2, float64(ow)/2
	// at returns the source index of integer position (y, x), −1 for padding.
	at := func(y, x int) int32 {
		y = min(max(y, -py), h-1+py)
		x = min(max(x, -px), w-1+px)
		if y < 0 || y >= h || x < 0 || x >= w {
			return -1
		}
		return int32(y*w + x)
	}
	for oy := 0; oy < oh; oy++ {
		for ox := 0; ox < ow; ox++ {
			// Output pixel centre relative to the image centre, inverse-rotated
			// and inverse-scaled, minus the shift: where in the output frame
			// the content came from.
			dy, dx := float64(oy)+0.5-cy, float64(ox)+0.5-cx
			sy := (cos*dy+sin*dx)/g.Scale + cy - g.DY
			sx := (-sin*dy+cos*dx)/g.Scale + cx - g.DX
			sy, sx = sy*ry-0.5, sx*rx-0.5
			y0, x0 := math.Floor(sy), math.Floor(sx)
			fy, fx := float32(sy-y0), float32(sx-x0)
			iy, ix := int(y0), int(x0)
			o := 4 * (oy*ow + ox)
			wp.idx[o], wp.wt[o] = at(iy, ix), (1-fy)*(1-fx)
			wp.idx[o+1], wp.wt[o+1] = at(iy, ix+1), (1-fy)*fx
			wp.idx[o+2], wp.wt[o+2] = at(iy+1, ix), fy*(1-fx)
			wp.idx[o+3], wp.wt[o+3] = at(iy+1, ix+1), fy*fx
		}
	}
	return wp
}

// apply writes the warped src (c channels of h×w) into dst (c channels of
// oh×ow).
func (wp *warp) apply(c int, src, dst []float32) {
	n, m := wp.h*wp.w, wp.oh*wp.ow
	for ch := 0; ch < c; ch++ {
		s, d := src[ch*n:(ch+1)*n], dst[ch*m:(ch+1)*m]
		for o := range d {
			var v float32
			for k := 4 * o; k < 4*o+4; k++ {
				if i := wp.idx[k]; i >= 0 {
					v += wp.wt[k] * s[i]
				} else {
					v += wp.wt[k] * wp.padValue
				}
			}
			d[o] = v
		}
	}
}

// adjoint adds the transpose of the linear part of apply to g (oh×ow per
// channel) into dst (h×w per channel).
func (wp *warp) adjoint(c int, g, dst []float32) {
	n, m := wp.h*wp.w, wp.oh*wp.ow
	for ch := 0; ch < c; ch++ {
		gs, d := g[ch*m:(ch+1)*m], dst[ch*n:(ch+1)*n]
		for o, v := range gs {
			for k := 4 * o; k < 4*o+4; k++ {
				if i := wp.idx[k]; i >= 0 {
					d[i] += wp.wt[k] * v
				}
			}
		}
	}
}

// resize resamples c channels of h×w to oh×ow bilinearly (edge replicated).
func resize(c, h, w, oh, ow int, src []float32) []float32 {
	dst := make([]float32, c*oh*ow)
	if h == oh && w == ow {
		copy(dst, src)
		return dst
	}
	newWarp(h, w, oh, ow, geometry{}).apply(c, src, dst)
	return dst
}

// gaussian returns normalized Gaussian weights of standard deviation sigma
// on −r..r, r = ceil(3σ).
func gaussian(sigma float64) []float32 {
	r := int(math.Ceil(3 * sigma))
	k := make([]float32, 2*r+1)
	var s float64
	for i := range k {
		d := float64(i - r)
		v := math.Exp(-d * d / (2 * sigma * sigma))
		k[i] = float32(v)
		s += v
	}
	for i := range k {
		k[i] = float32(float64(k[i]) / s)
	}
	return k
}

// blurPixels blurs c channels of h×w in place with a separable Gaussian of
// standard deviation sigma pixels, replicating the edges.
func blurPixels(c, h, w int, img []float32, sigma float64) {
	if sigma <= 0 {
		return
	}
	k := gaussian(sigma)
	r := len(k) / 2
	tmp := make([]float32, h*w)
	for ch := 0; ch < c; ch++ {
		p := img[ch*h*w : (ch+1)*h*w]
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				var v float32
				for i, kv := range k {
					xx := min(max(x+i-r, 0), w-1)
					v += kv * p[y*w+xx]
				}
				tmp[y*w+x] = v
			}
		}
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				var v float32
				for i, kv := range k {
					yy := min(max(y+i-r, 0), h-1)
					v += kv * tmp[yy*w+x]
				}
				p[y*w+x] = v
			}
		}
	}
}

// tvEps smooths total variation at flat spots, where |∇x| has a kink.
const tvEps = 0.01

// totalVariation returns the smoothed isotropic total variation of c
// channels of h×w, the mean over pixels of √(dx² + dy² + ε²) − ε with
// forward differences (zero past the last row and column), and, when grad
// is not nil, adds scale times its gradient to grad.
func totalVariation(c, h, w int, img, grad []float32, scale float64) float64 {
	var tv float64
	n := float64(c * h * w)
	for ch := 0; ch < c; ch++ {
		p := img[ch*h*w : (ch+1)*h*w]
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				i := y*w + x
				var dx, dy float64
				if x+1 < w {
					dx = float64(p[i+1]) - float64(p[i])
				}
				if y+1 < h {
					dy = float64(p[i+w]) - float64(p[i])
				}
				r := math.Sqrt(dx*dx + dy*dy + tvEps*tvEps)
				tv += r - tvEps
				if grad == nil {
					continue
				}
				g := grad[ch*h*w : (ch+1)*h*w]
				s := scale / (n * r)
				if x+1 < w {
					g[i+1] += float32(s * dx)
					g[i] -= float32(s * dx)
				}
				if y+1 < h {
					g[i+w] += float32(s * dy)
					g[i] -= float32(s * dy)
				}
			}
		}
	}
	return tv / n
}

// sumSquares returns the mean of x² over img and, when grad is not nil,
// adds scale times its gradient 2x/n.
func sumSquares(img, grad []float32, scale float64) float64 {
	var s float64
	n := float64(len(img))
	for i, v := range img {
		s += float64(v) * float64(v)
		if grad != nil {
			grad[i] += float32(scale * 2 * float64(v) / n)
		}
	}
	return s / n
}
