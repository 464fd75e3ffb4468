package nn

import (
	"fmt"
	"strconv"
	"strings"
)

// ParseText reads an architecture written as a layer list, one layer per
// line, the form the architecture editor in the page uses:
//
//	name convnetjs
//	input 1x28x28
//	conv 8 5x5 pad 2
//	relu
//	maxpool 2x2
//	conv 16 5x5 pad 2
//	relu
//	maxpool 3x3 stride 3
//	flatten
//	dense 10
//
// Kinds: conv FILTERS KxK [stride S] [pad P], relu, maxpool KxK [stride S]
// [pad P], avgpool (the same), gap (global average pooling), flatten, dense
// UNITS. A size may be one number (3) or rows×columns (3x5). Layers get
// names from their kind and position (conv1, relu1, pool1, ...) unless a
// line ends in "as NAME". Blank lines and text after # are ignored. The
// classes are named 0, 1, 2, ... (the digits, for ten outputs).
// Errors give the line number and what was expected.
func ParseText(src string) (Spec, error) {
	s := Spec{Name: "custom"}
	count := map[string]int{}
	for n, raw := range strings.Split(src, "\n") {
		line := raw
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(strings.ToLower(line))
		if len(f) == 0 {
			continue
		}
		fail := func(format string, a ...any) (Spec, error) {
			return Spec{}, fmt.Errorf("line %d (%q): %s", n+1, strings.TrimSpace(raw), fmt.Sprintf(format, a...))
		}
		name := ""
		if len(f) >= 3 && f[len(f)-2] == "as" {
			name, f = strings.Fields(line)[len(strings.Fields(line))-1], f[:len(f)-2]
		}
		var l LayerSpec
		switch f[0] {
		case "name":
			if len(f) != 2 {
				return fail("want: name NAME")
			}
			s.Name = strings.Fields(line)[1]
			continue
		case "input":
			if len(f) != 2 {
				return fail("want: input CxHxW, e.g. input 1x28x28")
			}
			dims, err := dims(f[1], 3)
			if err != nil {
				return fail("%v", err)
			}
			s.Input = dims
			continue
		case "conv":
			if len(f) < 3 {
				return fail("want: conv FILTERS KxK [stride S] [pad P]")
			}
			filters, err := strconv.Atoi(f[1])
			if err != nil {
				return fail("filters %q is not a number", f[1])
			}
			l = LayerSpec{Kind: KindConv2D, Filters: filters}
			if err := window(&l, f[2:]); err != nil {
				return fail("%v", err)
			}
		case "maxpool", "avgpool":
			if len(f) < 2 {
				return fail("want: %s KxK [stride S] [pad P]", f[0])
			}
			l = LayerSpec{Kind: KindMaxPool2D}
			if f[0] == "avgpool" {
				l.Kind = KindAvgPool2D
			}
			if err := window(&l, f[1:]); err != nil {
				return fail("%v", err)
			}
		case "relu", "gap", "flatten":
			if len(f) != 1 {
				return fail("%s takes no arguments", f[0])
			}
			l.Kind = map[string]string{"relu": KindReLU, "gap": KindGlobalAvgPool, "flatten": KindFlatten}[f[0]]
		case "dense":
			if len(f) != 2 {
				return fail("want: dense UNITS")
			}
			u, err := strconv.Atoi(f[1])
			if err != nil {
				return fail("units %q is not a number", f[1])
			}
			l = LayerSpec{Kind: KindDense, Units: u}
		default:
			return fail("unknown layer %q (known: input, conv, relu, maxpool, avgpool, gap, flatten, dense, name)", f[0])
		}
		if name == "" {
			short := map[string]string{KindConv2D: "conv", KindReLU: "relu", KindMaxPool2D: "pool", KindAvgPool2D: "pool",
				KindGlobalAvgPool: "gap", KindFlatten: "flatten", KindDense: "fc"}[l.Kind]
			count[short]++
			name = short + strconv.Itoa(count[short])
			if short == "gap" || short == "flatten" {
				if count[short] == 1 {
					name = short
				}
			}
		}
		l.Name = name
		s.Layers = append(s.Layers, l)
	}
	if s.Input == nil {
		return Spec{}, fmt.Errorf("no input line: start with e.g. input 1x28x28")
	}
	// Class names: the digits for ten outputs, else numbers.
	shape := s.Input
	for _, l := range s.Layers {
		next, _, err := l.outShape(shape)
		if err != nil {
			break // Shapes below reports it with the layer's name
		}
		shape = next
	}
	if len(shape) == 1 && shape[0] <= 1<<16 {
		for i := 0; i < shape[0]; i++ {
			s.Classes = append(s.Classes, strconv.Itoa(i))
		}
	}
	if _, err := s.Shapes(); err != nil {
		return Spec{}, err
	}
	return s, nil
}

// dims parses "3", "3x5" or "1x28x28" into want numbers; a single number
// stands for all of them when want is 2.
func dims(s string, want int) ([]int, error) {
	parts := strings.Split(s, "x")
	if len(parts) == 1 && want == 2 {
		parts = []string{parts[0], parts[0]}
	}
	if len(parts) != want {
		return nil, fmt.Errorf("size %q: want %d numbers joined by x", s, want)
	}
	out := make([]int, want)
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 {
			return nil, fmt.Errorf("size %q: %q is not a whole number", s, p)
		}
		out[i] = v
	}
	return out, nil
}

// window parses "KxK [stride S] [pad P]" into l.
func window(l *LayerSpec, f []string) error {
	k, err := dims(f[0], 2)
	if err != nil {
		return err
	}
	l.Kernel = [2]int{k[0], k[1]}
	for i := 1; i < len(f); i += 2 {
		if i+1 >= len(f) {
			return fmt.Errorf("%q needs a value", f[i])
		}
		v, err := dims(f[i+1], 2)
		if err != nil {
			return err
		}
		switch f[i] {
		case "stride":
			l.Stride = [2]int{v[0], v[1]}
		case "pad":
			l.Pad = [2]int{v[0], v[1]}
		default:
			return fmt.Errorf("unknown option %q (known: stride, pad)", f[i])
		}
	}
	return nil
}

// Text writes the spec as a layer list that ParseText reads back.
func (s Spec) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "name %s\ninput %dx%dx%d\n", s.Name, s.Input[0], s.Input[1], s.Input[2])
	for _, l := range s.Layers {
		switch l.Kind {
		case KindConv2D:
			fmt.Fprintf(&b, "conv %d %dx%d", l.Filters, l.Kernel[0], l.Kernel[1])
		case KindMaxPool2D, KindAvgPool2D:
			kind := "maxpool"
			if l.Kind == KindAvgPool2D {
				kind = "avgpool"
			}
			fmt.Fprintf(&b, "%s %dx%d", kind, l.Kernel[0], l.Kernel[1])
		case KindReLU:
			b.WriteString("relu")
		case KindGlobalAvgPool:
			b.WriteString("gap")
		case KindFlatten:
			b.WriteString("flatten")
		case KindDense:
			fmt.Fprintf(&b, "dense %d", l.Units)
		}
		if l.Stride != [2]int{} {
			fmt.Fprintf(&b, " stride %dx%d", l.Stride[0], l.Stride[1])
		}
		if l.Pad != [2]int{} {
			fmt.Fprintf(&b, " pad %dx%d", l.Pad[0], l.Pad[1])
		}
		fmt.Fprintf(&b, " as %s\n", l.Name)
	}
	return b.String()
}
