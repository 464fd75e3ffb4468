package input

import (
	"image"
	"image/draw"
)

// reduceStepPixels is about how many source pixels one Reduce.Step reads.
const reduceStepPixels = 1 << 18

// Reduce shrinks a large picture by a whole factor, averaging each k×k
// block of pixels into one, a band of rows per Step, so that a colour
// copy of a large upload is made without freezing the page: Colour on the
// copy then reads a few hundred thousand pixels rather than millions.
// Pixels beyond the last whole block are dropped.
type Reduce struct {
	src  image.Image
	k    int
	out  *image.RGBA
	band *image.RGBA // k source rows, converted by draw.Draw's fast paths
	y    int         // next output row
}

// NewReduce returns the stepper that shrinks img so that its shorter side
// is at least minSide: by the largest whole factor that keeps it so (1,
// none, for a picture under twice minSide).
func NewReduce(img image.Image, minSide int) *Reduce {
	b := img.Bounds()
	k := max(1, min(b.Dx(), b.Dy())/max(1, minSide))
	r := &Reduce{src: img, k: k}
	if k > 1 {
		r.out = image.NewRGBA(image.Rect(0, 0, b.Dx()/k, b.Dy()/k))
		r.band = image.NewRGBA(image.Rect(0, 0, r.out.Rect.Dx()*k, k))
	}
	return r
}

// Factor returns k: the picture shrinks k times each way.
func (r *Reduce) Factor() int { return r.k }

// Step reduces the next band of rows and reports whether the picture is
// done.
func (r *Reduce) Step() (done bool) {
	if r.out == nil {
		return true
	}
	k, w := r.k, r.out.Rect.Dx()
	area := uint32(k * k)
	origin := r.src.Bounds().Min
	for read := 0; r.y < r.out.Rect.Dy() && read < reduceStepPixels; r.y++ {
		draw.Draw(r.band, r.band.Rect, r.src, origin.Add(image.Pt(0, r.y*k)), draw.Src)
		read += w * k * k
		row := r.out.Pix[r.y*r.out.Stride:]
		for x := range w {
			var sum [4]uint32
			for dy := range k {
				p := r.band.Pix[dy*r.band.Stride+4*x*k:]
				for dx := range k {
					for c := range 4 {
						sum[c] += uint32(p[4*dx+c])
					}
				}
			}
			for c := range 4 {
				row[4*x+c] = uint8((sum[c] + area/2) / area)
			}
		}
	}
	return r.y >= r.out.Rect.Dy()
}

// Result returns the shrunk picture once Step has reported done (the
// original when the factor is 1).
func (r *Reduce) Result() image.Image {
	if r.out == nil {
		return r.src
	}
	return r.out
}
