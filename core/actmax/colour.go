package actmax

import (
	"fmt"
	"image"
	"image/draw"
	"math"

	"gonum.org/v1/gonum/mat"
)

// PhotoColourSqrt is a square root S of the colour covariance Σ of
// natural photos, S·Sᵀ = Σ, for red, green and blue values in 0..1 (rows
// are the channels). Its columns are Σ's eigenvectors scaled by the square
// roots of their eigenvalues, largest first: the first column is
// brightness (all three channels together), the others are colour
// contrasts that vary far less. The numbers come from every pixel of the
// four CC0 and public-domain photos of testdata/photos (coffee, a cat, an
// astronaut and a rocket; 910,724 pixels), computed with
//
//	go run ./cmd/colourcov testdata/photos/*.png testdata/photos/*.jpg
//
// Lucid's feature visualizations use the same construction on ImageNet.
var PhotoColourSqrt = [3][3]float64{
	{0.2652, -0.1229, 0.0123},
	{0.2264, 0.0390, -0.0307},
	{0.1797, 0.1321, 0.0205},
}

// ColourCovariance returns the 3×3 covariance of the red, green and blue
// values (0..1) of every pixel of imgs, pooled, and the number of pixels.
// Transparent pixels count as black. It returns an error when there are
// fewer than two pixels.
func ColourCovariance(imgs ...image.Image) (cov [3][3]float64, n int, err error) {
	var sum [3]float64
	var prod [3][3]float64
	for _, img := range imgs {
		b := img.Bounds()
		rgba := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
		draw.Draw(rgba, rgba.Rect, img, b.Min, draw.Src)
		for i := 0; i < len(rgba.Pix); i += 4 {
			var v [3]float64
			for c := range 3 {
				v[c] = float64(rgba.Pix[i+c]) / 255
				sum[c] += v[c]
			}
			for c := range 3 {
				for d := range 3 {
					prod[c][d] += v[c] * v[d]
				}
			}
			n++
		}
	}
	if n < 2 {
		return cov, n, fmt.Errorf("colour covariance of %d pixels: want at least 2", n)
	}
	for c := range 3 {
		for d := range 3 {
			cov[c][d] = (prod[c][d] - sum[c]*sum[d]/float64(n)) / float64(n-1)
		}
	}
	return cov, n, nil
}

// ColourSqrt returns the square root S of a colour covariance (S·Sᵀ =
// cov) that PhotoColourSqrt is: eigenvectors scaled by the square roots of
// their eigenvalues, largest first, each column's entries summing to a
// positive number (which fixes the eigenvectors' signs). It returns an
// error when cov is not symmetric positive semi-definite.
func ColourSqrt(cov [3][3]float64) ([3][3]float64, error) {
	var s [3][3]float64
	sym := mat.NewSymDense(3, nil)
	for c := range 3 {
		for d := c; d < 3; d++ {
			if math.Abs(cov[c][d]-cov[d][c]) > 1e-12*(1+math.Abs(cov[c][d])) {
				return s, fmt.Errorf("colour covariance is not symmetric: %v", cov)
			}
			sym.SetSym(c, d, cov[c][d])
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(sym, true) {
		return s, fmt.Errorf("colour covariance %v: no eigen decomposition", cov)
	}
	vals := eig.Values(nil) // ascending
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	for j := range 3 {
		src := 2 - j // largest first
		if vals[src] < -1e-12 {
			return s, fmt.Errorf("colour covariance %v has a negative eigenvalue %v", cov, vals[src])
		}
		root := math.Sqrt(max(vals[src], 0))
		sign := 1.0
		if vecs.At(0, src)+vecs.At(1, src)+vecs.At(2, src) < 0 {
			sign = -1
		}
		for c := range 3 {
			s[c][j] = sign * root * vecs.At(c, src)
		}
	}
	return s, nil
}

// colourMix is the linear map from decorrelated colours to RGB: S divided
// by the largest norm of its columns (as Lucid does), so that a unit step
// along the brightness axis is about a unit step of every channel.
type colourMix struct {
	m, inv [3][3]float64
}

// newColourMix returns the mix of square root s; an error when s is
// singular.
func newColourMix(s [3][3]float64) (*colourMix, error) {
	var top float64
	for j := range 3 {
		top = max(top, math.Hypot(math.Hypot(s[0][j], s[1][j]), s[2][j]))
	}
	if top == 0 || math.IsNaN(top) || math.IsInf(top, 0) {
		return nil, fmt.Errorf("actmax: colour matrix %v: want finite, not all zero", s)
	}
	cm := &colourMix{}
	d := mat.NewDense(3, 3, nil)
	for c := range 3 {
		for j := range 3 {
			cm.m[c][j] = s[c][j] / top
			d.Set(c, j, cm.m[c][j])
		}
	}
	var inv mat.Dense
	if err := inv.Inverse(d); err != nil {
		return nil, fmt.Errorf("actmax: colour matrix %v is singular", s)
	}
	for c := range 3 {
		for j := range 3 {
			cm.inv[c][j] = inv.At(c, j)
		}
	}
	return cm, nil
}

// apply writes mat·src into dst per pixel; src and dst are [3·n], channel
// after channel, and may not overlap.
func apply(mat *[3][3]float64, src, dst []float32) {
	n := len(src) / 3
	for i := range n {
		a, b, c := float64(src[i]), float64(src[n+i]), float64(src[2*n+i])
		for r := range 3 {
			dst[r*n+i] = float32(mat[r][0]*a + mat[r][1]*b + mat[r][2]*c)
		}
	}
}

// transpose returns the transpose of m.
func transpose(m [3][3]float64) [3][3]float64 {
	var t [3][3]float64
	for r := range 3 {
		for c := range 3 {
			t[r][c] = m[c][r]
		}
	}
	return t
}
