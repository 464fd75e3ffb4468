package input

import (
	"fmt"
	"image"
	"image/draw"
)

// Colour turns a decoded photo into a colour model's input: the largest
// centred crop with the aspect ratio of w×h is resized to w×h, and the
// result is returned as [3, h, w] values in 0..1, channel after channel
// (red, green, blue). Every output pixel is the area-weighted average of
// the source pixels it covers, so downscaling does not alias; when
// upscaling each output pixel takes the colour of the source pixels under
// it. Transparent pixels count as black. It returns an error for an empty
// image or a size below 1.
func Colour(img image.Image, w, h int) ([]float32, error) {
	if w <= 0 || h <= 0 {
		return nil, fmt.Errorf("colour input size %d×%d: sizes must be positive", w, h)
	}
	b := img.Bounds()
	sw, sh := b.Dx(), b.Dy()
	if sw <= 0 || sh <= 0 {
		return nil, fmt.Errorf("the image has no pixels (%d×%d)", sw, sh)
	}
	crop := CentreCrop(b, w, h)
	cw, ch := crop.Dx(), crop.Dy()
	rgba := image.NewRGBA(image.Rect(0, 0, cw, ch))
	draw.Draw(rgba, rgba.Rect, img, crop.Min, draw.Src)

	xs := boxWeights(cw, w)
	// into[sy] lists the output rows that source row sy contributes to.
	into := make([][]tap, ch)
	for oy, taps := range boxWeights(ch, h) {
		for _, t := range taps {
			into[t.i] = append(into[t.i], tap{oy, t.w})
		}
	}
	row := make([]float32, 3*w) // one source row resampled horizontally
	out := make([]float32, 3*w*h)
	for sy := range ch {
		pix := rgba.Pix[sy*rgba.Stride:]
		for ox, taps := range xs {
			var r, g, bl float32
			for _, t := range taps {
				p := pix[4*t.i:]
				r += t.w * float32(p[0])
				g += t.w * float32(p[1])
				bl += t.w * float32(p[2])
			}
			row[ox], row[w+ox], row[2*w+ox] = r, g, bl
		}
		for _, t := range into[sy] {
			for c := range 3 {
				dst := out[(c*h+t.i)*w : (c*h+t.i+1)*w]
				for ox, v := range row[c*w : (c+1)*w] {
					dst[ox] += t.w * v
				}
			}
		}
	}
	for i, v := range out {
		out[i] = min(max(v/255, 0), 1)
	}
	return out, nil
}

// CentreCrop returns the largest rectangle with the aspect ratio of w×h
// centred in b: the part of a photo that Colour shows a w×h model. It
// panics if w or h is below 1; an empty b gives an empty rectangle.
func CentreCrop(b image.Rectangle, w, h int) image.Rectangle {
	if w < 1 || h < 1 {
		panic(fmt.Sprintf("input: CentreCrop to %d×%d", w, h))
	}
	sw, sh := b.Dx(), b.Dy()
	if sw <= 0 || sh <= 0 {
		return image.Rectangle{Min: b.Min, Max: b.Min}
	}
	cw, ch := sw, sh
	if int64(sw)*int64(h) > int64(sh)*int64(w) {
		cw = max(1, int(int64(sh)*int64(w)/int64(h)))
	} else {
		ch = max(1, int(int64(sw)*int64(h)/int64(w)))
	}
	return image.Rect(0, 0, cw, ch).Add(b.Min).Add(image.Pt((sw-cw)/2, (sh-ch)/2))
}

// tap is one source index and its weight in an output sample.
type tap struct {
	i int
	w float32
}

// boxWeights returns, for each of n outputs spread over src inputs, the
// inputs it overlaps and the fraction of the output cell each covers; the
// weights of one output sum to 1.
func boxWeights(src, n int) [][]tap {
	out := make([][]tap, n)
	scale := float64(src) / float64(n)
	for o := range n {
		lo, hi := float64(o)*scale, float64(o+1)*scale
		for i := int(lo); i < src && float64(i) < hi; i++ {
			overlap := min(hi, float64(i+1)) - max(lo, float64(i))
			if overlap > 0 {
				out[o] = append(out[o], tap{i, float32(overlap / scale)})
			}
		}
	}
	return out
}
