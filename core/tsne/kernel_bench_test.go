package tsne

import (
	"math/rand/v2"
	"testing"
)

func randPoints(n, d int, seed uint64) []float64 {
	r := rand.New(rand.NewPCG(seed, 1))
	x := make([]float64, n*d)
	for i := range x {
		x[i] = r.NormFloat64()
	}
	return x
}

func BenchmarkCalibrate_90(b *testing.B) {
	d2 := randPoints(90, 1, 1)
	for i := range d2 {
		d2[i] = d2[i]*d2[i] + 1
	}
	p := make([]float64, 90)
	its := 0
	for b.Loop() {
		_, _, it := calibrate(d2, p, 3.4)
		its += it
	}
	b.ReportMetric(float64(its)/float64(b.N), "iters")
}

func BenchmarkKNN_2000x50_k90(b *testing.B) {
	x := randPoints(2000, 50, 2)
	for b.Loop() {
		Neighbors(x, 2000, 50, 90, 1)
	}
}

func BenchmarkExactKernel_2000(b *testing.B) {
	y := randPoints(2000, 2, 3)
	p := randPoints(2000, 1, 4)
	acc := make([]float64, 4*2000)
	for b.Loop() {
		exactKernel(p, y, acc, 0.1, 0.2)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/2000, "ns/pair")
}

func BenchmarkQuadTree_2000(b *testing.B) {
	y := randPoints(2000, 2, 5)
	for i := range y {
		y[i] *= 10
	}
	var q quadTree
	visits := 0
	for b.Loop() {
		q.build(y, 0.5)
		for i := 0; i < 2000; i++ {
			_, _, _, v := q.repulse(int32(i), y[2*i], y[2*i+1])
			visits += v
		}
	}
	b.ReportMetric(float64(visits)/float64(b.N)/2000, "visits/point")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(visits), "ns/visit")
}

func BenchmarkBH_10000_spread60(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	y := clusteredLayout(r, 10000, 60)
	var q quadTree
	for b.Loop() {
		q.build(y, 0.5)
		for i := 0; i < 10000; i++ {
			q.repulse(int32(i), y[2*i], y[2*i+1])
		}
	}
}

func BenchmarkKNN_10000x50_k90(b *testing.B) {
	ds := benchData(10000)
	x := make([]float64, len(ds.X))
	for i, v := range ds.X {
		x[i] = float64(v)
	}
	visits, cands := 0, 0
	for b.Loop() {
		s := NewKNN(x, 10000, 50, 90, 1)
		for !s.Step() {
			visits += s.Work()
		}
		visits += s.Work()
		if s.blk != nil {
			cands += s.blk.total
		}
	}
	if cands > 0 { // the blocked search: exact distances per point
		b.ReportMetric(float64(cands)/float64(b.N)/10000, "cands/point")
	} else {
		b.ReportMetric(float64(visits)/float64(b.N)/float64(distUnits(50))/10000, "dists/point")
	}
}

// BenchmarkKNNTree_10000x50_k90 is BenchmarkKNN_10000x50_k90 with the
// vantage-point tree, for comparison with the blocked search.
func BenchmarkKNNTree_10000x50_k90(b *testing.B) { benchKNNMode(b, 10000, false) }

// BenchmarkKNNTree_2000x50_k90 and BenchmarkKNNBlock_2000x50_k90 (and the
// other sizes) place the crossover between the two searches, on the
// clustered benchmark data.
func BenchmarkKNNTree_1000x50_k90(b *testing.B)  { benchKNNMode(b, 1000, false) }
func BenchmarkKNNBlock_1000x50_k90(b *testing.B) { benchKNNMode(b, 1000, true) }
func BenchmarkKNNTree_2000x50_k90(b *testing.B)  { benchKNNMode(b, 2000, false) }
func BenchmarkKNNBlock_2000x50_k90(b *testing.B) { benchKNNMode(b, 2000, true) }
func BenchmarkKNNTree_5000x50_k90(b *testing.B)  { benchKNNMode(b, 5000, false) }
func BenchmarkKNNBlock_5000x50_k90(b *testing.B) { benchKNNMode(b, 5000, true) }

func benchKNNMode(b *testing.B, n int, block bool) {
	ds := benchData(n)
	x := make([]float64, len(ds.X))
	for i, v := range ds.X {
		x[i] = float64(v)
	}
	for b.Loop() {
		s := newKNNMode(n, 50, 90, 1, block)
		s.x = x
		for !s.Step() {
		}
	}
}

// BenchmarkKNNTree_10000x50_gauss and BenchmarkKNNBlock_10000x50_gauss
// compare the two searches on one isotropic Gaussian in 50-D, where the
// tree prunes little (its worst case) while the blocked search costs the
// same as on clustered data.
func BenchmarkKNNTree_10000x50_gauss(b *testing.B)  { benchKNNGauss(b, false) }
func BenchmarkKNNBlock_10000x50_gauss(b *testing.B) { benchKNNGauss(b, true) }

func benchKNNGauss(b *testing.B, block bool) {
	x := randPoints(10000, 50, 7)
	for b.Loop() {
		s := newKNNMode(10000, 50, 90, 1, block)
		s.x = x
		for !s.Step() {
		}
	}
}
