package featuremaps

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"cnnviz/core/tensor"
	"cnnviz/models"
)

func TestTopImages(t *testing.T) {
	trained, err := models.Builtin("mnist")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		arch, layer string
		k           int
	}{{"mnist", "relu2", 4}, {"mnist", "fc", 3}, {"convnetjs", "pool2", 5}, {"trained", "relu3", 3}} {
		t.Run(tc.arch+"/"+tc.layer, func(t *testing.T) {
			m := trained
			if tc.arch != "trained" {
				m = build(t, tc.arch, 6)
			}
			layer := m.Index(tc.layer)
			const n = 45
			imgs := randomImages(m, rand.New(rand.NewPCG(6, 6)), n)
			want := TopImages(m, layer, imgs, n, tc.k)

			// Independent check: capture every image alone and rank by hand.
			size := tensor.Numel(m.Spec.Input)
			c, hw := channels(m.OutShape(layer))
			w := 1
			if sh := m.OutShape(layer); len(sh) == 3 {
				w = sh[2]
			}
			maps := make([][]float32, n)
			for j := range n {
				maps[j] = Capture(m, imgs[j*size:(j+1)*size])[layer].Data
			}
			for ch := range c {
				if len(want[ch]) != tc.k {
					t.Fatalf("channel %d has %d tops, want %d", ch, len(want[ch]), tc.k)
				}
				for r, top := range want[ch] {
					d := maps[top.Image][ch*hw : (ch+1)*hw]
					// The search runs batches, the reference one image at a
					// time: kernels may round a batched product differently
					// in the last bit (the SIMD GEMM tiles by batch rows).
					if got := d[top.Y*w+top.X]; !near32(got, top.Value) || !near32(slices.Max(d), top.Value) {
						t.Fatalf("channel %d rank %d: %+v, but the map holds %v there and its max is %v", ch, r, top, got, slices.Max(d))
					}
					// No image outside the list beats the last one.
					if r == tc.k-1 {
						for j := range n {
							if m := slices.Max(maps[j][ch*hw : (ch+1)*hw]); m > top.Value && !near32(m, top.Value) && !slices.ContainsFunc(want[ch], func(x Top) bool { return x.Image == j }) {
								t.Fatalf("channel %d: image %d reaches %v, more than rank %d (%v), but is not listed", ch, j, m, r, top.Value)
							}
						}
					}
					if r > 0 && better(top, want[ch][r-1]) {
						t.Fatalf("channel %d: rank %d %+v beats rank %d %+v", ch, r, top, r-1, want[ch][r-1])
					}
				}
			}

			// The stepper agrees at the end and, part-way, on the images so far.
			s := NewTopSearch(m, layer, imgs, n, tc.k)
			steps := 0
			for !s.Step() {
				steps++
				if steps == 2 {
					done, _ := s.Progress()
					if part := TopImages(m, layer, imgs[:done*size], done, tc.k); !equalTops(s.Result(), part) {
						t.Errorf("after %d of %d images the stepper's tops differ from TopImages of those images", done, n)
					}
				}
			}
			if got := s.Result(); !equalTops(got, want) {
				t.Errorf("TopSearch result differs from TopImages:\n got %v\nwant %v", got[0], want[0])
			}
			t.Logf("batch %d images per step, %d steps", s.Batch(), steps+1)
		})
	}
}

// equalTops reports whether two searches found the same images at the
// same positions, with values equal up to near32 (the batch sizes of two
// searches may differ, and with them the kernels' last-bit rounding).
func equalTops(a, b [][]Top) bool {
	return slices.EqualFunc(a, b, func(x, y []Top) bool {
		return slices.EqualFunc(x, y, func(p, q Top) bool {
			return p.Image == q.Image && p.Y == q.Y && p.X == q.X && near32(p.Value, q.Value)
		})
	})
}

func TestTopImagesSeededSampleRepeats(t *testing.T) {
	m := build(t, "convnetjs", 7)
	pool := randomImages(m, rand.New(rand.NewPCG(7, 7)), 200)
	size := tensor.Numel(m.Spec.Input)
	run := func(seed uint64) ([]int, [][]Top) {
		idx := Sample(rand.New(rand.NewPCG(seed, 1)), 200, 40)
		imgs := make([]float32, 0, len(idx)*size)
		for _, i := range idx {
			imgs = append(imgs, pool[i*size:(i+1)*size]...)
		}
		return idx, TopImages(m, m.Index("relu2"), imgs, len(idx), 3)
	}
	i1, t1 := run(42)
	i2, t2 := run(42)
	i3, _ := run(43)
	if !slices.Equal(i1, i2) || !equalTops(t1, t2) {
		t.Errorf("two runs with seed 42 differ: samples %v / %v", i1[:5], i2[:5])
	}
	if slices.Equal(i1, i3) {
		t.Errorf("seeds 42 and 43 gave the same sample %v", i1[:5])
	}
	seen := map[int]bool{}
	for _, i := range i1 {
		if i < 0 || i >= 200 || seen[i] {
			t.Fatalf("Sample(200, 40) = %v: index %d repeated or out of range", i1, i)
		}
		seen[i] = true
	}
}

func TestTopSearchPartialPanics(t *testing.T) {
	m := build(t, "convnetjs", 8)
	for _, tc := range []struct {
		layer, n, k int
	}{{-1, 1, 1}, {8, 1, 1}, {0, 1, 0}} {
		t.Run(fmt.Sprint(tc), func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("NewTopSearch(layer %d, k %d) did not panic", tc.layer, tc.k)
				}
			}()
			NewTopSearch(m, tc.layer, make([]float32, tc.n*784), tc.n, tc.k)
		})
	}
}

// near32 reports whether a and b agree to float32 rounding of a sum of a
// few hundred products (1e-5 relative to their size, at least 1).
func near32(a, b float32) bool {
	d := a - b
	if d < 0 {
		d = -d
	}
	return d <= 1e-5*max(1, a, -a, b, -b)
}
