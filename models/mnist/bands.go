package mnist

import "math/rand/v2"

// Bands returns a synthetic 28×28 set of n images for tests of training
// code: the image of digit d is a bright band of rows starting at row 2d,
// sprinkled with a little seeded noise, so that a small network learns it
// in a few dozen steps.
func Bands(n int, seed uint64) *Set {
	r := rand.New(rand.NewPCG(seed, 1))
	s := &Set{Count: n, Rows: 28, Cols: 28, Images: make([]byte, n*784), Labels: make([]uint8, n)}
	for i := 0; i < n; i++ {
		d := r.IntN(10)
		s.Labels[i] = uint8(d)
		img := s.Images[i*784 : (i+1)*784]
		for y := 2 * d; y < 2*d+5; y++ {
			for x := 4; x < 24; x++ {
				img[y*28+x] = 200
			}
		}
		for j := 0; j < 30; j++ {
			img[r.IntN(784)] = uint8(r.IntN(256))
		}
	}
	return s
}
