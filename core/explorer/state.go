package explorer

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"cnnviz/core/input"
)

// InputKind says where the current input comes from.
type InputKind int

// The kinds of input.
const (
	InputTest    InputKind = iota // an image of the MNIST test set
	InputDrawing                  // strokes drawn on the page
	InputUpload                   // an uploaded picture (not kept in links)
	InputPhoto                    // a sample photo shipped with the page (Photos)
	InputCamera                   // live frames of the webcam (not kept in links)
)

// Input names the current input. Strokes are in drawing-surface units:
// (0, 0) is the top-left corner of the square surface and (1, 1) its
// bottom-right.
type Input struct {
	Kind    InputKind
	Test    int // index in the test set, for InputTest
	Strokes []input.Stroke
	Photo   string // name of the sample photo, for InputPhoto
}

// State is what a shared link restores.
type State struct {
	Model   string
	View    string
	Layer   string // "" means the view's default
	Channel int    // -1: none selected
	Method  string // "" means the view's default
	Class   int    // target class; -1 means the predicted class
	Input   Input
	Seed    uint64
	// Options holds view options by name (keys of lowercase letters,
	// digits, '.', '_' and '-'); a view reads the ones it knows.
	Options map[string]string
}

// Default returns the state of a fresh page: the mnist model, the first
// view, the first test image.
func Default() State {
	return State{Model: "mnist", View: "layers", Channel: -1, Class: -1, Seed: 1, Options: map[string]string{}}
}

// Limits on what a link may carry, checked by DecodeHash.
const (
	MaxStrokes     = 64
	MaxPoints      = 4000 // points in all strokes
	maxName        = 64
	maxOptions     = 32
	strokesVersion = 1
	gridSteps      = 255 // stroke coordinates are quantized to 0..255
)

// Option returns the option name, or def when it is not set.
func (s State) Option(name, def string) string {
	if v, ok := s.Options[name]; ok {
		return v
	}
	return def
}

// SetOption sets an option; an empty value removes it.
func (s *State) SetOption(name, value string) {
	if s.Options == nil {
		s.Options = map[string]string{}
	}
	if value == "" {
		delete(s.Options, name)
		return
	}
	s.Options[name] = value
}

// EncodeHash returns the URL fragment (with its leading '#') of s. Fields
// at their default values are left out, so a fresh state gives "#".
func EncodeHash(s State) string {
	d := Default()
	var parts []string
	add := func(k, v string) { parts = append(parts, k+"="+url.QueryEscape(v)) }
	if s.Model != d.Model {
		add("model", s.Model)
	}
	if s.View != d.View {
		add("view", s.View)
	}
	if s.Layer != "" {
		add("layer", s.Layer)
	}
	if s.Channel >= 0 {
		add("ch", strconv.Itoa(s.Channel))
	}
	if s.Method != "" {
		add("method", s.Method)
	}
	if s.Class >= 0 {
		add("class", strconv.Itoa(s.Class))
	}
	switch s.Input.Kind {
	case InputTest:
		if s.Input.Test != 0 {
			add("in", "t"+strconv.Itoa(s.Input.Test))
		}
	case InputDrawing:
		add("in", "d"+EncodeStrokes(s.Input.Strokes))
	case InputUpload:
		add("in", "upload")
	case InputPhoto:
		add("in", "p"+s.Input.Photo)
	}
	if s.Seed != d.Seed {
		add("seed", strconv.FormatUint(s.Seed, 10))
	}
	keys := make([]string, 0, len(s.Options))
	for k := range s.Options {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		add("o."+k, s.Options[k])
	}
	return "#" + strings.Join(parts, "&")
}

// DecodeHash reads a URL fragment (with or without its leading '#'). Every
// field it cannot read keeps its default value and adds to the error, which
// names the field and the problem; the returned state is always usable.
// Unknown keys are errors too, so that a mistyped link does not pass
// silently. DecodeHash checks names and numbers for form and range only:
// whether a model or layer exists is the App's to check.
func DecodeHash(hash string) (State, error) {
	s := Default()
	hash = strings.TrimPrefix(hash, "#")
	if hash == "" {
		return s, nil
	}
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	for _, part := range strings.Split(hash, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		v, err := url.QueryUnescape(v)
		if err != nil {
			bad("%s: bad escape in %q", k, part)
			continue
		}
		switch {
		case k == "model", k == "view", k == "layer", k == "method":
			if !validName(v) {
				bad("%s: %q is not a name (1 to %d letters, digits, '.', '_' or '-')", k, v, maxName)
				continue
			}
			switch k {
			case "model":
				s.Model = v
			case "view":
				s.View = v
			case "layer":
				s.Layer = v
			case "method":
				s.Method = v
			}
		case k == "ch":
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > 1<<16 {
				bad("ch: %q is not a channel number", v)
				continue
			}
			s.Channel = n
		case k == "class":
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > 1<<16 {
				bad("class: %q is not a class number", v)
				continue
			}
			s.Class = n
		case k == "seed":
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				bad("seed: %q is not a whole number", v)
				continue
			}
			s.Seed = n
		case k == "in":
			in, err := decodeInput(v)
			if err != nil {
				bad("in: %v", err)
				continue
			}
			s.Input = in
		case strings.HasPrefix(k, "o."):
			name := strings.TrimPrefix(k, "o.")
			if !validName(name) || len(v) > maxName {
				bad("option %q: bad name or value", name)
				continue
			}
			if len(s.Options) >= maxOptions {
				bad("more than %d options", maxOptions)
				continue
			}
			s.Options[name] = v
		default:
			bad("unknown key %q", k)
		}
	}
	if len(errs) > 0 {
		return s, fmt.Errorf("link: %s", strings.Join(errs, "; "))
	}
	return s, nil
}

func decodeInput(v string) (Input, error) {
	switch {
	case v == "upload":
		return Input{Kind: InputUpload}, nil
	case strings.HasPrefix(v, "t"):
		n, err := strconv.Atoi(v[1:])
		if err != nil || n < 0 {
			return Input{}, fmt.Errorf("%q is not a test image number", v)
		}
		return Input{Kind: InputTest, Test: n}, nil
	case strings.HasPrefix(v, "d"):
		st, err := DecodeStrokes(v[1:])
		if err != nil {
			return Input{}, err
		}
		return Input{Kind: InputDrawing, Strokes: st}, nil
	case strings.HasPrefix(v, "p"):
		if !validName(v[1:]) {
			return Input{}, fmt.Errorf("%q is not a photo name", v)
		}
		return Input{Kind: InputPhoto, Photo: v[1:]}, nil
	}
	return Input{}, fmt.Errorf("%q is neither t<number>, d<strokes>, p<photo> nor upload", v)
}

func validName(s string) bool {
	if len(s) == 0 || len(s) > maxName {
		return false
	}
	for _, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-'
		if !ok {
			return false
		}
	}
	return true
}

// quantize maps a surface coordinate to the 0..255 grid, clamping.
func quantize(v float64) byte {
	return byte(math.Round(math.Max(0, math.Min(1, v)) * gridSteps))
}

// Quantize returns the strokes as a link carries them: coordinates on the
// 256-step grid, and consecutive points that fall on the same grid point
// merged. EncodeStrokes(s) and EncodeStrokes(Quantize(s)) are equal, and
// DecodeStrokes(EncodeStrokes(s)) equals Quantize(s).
func Quantize(strokes []input.Stroke) []input.Stroke {
	var out []input.Stroke
	for _, s := range strokes {
		var q input.Stroke
		var last [2]byte
		for i, p := range s {
			g := [2]byte{quantize(p.X), quantize(p.Y)}
			if i > 0 && g == last {
				continue
			}
			last = g
			q = append(q, input.Point{X: float64(g[0]) / gridSteps, Y: float64(g[1]) / gridSteps})
		}
		if len(q) > 0 {
			out = append(out, q)
		}
	}
	return out
}

// EncodeStrokes returns the strokes as URL-safe base64 text: a version
// byte, then per stroke its number of points (uvarint) and one byte each
// for x and y on the 256-step grid. Empty strokes are left out.
func EncodeStrokes(strokes []input.Stroke) string {
	b := []byte{strokesVersion}
	for _, s := range Quantize(strokes) {
		b = binary.AppendUvarint(b, uint64(len(s)))
		for _, p := range s {
			b = append(b, quantize(p.X), quantize(p.Y))
		}
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeStrokes reads what EncodeStrokes wrote, checking the version, the
// lengths and the limits MaxStrokes and MaxPoints.
func DecodeStrokes(text string) ([]input.Stroke, error) {
	b, err := base64.RawURLEncoding.DecodeString(text)
	if err != nil {
		return nil, fmt.Errorf("strokes are not base64url text")
	}
	if len(b) == 0 || b[0] != strokesVersion {
		return nil, fmt.Errorf("strokes: unknown format")
	}
	b = b[1:]
	var out []input.Stroke
	total := 0
	for len(b) > 0 {
		n, k := binary.Uvarint(b)
		if k <= 0 || n == 0 {
			return nil, fmt.Errorf("strokes: bad point count in stroke %d", len(out)+1)
		}
		b = b[k:]
		if len(out) >= MaxStrokes {
			return nil, fmt.Errorf("strokes: more than %d strokes", MaxStrokes)
		}
		if n > MaxPoints || total+int(n) > MaxPoints {
			return nil, fmt.Errorf("strokes: more than %d points", MaxPoints)
		}
		if uint64(len(b)) < 2*n {
			return nil, fmt.Errorf("strokes: stroke %d is cut short", len(out)+1)
		}
		s := make(input.Stroke, n)
		for i := range s {
			s[i] = input.Point{X: float64(b[2*i]) / gridSteps, Y: float64(b[2*i+1]) / gridSteps}
		}
		b = b[2*n:]
		total += int(n)
		out = append(out, s)
	}
	return out, nil
}
