package mnist

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// idx builds a raw IDX file: magic, dims (big-endian uint32 each), data.
func idx(magic uint32, dims []uint32, data []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, magic)
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, d)
	}
	return append(b, data...)
}

// gz returns b gzipped.
func gz(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// seq returns the bytes start, start+1, ... (n of them, wrapping at 256).
func seq(start, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(start + i)
	}
	return b
}

// three 2x3 images with labels 7, 0, 9.
var (
	smallImages = idx(imagesMagic, []uint32{3, 2, 3}, seq(1, 18))
	smallLabels = idx(labelsMagic, []uint32{3}, []byte{7, 0, 9})
)

func TestParse(t *testing.T) {
	tests := []struct {
		name           string
		images, labels []byte
	}{
		{"raw", smallImages, smallLabels},
		{"gzipped", gz(t, smallImages), gz(t, smallLabels)},
		{"mixed", gz(t, smallImages), smallLabels},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse(tt.images, tt.labels)
			if err != nil {
				t.Fatalf("Parse() error = %v", err)
			}
			if s.Count != 3 || s.Rows != 2 || s.Cols != 3 {
				t.Errorf("Parse() = %d images of %dx%d, want 3 of 2x3", s.Count, s.Rows, s.Cols)
			}
			if !slices.Equal(s.Labels, []uint8{7, 0, 9}) {
				t.Errorf("Labels = %v, want [7 0 9]", s.Labels)
			}
			if got, want := s.Image(1), seq(7, 6); !bytes.Equal(got, want) {
				t.Errorf("Image(1) = %v, want %v", got, want)
			}
		})
	}
	// The Set must not alias the raw input.
	in := bytes.Clone(smallImages)
	s, err := Parse(in, smallLabels)
	if err != nil {
		t.Fatalf("Parse() error = %v", err)
	}
	in[16] = 200
	if s.Images[0] != 1 {
		t.Errorf("after changing the input, Images[0] = %d, want 1", s.Images[0])
	}
	s.Labels[0] = 3
	if smallLabels[8] != 7 {
		t.Errorf("after changing Labels, the input label = %d, want 7", smallLabels[8])
	}
}

func TestParseErrors(t *testing.T) {
	corrupt := gz(t, smallImages)
	corrupt[len(corrupt)-6] ^= 0xff // inside the CRC-32 trailer
	tests := []struct {
		name           string
		images, labels []byte
		want           string
	}{
		{"images with labels magic", idx(labelsMagic, []uint32{3, 2, 3}, seq(1, 18)), smallLabels, "images: magic number 2049 (0x00000801), want 2051 (0x00000803)"},
		{"swapped files", smallLabels, smallImages, "images: magic number 2049"},
		{"labels magic", smallImages, idx(0x00000803, []uint32{3}, []byte{7, 0, 9}), "labels: magic number 2051 (0x00000803), want 2049"},
		{"empty images", nil, smallLabels, "images: file is 0 bytes, shorter than the 16-byte idx header"},
		{"short labels header", smallImages, smallLabels[:7], "labels: file is 7 bytes, shorter than the 8-byte idx header"},
		{"short gzipped header", gz(t, smallImages[:12]), smallLabels, "images: file is 12 bytes, shorter than the 16-byte idx header"},
		{"short magic", []byte{0, 0, 8}, smallLabels, "images: file is 3 bytes, shorter than the 16-byte idx header"},
		{"truncated images", smallImages[:len(smallImages)-1], smallLabels, "images: data is 17 bytes, want 18 for dimensions [3 2 3]"},
		{"truncated labels", smallImages, smallLabels[:10], "labels: data is 2 bytes, want 3 for dimensions [3]"},
		{"extra image bytes", append(bytes.Clone(smallImages), 0), smallLabels, "images: data is 19 bytes, want 18"},
		{"truncated gzipped images", gz(t, smallImages[:len(smallImages)-6]), smallLabels, "images: data is 12 bytes, want 18"},
		{"extra gzipped labels", smallImages, gz(t, append(bytes.Clone(smallLabels), 1)), "labels: data is longer than the 3 bytes"},
		{"truncated gzip stream", gz(t, smallImages)[:30], smallLabels, "images: gzip: unexpected EOF"},
		{"gzip checksum", corrupt, smallLabels, "images: gzip: gzip: invalid checksum"},
		{"bad gzip header", []byte{0x1f, 0x8b, 0, 0}, smallLabels, "images: gzip: unexpected EOF"},
		{"count mismatch", smallImages, idx(labelsMagic, []uint32{2}, []byte{7, 0}), "images file holds 3 images but labels file holds 2 labels"},
		{"label 10", smallImages, idx(labelsMagic, []uint32{3}, []byte{7, 10, 9}), "labels: label 10 at index 1 is outside 0..9"},
		{"label 255", smallImages, gz(t, idx(labelsMagic, []uint32{3}, []byte{7, 0, 255})), "label 255 at index 2"},
		{"zero rows", idx(imagesMagic, []uint32{3, 0, 3}, nil), smallLabels, "images: dimension 1 is 0, want 1..1024"},
		{"absurd cols", idx(imagesMagic, []uint32{3, 2, 1025}, nil), smallLabels, "images: dimension 2 is 1025, want 1..1024"},
		{"huge cols", idx(imagesMagic, []uint32{3, 2, 1 << 31}, nil), smallLabels, "images: dimension 2 is 2147483648"},
		{"absurd count", idx(imagesMagic, []uint32{1_000_001, 28, 28}, nil), smallLabels, "images: count 1000001 exceeds the limit of 1000000"},
		{"absurd label count", smallImages, idx(labelsMagic, []uint32{0xffffffff}, nil), "labels: count 4294967295 exceeds the limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse(tt.images, tt.labels)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse(...) error = %v, want containing %q", err, tt.want)
			}
			if s != nil {
				t.Errorf("Parse(...) set = %v, want nil with an error", s)
			}
		})
	}
}

// A header that claims the largest allowed set must not make Parse allocate
// for it, raw or gzipped.
func TestParseHugeClaimDoesNotAllocate(t *testing.T) {
	claim := idx(imagesMagic, []uint32{MaxCount, MaxSide, MaxSide}, seq(0, 1000))
	for _, in := range [][]byte{claim, gz(t, claim)} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := Parse(in, smallLabels)
		runtime.ReadMemStats(&after)
		if want := "data is 1000 bytes, want 1048576000000"; err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(huge claim) error = %v, want containing %q", err, want)
		}
		if got := after.TotalAlloc - before.TotalAlloc; got > 4<<20 {
			t.Errorf("Parse(huge claim) allocated %d bytes, want under 4 MiB", got)
		}
	}
}

func TestFloat(t *testing.T) {
	s := &Set{Count: 2, Rows: 1, Cols: 3, Images: []byte{0, 51, 255, 1, 2, 3}, Labels: []uint8{0, 1}}
	want := []float32{0, 0.2, 1}
	if got := s.Float(0, nil); !slices.Equal(got, want) {
		t.Errorf("Float(0, nil) = %v, want %v", got, want)
	}
	short := make([]float32, 2)
	if got := s.Float(0, short); !slices.Equal(got, want) || &got[0] == &short[0] {
		t.Errorf("Float(0, short) = %v (reused: %v), want %v in a new slice", got, &got[0] == &short[0], want)
	}
	long := []float32{9, 9, 9, 9}
	got := s.Float(1, long)
	if w := []float32{1.0 / 255, 2.0 / 255, 3.0 / 255}; !slices.Equal(got, w) || &got[0] != &long[0] {
		t.Errorf("Float(1, long) = %v (reused: %v), want %v in dst", got, &got[0] == &long[0], w)
	}
	if long[3] != 9 {
		t.Errorf("Float(1, long) wrote past Rows*Cols: dst[3] = %v, want 9", long[3])
	}
}

func TestImagePanics(t *testing.T) {
	s := &Set{Count: 1, Rows: 1, Cols: 2, Images: []byte{1, 2}, Labels: []uint8{0}}
	for _, i := range []int{-1, 1} {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("Image(%d) did not panic", i)
				}
			}()
			s.Image(i)
		})
	}
}

// grid34 is a 3x4 image holding 1..12 row by row.
var grid34 = []byte{
	1, 2, 3, 4,
	5, 6, 7, 8,
	9, 10, 11, 12,
}

func TestShift(t *testing.T) {
	tests := []struct {
		name   string
		dx, dy int
		want   []byte
	}{
		{"identity", 0, 0, grid34},
		{"right 1", 1, 0, []byte{0, 1, 2, 3, 0, 5, 6, 7, 0, 9, 10, 11}},
		{"left 1", -1, 0, []byte{2, 3, 4, 0, 6, 7, 8, 0, 10, 11, 12, 0}},
		{"down 1", 0, 1, []byte{0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8}},
		{"up 1", 0, -1, []byte{5, 6, 7, 8, 9, 10, 11, 12, 0, 0, 0, 0}},
		{"right 2 up 1", 2, -1, []byte{0, 0, 5, 6, 0, 0, 9, 10, 0, 0, 0, 0}},
		{"left 3 down 2", -3, 2, []byte{0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0}},
		{"right by width", 4, 0, make([]byte, 12)},
		{"left by width", -4, 0, make([]byte, 12)},
		{"down by height", 0, 3, make([]byte, 12)},
		{"far away", -28, 28, make([]byte, 12)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := bytes.Repeat([]byte{99}, len(grid34))
			Shift(dst, grid34, 3, 4, tt.dx, tt.dy)
			if !bytes.Equal(dst, tt.want) {
				t.Errorf("Shift(3x4, %d, %d) = %v, want %v", tt.dx, tt.dy, dst, tt.want)
			}
			inPlace := bytes.Clone(grid34)
			Shift(inPlace, inPlace, 3, 4, tt.dx, tt.dy)
			if !bytes.Equal(inPlace, tt.want) {
				t.Errorf("Shift(3x4 in place, %d, %d) = %v, want %v", tt.dx, tt.dy, inPlace, tt.want)
			}
		})
	}
}

func TestShiftPixel(t *testing.T) {
	const n = 28
	tests := []struct {
		dx, dy int
		x, y   int // where the pixel lit at (10, 5) lands; -1 if it leaves
	}{
		{0, 0, 10, 5},
		{3, -2, 13, 3},
		{-10, 22, 0, 27},
		{17, 0, 27, 5},
		{18, 0, -1, -1},
		{0, -6, -1, -1},
		{28, 28, -1, -1},
		{-28, 0, -1, -1},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%+d%+d", tt.dx, tt.dy), func(t *testing.T) {
			src := make([]byte, n*n)
			src[5*n+10] = 255
			dst := make([]byte, n*n)
			Shift(dst, src, n, n, tt.dx, tt.dy)
			want := make([]byte, n*n)
			if tt.x >= 0 {
				want[tt.y*n+tt.x] = 255
			}
			if !bytes.Equal(dst, want) {
				t.Errorf("Shift(28x28 lit at (10,5), %d, %d) lit %v, want %v", tt.dx, tt.dy, lit(dst, n), lit(want, n))
			}
		})
	}
}

// lit lists the (x, y) of non-zero pixels, for failure messages.
func lit(img []byte, cols int) [][2]int {
	var p [][2]int
	for i, v := range img {
		if v != 0 {
			p = append(p, [2]int{i % cols, i / cols})
		}
	}
	return p
}

func TestShiftPanics(t *testing.T) {
	tests := []struct {
		name     string
		dst, src []byte
		rows     int
	}{
		{"short dst", make([]byte, 11), grid34, 3},
		{"short src", make([]byte, 12), grid34[:11], 3},
		{"negative rows", make([]byte, 12), grid34, -3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("Shift(%d bytes, %d bytes, %d, 4) did not panic", len(tt.dst), len(tt.src), tt.rows)
				}
			}()
			Shift(tt.dst, tt.src, tt.rows, 4, 1, 1)
		})
	}
}

func TestBands(t *testing.T) {
	a, b := Bands(50, 3), Bands(50, 3)
	if !bytes.Equal(a.Images, b.Images) || !bytes.Equal(a.Labels, b.Labels) {
		t.Fatal("Bands(50, 3) differs between two calls")
	}
	for i := 0; i < a.Count; i++ {
		d := int(a.Labels[i])
		img := a.Image(i)
		// The band's middle row is lit from column 4 to 23 (noise can only
		// darken or lighten single pixels, so count the lit ones).
		lit := 0
		for x := 4; x < 24; x++ {
			if img[(2*d+2)*28+x] == 200 {
				lit++
			}
		}
		if lit < 15 {
			t.Errorf("image %d (digit %d): %d of 20 pixels of row %d lit, want most", i, d, lit, 2*d+2)
		}
	}
}
