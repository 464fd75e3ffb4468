package mnist

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
)

// Limits that Parse enforces before it allocates anything.
const (
	MaxCount = 1_000_000 // images (and labels) in one set
	MaxSide  = 1024      // rows or columns of one image
)

// IDX magic numbers: 0x08 (unsigned byte) in the third byte, the number of
// dimensions in the fourth.
const (
	imagesMagic = 2051 // 0x00000803
	labelsMagic = 2049 // 0x00000801
)

// Set is a set of grey images with labels; MNIST images are 28x28. Images
// holds Count*Rows*Cols bytes, 0 background .. 255 ink, row-major, image
// after image. Labels holds Count digits 0..9.
type Set struct {
	Count, Rows, Cols int
	Images            []byte
	Labels            []uint8
}

// Parse reads a set from the bytes of an IDX images file and an IDX labels
// file, each either gzipped (detected by the gzip magic 0x1f 0x8b) or raw. It
// checks the magic numbers, that the sizes are sane (1..MaxSide rows and
// columns, at most MaxCount images) before allocating, that the two counts
// agree, that the lengths are exact and that every label is 0..9. The
// returned Set does not share memory with images or labels.
func Parse(images, labels []byte) (*Set, error) {
	idims, pix, err := readIDX("images", images, imagesMagic, 3)
	if err != nil {
		return nil, err
	}
	ldims, labs, err := readIDX("labels", labels, labelsMagic, 1)
	if err != nil {
		return nil, err
	}
	if idims[0] != ldims[0] {
		return nil, fmt.Errorf("mnist: images file holds %d images but labels file holds %d labels", idims[0], ldims[0])
	}
	for i, l := range labs {
		if l > 9 {
			return nil, fmt.Errorf("mnist: labels: label %d at index %d is outside 0..9", l, i)
		}
	}
	return &Set{Count: idims[0], Rows: idims[1], Cols: idims[2], Images: pix, Labels: labs}, nil
}

// readIDX parses one IDX file of unsigned bytes with the given magic number
// and number of dimensions; what names the file in errors. The first
// dimension is a count of at most MaxCount, the others are image sides of
// 1..MaxSide. For gzipped input it reads the header first and then at most
// the size that the header justifies, so a gzip bomb cannot make it allocate
// more than the checked sizes allow.
func readIDX(what string, b []byte, magic uint32, ndims int) ([]int, []byte, error) {
	var r io.Reader = bytes.NewReader(b)
	gzipped := len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b
	if gzipped {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, nil, fmt.Errorf("mnist: %s: gzip: %v", what, err)
		}
		r = zr
	}
	hdr := make([]byte, 4+4*ndims)
	n, err := readFull(r, hdr)
	if n >= 4 { // a wrong magic number explains a short header too
		if got := binary.BigEndian.Uint32(hdr); got != magic {
			return nil, nil, fmt.Errorf("mnist: %s: magic number %d (0x%08x), want %d (0x%08x)", what, got, got, magic, magic)
		}
	}
	switch {
	case err == io.EOF:
		return nil, nil, fmt.Errorf("mnist: %s: file is %d bytes, shorter than the %d-byte idx header", what, n, len(hdr))
	case err != nil:
		return nil, nil, fmt.Errorf("mnist: %s: gzip: %v", what, err)
	}
	dims := make([]int, ndims)
	size := 1
	for i := range dims {
		d := binary.BigEndian.Uint32(hdr[4+4*i:])
		switch {
		case i == 0 && d > MaxCount:
			return nil, nil, fmt.Errorf("mnist: %s: count %d exceeds the limit of %d", what, d, MaxCount)
		case i > 0 && (d < 1 || d > MaxSide):
			return nil, nil, fmt.Errorf("mnist: %s: dimension %d is %d, want 1..%d", what, i, d, MaxSide)
		}
		dims[i] = int(d)
		size *= int(d) // at most 1e6 * 1024 * 1024, which fits an int on wasm and amd64
	}

	if !gzipped {
		if n := len(b) - len(hdr); n != size {
			return nil, nil, fmt.Errorf("mnist: %s: data is %d bytes, want %d for dimensions %v", what, n, size, dims)
		}
		return dims, bytes.Clone(b[len(hdr):]), nil
	}
	// Read one byte more than needed to detect excess data; the allocation
	// grows with the bytes actually decompressed, never beyond size+1.
	data, err := io.ReadAll(io.LimitReader(r, int64(size)+1))
	switch {
	case err != nil:
		return nil, nil, fmt.Errorf("mnist: %s: gzip: %v", what, err)
	case len(data) < size:
		return nil, nil, fmt.Errorf("mnist: %s: data is %d bytes, want %d for dimensions %v", what, len(data), size, dims)
	case len(data) > size:
		return nil, nil, fmt.Errorf("mnist: %s: data is longer than the %d bytes for dimensions %v", what, size, dims)
	}
	return dims, data, nil
}

// Image returns the i-th image's Rows*Cols bytes; the slice shares memory
// with s.Images. It panics if i is outside [0, Count).
func (s *Set) Image(i int) []byte {
	if i < 0 || i >= s.Count {
		panic(fmt.Sprintf("mnist: image index %d out of range [0, %d)", i, s.Count))
	}
	n := s.Rows * s.Cols
	return s.Images[i*n : (i+1)*n : (i+1)*n]
}

// Float writes the i-th image as pixel/255 into dst, in CHW order with C=1
// (that is, row-major [1, Rows, Cols]), and returns it. It allocates a new
// slice when dst is shorter than Rows*Cols and otherwise uses dst[:Rows*Cols].
// It panics if i is outside [0, Count).
func (s *Set) Float(i int, dst []float32) []float32 {
	img := s.Image(i)
	if len(dst) < len(img) {
		dst = make([]float32, len(img))
	}
	dst = dst[:len(img)]
	for j, p := range img {
		dst[j] = float32(p) / 255
	}
	return dst
}

// Shift writes into dst the rows x cols image src translated by dx pixels to
// the right and dy pixels down (negative values move left and up), filling
// the uncovered pixels with 0. Only the first rows*cols bytes of dst and src
// are used. dst may be src itself; other overlaps are not allowed. It panics
// if rows or cols is negative or if dst or src is shorter than rows*cols.
func Shift(dst, src []byte, rows, cols, dx, dy int) {
	if rows < 0 || cols < 0 || len(dst) < rows*cols || len(src) < rows*cols {
		panic(fmt.Sprintf("mnist: Shift of a %dx%d image with len(dst) = %d, len(src) = %d", rows, cols, len(dst), len(src)))
	}
	// Columns that receive a source pixel: x in [x0, x1), from x-dx.
	x0, x1 := max(0, dx), min(cols, cols+dx)
	// Walk rows in the direction that reads each source row before it is
	// overwritten, so that dst == src works.
	y, step, end := 0, 1, rows
	if dy > 0 {
		y, step, end = rows-1, -1, -1
	}
	for ; y != end; y += step {
		row := dst[y*cols : (y+1)*cols]
		sy := y - dy
		if sy < 0 || sy >= rows || x0 >= x1 {
			clear(row)
			continue
		}
		copy(row[x0:x1], src[sy*cols+x0-dx:sy*cols+x1-dx]) // copy handles overlap within a row
		clear(row[:x0])
		clear(row[x1:])
	}
}

// readFull reads len(buf) bytes like io.ReadFull, but returns io.EOF for any
// clean end of input, short or not, and passes other errors (such as a
// truncated gzip stream's io.ErrUnexpectedEOF) through unchanged.
func readFull(r io.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err != nil {
			if n == len(buf) && err == io.EOF {
				return n, nil
			}
			return n, err
		}
	}
	return n, nil
}
