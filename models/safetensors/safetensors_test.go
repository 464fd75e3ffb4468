package safetensors

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/tiny.safetensors from the hand-built bytes")

// file assembles a safetensors file by hand: the little-endian header length,
// the header exactly as given (no padding) and the data.
func file(header string, data []byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	b = append(b, header...)
	return append(b, data...)
}

// f32 returns the little-endian bytes of vals.
func f32(vals ...float32) []byte {
	var b []byte
	for _, v := range vals {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	return b
}

// ent returns a header entry for a tensor of the given shape and offsets.
func ent(name, shape string, begin, end int) string {
	return fmt.Sprintf(`%q:{"dtype":"F32","shape":%s,"data_offsets":[%d,%d]}`, name, shape, begin, end)
}

// sameFile reports how got differs from want, bit for bit, or "" if it does not.
func sameFile(got, want *File) string {
	if len(got.Metadata) != len(want.Metadata) {
		return fmt.Sprintf("Metadata = %v, want %v", got.Metadata, want.Metadata)
	}
	for k, v := range want.Metadata {
		if g, ok := got.Metadata[k]; !ok || g != v {
			return fmt.Sprintf("Metadata = %v, want %v", got.Metadata, want.Metadata)
		}
	}
	if len(got.Tensors) != len(want.Tensors) {
		return fmt.Sprintf("%d tensors, want %d", len(got.Tensors), len(want.Tensors))
	}
	for i, w := range want.Tensors {
		g := got.Tensors[i]
		if g.Name != w.Name || !slices.Equal(g.Shape, w.Shape) || len(g.Data) != len(w.Data) || g.Half != w.Half {
			return fmt.Sprintf("tensor %d = %q %v (%d values, half %v), want %q %v (%d values, half %v)",
				i, g.Name, g.Shape, len(g.Data), g.Half, w.Name, w.Shape, len(w.Data), w.Half)
		}
		for j := range w.Data {
			if gb, wb := math.Float32bits(g.Data[j]), math.Float32bits(w.Data[j]); gb != wb {
				return fmt.Sprintf("tensor %q [%d] = %#08x, want %#08x", w.Name, j, gb, wb)
			}
		}
	}
	return ""
}

// specials are values whose bits a careless codec loses.
var specials = []uint32{
	0x80000000, // -0
	0x7f800000, // +Inf
	0xff800000, // -Inf
	0x7fc00000, // quiet NaN
	0xffc12345, // negative quiet NaN with payload
	0x7fc00001, // quiet NaN with payload
	0x7f800001, // signalling NaN
	0xff812345, // negative signalling NaN with payload
	0x00000001, // smallest subnormal
	0x7f7fffff, // largest finite
}

func randomFile(rng *rand.Rand) *File {
	f := &File{}
	if rng.IntN(2) == 0 {
		f.Metadata = map[string]string{"format": "pt", "arch": `{"layers":["conv <3x3>","relu"]}`}
	}
	for i := range rng.IntN(6) {
		shape := make([]int, rng.IntN(5)) // rank 0 is a scalar
		n := 1
		for j := range shape {
			shape[j] = rng.IntN(5) // 0 gives an empty tensor
			n *= shape[j]
		}
		data := make([]float32, n)
		for j := range data {
			if rng.IntN(3) == 0 {
				data[j] = math.Float32frombits(specials[rng.IntN(len(specials))])
			} else {
				data[j] = float32(rng.NormFloat64())
			}
		}
		f.Tensors = append(f.Tensors, Tensor{Name: fmt.Sprintf("layer%d.w", i), Shape: shape, Data: data})
	}
	return f
}

func TestRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 200 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			f := randomFile(rng)
			b, err := Encode(f)
			if err != nil {
				t.Fatalf("Encode() error = %v", err)
			}
			if n := binary.LittleEndian.Uint64(b); n%8 != 0 {
				t.Errorf("header length = %d, want a multiple of 8", n)
			}
			got, err := Decode(b)
			if err != nil {
				t.Fatalf("Decode(Encode(f)) error = %v", err)
			}
			if diff := sameFile(got, f); diff != "" {
				t.Errorf("Decode(Encode(f)): %s", diff)
			}
			b2, err := Encode(got)
			if err != nil || !bytes.Equal(b2, b) {
				t.Errorf("Encode(Decode(Encode(f))) = %d bytes, %v; want the same %d bytes", len(b2), err, len(b))
			}
		})
	}
}

func TestEncodeLaysOutByName(t *testing.T) {
	f := &File{Tensors: []Tensor{
		{Name: "z", Shape: []int{1}, Data: []float32{3}},
		{Name: "a", Shape: []int{2}, Data: []float32{1, 2}},
		{Name: "m", Shape: []int{0}, Data: nil},
	}}
	b, err := Encode(f)
	if err != nil {
		t.Fatalf("Encode() error = %v", err)
	}
	n := binary.LittleEndian.Uint64(b)
	header := strings.TrimRight(string(b[8:8+n]), " ")
	want := "{" + ent("a", "[2]", 0, 8) + "," + ent("m", "[0]", 8, 8) + "," + ent("z", "[1]", 8, 12) + "}"
	if header != want {
		t.Errorf("header = %s, want %s", header, want)
	}
	if got, want := b[8+n:], f32(1, 2, 3); !bytes.Equal(got, want) {
		t.Errorf("data = % x, want % x", got, want)
	}
	got, err := Decode(b)
	if err != nil {
		t.Fatalf("Decode() error = %v", err)
	}
	var names []string
	for _, tn := range got.Tensors {
		names = append(names, tn.Name)
	}
	if want := []string{"a", "m", "z"}; !slices.Equal(names, want) {
		t.Errorf("Decode() tensor order = %q, want %q", names, want)
	}
}

func TestEncodeErrors(t *testing.T) {
	tests := []struct {
		name string
		f    *File
		want string
	}{
		{"nil", nil, "nil file"},
		{"empty name", &File{Tensors: []Tensor{{Name: "", Shape: []int{1}, Data: []float32{1}}}}, "empty tensor name"},
		{"reserved name", &File{Tensors: []Tensor{{Name: "__metadata__", Shape: []int{}, Data: []float32{1}}}}, "reserved"},
		{"bad utf-8 name", &File{Tensors: []Tensor{{Name: "a\xff", Shape: []int{}, Data: []float32{1}}}}, "not valid utf-8"},
		{"duplicate", &File{Tensors: []Tensor{
			{Name: "w", Shape: []int{1}, Data: []float32{1}},
			{Name: "w", Shape: []int{1}, Data: []float32{2}},
		}}, `duplicate tensor name "w"`},
		{"negative dim", &File{Tensors: []Tensor{{Name: "w", Shape: []int{-1, -2}, Data: []float32{1, 2}}}}, `tensor "w": shape[0] = -1 is negative`},
		{"shape mismatch", &File{Tensors: []Tensor{{Name: "w", Shape: []int{2, 3}, Data: make([]float32, 5)}}}, `tensor "w": shape [2 3] holds 6 elements but Data has 5`},
		{"overflow", &File{Tensors: []Tensor{{Name: "w", Shape: []int{1 << 40, 1 << 40}, Data: nil}}}, "overflows"},
		{"bad utf-8 metadata", &File{Metadata: map[string]string{"k": "\xff"}}, "not valid utf-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Encode(tt.f)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Encode(...) error = %v, want containing %q", err, tt.want)
			}
		})
	}
}

// damaged lists files with one kind of damage each and a fragment that the
// error must contain. FuzzDecode uses them as seeds too.
var damaged = []struct {
	name string
	b    []byte
	want string
}{
	{"empty file", nil, "the file is empty"},
	{"7 bytes", make([]byte, 7), "this file is cut short: it has 7 bytes, fewer than the 8 of the header length"},
	{"absurd header length", append(binary.LittleEndian.AppendUint64(nil, 1<<62), "{}"...), "header length 4611686018427387904 exceeds the limit of 100000000 bytes"},
	{"header just over limit", append(binary.LittleEndian.AppendUint64(nil, MaxHeaderSize+1), "{}"...), "exceeds the limit"},
	{"header past end", append(binary.LittleEndian.AppendUint64(nil, 100), "{}"...), "header length 100 exceeds the 2 bytes after the length prefix"},
	{"empty header", file("", nil), "header is empty"},
	{"invalid json", file(`{"w":`, nil), "header is not valid json"},
	{"invalid json in entry", file(`{"w":{"dtype":"F32",}}`, nil), "header is not valid json"},
	{"unterminated object", file(`{"w":{}`, nil), "header is not valid json"},
	{"header is an array", file(`[1,2]`, nil), "header is an array, want a json object"},
	{"header is a string", file(`"x"`, nil), `header is the string "x", want a json object`},
	{"header is null", file(`null`, nil), "header is null, want a json object"},
	{"data after object", file(`{} {}`, nil), "header is not valid json: invalid character '{' after top-level value"},
	{"garbage after object", file(`{}x`, nil), "header is not valid json: invalid character 'x' after top-level value"},
	{"header not utf-8", file("{\"\xff\":1}", nil), "header is not valid utf-8"},
	{"entry not object", file(`{"w":5}`, nil), `tensor "w": entry is the number 5, want an object`},
	{"entry is array", file(`{"w":[]}`, nil), `tensor "w": entry is an array`},
	{"missing dtype", file(`{"w":{"shape":[1],"data_offsets":[0,4]}}`, f32(1)), `tensor "w": missing dtype`},
	{"missing shape", file(`{"w":{"dtype":"F32","data_offsets":[0,4]}}`, f32(1)), `tensor "w": missing shape`},
	{"missing data_offsets", file(`{"w":{"dtype":"F32","shape":[1]}}`, f32(1)), `tensor "w": missing data_offsets`},
	{"duplicate field", file(`{"w":{"dtype":"F32","dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, f32(1)), `tensor "w": duplicate field "dtype"`},
	{"dtype number", file(`{"w":{"dtype":3,"shape":[1],"data_offsets":[0,4]}}`, f32(1)), `tensor "w": dtype is 3, want a string`},
	{"dtype BF16", file(`{"w":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}}`, f32(1)), `tensor "w": dtype "BF16" is not supported, only F32 and F16 are`},
	{"F16 span", file(`{"w":{"dtype":"F16","shape":[2],"data_offsets":[0,8]}}`, f32(1, 2)), `tensor "w": shape [2] needs 4 bytes of F16 but data_offsets [0, 8] span 8`},
	{"dtype lowercase", file(`{"w":{"dtype":"f32","shape":[1],"data_offsets":[0,4]}}`, f32(1)), `dtype "f32" is not supported`},
	{"shape string", file(`{"w":{"dtype":"F32","shape":"1","data_offsets":[0,4]}}`, f32(1)), `tensor "w": shape is "1", want an array of integers`},
	{"shape long string", file(`{"w":{"dtype":"F32","shape":"ééééééééééééééééééé","data_offsets":[0,4]}}`, f32(1)), `tensor "w": shape is "ééééééééééé..., want an array of integers`},
	{"shape null", file(`{"w":{"dtype":"F32","shape":null,"data_offsets":[0,4]}}`, f32(1)), `tensor "w": shape is null, want an array`},
	{"shape element string", file(`{"w":{"dtype":"F32","shape":["1"],"data_offsets":[0,4]}}`, f32(1)), `tensor "w": shape[0] = "1" is not an integer`},
	{"shape element null", file(`{"w":{"dtype":"F32","shape":[1,null],"data_offsets":[0,4]}}`, f32(1)), `tensor "w": shape[1] = null is not an integer`},
	{"shape fraction", file(`{"w":{"dtype":"F32","shape":[2.5],"data_offsets":[0,4]}}`, f32(1)), `tensor "w": shape[0] = 2.5 is not an integer`},
	{"shape exponent", file(`{"w":{"dtype":"F32","shape":[1e0],"data_offsets":[0,4]}}`, f32(1)), `tensor "w": shape[0] = 1e0 is not an integer`},
	{"shape negative", file(`{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}`, f32(1)), `tensor "w": shape[0] = -1 is negative`},
	{"shape out of int64", file(`{"w":{"dtype":"F32","shape":[99999999999999999999],"data_offsets":[0,4]}}`, f32(1)), `tensor "w": shape[0] = 99999999999999999999 is out of range`},
	{"element count overflow", file(`{"w":{"dtype":"F32","shape":[4294967296,4294967296,2],"data_offsets":[0,4]}}`, f32(1)), `tensor "w": shape [4294967296 4294967296 2] has an element count that overflows`},
	{"byte size overflow", file(`{"w":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,4]}}`, f32(1)), `tensor "w": shape [4611686018427387904] has a byte size that overflows`},
	{"size disagrees with offsets", file(`{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}`, f32(1, 2)), `tensor "w": shape [3] needs 12 bytes of F32 but data_offsets [0, 8] span 8`},
	{"huge tensor", file(`{"w":{"dtype":"F32","shape":[1099511627776],"data_offsets":[0,4]}}`, f32(1)), `tensor "w": shape [1099511627776] needs 4398046511104 bytes`},
	{"offsets not array", file(`{"w":{"dtype":"F32","shape":[1],"data_offsets":{}}}`, f32(1)), `tensor "w": data_offsets is {}, want an array of integers`},
	{"one offset", file(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[4]}}`, f32(1)), `tensor "w": data_offsets has 1 values, want 2`},
	{"three offsets", file(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}}`, f32(1)), `tensor "w": data_offsets has 3 values, want 2`},
	{"negative offset", file(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}}`, f32(1)), `tensor "w": data_offsets[0] = -4 is negative`},
	{"offsets reversed", file(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}`, f32(1)), `tensor "w": data_offsets [4, 0] are reversed`},
	{"offsets past buffer", file(`{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, f32(1)), `tensor "w": data_offsets [0, 8] extend past the end of the 4-byte data buffer`},
	{"huge offsets", file(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[9223372036854775800,9223372036854775804]}}`, f32(1)), `tensor "w": data_offsets [9223372036854775800, 9223372036854775804] extend past the end`},
	{"overlap", file("{"+ent("a", "[2]", 0, 8)+","+ent("b", "[2]", 4, 12)+"}", f32(1, 2, 3)), `tensor "b": data_offsets [4, 12] overlap tensor "a" [0, 8]`},
	{"same range", file("{"+ent("b", "[1]", 0, 4)+","+ent("a", "[1]", 0, 4)+"}", f32(1)), `tensor "b": data_offsets [0, 4] overlap tensor "a" [0, 4]`},
	{"empty tensor inside another", file("{"+ent("a", "[2]", 0, 8)+","+ent("e", "[0]", 4, 4)+"}", f32(1, 2)), `tensor "e": data_offsets [4, 4] overlap tensor "a" [0, 8]`},
	{"hole between", file("{"+ent("a", "[1]", 0, 4)+","+ent("b", "[1]", 8, 12)+"}", f32(1, 2, 3)), `data buffer bytes [4, 8) between tensor "a" and tensor "b" are not covered by any tensor`},
	{"hole at start", file("{"+ent("a", "[1]", 4, 8)+"}", f32(1, 2)), `data buffer bytes [0, 4) before tensor "a" are not covered`},
	{"hole at end", file("{"+ent("a", "[1]", 0, 4)+"}", f32(1, 2)), `data buffer bytes [4, 8) after tensor "a" are not covered`},
	{"data without tensors", file(`{}`, f32(1)), "data buffer has 4 bytes but the header declares no tensors"},
	{"duplicate name", file("{"+ent("a", "[1]", 0, 4)+","+ent("a", "[1]", 4, 8)+"}", f32(1, 2)), `duplicate tensor name "a"`},
	{"empty name", file("{"+ent("", "[1]", 0, 4)+"}", f32(1)), "empty tensor name"},
	{"metadata string", file(`{"__metadata__":"x"}`, nil), `__metadata__ is the string "x", want an object of strings`},
	{"metadata array", file(`{"__metadata__":[]}`, nil), `__metadata__ is an array, want an object of strings`},
	{"metadata number value", file(`{"__metadata__":{"k":1}}`, nil), `__metadata__ key "k" has the number 1, want a string`},
	{"metadata object value", file(`{"__metadata__":{"k":{"x":"y"}}}`, nil), `__metadata__ key "k" has an object, want a string`},
	{"metadata null value", file(`{"__metadata__":{"k":null}}`, nil), `__metadata__ key "k" has null, want a string`},
	{"metadata duplicate key", file(`{"__metadata__":{"k":"a","k":"b"}}`, nil), `duplicate __metadata__ key "k"`},
	{"metadata twice", file(`{"__metadata__":{},"__metadata__":{}}`, nil), "duplicate __metadata__ entry"},
}

func TestDecodeErrors(t *testing.T) {
	for _, tt := range damaged {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Decode(tt.b)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Decode(%.60q) error = %v, want containing %q", tt.b, err, tt.want)
			}
			if f != nil {
				t.Errorf("Decode(%.60q) file = %v, want nil with an error", tt.b, f)
			}
			if err != nil && (err.Error() != strings.ToLower(err.Error()[:1])+err.Error()[1:] || strings.HasSuffix(err.Error(), ".")) {
				t.Errorf("Decode(%.60q) error = %q, want lowercase start and no final period", tt.b, err)
			}
		})
	}
}

func TestDecodeErrorKinds(t *testing.T) {
	good, err := Encode(&File{Metadata: map[string]string{"a": "b"}, Tensors: []Tensor{
		{Name: "w", Shape: []int{2, 3}, Data: []float32{1, 2, 3, 4, 5, 6}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		b    []byte
		kind Kind
		want string // the start of the message: the problem in user words
	}{
		{"empty", nil, Empty, "the file is empty"},
		{"a text file", []byte("hello, this is a text file and not weights\n"), NotSafetensors, "not a safetensors file: header length"},
		{"a PNG", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), NotSafetensors, "not a safetensors file: "},
		{"header is not an object", file(`[1,2]`, nil), NotSafetensors, "not a safetensors file: header is an array"},
		{"header of blanks", file("    ", nil), NotSafetensors, "not a safetensors file: header is empty"},
		{"cut in the length", good[:5], Truncated, "this file is cut short: it has 5 bytes"},
		{"cut in the header", good[:20], Truncated, "this file is cut short: header length"},
		{"cut in the data", good[:len(good)-4], Truncated, `this file is cut short: tensor "w": data_offsets [0, 24] extend past the end of the 20-byte data buffer`},
		{"bad dtype", file(`{"w":{"dtype":"I8","shape":[2],"data_offsets":[0,4]}}`, f32(1)), Damaged, `this safetensors file is damaged: tensor "w": dtype "I8"`},
		{"a hole", file("{"+ent("a", "[1]", 0, 4)+","+ent("b", "[1]", 8, 12)+"}", f32(1, 2, 3)), Damaged, "this safetensors file is damaged: data buffer bytes [4, 8)"},
		{"invalid json inside", file(`{"w":{"dtype":"F32",}}`, nil), Damaged, "this safetensors file is damaged: header is not valid json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(tt.b)
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("Decode() error = %v (%T), want a *FormatError", err, err)
			}
			if fe.Kind != tt.kind {
				t.Errorf("Decode() kind = %v, want %v", fe.Kind, tt.kind)
			}
			if !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("Decode() error = %q, want it to start with %q", err, tt.want)
			}
		})
	}
}

func TestDecodeValid(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
		want *File
	}{
		{"no tensors", file(`{}`, nil), &File{}},
		{"padded header", file("{}       ", nil), &File{}},
		{"whitespace", file(" {\n\t\"s\" : {\"dtype\": \"F32\", \"shape\": [], \"data_offsets\": [0, 4]}\r} ", f32(7)),
			&File{Tensors: []Tensor{{Name: "s", Shape: []int{}, Data: []float32{7}}}}},
		{"empty tensor", file("{"+ent("e", "[3,0]", 0, 0)+"}", nil),
			&File{Tensors: []Tensor{{Name: "e", Shape: []int{3, 0}, Data: []float32{}}}}},
		{"unknown field ignored", file(`{"w":{"dtype":"F32","extra":[1,{"a":2}],"shape":[1],"data_offsets":[0,4]}}`, f32(1)),
			&File{Tensors: []Tensor{{Name: "w", Shape: []int{1}, Data: []float32{1}}}}},
		{"empty metadata", file(`{"__metadata__":{}}`, nil), &File{}},
		{"metadata", file(`{"__metadata__":{"a":"1","b":"\u00e9\n"}}`, nil), &File{Metadata: map[string]string{"a": "1", "b": "é\n"}}},
		{"offset order kept", file("{"+ent("a", "[1]", 4, 8)+","+ent("b", "[1]", 0, 4)+"}", f32(1, 2)),
			&File{Tensors: []Tensor{{Name: "b", Shape: []int{1}, Data: []float32{1}}, {Name: "a", Shape: []int{1}, Data: []float32{2}}}}},
		// 1, −2, the largest half (65504), the smallest subnormal (2⁻²⁴)
		// and −0, as IEEE half-precision bits.
		{"F16", file(`{"h":{"dtype":"F16","shape":[5],"data_offsets":[0,10]}}`, []byte{0x00, 0x3c, 0x00, 0xc0, 0xff, 0x7b, 0x01, 0x00, 0x00, 0x80}),
			&File{Tensors: []Tensor{{Name: "h", Shape: []int{5}, Data: []float32{1, -2, 65504, 0x1p-24, float32(math.Copysign(0, -1))}, Half: true}}}},
		{"escaped name", file(`{"a\"b\\c":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, f32(1)),
			&File{Tensors: []Tensor{{Name: `a"b\c`, Shape: []int{1}, Data: []float32{1}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Decode(tt.b)
			if err != nil {
				t.Fatalf("Decode(%q) error = %v", tt.b, err)
			}
			if diff := sameFile(got, tt.want); diff != "" {
				t.Errorf("Decode(%q): %s", tt.b, diff)
			}
		})
	}
}

func TestDecodeTruncated(t *testing.T) {
	f := &File{
		Metadata: map[string]string{"arch": "conv"},
		Tensors: []Tensor{
			{Name: "a", Shape: []int{2, 3}, Data: []float32{1, 2, 3, 4, 5, 6}},
			{Name: "b", Shape: []int{1}, Data: []float32{-1}},
		},
	}
	b, err := Encode(f)
	if err != nil {
		t.Fatalf("Encode() error = %v", err)
	}
	for n := range len(b) {
		if _, err := Decode(b[:n]); err == nil {
			t.Errorf("Decode(first %d of %d bytes) error = nil, want an error", n, len(b))
		}
	}
	// Keeping the header but dropping data must name the tensor that lost it.
	if _, err := Decode(b[:len(b)-1]); err == nil || !strings.Contains(err.Error(), `tensor "b"`) {
		t.Errorf("Decode(one byte short) error = %v, want containing %q", err, `tensor "b"`)
	}
}

func TestDecodeHugeTensorDoesNotAllocate(t *testing.T) {
	b := file(`{"w":{"dtype":"F32","shape":[1099511627776],"data_offsets":[0,4398046511104]}}`, f32(1))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := Decode(b)
	runtime.ReadMemStats(&after)
	if want := "extend past the end"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Decode(huge tensor) error = %v, want containing %q", err, want)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 1<<20 {
		t.Errorf("Decode(huge tensor) allocated %d bytes, want under 1 MiB", got)
	}
}

func TestTensorLookup(t *testing.T) {
	f := &File{Tensors: []Tensor{{Name: "a", Shape: []int{1}, Data: []float32{1}}, {Name: "b", Shape: []int{1}, Data: []float32{2}}}}
	if got, ok := f.Tensor("b"); !ok || got.Name != "b" || got.Data[0] != 2 {
		t.Errorf("Tensor(%q) = %v, %v, want b [2], true", "b", got, ok)
	}
	if got, ok := f.Tensor("c"); ok {
		t.Errorf("Tensor(%q) = %v, %v, want false", "c", got, ok)
	}
}

// tinyBytes is testdata/tiny.safetensors written out by hand from the format
// description, independently of Encode.
func tinyBytes() []byte {
	header := `{"__metadata__":{"arch":"tiny"},` +
		`"bias":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},` +
		`"weight":{"dtype":"F32","shape":[2,2],"data_offsets":[8,24]}}` +
		`   ` // 149 bytes of JSON + 3 spaces = 152, a multiple of 8
	b := []byte{0x98, 0, 0, 0, 0, 0, 0, 0} // 152
	b = append(b, header...)
	return append(b,
		0x00, 0x00, 0x80, 0x3f, // bias[0] = 1
		0x00, 0x00, 0x20, 0xc0, // bias[1] = -2.5
		0x00, 0x00, 0x00, 0x3f, // weight[0][0] = 0.5
		0x00, 0x00, 0x00, 0x80, // weight[0][1] = -0
		0x00, 0x00, 0x80, 0x7f, // weight[1][0] = +Inf
		0xcd, 0xcc, 0xcc, 0x3d, // weight[1][1] = float32(0.1)
	)
}

func TestGolden(t *testing.T) {
	path := filepath.Join("testdata", "tiny.safetensors")
	want := tinyBytes()
	if *update {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading golden file: %v (run go test -update to create it)", err)
	}
	if !bytes.Equal(b, want) {
		t.Fatalf("%s differs from the hand-built bytes (run go test -update)", path)
	}
	f, err := Decode(b)
	if err != nil {
		t.Fatalf("Decode(%s) error = %v", path, err)
	}
	wantFile := &File{
		Metadata: map[string]string{"arch": "tiny"},
		Tensors: []Tensor{
			{Name: "bias", Shape: []int{2}, Data: []float32{1, -2.5}},
			{Name: "weight", Shape: []int{2, 2}, Data: []float32{0.5, float32(math.Copysign(0, -1)), float32(math.Inf(1)), 0.1}},
		},
	}
	if diff := sameFile(f, wantFile); diff != "" {
		t.Errorf("Decode(%s): %s", path, diff)
	}
	enc, err := Encode(f)
	if err != nil || !bytes.Equal(enc, b) {
		t.Errorf("Encode(Decode(%s)) =\n%q, %v\nwant\n%q", path, enc, err, b)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(tinyBytes())
	rng := rand.New(rand.NewPCG(3, 4))
	for range 4 {
		b, err := Encode(randomFile(rng))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, d := range damaged {
		f.Add(d.b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := Decode(b)
		if err != nil {
			if got != nil {
				t.Errorf("Decode() = %v with error %v, want nil", got, err)
			}
			return
		}
		enc, err := Encode(got)
		if err != nil {
			t.Fatalf("Encode(Decode(b)) error = %v", err)
		}
		again, err := Decode(enc)
		if err != nil {
			t.Fatalf("Decode(Encode(Decode(b))) error = %v", err)
		}
		// Encode lays tensors out by name; compare in that order.
		byName := &File{Metadata: got.Metadata, Tensors: slices.Clone(got.Tensors)}
		slices.SortFunc(byName.Tensors, func(a, b Tensor) int { return strings.Compare(a.Name, b.Name) })
		if diff := sameFile(again, byName); diff != "" {
			t.Errorf("Decode(Encode(Decode(b))): %s", diff)
		}
	})
}

// TestEncodeHalf checks that a Half tensor is written as F16, two bytes a
// value, rounded to the nearest half with ties to even, and read back as
// those halves.
func TestEncodeHalf(t *testing.T) {
	in := []float32{
		1 + 0x1p-11,   // halfway between 1 and the next half: even is 1
		1 + 3*0x1p-11, // halfway between 1+2⁻¹⁰ and 1+2⁻⁹: even is 1+2⁻⁹
		0.1,           // nearest half 0.0999755859375
		-65504,        // the most negative half
		1e6,           // beyond the halves: infinity
	}
	want := []float32{1, 1 + 0x1p-9, 0.0999755859375, -65504, float32(math.Inf(1))}
	f := &File{Tensors: []Tensor{{Name: "h", Shape: []int{5}, Data: in, Half: true}, {Name: "s", Shape: []int{1}, Data: []float32{0.1}}}}
	b, err := Encode(f)
	if err != nil {
		t.Fatal(err)
	}
	n := binary.LittleEndian.Uint64(b)
	if data := uint64(len(b)) - 8 - n; data != 5*2+4 {
		t.Errorf("data buffer %d bytes, want 14 (five halves and one float32)", data)
	}
	if h := string(b[8 : 8+n]); !strings.Contains(h, `"h":{"dtype":"F16","shape":[5],"data_offsets":[0,10]}`) || !strings.Contains(h, `"s":{"dtype":"F32","shape":[1],"data_offsets":[10,14]}`) {
		t.Errorf("header %s, want h as F16 in bytes [0, 10) and s as F32 in [10, 14)", h)
	}
	got, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	wantFile := &File{Tensors: []Tensor{{Name: "h", Shape: []int{5}, Data: want, Half: true}, {Name: "s", Shape: []int{1}, Data: []float32{0.1}}}}
	if diff := sameFile(got, wantFile); diff != "" {
		t.Errorf("Decode(Encode(f)): %s", diff)
	}
}
