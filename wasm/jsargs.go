//go:build js && wasm

package main

import (
	"encoding/binary"
	"fmt"
	"math"
	"syscall/js"

	"cnnviz/core/explorer"
)

// floatsArg reads a Float32Array, a Float64Array or an Array of numbers.
func floatsArg(v js.Value, name string) ([]float32, error) {
	g := js.Global()
	switch {
	case v.InstanceOf(g.Get("Float32Array")), v.InstanceOf(g.Get("Float64Array")):
		n := v.Get("length").Int()
		if n > explorer.MaxValues {
			return nil, fmt.Errorf("%s has %d values, too many", name, n)
		}
		u8 := g.Get("Uint8Array").New(v.Get("buffer"), v.Get("byteOffset"), v.Get("byteLength"))
		raw := make([]byte, v.Get("byteLength").Int())
		js.CopyBytesToGo(raw, u8)
		out := make([]float32, n)
		if v.InstanceOf(g.Get("Float32Array")) {
			for i := range out {
				out[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
			}
		} else {
			for i := range out {
				out[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(raw[8*i:])))
			}
		}
		return out, nil
	case g.Get("Array").Call("isArray", v).Bool():
		n := v.Length()
		if n > explorer.MaxValues {
			return nil, fmt.Errorf("%s has %d values, too many", name, n)
		}
		out := make([]float32, n)
		for i := range out {
			e := v.Index(i)
			if e.Type() != js.TypeNumber {
				return nil, fmt.Errorf("%s[%d] is a %s, not a number", name, i, e.Type())
			}
			out[i] = float32(e.Float())
		}
		return out, nil
	}
	return nil, fmt.Errorf("%s must be a Float32Array (or an array of numbers), got %s", name, describe(v))
}

// bytesArg reads a Uint8Array or an ArrayBuffer.
func bytesArg(v js.Value, name string) ([]byte, error) {
	if v.InstanceOf(js.Global().Get("Uint8Array")) || v.InstanceOf(js.Global().Get("ArrayBuffer")) {
		b := bytesOf(v)
		if len(b) == 0 {
			return nil, fmt.Errorf("%s is empty", name)
		}
		return b, nil
	}
	return nil, fmt.Errorf("%s must be a Uint8Array or an ArrayBuffer, got %s", name, describe(v))
}

// intArg reads a whole number in [lo, hi].
func intArg(v js.Value, name string, lo, hi int) (int, error) {
	if v.Type() != js.TypeNumber {
		return 0, fmt.Errorf("%s must be a number, got %s", name, describe(v))
	}
	f := v.Float()
	if f != math.Trunc(f) || f < float64(lo) || f > float64(hi) {
		return 0, fmt.Errorf("%s must be a whole number in %d..%d, got %v", name, lo, hi, f)
	}
	return int(f), nil
}

func describe(v js.Value) string {
	if v.Type() == js.TypeObject {
		if c := v.Get("constructor"); c.Truthy() {
			return "a " + c.Get("name").String()
		}
	}
	return v.Type().String()
}

func float32Array(d []float32) js.Value {
	a := js.Global().Get("Float32Array").New(len(d))
	if len(d) == 0 {
		return a
	}
	raw := make([]byte, 4*len(d))
	for i, v := range d {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
	}
	js.CopyBytesToJS(js.Global().Get("Uint8Array").New(a.Get("buffer")), raw)
	return a
}

func ints(s []int) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}
