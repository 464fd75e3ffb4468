package tsne

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func TestCalibrateReachesPerplexity(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	tests := []struct {
		k     int
		perp  float64
		scale float64
	}{
		{k: 90, perp: 30, scale: 1},
		{k: 90, perp: 30, scale: 1e4},  // far-away points: needs the min shift
		{k: 90, perp: 30, scale: 1e-6}, // tiny distances
		{k: 15, perp: 5, scale: 3},
		{k: 999, perp: 50, scale: 10},
		{k: 10, perp: 9.5, scale: 1}, // nearly uniform
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("k%d_perp%g_scale%g", tc.k, tc.perp, tc.scale), func(t *testing.T) {
			d2 := make([]float64, tc.k)
			for j := range d2 {
				v := r.NormFloat64()
				d2[j] = tc.scale * (1 + v*v)
			}
			p := make([]float64, tc.k)
			_, _, iters := calibrate(d2, p, math.Log(tc.perp))
			// Entropy recomputed from the returned distribution.
			var h, sum float64
			for _, v := range p {
				sum += v
				if v > 0 {
					h -= v * math.Log(v)
				}
			}
			if math.Abs(sum-1) > 1e-12 {
				t.Errorf("Σp = %.15g, want 1", sum)
			}
			if math.Abs(h-math.Log(tc.perp)) > PerplexityTol {
				t.Errorf("entropy = %.9g after %d iterations, want log(%g) = %.9g ± %g", h, iters, tc.perp, math.Log(tc.perp), PerplexityTol)
			}
			// Nearer neighbours get more probability.
			for a := range d2 {
				for b := range d2 {
					if d2[a] < d2[b] && p[a] < p[b] {
						t.Fatalf("p[%d] = %g < p[%d] = %g although d2 %g < %g", a, p[a], b, p[b], d2[a], d2[b])
					}
				}
			}
		})
	}
}

func TestSymmetrizeMatchesDense(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	const n, k = 40, 6
	idx := make([]int32, n*k)
	cond := make([]float64, n*k)
	dense := make([]float64, n*n)
	for i := 0; i < n; i++ {
		perm := r.Perm(n - 1)
		var s float64
		for m := 0; m < k; m++ {
			j := perm[m]
			if j >= i {
				j++
			}
			idx[i*k+m] = int32(j)
			cond[i*k+m] = r.Float64()
			s += cond[i*k+m]
		}
		for m := 0; m < k; m++ {
			cond[i*k+m] /= s
			dense[i*n+int(idx[i*k+m])] += cond[i*k+m]
		}
	}
	sym := newSymmetrizer(n, k, idx, cond)
	work := 0
	for !sym.step(&work, 50) {
		work = 0
	}
	got := make([]float64, n*n)
	total := 0.0
	for i := 0; i < n; i++ {
		prev := int32(i)
		for e := sym.out.ptr[i]; e < sym.out.ptr[i+1]; e++ {
			c := sym.out.col[e]
			if c <= prev {
				t.Fatalf("row %d: column %d after %d, want columns above the diagonal, strictly increasing", i, c, prev)
			}
			prev = c
			got[i*n+int(c)] = sym.out.val[e]
			got[int(c)*n+i] = sym.out.val[e]
			total += 2 * sym.out.val[e]
		}
	}
	if math.Abs(total-1) > 1e-12 {
		t.Errorf("ΣP = %.15g, want 1", total)
	}
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			want := (dense[i*n+j] + dense[j*n+i]) / (2 * n)
			if math.Abs(got[i*n+j]-want) > 1e-15 {
				t.Errorf("P[%d,%d] = %g, want %g", i, j, got[i*n+j], want)
			}
		}
	}
}
