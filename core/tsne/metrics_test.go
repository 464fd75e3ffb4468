package tsne

import (
	"math/rand/v2"
	"testing"
)

func TestOverlapKnownAnswers(t *testing.T) {
	tests := []struct {
		name string
		a, b []int32
		k    int
		want float64
	}{
		{"same", []int32{1, 2, 0, 2, 0, 1}, []int32{2, 1, 2, 0, 1, 0}, 2, 1},
		{"half", []int32{1, 2, 0, 2}, []int32{1, 3, 2, 3}, 2, 0.5},
		{"none", []int32{1, 0}, []int32{2, 2}, 1, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Overlap(tc.a, tc.b, tc.k); got != tc.want {
				t.Errorf("Overlap(%v, %v, %d) = %g, want %g", tc.a, tc.b, tc.k, got, tc.want)
			}
		})
	}
}

func TestNeighborPreservation(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 3))
	const n, d = 300, 10
	x := make([]float32, n*d)
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
	// Keeping the first two of ten coordinates keeps few neighbourhoods;
	// a scaled copy keeps all of them; a random layout about k/n.
	proj := make([]float32, 2*n)
	scaled := make([]float32, n*d)
	random := make([]float32, 2*n)
	for i := 0; i < n; i++ {
		proj[2*i], proj[2*i+1] = x[i*d], x[i*d+1]
		random[2*i], random[2*i+1] = float32(r.NormFloat64()), float32(r.NormFloat64())
	}
	for i, v := range x {
		scaled[i] = 3 * v
	}
	if got := NeighborPreservation(x, d, scaled, d, 10); got != 1 {
		t.Errorf("NeighborPreservation(x, 3x) = %g, want 1", got)
	}
	pr := NeighborPreservation(x, d, proj, 2, 10)
	rnd := NeighborPreservation(x, d, random, 2, 10)
	if !(rnd < 0.1 && pr > rnd && pr < 0.6) {
		t.Errorf("NeighborPreservation: projection %g, random %g; want random < 0.1 < ... and random < projection < 0.6", pr, rnd)
	}
}

func TestOneNNAccuracy(t *testing.T) {
	// Points on a line: 0, 1, 10, 11, 20 with labels a a b b a.
	x := []float32{0, 1, 10, 11, 20}
	tests := []struct {
		labels []int
		want   float64
	}{
		{[]int{0, 0, 1, 1, 0}, 0.8}, // 20's nearest is 11 (label 1)
		{[]int{0, 0, 1, 1, 1}, 1},
		{[]int{0, 1, 0, 1, 0}, 0},
	}
	for _, tc := range tests {
		if got := OneNNAccuracy(x, 1, tc.labels); got != tc.want {
			t.Errorf("OneNNAccuracy(line, %v) = %g, want %g", tc.labels, got, tc.want)
		}
	}
}
