package render

import "math"

// Scale maps data values to colormap positions t in [0, 1].
//
// An unsigned scale maps Min to 0 and Max to 1. A Signed scale maps 0 to
// 0.5 and ±max(|Min|, |Max|) to 0 and 1, so that a diverging colormap shows
// zero as white and equal magnitudes of either sign with equal strength.
type Scale struct {
	Min, Max float64
	Signed   bool
}

// T returns the colormap position of v, clamped to [0, 1]. A scale of zero
// width (a constant map) gives 0, or 0.5 when Signed, and never divides by
// zero. NaN gives 0.
func (s Scale) T(v float64) float64 {
	var t float64
	if s.Signed {
		m := math.Max(math.Abs(s.Min), math.Abs(s.Max))
		if !(m > 0) {
			return 0.5
		}
		t = 0.5 + v/(2*m)
	} else {
		d := s.Max - s.Min
		if !(d > 0) {
			return 0
		}
		t = (v - s.Min) / d
	}
	if !(t > 0) {
		return 0
	}
	return math.Min(t, 1)
}

// Fit returns the scale spanning every finite value in the given slices:
// one slice for a per-layer scale, several (all layers, all channels) for a
// global one. With signed it is the symmetric scale ±max|v|. With no
// finite values it is the empty scale {0, 0}.
func Fit(signed bool, data ...[]float32) Scale {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, d := range data {
		for _, v := range d {
			f := float64(v)
			if math.IsNaN(f) || math.IsInf(f, 0) {
				continue
			}
			lo, hi = math.Min(lo, f), math.Max(hi, f)
		}
	}
	if lo > hi {
		return Scale{Signed: signed}
	}
	if signed {
		m := math.Max(math.Abs(lo), math.Abs(hi))
		return Scale{Min: -m, Max: m, Signed: true}
	}
	return Scale{Min: lo, Max: hi}
}

// PerChannel returns one scale per channel of a [C, H·W] map (channel c is
// data[c·hw : (c+1)·hw]). It panics if len(data) is not a multiple of hw.
func PerChannel(data []float32, hw int, signed bool) []Scale {
	if hw <= 0 || len(data)%hw != 0 {
		panic("render: PerChannel of " + itoa(len(data)) + " values in channels of " + itoa(hw))
	}
	out := make([]Scale, len(data)/hw)
	for c := range out {
		out[c] = Fit(signed, data[c*hw:(c+1)*hw])
	}
	return out
}
