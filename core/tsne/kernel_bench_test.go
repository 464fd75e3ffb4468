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
	visits := 0
	for b.Loop() {
		s := NewKNN(x, 10000, 50, 90, 1)
		for !s.Step() {
			visits += s.Work()
		}
		visits += s.Work()
	}
	b.ReportMetric(float64(visits)/float64(b.N)/float64(distUnits(50))/10000, "dists/point")
}
