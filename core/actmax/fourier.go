package actmax

import (
	"math"

	"gonum.org/v1/gonum/dsp/fourier"
)

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
// The transforms are gonum's fast Fourier transforms, one axis at a time:
// a complex one along y for each of the kw columns, a real one along x for
// each row, O(h·w·log(hw)) operations.
type spectrum struct {
	h, w, kw int
	scale    []float64 // [h·kw] the 1/f^decay weights, normalized to RMS 1
	freq2    []float64 // [h·kw] squared frequency in cycles per pixel
	m        []float64 // [kw]
	norm     float64
	rows     *fourier.FFT      // length w
	cols     *fourier.CmplxFFT // length h
	z        []complex128      // [y·kw + kx] scratch: transformed along one axis
	col      []complex128      // [h] scratch
	row      []float64         // [w] scratch
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
	s.rows, s.cols = fourier.NewFFT(w), fourier.NewCmplxFFT(h)
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
	s.z = make([]complex128, h*kw)
	s.col = make([]complex128, h)
	s.row = make([]float64, w)
	return s
}

// ncoef is the number of float32s that parameterize one channel.
func (s *spectrum) ncoef() int { return 2 * s.h * s.kw }

// synth writes F(X) into dst [h·w], reading X from coef (one channel,
// interleaved re, im) multiplied by weight[ky·kw+kx] when weight is not nil.
func (s *spectrum) synth(coef []float32, weight []float64, dst []float32) {
	h, w, kw := s.h, s.w, s.kw
	// Along y: Z[y, kx] = Σ_ky X[ky,kx]·e^{iφ}, times the norm.
	for kx := 0; kx < kw; kx++ {
		for ky := 0; ky < h; ky++ {
			k := ky*kw + kx
			f := s.norm
			if weight != nil {
				f *= weight[k]
			}
			s.col[ky] = complex(float64(coef[2*k])*f, float64(coef[2*k+1])*f)
		}
		s.cols.Sequence(s.col, s.col)
		for y, v := range s.col {
			s.z[y*kw+kx] = v
		}
	}
	// Along x: the real inverse transform of each row's half spectrum
	// counts every column but the self-mirrored ones twice (m) and reads
	// only the real part of those.
	for y := 0; y < h; y++ {
		s.rows.Sequence(s.row, s.z[y*kw:(y+1)*kw])
		for x, v := range s.row {
			dst[y*w+x] = float32(v)
		}
	}
}

// adjoint writes F*(g) into coef (one channel, interleaved), multiplied by
// weight when weight is not nil: the gradient with respect to X of any
// function whose gradient with respect to F(weight ⊙ X) is g [h·w].
func (s *spectrum) adjoint(g []float32, weight []float64, coef []float32) {
	h, w, kw := s.h, s.w, s.kw
	// Along x: G[y, kx] = Σ_x g[y,x]·e^{−iψ}.
	for y := 0; y < h; y++ {
		for x := range s.row {
			s.row[x] = float64(g[y*w+x])
		}
		s.rows.Coefficients(s.z[y*kw:(y+1)*kw], s.row)
	}
	// Along y: dX[ky, kx] = norm·m·Σ_y G[y,kx]·e^{−iφ}.
	for kx := 0; kx < kw; kx++ {
		for y := range s.col {
			s.col[y] = s.z[y*kw+kx]
		}
		s.cols.Coefficients(s.col, s.col)
		for ky, v := range s.col {
			k := ky*kw + kx
			f := s.norm * s.m[kx]
			if weight != nil {
				f *= weight[k]
			}
			coef[2*k], coef[2*k+1] = float32(real(v)*f), float32(imag(v)*f)
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
