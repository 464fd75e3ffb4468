package onnx

import (
	"encoding/binary"
	"fmt"
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// The parts of onnx.proto that an importer of chain models needs. Field
// numbers are those of the ONNX specification; unknown fields are skipped.

type model struct {
	graph graph
}

type graph struct {
	nodes        []node
	initializers []tensorProto
	inputs       []valueInfo
	outputs      []valueInfo
}

type node struct {
	inputs, outputs []string
	name, opType    string
	attrs           []attribute
}

type attribute struct {
	name string
	f    float32
	i    int64
	s    []byte
	t    *tensorProto
	ints []int64
}

type valueInfo struct {
	name  string
	shape []int64 // -1 for a named or unknown dimension
}

// tensorProto is a TensorProto with its numbers still in the file's form.
type tensorProto struct {
	name      string
	dims      []int64
	dataType  int32
	floatData []float32
	int64Data []int64
	int32Data []int32
	raw       []byte
	external  bool
}

// ONNX TensorProto data types that the importer reads.
const (
	typeFloat = 1
	typeInt32 = 6
	typeInt64 = 7
)

// maxElems bounds a tensor's element count before anything is allocated.
const maxElems = 64 << 20

// fields calls f for every field of the message b, in order.
func fields(b []byte, what string, f func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return fmt.Errorf("%s: damaged field tag", what)
		}
		b = b[n:]
		var v []byte
		var x uint64
		switch typ {
		case protowire.VarintType:
			x, n = protowire.ConsumeVarint(b)
		case protowire.Fixed32Type:
			var u uint32
			u, n = protowire.ConsumeFixed32(b)
			x = uint64(u)
		case protowire.Fixed64Type:
			x, n = protowire.ConsumeFixed64(b)
		case protowire.BytesType:
			v, n = protowire.ConsumeBytes(b)
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return fmt.Errorf("%s: field %d is cut short or damaged", what, num)
		}
		b = b[n:]
		if err := f(num, typ, v, x); err != nil {
			return err
		}
	}
	return nil
}

// varints appends field values that are either one varint or a packed run.
func varints(dst []int64, typ protowire.Type, v []byte, x uint64, what string) ([]int64, error) {
	if typ == protowire.VarintType {
		return append(dst, int64(x)), nil
	}
	if typ != protowire.BytesType {
		return nil, fmt.Errorf("%s: wrong wire type", what)
	}
	for len(v) > 0 {
		u, n := protowire.ConsumeVarint(v)
		if n < 0 {
			return nil, fmt.Errorf("%s: damaged packed integers", what)
		}
		dst = append(dst, int64(u))
		v = v[n:]
		if len(dst) > maxElems {
			return nil, fmt.Errorf("%s: more than %d values", what, maxElems)
		}
	}
	return dst, nil
}

// floats appends field values that are either one fixed32 or a packed run.
func floats(dst []float32, typ protowire.Type, v []byte, x uint64, what string) ([]float32, error) {
	if typ == protowire.Fixed32Type {
		return append(dst, math.Float32frombits(uint32(x))), nil
	}
	if typ != protowire.BytesType || len(v)%4 != 0 {
		return nil, fmt.Errorf("%s: damaged packed floats", what)
	}
	if len(dst)+len(v)/4 > maxElems {
		return nil, fmt.Errorf("%s: more than %d values", what, maxElems)
	}
	for i := 0; i < len(v); i += 4 {
		dst = append(dst, math.Float32frombits(binary.LittleEndian.Uint32(v[i:])))
	}
	return dst, nil
}

func wantBytes(typ protowire.Type, what string) error {
	if typ != protowire.BytesType {
		return fmt.Errorf("%s: wrong wire type %d", what, typ)
	}
	return nil
}

func decodeModel(b []byte) (*model, error) {
	m := &model{}
	hasGraph := false
	err := fields(b, "model", func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
		if num != 7 { // graph
			return nil
		}
		if err := wantBytes(typ, "model graph"); err != nil {
			return err
		}
		hasGraph = true
		return decodeGraph(v, &m.graph)
	})
	if err != nil {
		return nil, err
	}
	if !hasGraph {
		return nil, fmt.Errorf("the file holds no onnx graph")
	}
	return m, nil
}

func decodeGraph(b []byte, g *graph) error {
	return fields(b, "graph", func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
		switch num {
		case 1, 5, 11, 12:
			if err := wantBytes(typ, "graph"); err != nil {
				return err
			}
		}
		switch num {
		case 1:
			n, err := decodeNode(v)
			if err != nil {
				return err
			}
			g.nodes = append(g.nodes, n)
		case 5:
			t, err := decodeTensor(v)
			if err != nil {
				return err
			}
			g.initializers = append(g.initializers, t)
		case 11, 12:
			vi, err := decodeValueInfo(v)
			if err != nil {
				return err
			}
			if num == 11 {
				g.inputs = append(g.inputs, vi)
			} else {
				g.outputs = append(g.outputs, vi)
			}
		}
		return nil
	})
}

func decodeNode(b []byte) (node, error) {
	var n node
	err := fields(b, "node", func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
		if num >= 1 && num <= 5 {
			if err := wantBytes(typ, "node"); err != nil {
				return err
			}
		}
		switch num {
		case 1:
			n.inputs = append(n.inputs, string(v))
		case 2:
			n.outputs = append(n.outputs, string(v))
		case 3:
			n.name = string(v)
		case 4:
			n.opType = string(v)
		case 5:
			a, err := decodeAttribute(v)
			if err != nil {
				return err
			}
			n.attrs = append(n.attrs, a)
		}
		return nil
	})
	return n, err
}

func decodeAttribute(b []byte) (attribute, error) {
	var a attribute
	err := fields(b, "attribute", func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
		var err error
		switch num {
		case 1:
			err = wantBytes(typ, "attribute name")
			a.name = string(v)
		case 2:
			if typ != protowire.Fixed32Type {
				return fmt.Errorf("attribute %q: float has wrong wire type", a.name)
			}
			a.f = math.Float32frombits(uint32(x))
		case 3:
			if typ != protowire.VarintType {
				return fmt.Errorf("attribute %q: int has wrong wire type", a.name)
			}
			a.i = int64(x)
		case 4:
			err = wantBytes(typ, "attribute string")
			a.s = v
		case 5:
			if err = wantBytes(typ, "attribute tensor"); err != nil {
				return err
			}
			var t tensorProto
			t, err = decodeTensor(v)
			a.t = &t
		case 8:
			a.ints, err = varints(a.ints, typ, v, x, "attribute ints")
		}
		return err
	})
	return a, err
}

func decodeValueInfo(b []byte) (valueInfo, error) {
	var vi valueInfo
	err := fields(b, "value info", func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
		switch num {
		case 1:
			vi.name = string(v)
			return wantBytes(typ, "value info name")
		case 2: // TypeProto
			if err := wantBytes(typ, "value info type"); err != nil {
				return err
			}
			return fields(v, "type", func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
				if num != 1 { // tensor_type
					return nil
				}
				if err := wantBytes(typ, "tensor type"); err != nil {
					return err
				}
				return fields(v, "tensor type", func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
					if num != 2 { // shape
						return nil
					}
					if err := wantBytes(typ, "tensor shape"); err != nil {
						return err
					}
					return fields(v, "tensor shape", func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
						if num != 1 { // dim
							return nil
						}
						if err := wantBytes(typ, "dimension"); err != nil {
							return err
						}
						d := int64(-1)
						err := fields(v, "dimension", func(num protowire.Number, typ protowire.Type, _ []byte, x uint64) error {
							if num == 1 && typ == protowire.VarintType {
								d = int64(x)
							}
							return nil
						})
						vi.shape = append(vi.shape, d)
						return err
					})
				})
			})
		}
		return nil
	})
	return vi, err
}

func decodeTensor(b []byte) (tensorProto, error) {
	var t tensorProto
	err := fields(b, "tensor", func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
		var err error
		switch num {
		case 1:
			t.dims, err = varints(t.dims, typ, v, x, "tensor dims")
		case 2:
			t.dataType = int32(x)
		case 4:
			t.floatData, err = floats(t.floatData, typ, v, x, "tensor float_data")
		case 5:
			var ints []int64
			ints, err = varints(nil, typ, v, x, "tensor int32_data")
			for _, i := range ints {
				t.int32Data = append(t.int32Data, int32(i))
			}
		case 7:
			t.int64Data, err = varints(t.int64Data, typ, v, x, "tensor int64_data")
		case 8:
			err = wantBytes(typ, "tensor name")
			t.name = string(v)
		case 9:
			err = wantBytes(typ, "tensor raw_data")
			t.raw = v
		case 13:
			t.external = true
		case 14:
			t.external = t.external || x == 1
		}
		return err
	})
	return t, err
}

// size returns the element count of the tensor's dims, checked.
func (t *tensorProto) size() (int, error) {
	n := int64(1)
	for _, d := range t.dims {
		if d < 0 || d > maxElems {
			return 0, fmt.Errorf("tensor %q has dimensions %v", t.name, t.dims)
		}
		n *= d
		if n > maxElems {
			return 0, fmt.Errorf("tensor %q has dimensions %v: more than %d values", t.name, t.dims, maxElems)
		}
	}
	return int(n), nil
}

// floatValues returns the tensor's values as float32.
func (t *tensorProto) floatValues() ([]float32, error) {
	n, err := t.size()
	if err != nil {
		return nil, err
	}
	if t.external {
		return nil, fmt.Errorf("tensor %q is stored in an external file, which cnnviz cannot read", t.name)
	}
	if t.dataType != typeFloat {
		return nil, fmt.Errorf("tensor %q has data type %d, want float32 (1)", t.name, t.dataType)
	}
	var out []float32
	switch {
	case t.raw != nil:
		if len(t.raw) != 4*n {
			return nil, fmt.Errorf("tensor %q has %d bytes of raw data for %d floats", t.name, len(t.raw), n)
		}
		out = make([]float32, n)
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(t.raw[4*i:]))
		}
	default:
		if len(t.floatData) != n {
			return nil, fmt.Errorf("tensor %q has %d floats for dimensions %v", t.name, len(t.floatData), t.dims)
		}
		out = t.floatData
	}
	return out, nil
}

// intValues returns an integer tensor's values (int64 or int32).
func (t *tensorProto) intValues() ([]int64, error) {
	n, err := t.size()
	if err != nil {
		return nil, err
	}
	var out []int64
	switch {
	case t.external:
		return nil, fmt.Errorf("tensor %q is stored in an external file, which cnnviz cannot read", t.name)
	case t.dataType == typeInt64 && t.raw != nil:
		if len(t.raw) != 8*n {
			return nil, fmt.Errorf("tensor %q has %d bytes of raw data for %d int64s", t.name, len(t.raw), n)
		}
		for i := range n {
			out = append(out, int64(binary.LittleEndian.Uint64(t.raw[8*i:])))
		}
	case t.dataType == typeInt64:
		out = t.int64Data
	case t.dataType == typeInt32 && t.raw != nil:
		if len(t.raw) != 4*n {
			return nil, fmt.Errorf("tensor %q has %d bytes of raw data for %d int32s", t.name, len(t.raw), n)
		}
		for i := range n {
			out = append(out, int64(int32(binary.LittleEndian.Uint32(t.raw[4*i:]))))
		}
	case t.dataType == typeInt32:
		for _, v := range t.int32Data {
			out = append(out, int64(v))
		}
	default:
		return nil, fmt.Errorf("tensor %q has data type %d, want int64 (7) or int32 (6)", t.name, t.dataType)
	}
	if len(out) != n {
		return nil, fmt.Errorf("tensor %q has %d integers for dimensions %v", t.name, len(out), t.dims)
	}
	return out, nil
}
