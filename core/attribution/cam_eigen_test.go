package attribution

import (
	"math"
	"math/rand/v2"
	"testing"

	"cnnviz/core/tensor"

	"gonum.org/v1/gonum/mat"
)

// TestEigenCAMMatchesSVD checks Eigen-CAM's projection against gonum's
// SVD, an independent implementation: the map must be the centred
// activations times the top right singular vector, up to the sign that
// the convention picks.
func TestEigenCAMMatchesSVD(t *testing.T) {
	for _, tt := range []struct{ c, h, w int }{{1, 3, 3}, {4, 5, 5}, {16, 6, 7}, {40, 4, 4}} {
		rng := rand.New(rand.NewPCG(uint64(tt.c), 3))
		a := tensor.New(tt.c, tt.h, tt.w)
		for i := range a.Data {
			a.Data[i] = float32(rng.NormFloat64())
		}
		hw := tt.h * tt.w
		d := mat.NewDense(hw, tt.c, nil)
		for k := 0; k < tt.c; k++ {
			var mean float64
			for _, v := range a.Data[k*hw : (k+1)*hw] {
				mean += float64(v)
			}
			mean /= float64(hw)
			for i, v := range a.Data[k*hw : (k+1)*hw] {
				d.Set(i, k, float64(v)-mean)
			}
		}
		var svd mat.SVD
		if !svd.Factorize(d, mat.SVDThinV) {
			t.Fatal("gonum's SVD failed")
		}
		var v mat.Dense
		svd.VTo(&v)
		var want mat.VecDense
		want.MulVec(d, v.ColView(0))

		got := eigenCAMFrom(a)
		var dot float64
		for i := 0; i < hw; i++ {
			dot += float64(got.Data[i]) * want.AtVec(i)
		}
		sign := 1.0
		if dot < 0 {
			sign = -1
		}
		for i := 0; i < hw; i++ {
			g, w := float64(got.Data[i]), sign*want.AtVec(i)
			if math.Abs(g-w) > 1e-5*(1+math.Abs(w)) {
				t.Errorf("%d×%d×%d: map[%d] = %.7g, gonum's SVD gives %.7g", tt.c, tt.h, tt.w, i, g, w)
				break
			}
		}
	}
}
