package synth

import (
	"math"
	"slices"
	"testing"
)

func TestGeneratorsAreSeededAndShaped(t *testing.T) {
	gens := []struct {
		name    string
		make    func(seed uint64) Dataset
		n, d, k int // points, dimensions, distinct labels
	}{
		{"gaussians", func(s uint64) Dataset { return Gaussians(s, 4, 25, 7, 3) }, 100, 7, 4},
		{"sizes", func(s uint64) Dataset { return Sizes(s, 100, 5) }, 100, 5, 2},
		{"nested", func(s uint64) Dataset { return Nested(s, 10, 6) }, 90, 6, 9},
		{"rings", func(s uint64) Dataset { return Rings(s, 100, 4, 0.01) }, 100, 4, 2},
		{"randomwalk", func(s uint64) Dataset { return RandomWalk(s, 100, 3) }, 100, 3, 10},
	}
	for _, g := range gens {
		t.Run(g.name, func(t *testing.T) {
			a, b, c := g.make(1), g.make(1), g.make(2)
			if a.N != g.n || a.D != g.d || len(a.X) != g.n*g.d || len(a.Labels) != g.n {
				t.Fatalf("%s: N, D, len(X), len(Labels) = %d, %d, %d, %d, want %d, %d, %d, %d",
					g.name, a.N, a.D, len(a.X), len(a.Labels), g.n, g.d, g.n*g.d, g.n)
			}
			if !slices.Equal(a.X, b.X) || !slices.Equal(a.Labels, b.Labels) {
				t.Errorf("%s: same seed gave different data", g.name)
			}
			if slices.Equal(a.X, c.X) {
				t.Errorf("%s: seeds 1 and 2 gave the same data", g.name)
			}
			seen := map[int]bool{}
			for _, l := range a.Labels {
				seen[l] = true
			}
			if len(seen) != g.k {
				t.Errorf("%s: %d distinct labels, want %d", g.name, len(seen), g.k)
			}
		})
	}
}

func TestGeometry(t *testing.T) {
	t.Run("ringsRadius", func(t *testing.T) {
		ds := Rings(3, 200, 3, 0)
		for i := 0; i < ds.N; i++ {
			x, y, z := float64(ds.X[3*i]), float64(ds.X[3*i+1]), float64(ds.X[3*i+2])
			if ds.Labels[i] == 1 {
				x -= 1
			}
			if r := math.Sqrt(x*x + y*y + z*z); math.Abs(r-1) > 1e-6 {
				t.Fatalf("point %d of ring %d at radius %g, want 1", i, ds.Labels[i], r)
			}
		}
	})
	t.Run("sizesSpread", func(t *testing.T) {
		ds := Sizes(4, 2000, 2)
		var s [2]float64
		for i := 0; i < ds.N; i++ {
			v := float64(ds.X[2*i+1])
			s[ds.Labels[i]] += v * v
		}
		sd0, sd1 := math.Sqrt(s[0]/1000), math.Sqrt(s[1]/1000)
		if math.Abs(sd0-1) > 0.1 || math.Abs(sd1-10) > 1 {
			t.Errorf("cluster standard deviations = %.3g, %.3g, want 1, 10", sd0, sd1)
		}
	})
	t.Run("walkSteps", func(t *testing.T) {
		ds := RandomWalk(5, 5000, 2)
		var ss float64
		for i := 1; i < ds.N; i++ {
			dx := float64(ds.X[2*i] - ds.X[2*i-2])
			ss += dx * dx
		}
		if v := ss / float64(ds.N-1); math.Abs(v-1) > 0.1 {
			t.Errorf("step variance = %.3g, want 1", v)
		}
	})
}
