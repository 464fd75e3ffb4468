package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/x448/float16"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Encode returns f in the safetensors format. The bytes are deterministic:
// "__metadata__" (omitted when empty) comes first, then the tensors sorted by
// name, laid out in the data buffer in that same order; the header is padded
// with spaces so that the data starts at a multiple of 8 bytes, as the
// reference implementation writes it. Encode checks f first: every name must
// be non-empty, unique, valid UTF-8 and not "__metadata__", every dimension
// non-negative, and len(Data) must equal the product of Shape. A tensor
// with Half set is stored as F16, each value rounded to the nearest half
// (ties to even), so Decode(Encode(f)) reproduces f bit for bit when
// f's half tensors hold values that halves represent.
func Encode(f *File) ([]byte, error) {
	if f == nil {
		return nil, errors.New("safetensors: cannot encode a nil file")
	}
	ts := make([]*Tensor, len(f.Tensors))
	for i := range f.Tensors {
		ts[i] = &f.Tensors[i]
	}
	slices.SortFunc(ts, func(a, b *Tensor) int { return strings.Compare(a.Name, b.Name) })
	for i, t := range ts {
		if err := checkTensor(t); err != nil {
			return nil, fmt.Errorf("safetensors: %w", err)
		}
		if i > 0 && ts[i-1].Name == t.Name {
			return nil, fmt.Errorf("safetensors: duplicate tensor name %q", t.Name)
		}
	}
	keys := make([]string, 0, len(f.Metadata))
	for k, v := range f.Metadata {
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			return nil, fmt.Errorf("safetensors: __metadata__ entry %q: %q is not valid utf-8", k, v)
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)

	var h bytes.Buffer
	h.WriteByte('{')
	if len(keys) > 0 {
		h.WriteString(`"__metadata__":{`)
		for i, k := range keys {
			if i > 0 {
				h.WriteByte(',')
			}
			writeString(&h, k)
			h.WriteByte(':')
			writeString(&h, f.Metadata[k])
		}
		h.WriteByte('}')
	}
	var off int64
	for i, t := range ts {
		if i > 0 || len(keys) > 0 {
			h.WriteByte(',')
		}
		writeString(&h, t.Name)
		dtype, width := "F32", int64(4)
		if t.Half {
			dtype, width = "F16", 2
		}
		fmt.Fprintf(&h, `:{"dtype":%q,"shape":[`, dtype)
		for j, d := range t.Shape {
			if j > 0 {
				h.WriteByte(',')
			}
			h.WriteString(strconv.Itoa(d))
		}
		end := off + width*int64(len(t.Data))
		fmt.Fprintf(&h, `],"data_offsets":[%d,%d]}`, off, end)
		off = end
	}
	h.WriteByte('}')
	for h.Len()%8 != 0 {
		h.WriteByte(' ')
	}
	if h.Len() > MaxHeaderSize {
		return nil, fmt.Errorf("safetensors: header of %d bytes exceeds the limit of %d bytes", h.Len(), MaxHeaderSize)
	}

	out := make([]byte, 8+int64(h.Len())+off)
	binary.LittleEndian.PutUint64(out, uint64(h.Len()))
	p := 8 + copy(out[8:], h.Bytes())
	for _, t := range ts {
		if t.Half {
			for _, v := range t.Data {
				binary.LittleEndian.PutUint16(out[p:], float16.Fromfloat32(v).Bits())
				p += 2
			}
			continue
		}
		for _, v := range t.Data {
			binary.LittleEndian.PutUint32(out[p:], math.Float32bits(v))
			p += 4
		}
	}
	return out, nil
}

// checkTensor checks one tensor's name and that its shape matches its data.
func checkTensor(t *Tensor) error {
	switch {
	case t.Name == "":
		return errors.New("empty tensor name")
	case t.Name == metadataKey:
		return errors.New(`tensor name "__metadata__" is reserved for metadata`)
	case !utf8.ValidString(t.Name):
		return fmt.Errorf("tensor name %q is not valid utf-8", t.Name)
	}
	count := uint64(1)
	for i, d := range t.Shape {
		if d < 0 {
			return fmt.Errorf("tensor %q: shape[%d] = %d is negative", t.Name, i, d)
		}
		hi, lo := bits.Mul64(count, uint64(d))
		if hi != 0 {
			return fmt.Errorf("tensor %q: shape %v has an element count that overflows", t.Name, t.Shape)
		}
		count = lo
	}
	if count != uint64(len(t.Data)) {
		return fmt.Errorf("tensor %q: shape %v holds %d elements but Data has %d", t.Name, t.Shape, count, len(t.Data))
	}
	return nil
}

// writeString writes s as a JSON string without HTML escaping, as the
// reference implementation does. s must be valid UTF-8.
func writeString(b *bytes.Buffer, s string) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	enc.Encode(s)           // a string always encodes
	b.Truncate(b.Len() - 1) // Encode appends a newline
}
