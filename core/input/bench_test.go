package input

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"sync"
	"testing"
)

// photo is a 4000×4000 colour picture like a phone photo of a digit on
// paper: a light, slightly noisy gradient with a dark bar.
var photo = sync.OnceValue(func() *image.NRGBA {
	const n = 4000
	r := rand.New(rand.NewPCG(1, 2))
	img := image.NewNRGBA(image.Rect(0, 0, n, n))
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			v := uint8(180 + (x+y)/128 + r.IntN(12))
			if x > 1700 && x < 2300 && y > 800 && y < 3200 {
				v = uint8(30 + r.IntN(12))
			}
			img.SetNRGBA(x, y, color.NRGBA{v, v - 10, v - 20, 255})
		}
	}
	return img
})

var photoPNG = sync.OnceValue(func() []byte {
	var b bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&b, photo()); err != nil {
		panic(err)
	}
	return b.Bytes()
})

var photoJPEG = sync.OnceValue(func() []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, photo(), &jpeg.Options{Quality: 90}); err != nil {
		panic(err)
	}
	return b.Bytes()
})

func benchmarkDecodeImage(b *testing.B, file []byte) {
	b.SetBytes(int64(len(file)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeImage(file); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeImage_PNG_4000x4000(b *testing.B)  { benchmarkDecodeImage(b, photoPNG()) }
func BenchmarkDecodeImage_JPEG_4000x4000(b *testing.B) { benchmarkDecodeImage(b, photoJPEG()) }

func BenchmarkConfig_JPEG_4000x4000(b *testing.B) {
	file := photoJPEG()
	for b.Loop() {
		if _, _, err := Config(file); err != nil {
			b.Fatal(err)
		}
	}
}

// benchmarkShrink times a whole Shrink of img and reports the mean time of
// a Step in ms/step (the page's frame budget is what matters).
func benchmarkShrink(b *testing.B, img image.Image) {
	steps := 0
	for b.Loop() {
		s := NewShrink(img)
		for steps++; !s.Step(); steps++ {
		}
	}
	b.ReportMetric(float64(b.Elapsed())/1e6/float64(steps), "ms/step")
}

func decoded(b *testing.B, file []byte) image.Image {
	img, err := DecodeImage(file)
	if err != nil {
		b.Fatal(err)
	}
	return img
}

// The JPEG decodes to *image.YCbCr, the PNG to *image.NRGBA (fast paths);
// generic is the per-pixel At and colour conversion that Decode did before.
func BenchmarkShrink_YCbCr_4000x4000(b *testing.B) { benchmarkShrink(b, decoded(b, photoJPEG())) }
func BenchmarkShrink_NRGBA_4000x4000(b *testing.B) { benchmarkShrink(b, decoded(b, photoPNG())) }
func BenchmarkShrink_generic_4000x4000(b *testing.B) {
	benchmarkShrink(b, generic{decoded(b, photoPNG())})
}

// benchmarkUpload times a whole Upload of file and reports the mean and
// the longest Step, in ms.
func benchmarkUpload(b *testing.B, file []byte) {
	steps := 0
	var worst float64
	for b.Loop() {
		u, err := NewUpload(file)
		if err != nil {
			b.Fatal(err)
		}
		for {
			start := b.Elapsed()
			done := u.Step()
			worst = max(worst, float64(b.Elapsed()-start)/1e6)
			steps++
			if done {
				break
			}
		}
		if _, err := u.Result(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed())/1e6/float64(steps), "ms/step")
	b.ReportMetric(worst, "ms/step-max")
}

func BenchmarkUpload_PNG_4000x4000(b *testing.B)  { benchmarkUpload(b, photoPNG()) }
func BenchmarkUpload_JPEG_4000x4000(b *testing.B) { benchmarkUpload(b, photoJPEG()) }
