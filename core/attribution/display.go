package attribution

import (
	"fmt"
	"math"
)

// Upsample resizes a map of h×w values (row-major) to outH×outW. With
// bilinear it interpolates between the centres of the source cells
// (half-pixel centres, edges clamped: the convention of image resizers,
// under which each source cell covers an equal block of the output);
// otherwise it takes the nearest source cell. Constant maps stay constant
// and finite. It panics when len(m) != h·w or a size is not positive.
func Upsample(m []float32, h, w, outH, outW int, bilinear bool) []float32 {
	if h <= 0 || w <= 0 || outH <= 0 || outW <= 0 || len(m) != h*w {
		panic(fmt.Sprintf("attribution: Upsample of %d values as %dx%d to %dx%d", len(m), h, w, outH, outW))
	}
	out := make([]float32, outH*outW)
	sy, sx := float64(h)/float64(outH), float64(w)/float64(outW)
	if !bilinear {
		for y := 0; y < outH; y++ {
			iy := min(int((float64(y)+0.5)*sy), h-1)
			for x := 0; x < outW; x++ {
				ix := min(int((float64(x)+0.5)*sx), w-1)
				out[y*outW+x] = m[iy*w+ix]
			}
		}
		return out
	}
	// coord maps output index i to source cells i0, i1 and weight t of i1.
	coord := func(i int, s float64, n int) (int, int, float64) {
		f := (float64(i)+0.5)*s - 0.5
		if f <= 0 {
			return 0, 0, 0
		}
		if f >= float64(n-1) {
			return n - 1, n - 1, 0
		}
		i0 := int(f)
		return i0, i0 + 1, f - float64(i0)
	}
	for y := 0; y < outH; y++ {
		y0, y1, ty := coord(y, sy, h)
		for x := 0; x < outW; x++ {
			x0, x1, tx := coord(x, sx, w)
			top := float64(m[y0*w+x0])*(1-tx) + float64(m[y0*w+x1])*tx
			bot := float64(m[y1*w+x0])*(1-tx) + float64(m[y1*w+x1])*tx
			out[y*outW+x] = float32(top*(1-ty) + bot*ty)
		}
	}
	return out
}

// Norm selects how Post rescales a map.
type Norm int

const (
	// NormNone keeps raw values: the honest view of signed attributions.
	NormNone Norm = iota
	// NormMinMax maps [min, max] to [0, 1]; a constant map becomes all 0.
	NormMinMax
	// NormMaxAbs divides by max |v|, so values lie in [−1, 1] and 0 stays
	// 0; an all-zero map stays all 0.
	NormMaxAbs
)

// Post is the display post-processing of a map, applied in the order
// ReLU, then Abs, then Norm. The zero value leaves a map unchanged.
type Post struct {
	ReLU bool // clip negative values to 0 (the final ReLU of CAM papers)
	Abs  bool // take absolute values (saliency maps are usually shown so)
	Norm Norm
}

// Apply returns a post-processed copy of m; m is not changed. The result
// is finite whenever m is.
func (p Post) Apply(m []float32) []float32 {
	out := append([]float32(nil), m...)
	for i, v := range out {
		if p.ReLU && v < 0 {
			v = 0
		}
		if p.Abs && v < 0 {
			v = -v
		}
		out[i] = v
	}
	switch p.Norm {
	case NormNone:
	case NormMinMax:
		lo, hi := float32(math.Inf(1)), float32(math.Inf(-1))
		for _, v := range out {
			lo, hi = min(lo, v), max(hi, v)
		}
		r := hi - lo
		for i, v := range out {
			if r > 0 {
				out[i] = (v - lo) / r
			} else {
				out[i] = 0
			}
		}
	case NormMaxAbs:
		var a float32
		for _, v := range out {
			a = max(a, float32(math.Abs(float64(v))))
		}
		if a > 0 {
			for i := range out {
				out[i] /= a
			}
		}
	default:
		panic(fmt.Sprintf("attribution: unknown Norm %d", p.Norm))
	}
	return out
}

// Reduce selects how ReduceChannels folds a [C, H, W] attribution to one
// [H, W] map.
type Reduce int

const (
	// ReduceSum adds the channels (signed).
	ReduceSum Reduce = iota
	// ReduceMaxAbs takes max_c |v|, as Simonyan et al. (2014) show saliency.
	ReduceMaxAbs
)

// ReduceChannels folds a flat [c, h·w] attribution to [h·w]. It panics
// when len(a) is not a multiple of c.
func ReduceChannels(a []float32, c int, how Reduce) []float32 {
	if c <= 0 || len(a)%c != 0 {
		panic(fmt.Sprintf("attribution: ReduceChannels of %d values in %d channels", len(a), c))
	}
	hw := len(a) / c
	out := make([]float32, hw)
	for k := 0; k < c; k++ {
		for i, v := range a[k*hw : (k+1)*hw] {
			switch how {
			case ReduceSum:
				out[i] += v
			case ReduceMaxAbs:
				out[i] = max(out[i], float32(math.Abs(float64(v))))
			default:
				panic(fmt.Sprintf("attribution: unknown Reduce %d", how))
			}
		}
	}
	return out
}

// Blur returns a Gaussian blur with standard deviation sigma pixels of
// each h×w plane of x (flat [C, h, w]), separable, with edge pixels
// repeated past the border. sigma <= 0 returns a copy.
func Blur(x []float32, h, w int, sigma float64) []float32 {
	if h <= 0 || w <= 0 || len(x)%(h*w) != 0 {
		panic(fmt.Sprintf("attribution: Blur of %d values as planes of %dx%d", len(x), h, w))
	}
	out := append([]float32(nil), x...)
	if sigma <= 0 {
		return out
	}
	r := int(math.Ceil(3 * sigma))
	k := make([]float64, 2*r+1)
	var s float64
	for i := range k {
		d := float64(i - r)
		k[i] = math.Exp(-d * d / (2 * sigma * sigma))
		s += k[i]
	}
	for i := range k {
		k[i] /= s
	}
	clamp := func(v, n int) int { return min(max(v, 0), n-1) }
	tmp := make([]float32, h*w)
	for p := 0; p < len(x)/(h*w); p++ {
		plane := out[p*h*w : (p+1)*h*w]
		for y := 0; y < h; y++ {
			for xx := 0; xx < w; xx++ {
				var a float64
				for i, kv := range k {
					a += kv * float64(plane[y*w+clamp(xx+i-r, w)])
				}
				tmp[y*w+xx] = float32(a)
			}
		}
		for y := 0; y < h; y++ {
			for xx := 0; xx < w; xx++ {
				var a float64
				for i, kv := range k {
					a += kv * float64(tmp[clamp(y+i-r, h)*w+xx])
				}
				plane[y*w+xx] = float32(a)
			}
		}
	}
	return out
}
