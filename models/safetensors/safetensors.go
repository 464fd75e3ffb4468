package safetensors

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/x448/float16"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"unicode/utf8"
)

// MaxHeaderSize is the largest JSON header, in bytes, that Decode accepts and
// Encode writes. It is the reference implementation's limit.
const MaxHeaderSize = 100_000_000

// metadataKey is the header key that holds the string-to-string metadata.
const metadataKey = "__metadata__"

// Tensor is one named float32 tensor. Data holds the elements in row-major
// order; its length is the product of Shape (1 for an empty Shape, a scalar).
type Tensor struct {
	Name  string
	Shape []int
	Data  []float32
	// Half says the tensor is stored as IEEE half-precision floats
	// (dtype "F16"): Decode widens them to Data exactly, Encode rounds
	// Data to the nearest half.
	Half bool
}

// File is a decoded safetensors file. Metadata is nil when the header has no
// (or an empty) "__metadata__" entry. Decode returns Tensors in the order of
// their data offsets, which for files written by Encode is name order.
type File struct {
	Metadata map[string]string
	Tensors  []Tensor
}

// Tensor returns the tensor called name and whether it exists. The returned
// Tensor shares its Shape and Data with f.
func (f *File) Tensor(name string) (Tensor, bool) {
	for _, t := range f.Tensors {
		if t.Name == name {
			return t, true
		}
	}
	return Tensor{}, false
}

// entry is a tensor's header entry, validated on its own, before the layout
// of all entries and the data are checked.
type entry struct {
	name       string
	shape      []int
	begin, end int64
	half       bool // dtype F16 rather than F32
}

// Kind says in user words what is wrong with a file that Decode rejects.
type Kind int

// The kinds of damage that Decode reports.
const (
	Empty          Kind = iota // the file has no bytes
	Truncated                  // the file ends before its header or data do
	NotSafetensors             // the file does not start like a safetensors file
	Damaged                    // a safetensors file whose header or layout is wrong
)

// String returns the kind as the start of an error message.
func (k Kind) String() string {
	switch k {
	case Empty:
		return "the file is empty"
	case Truncated:
		return "this file is cut short"
	case NotSafetensors:
		return "not a safetensors file"
	}
	return "this safetensors file is damaged"
}

// FormatError is the error Decode returns: what is wrong in user words
// (Kind), then the details (which field, which tensor, which bytes).
type FormatError struct {
	Kind   Kind
	Detail string
}

func (e *FormatError) Error() string {
	if e.Detail == "" {
		return e.Kind.String()
	}
	return e.Kind.String() + ": " + e.Detail
}

func formatError(k Kind, err error) *FormatError {
	return &FormatError{Kind: k, Detail: err.Error()}
}

// Decode parses a safetensors file. It copies the tensor data out of b and
// does not retain b. Every kind of damage gives a *FormatError that says
// what is wrong with the file and names the problem and, where there is
// one, the tensor; Decode never panics.
func Decode(b []byte) (*File, error) {
	if len(b) == 0 {
		return nil, &FormatError{Kind: Empty}
	}
	if len(b) < 8 {
		return nil, &FormatError{Kind: Truncated, Detail: fmt.Sprintf("it has %d bytes, fewer than the 8 of the header length", len(b))}
	}
	n := binary.LittleEndian.Uint64(b)
	if n > MaxHeaderSize {
		return nil, &FormatError{Kind: NotSafetensors, Detail: fmt.Sprintf("header length %d exceeds the limit of %d bytes", n, MaxHeaderSize)}
	}
	if n > uint64(len(b)-8) {
		return nil, &FormatError{Kind: Truncated, Detail: fmt.Sprintf("header length %d exceeds the %d bytes after the length prefix", n, len(b)-8)}
	}
	header, data := b[8:8+n], b[8+n:]
	meta, entries, err := parseHeader(header)
	if err != nil {
		if h := bytes.TrimLeft(header, " \t\r\n"); len(h) == 0 || h[0] != '{' {
			return nil, formatError(NotSafetensors, err)
		}
		return nil, formatError(Damaged, err)
	}
	if err := checkLayout(entries, int64(len(data))); err != nil {
		k := Damaged
		for _, e := range entries {
			if e.end > int64(len(data)) {
				k = Truncated
			}
		}
		return nil, formatError(k, err)
	}
	f := &File{Metadata: meta, Tensors: make([]Tensor, len(entries))}
	for i, e := range entries {
		src := data[e.begin:e.end]
		if e.half {
			vals := make([]float32, len(src)/2)
			for j := range vals {
				vals[j] = float16.Frombits(binary.LittleEndian.Uint16(src[2*j:])).Float32()
			}
			f.Tensors[i] = Tensor{Name: e.name, Shape: e.shape, Data: vals, Half: true}
			continue
		}
		vals := make([]float32, len(src)/4)
		for j := range vals {
			vals[j] = math.Float32frombits(binary.LittleEndian.Uint32(src[4*j:]))
		}
		f.Tensors[i] = Tensor{Name: e.name, Shape: e.shape, Data: vals}
	}
	return f, nil
}

// parseHeader walks the header's JSON tokens so that duplicate keys, which
// encoding/json would silently merge, are caught.
func parseHeader(h []byte) (map[string]string, []entry, error) {
	if !utf8.Valid(h) {
		return nil, nil, errors.New("header is not valid utf-8")
	}
	if len(bytes.TrimSpace(h)) == 0 {
		return nil, nil, errors.New("header is empty, want a json object")
	}
	// Check the syntax of the whole header first, so that a syntax error is
	// reported as such rather than as whatever the walk below meets first.
	if err := json.Unmarshal(h, new(json.RawMessage)); err != nil {
		return nil, nil, fmt.Errorf("header is not valid json: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(h))
	tok, err := dec.Token()
	if err != nil {
		return nil, nil, fmt.Errorf("header is not valid json: %v", err)
	}
	if tok != json.Delim('{') {
		return nil, nil, fmt.Errorf("header is %s, want a json object", describe(tok))
	}
	var (
		meta    map[string]string
		entries []entry
		seen    = make(map[string]bool)
	)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, fmt.Errorf("header is not valid json: %v", err)
		}
		key, ok := tok.(string)
		if !ok { // the decoder reports non-string keys as syntax errors; be safe anyway
			return nil, nil, fmt.Errorf("header is not valid json: key is %s", describe(tok))
		}
		if seen[key] {
			if key == metadataKey {
				return nil, nil, errors.New("header has a duplicate __metadata__ entry")
			}
			return nil, nil, fmt.Errorf("duplicate tensor name %q", key)
		}
		seen[key] = true
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, nil, fmt.Errorf("header is not valid json: %v", err)
		}
		if key == metadataKey {
			if meta, err = parseMetadata(raw); err != nil {
				return nil, nil, err
			}
			continue
		}
		if key == "" {
			return nil, nil, errors.New("empty tensor name")
		}
		e, err := parseEntry(key, raw)
		if err != nil {
			return nil, nil, err
		}
		entries = append(entries, e)
	}
	return meta, entries, nil
}

// parseMetadata checks that raw is a JSON object of string values without
// duplicate keys. It returns nil for an empty object.
func parseMetadata(raw []byte) (map[string]string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("__metadata__ is not valid json: %v", err)
	}
	if tok != json.Delim('{') {
		return nil, fmt.Errorf("__metadata__ is %s, want an object of strings", describe(tok))
	}
	var meta map[string]string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("__metadata__ is not valid json: %v", err)
		}
		key, _ := tok.(string)
		if _, dup := meta[key]; dup {
			return nil, fmt.Errorf("duplicate __metadata__ key %q", key)
		}
		tok, err = dec.Token()
		if err != nil {
			return nil, fmt.Errorf("__metadata__ is not valid json: %v", err)
		}
		val, ok := tok.(string)
		if !ok {
			return nil, fmt.Errorf("__metadata__ key %q has %s, want a string", key, describe(tok))
		}
		if meta == nil {
			meta = make(map[string]string)
		}
		meta[key] = val
	}
	return meta, nil
}

// parseEntry validates one tensor's header entry on its own: fields, dtype,
// shape, offsets, and that the shape's byte size matches the offsets.
// Unknown fields are ignored, as the reference implementation does.
func parseEntry(name string, raw []byte) (entry, error) {
	e := entry{name: name}
	fail := func(format string, args ...any) (entry, error) {
		return entry{}, fmt.Errorf("tensor %q: %s", name, fmt.Sprintf(format, args...))
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil {
		return fail("entry is not valid json: %v", err)
	}
	if tok != json.Delim('{') {
		return fail("entry is %s, want an object with dtype, shape and data_offsets", describe(tok))
	}
	fields := make(map[string]json.RawMessage)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fail("entry is not valid json: %v", err)
		}
		key, _ := tok.(string)
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return fail("entry is not valid json: %v", err)
		}
		if _, dup := fields[key]; dup {
			return fail("duplicate field %q", key)
		}
		fields[key] = val
	}
	for _, k := range []string{"dtype", "shape", "data_offsets"} {
		if _, ok := fields[k]; !ok {
			return fail("missing %s", k)
		}
	}

	var dtype string
	if raw := fields["dtype"]; raw[0] != '"' || json.Unmarshal(raw, &dtype) != nil {
		return fail("dtype is %s, want a string", short(raw))
	}
	width := uint64(4)
	switch dtype {
	case "F32":
	case "F16":
		e.half, width = true, 2
	default:
		return fail("dtype %q is not supported, only F32 and F16 are", dtype)
	}

	dims, err := parseInts(fields["shape"], "shape")
	if err != nil {
		return fail("%v", err)
	}
	e.shape = make([]int, len(dims))
	for i, d := range dims {
		if d > math.MaxInt { // only possible where int has 32 bits
			return fail("shape[%d] = %d is out of range", i, d)
		}
		e.shape[i] = int(d)
	}

	offs, err := parseInts(fields["data_offsets"], "data_offsets")
	if err != nil {
		return fail("%v", err)
	}
	if len(offs) != 2 {
		return fail("data_offsets has %d values, want 2 (begin and end)", len(offs))
	}
	e.begin, e.end = offs[0], offs[1]
	if e.begin > e.end {
		return fail("data_offsets [%d, %d] are reversed", e.begin, e.end)
	}

	count := uint64(1)
	for _, d := range dims {
		hi, lo := bits.Mul64(count, uint64(d))
		if hi != 0 {
			return fail("shape %v has an element count that overflows", dims)
		}
		count = lo
	}
	hi, size := bits.Mul64(count, width)
	if hi != 0 || size > math.MaxInt64 {
		return fail("shape %v has a byte size that overflows", dims)
	}
	if span := e.end - e.begin; int64(size) != span {
		return fail("shape %v needs %d bytes of %s but data_offsets [%d, %d] span %d", dims, size, dtype, e.begin, e.end, span)
	}
	return e, nil
}

// parseInts reads raw as a JSON array of non-negative integers that fit an
// int64; field names the array in errors.
func parseInts(raw json.RawMessage, field string) ([]int64, error) {
	var elems []json.RawMessage
	if raw[0] != '[' || json.Unmarshal(raw, &elems) != nil {
		return nil, fmt.Errorf("%s is %s, want an array of integers", field, short(raw))
	}
	vals := make([]int64, len(elems))
	for i, el := range elems {
		if c := el[0]; c != '-' && (c < '0' || c > '9') {
			return nil, fmt.Errorf("%s[%d] = %s is not an integer", field, i, short(el))
		}
		v, err := strconv.ParseInt(string(el), 10, 64)
		switch {
		case errors.Is(err, strconv.ErrRange):
			return nil, fmt.Errorf("%s[%d] = %s is out of range", field, i, short(el))
		case err != nil:
			return nil, fmt.Errorf("%s[%d] = %s is not an integer", field, i, short(el))
		case v < 0:
			return nil, fmt.Errorf("%s[%d] = %d is negative", field, i, v)
		}
		vals[i] = v
	}
	return vals, nil
}

// checkLayout checks that every entry lies inside the data buffer and that
// together they cover it exactly, without overlaps or holes. It sorts
// entries by offsets (then name, which orders empty tensors at one offset).
func checkLayout(entries []entry, dataLen int64) error {
	for _, e := range entries {
		if e.end > dataLen {
			return fmt.Errorf("tensor %q: data_offsets [%d, %d] extend past the end of the %d-byte data buffer", e.name, e.begin, e.end, dataLen)
		}
	}
	slices.SortFunc(entries, func(a, b entry) int {
		return cmp.Or(cmp.Compare(a.begin, b.begin), cmp.Compare(a.end, b.end), cmp.Compare(a.name, b.name))
	})
	var prev int64
	for i, e := range entries {
		switch {
		case e.begin < prev:
			p := entries[i-1]
			return fmt.Errorf("tensor %q: data_offsets [%d, %d] overlap tensor %q [%d, %d]", e.name, e.begin, e.end, p.name, p.begin, p.end)
		case e.begin > prev && i == 0:
			return fmt.Errorf("data buffer bytes [0, %d) before tensor %q are not covered by any tensor", e.begin, e.name)
		case e.begin > prev:
			return fmt.Errorf("data buffer bytes [%d, %d) between tensor %q and tensor %q are not covered by any tensor", prev, e.begin, entries[i-1].name, e.name)
		}
		prev = e.end
	}
	if prev < dataLen {
		if len(entries) == 0 {
			return fmt.Errorf("data buffer has %d bytes but the header declares no tensors", dataLen)
		}
		return fmt.Errorf("data buffer bytes [%d, %d) after tensor %q are not covered by any tensor", prev, dataLen, entries[len(entries)-1].name)
	}
	return nil
}

// describe names the kind of a JSON token for error messages.
func describe(tok json.Token) string {
	switch v := tok.(type) {
	case json.Delim:
		switch v {
		case '{':
			return "an object"
		case '[':
			return "an array"
		}
		return fmt.Sprintf("%q", string(v))
	case string:
		return fmt.Sprintf("the string %s", short(strconv.AppendQuote(nil, v)))
	case float64, json.Number:
		return fmt.Sprintf("the number %v", v)
	case bool:
		return fmt.Sprintf("%v", v)
	case nil:
		return "null"
	}
	return fmt.Sprintf("%v", tok)
}

// short returns raw JSON text for an error message, cut to a readable length.
func short(raw []byte) string {
	n := 24
	if len(raw) <= n {
		return string(raw)
	}
	for n > 0 && !utf8.RuneStart(raw[n]) {
		n--
	}
	return string(raw[:n]) + "..."
}
