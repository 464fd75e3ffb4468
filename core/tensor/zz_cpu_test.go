//go:build js && wasm && goexperiment.simd

package tensor

import (
	"fmt"
	"math/rand/v2"
	"syscall/js"
	"testing"
)

func cpuMicros() float64 {
	u := js.Global().Get("process").Call("cpuUsage")
	return u.Get("user").Float() + u.Get("system").Float()
}

var zzVariant = map[string]func(m, n, k int, a, b, c []float32){}

func TestZZGemmCPU(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	shapes := [][3]int{{96, 12544, 16}, {24, 3136, 96}, {144, 3136, 24}, {24, 3136, 144}, {384, 196, 64}, {64, 196, 384}, {960, 49, 160}, {160, 49, 960}, {1280, 49, 320}, {32, 12544, 27}}
	names := []string{}
	for k := range zzVariant {
		names = append(names, k)
	}
	_ = func(m, n, k int, a, b, c []float32) {
		gemmPacked(4, 8, kernelSIMD4x8, false, false, m, n, k, a, k, b, n, c, n)
	}
	tot := map[string]float64{}
	for _, s := range shapes {
		m, n, k := s[0], s[1], s[2]
		a, bb, c := randSlice(r, m*k), randSlice(r, k*n), make([]float32, m*n)
		line := fmt.Sprintf("%5dx%5dx%4d", m, n, k)
		reps := max(3, int(3e8/float64(2*m*n*k)))
		for _, name := range names {
			f := zzVariant[name]
			for i := 0; i < 3; i++ {
				f(m, n, k, a, bb, c)
			}
			best := 1e18
			for trial := 0; trial < 5; trial++ {
				t0 := cpuMicros()
				for i := 0; i < reps; i++ {
					f(m, n, k, a, bb, c)
				}
				best = min(best, (cpuMicros()-t0)/float64(reps))
			}
			tot[name] += best
			line += fmt.Sprintf("  %s %6.2f GF/s %7.1fus", name, 2*float64(m*n*k)/best/1e3, best)
		}
		fmt.Println(line)
	}
	fmt.Println(tot)
}
