// Package synth generates small seeded data sets for teaching what t-SNE
// does and does not preserve, in the spirit of Wattenberg, Viégas & Johnson,
// "How to Use t-SNE Effectively" (Distill, 2016): separated clusters,
// clusters of different sizes and densities (t-SNE equalizes them), nested
// clusters (global structure), rings (topology) and a random walk
// (a continuous trajectory). Every generator is deterministic for a seed.
package synth

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Dataset is a generated point set: N points in D dimensions, row-major in
// X (len N*D), with one integer label per point used for colouring.
type Dataset struct {
	Name   string
	X      []float32
	N, D   int
	Labels []int
}

func newSet(name string, n, d int) Dataset {
	if n < 1 || d < 2 {
		panic(fmt.Sprintf("synth.%s: n = %d, d = %d, want n >= 1, d >= 2", name, n, d))
	}
	return Dataset{Name: name, X: make([]float32, n*d), N: n, D: d, Labels: make([]int, n)}
}

func rng(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x5e7)) }

// Gaussians returns k clusters of per points each in d dimensions. Each
// cluster is a unit-variance isotropic Gaussian; its centre has independent
// N(0, sep²) coordinates, so centres are about sep·√(2d) apart while a
// cluster's points are about √(2d) apart: sep >= 3 gives clearly separated
// clusters. Labels are the cluster index. It panics if k, per < 1 or d < 2.
func Gaussians(seed uint64, k, per, d int, sep float64) Dataset {
	if k < 1 || per < 1 {
		panic(fmt.Sprintf("synth.Gaussians: k = %d, per = %d, want >= 1", k, per))
	}
	s := newSet("gaussians", k*per, d)
	r := rng(seed)
	centre := make([]float64, d)
	for c := 0; c < k; c++ {
		for j := range centre {
			centre[j] = sep * r.NormFloat64()
		}
		for p := 0; p < per; p++ {
			i := c*per + p
			s.Labels[i] = c
			for j := 0; j < d; j++ {
				s.X[i*d+j] = float32(centre[j] + r.NormFloat64())
			}
		}
	}
	return s
}

// Sizes returns two clusters in d dimensions with the same number of
// points (n/2 each) but standard deviations 1 and 10, centres 40 apart
// along the first axis. t-SNE tends to draw them the same size: its
// perplexity adapts to local density. It panics if n < 2 or d < 2.
func Sizes(seed uint64, n, d int) Dataset {
	s := newSet("sizes", n, d)
	r := rng(seed)
	for i := 0; i < n; i++ {
		c := i * 2 / n
		sd := []float64{1, 10}[c]
		s.Labels[i] = c
		for j := 0; j < d; j++ {
			v := sd * r.NormFloat64()
			if j == 0 {
				v += 40 * float64(c)
			}
			s.X[i*d+j] = float32(v)
		}
	}
	return s
}

// Nested returns 3 groups of 3 clusters in d dimensions, per points per
// cluster: cluster centres of a group are about 10 apart and group centres
// about 100 apart, clusters have unit standard deviation. Labels
// are the cluster index 0..8 (group = label/3). It panics if per < 1.
func Nested(seed uint64, per, d int) Dataset {
	if per < 1 {
		panic(fmt.Sprintf("synth.Nested: per = %d, want >= 1", per))
	}
	s := newSet("nested", 9*per, d)
	r := rng(seed)
	group := make([]float64, d)
	sub := make([]float64, d)
	for g := 0; g < 3; g++ {
		for j := range group {
			group[j] = 100 / math.Sqrt(2*float64(d)) * r.NormFloat64()
		}
		for c := 0; c < 3; c++ {
			for j := range sub {
				sub[j] = group[j] + 10/math.Sqrt(2*float64(d))*r.NormFloat64()
			}
			for p := 0; p < per; p++ {
				i := (g*3+c)*per + p
				s.Labels[i] = g*3 + c
				for j := 0; j < d; j++ {
					s.X[i*d+j] = float32(sub[j] + r.NormFloat64())
				}
			}
		}
	}
	return s
}

// Rings returns two linked circles of radius 1 in 3-D (one in the x–y
// plane, one in the x–z plane shifted by 1 along x, like two chain links),
// n/2 points each with Gaussian noise of standard deviation noise on every
// coordinate, embedded in d >= 3 dimensions (extra coordinates hold only
// noise). Labels are the ring index. It panics if d < 3.
func Rings(seed uint64, n, d int, noise float64) Dataset {
	if d < 3 {
		panic(fmt.Sprintf("synth.Rings: d = %d, want >= 3", d))
	}
	s := newSet("rings", n, d)
	r := rng(seed)
	for i := 0; i < n; i++ {
		c := i * 2 / n
		a := 2 * math.Pi * r.Float64()
		p := [3]float64{math.Cos(a), math.Sin(a), 0}
		if c == 1 {
			p = [3]float64{1 + math.Cos(a), 0, math.Sin(a)}
		}
		s.Labels[i] = c
		for j := 0; j < d; j++ {
			v := noise * r.NormFloat64()
			if j < 3 {
				v += p[j]
			}
			s.X[i*d+j] = float32(v)
		}
	}
	return s
}

// RandomWalk returns n successive positions of a Gaussian random walk in d
// dimensions (unit steps per coordinate, starting at the origin). Labels
// are the position in time in ten equal bins 0..9, so a colour ramp shows
// whether the embedding keeps the trajectory continuous.
func RandomWalk(seed uint64, n, d int) Dataset {
	s := newSet("randomwalk", n, d)
	r := rng(seed)
	pos := make([]float64, d)
	for i := 0; i < n; i++ {
		for j := range pos {
			pos[j] += r.NormFloat64()
			s.X[i*d+j] = float32(pos[j])
		}
		s.Labels[i] = i * 10 / n
	}
	return s
}
