package tensor

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkGemm runs C = A·B for the shapes of the shipped models' conv
// layers and of MobileNetV2's 1×1 convolutions (m output channels, n
// positions, k input channels); the reported GFLOP/s is 2·m·n·k per op.
func BenchmarkGemm(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, s := range [][3]int{
		{8, 784, 25}, {16, 196, 200}, {32, 196, 144}, {64, 49, 432},
		{96, 12544, 16}, {24, 3136, 96}, {144, 3136, 24}, {24, 3136, 144}, {384, 196, 64}, {64, 196, 384}, {960, 49, 160}, {160, 49, 960}, {1280, 49, 320},
	} {
		m, n, k := s[0], s[1], s[2]
		a, bb, c := randSlice(r, m*k), randSlice(r, k*n), make([]float32, m*n)
		b.Run(fmt.Sprintf("%dx%dx%d", m, n, k), func(b *testing.B) {
			for b.Loop() {
				Gemm(false, false, m, n, k, a, k, bb, n, c, n, false)
			}
			b.ReportMetric(2*float64(m*n*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
