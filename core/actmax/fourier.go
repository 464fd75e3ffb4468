package actmax

import "math"

// spectrum is the Fourier parameterization of one h×w channel: the image
// is F(scale ⊙ X), where X holds h×kw complex coefficients (kw = w/2+1, the
// half spectrum of a real image) and F is the inverse real 2-D DFT,
//
//	F(X)[y,x] = 1/√(hw) · Σ_ky Σ_kx m(kx) · Re(X[ky,kx] · e^{2πi(ky·y/h + kx·x/w)}),
//
// with m(kx) = 1 for the columns that are their own mirror image (kx = 0,
// and kx = w/2 when w is even) and 2 for the others, which stand for
// themselves and their conjugate twin. This is numpy's irfft2 up to the
// factor √(hw), chosen so that white coefficient noise of standard
// deviation σ gives pixel noise of about σ. Coefficients are stored
// interleaved, re then im, row-major in (ky, kx).
//
// The transforms are direct sums over precomputed cosine tables, done one
// axis at a time: O(h·w·(h+kw)) operations, tiny for the 28×28 inputs here,
// so no FFT is needed.
type spectrum struct {
	h, w, kw int
	scale    []float64 // [h·kw] the 1/f^decay weights, normalized to RMS 1
	freq2    []float64 // [h·kw] squared frequency in cycles per pixel
	m        []float64 // [kw]
	cy, sy   []float64 // [ky·h + y] cos and sin of 2π·ky·y/h
	cx, sx   []float64 // [kx·w + x] cos and sin of 2π·kx·x/w
	norm     float64
	zr, zi   []float64 // [ky·w + x] scratch
	row      []float64 // [w] scratch
}

// newSpectrum prepares the transforms for h×w images with spectrum decay
// power decay: scale = 1/max(f, 1/max(h, w))^decay, f the frequency in
// cycles per pixel (Olah et al. 2017).
func newSpectrum(h, w int, decay float64) *spectrum {
	kw := w/2 + 1
	s := &spectrum{h: h, w: w, kw: kw, norm: 1 / math.Sqrt(float64(h*w))}
	s.m = make([]float64, kw)
	for kx := range s.m {
		s.m[kx] = 2
		if kx == 0 || 2*kx == w {
			s.m[kx] = 1
		}
	}
	s.cy, s.sy = table(h, h)
	s.cx, s.sx = table(kw, w)
	s.scale = make([]float64, h*kw)
	s.freq2 = make([]float64, h*kw)
	floor := 1 / float64(max(h, w))
	var ss float64
	for ky := 0; ky < h; ky++ {
		fy := float64(ky) / float64(h)
		if ky >= (h+1)/2 {
			fy = float64(ky-h) / float64(h)
		}
		for kx := 0; kx < kw; kx++ {
			fx := float64(kx) / float64(w)
			f2 := fx*fx + fy*fy
			s.freq2[ky*kw+kx] = f2
			v := 1 / math.Pow(math.Max(math.Sqrt(f2), floor), decay)
			s.scale[ky*kw+kx] = v
			ss += v * v
		}
	}
	rms := math.Sqrt(ss / float64(len(s.scale)))
	for i := range s.scale {
		s.scale[i] /= rms
	}
	s.zr = make([]float64, h*w)
	s.zi = make([]float64, h*w)
	s.row = make([]float64, w)
	return s
}

// table returns cos and sin of 2π·k·j/n for k < nk, j < n, at [k·n + j].
func table(nk, n int) (c, s []float64) {
	c = make([]float64, nk*n)
	s = make([]float64, nk*n)
	for k := 0; k < nk; k++ {
		for j := 0; j < n; j++ {
			// k·j mod n keeps the angle small and the table exact at symmetric points.
			a := 2 * math.Pi * float64((k*j)%n) / float64(n)
			c[k*n+j], s[k*n+j] = math.Cos(a), math.Sin(a)
		}
	}
	return c, s
}

// ncoef is the number of float32s that parameterize one channel.
func (s *spectrum) ncoef() int { return 2 * s.h * s.kw }

// synth writes F(X) into dst [h·w], reading X from coef (one channel,
// interleaved re, im) multiplied by weight[ky·kw+kx] when weight is not nil.
func (s *spectrum) synth(coef []float32, weight []float64, dst []float32) {
	h, w, kw := s.h, s.w, s.kw
	// Along x: Z[ky, x] = Σ_kx m·X[ky,kx]·e^{iψ}.
	for ky := 0; ky < h; ky++ {
		zr, zi := s.zr[ky*w:(ky+1)*w], s.zi[ky*w:(ky+1)*w]
		clear(zr)
		clear(zi)
		for kx := 0; kx < kw; kx++ {
			k := ky*kw + kx
			a, b := float64(coef[2*k]), float64(coef[2*k+1])
			f := s.m[kx]
			if weight != nil {
				f *= weight[k]
			}
			a, b = a*f, b*f
			if a == 0 && b == 0 {
				continue
			}
			cs, sn := s.cx[kx*w:(kx+1)*w], s.sx[kx*w:(kx+1)*w]
			for x := range zr {
				zr[x] += a*cs[x] - b*sn[x]
				zi[x] += a*sn[x] + b*cs[x]
			}
		}
	}
	// Along y: out[y, x] = norm·Σ_ky Re(Z[ky,x]·e^{iφ}).
	for y := 0; y < h; y++ {
		row := dst[y*w : (y+1)*w]
		acc := s.row
		clear(acc)
		for ky := 0; ky < h; ky++ {
			c, sn := s.cy[ky*h+y], s.sy[ky*h+y]
			zr, zi := s.zr[ky*w:(ky+1)*w], s.zi[ky*w:(ky+1)*w]
			for x := range acc {
				acc[x] += zr[x]*c - zi[x]*sn
			}
		}
		for x := range row {
			row[x] = float32(acc[x] * s.norm)
		}
	}
}

// adjoint writes F*(g) into coef (one channel, interleaved), multiplied by
// weight when weight is not nil: the gradient with respect to X of any
// function whose gradient with respect to F(weight ⊙ X) is g [h·w].
func (s *spectrum) adjoint(g []float32, weight []float64, coef []float32) {
	h, w, kw := s.h, s.w, s.kw
	// G[ky, x] = norm·Σ_y g[y,x]·e^{−iφ}.
	for ky := 0; ky < h; ky++ {
		gr, gi := s.zr[ky*w:(ky+1)*w], s.zi[ky*w:(ky+1)*w]
		clear(gr)
		clear(gi)
		for y := 0; y < h; y++ {
			c, sn := s.cy[ky*h+y]*s.norm, s.sy[ky*h+y]*s.norm
			row := g[y*w : (y+1)*w]
			for x, v := range row {
				gr[x] += float64(v) * c
				gi[x] -= float64(v) * sn
			}
		}
	}
	// dX[ky, kx] = m·Σ_x G[ky,x]·e^{−iψ}.
	for ky := 0; ky < h; ky++ {
		gr, gi := s.zr[ky*w:(ky+1)*w], s.zi[ky*w:(ky+1)*w]
		for kx := 0; kx < kw; kx++ {
			cs, sn := s.cx[kx*w:(kx+1)*w], s.sx[kx*w:(kx+1)*w]
			var a, b float64
			for x := range gr {
				a += gr[x]*cs[x] + gi[x]*sn[x]
				b += gi[x]*cs[x] - gr[x]*sn[x]
			}
			k := ky*kw + kx
			f := s.m[kx]
			if weight != nil {
				f *= weight[k]
			}
			coef[2*k], coef[2*k+1] = float32(a*f), float32(b*f)
		}
	}
}

// analyze writes into coef the coefficients X with F(weight ⊙ X) = img,
// the exact inverse of synth (weight must have no zeros; nil means 1).
// F*(img) = m ⊙ DFT(img)/√(hw), and the inverse real DFT gives back img
// from DFT(img)/(hw) on the half spectrum, so the inverse is F* divided by m.
func (s *spectrum) analyze(img []float32, weight []float64, coef []float32) {
	s.adjoint(img, nil, coef)
	for k := 0; k < s.h*s.kw; k++ {
		f := s.m[k%s.kw]
		if weight != nil {
			f *= weight[k]
		}
		coef[2*k] = float32(float64(coef[2*k]) / f)
		coef[2*k+1] = float32(float64(coef[2*k+1]) / f)
	}
}

// blur multiplies the coefficients of one channel by the transfer function
// of a Gaussian of standard deviation sigma pixels, exp(−2π²σ²f²): a
// circular Gaussian blur of the unsquashed image.
func (s *spectrum) blur(coef []float32, sigma float64) {
	for k, f2 := range s.freq2 {
		g := float32(math.Exp(-2 * math.Pi * math.Pi * sigma * sigma * f2))
		coef[2*k] *= g
		coef[2*k+1] *= g
	}
}
