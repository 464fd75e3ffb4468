package actmax

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func randVec(r *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	return v
}

func dot64(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

var sizes = [][2]int{{1, 1}, {4, 4}, {5, 7}, {6, 5}, {28, 28}, {7, 14}}

// TestFourierAdjoint checks <F(s⊙X), y> = <X, F*(y)⊙s> on random X, y.
func TestFourierAdjoint(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, sz := range sizes {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			s := newSpectrum(sz[0], sz[1], 1)
			x := randVec(r, s.ncoef())
			y := randVec(r, sz[0]*sz[1])
			fx := make([]float32, len(y))
			s.synth(x, s.scale, fx)
			fty := make([]float32, len(x))
			s.adjoint(y, s.scale, fty)
			lhs, rhs := dot64(fx, y), dot64(x, fty)
			if math.Abs(lhs-rhs) > 1e-4*(1+math.Abs(lhs)) {
				t.Errorf("<F x, y> = %v, <x, F* y> = %v", lhs, rhs)
			}
		})
	}
}

// TestFourierKnownAnswers checks F against the definition on inputs with
// known images: the DC coefficient is a constant image, and the coefficient
// (ky, kx) = (0, 1) is a cosine along x.
func TestFourierKnownAnswers(t *testing.T) {
	const h, w = 4, 6
	s := newSpectrum(h, w, 1)
	img := make([]float32, h*w)
	coef := make([]float32, s.ncoef())
	coef[0] = 1 // X[0,0] = 1 ⇒ image = 1/√(hw) everywhere
	s.synth(coef, nil, img)
	for i, v := range img {
		if want := 1 / math.Sqrt(h*w); math.Abs(float64(v)-want) > 1e-6 {
			t.Fatalf("DC image[%d] = %v, want %v", i, v, want)
		}
	}
	clear(coef)
	coef[2*1+1] = 1 // X[0,1] = i ⇒ image = 2/√(hw)·Re(i·e^{2πix/w}) = −2/√(hw)·sin(2πx/w)
	s.synth(coef, nil, img)
	for y := range h {
		for x := range w {
			want := -2 / math.Sqrt(h*w) * math.Sin(2*math.Pi*float64(x)/float64(w))
			if got := img[y*w+x]; math.Abs(float64(got)-want) > 1e-6 {
				t.Fatalf("image[%d,%d] = %v, want %v", y, x, got, want)
			}
		}
	}
}

// TestFourierInverse checks that analyze inverts synth: F(s⊙analyze(img)) = img.
func TestFourierInverse(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, sz := range sizes {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			s := newSpectrum(sz[0], sz[1], 1.5)
			img := randVec(r, sz[0]*sz[1])
			coef := make([]float32, s.ncoef())
			s.analyze(img, s.scale, coef)
			back := make([]float32, len(img))
			s.synth(coef, s.scale, back)
			for i := range img {
				if math.Abs(float64(back[i]-img[i])) > 1e-4 {
					t.Fatalf("F(analyze(img))[%d] = %v, want %v", i, back[i], img[i])
				}
			}
		})
	}
}

// TestFourierScale checks the 1/f spectrum: the scale falls with
// frequency, is capped at the lowest frequency 1/size, and has RMS 1.
func TestFourierScale(t *testing.T) {
	s := newSpectrum(8, 8, 1)
	at := func(ky, kx int) float64 { return s.scale[ky*s.kw+kx] }
	if at(0, 0) != at(0, 1) {
		t.Errorf("scale(DC) = %v, want the cap scale(0,1) = %v", at(0, 0), at(0, 1))
	}
	if got, want := at(0, 1)/at(0, 2), 2.0; math.Abs(got-want) > 1e-12 {
		t.Errorf("scale(f=1/8)/scale(f=2/8) = %v, want %v", got, want)
	}
	if at(1, 0) != at(7, 0) {
		t.Errorf("scale(ky=1) = %v, scale(ky=7) = %v: want equal (same |f|)", at(1, 0), at(7, 0))
	}
	var ss float64
	for _, v := range s.scale {
		ss += v * v
	}
	if rms := math.Sqrt(ss / float64(len(s.scale))); math.Abs(rms-1) > 1e-12 {
		t.Errorf("RMS(scale) = %v, want 1", rms)
	}
}

// fourierLoss is a smooth function of the coefficients through the whole
// Fourier parameterization: Σ proj ⊙ sigmoid(F(s⊙X)).
func fourierLoss(s *spectrum, coef, proj []float32) float64 {
	img := make([]float32, len(proj))
	s.synth(coef, s.scale, img)
	var l float64
	for i, v := range img {
		l += float64(proj[i]) / (1 + math.Exp(-float64(v)))
	}
	return l
}

// TestFourierGradient checks the gradient through sigmoid and the adjoint,
// as Run.Step computes it, against central differences; a gradient without
// the scale must fail the same check.
func TestFourierGradient(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	s := newSpectrum(6, 7, 1)
	coef := randVec(r, s.ncoef())
	for i := range coef {
		coef[i] *= 0.3
	}
	proj := randVec(r, 42)
	grad := func(weight []float64) []float32 {
		img := make([]float32, 42)
		s.synth(coef, s.scale, img)
		g := make([]float32, 42)
		for i, v := range img {
			y := sigmoid(v)
			g[i] = proj[i] * y * (1 - y)
		}
		out := make([]float32, len(coef))
		s.adjoint(g, weight, out)
		return out
	}
	check := func(g []float32) (worst float64) {
		const h = 1e-2
		for i := range coef {
			old := coef[i]
			coef[i] = old + h
			lp := fourierLoss(s, coef, proj)
			coef[i] = old - h
			lm := fourierLoss(s, coef, proj)
			coef[i] = old
			fd := (lp - lm) / (2 * h)
			worst = max(worst, math.Abs(fd-float64(g[i]))/(1e-3+math.Abs(fd)))
		}
		return worst
	}
	if e := check(grad(s.scale)); e > 2e-2 {
		t.Errorf("relative error of the Fourier gradient = %v, want < 2e-2", e)
	}
	if e := check(grad(nil)); e < 0.1 {
		t.Errorf("gradient without the spectrum scale passed with error %v: the check cannot fail", e)
	}
}

// TestFourierBlur checks the Gaussian transfer function on a pure cosine:
// blurring by σ multiplies its amplitude by exp(−2π²σ²f²).
func TestFourierBlur(t *testing.T) {
	s := newSpectrum(8, 8, 1)
	coef := make([]float32, s.ncoef())
	coef[2*2] = 1 // kx = 2: f = 1/4
	s.blur(coef, 1)
	if got, want := float64(coef[4]), math.Exp(-2*math.Pi*math.Pi/16); math.Abs(got-want) > 1e-6 {
		t.Errorf("blurred coefficient = %v, want %v", got, want)
	}
}

// TestFourierDefinition checks the FFT-based F against its definition,
// summed directly, on random coefficients (imaginary parts of the
// self-mirrored columns included: F reads only their real part).
func TestFourierDefinition(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, sz := range sizes {
		h, w := sz[0], sz[1]
		t.Run(fmt.Sprintf("%dx%d", h, w), func(t *testing.T) {
			s := newSpectrum(h, w, 1)
			coef := randVec(r, s.ncoef())
			got := make([]float32, h*w)
			s.synth(coef, s.scale, got)
			for y := range h {
				for x := range w {
					var sum float64
					for ky := range h {
						for kx := range s.kw {
							k := ky*s.kw + kx
							a := 2 * math.Pi * (float64(ky*y)/float64(h) + float64(kx*x)/float64(w))
							re, im := float64(coef[2*k])*s.scale[k], float64(coef[2*k+1])*s.scale[k]
							sum += s.m[kx] * (re*math.Cos(a) - im*math.Sin(a))
						}
					}
					want := sum / math.Sqrt(float64(h*w))
					if d := math.Abs(float64(got[y*w+x]) - want); d > 1e-4*(1+math.Abs(want)) {
						t.Fatalf("F(X)[%d,%d] = %v, want %v", y, x, got[y*w+x], want)
					}
				}
			}
		})
	}
}
