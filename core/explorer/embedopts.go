package explorer

import (
	"fmt"
	"math"
	"sort"
	"strconv"

	"cnnviz/core/nn"
	"cnnviz/core/tsne"
)

// The URL option keys of the embedding view (State.Options).
const (
	KeyEmbedData   = "e-data"
	KeyEmbedLayer  = "e-layer"
	KeyEmbedN      = "e-n"
	KeyEmbedMethod = "e-method"
	KeyEmbedPerp   = "e-perp"
	KeyEmbedLR     = "e-lr"
	KeyEmbedExag   = "e-exag"
	KeyEmbedSeed   = "e-seed"
	KeyEmbedIters  = "e-iters"
	KeyEmbedColor  = "e-color"
	KeyEmbedInit   = "e-init"
)

// Ranges of the embedding view's numeric options.
const (
	MinEmbedPerp, MaxEmbedPerp   = 2, 100
	MaxEmbedLR                   = 1e5
	MinEmbedExag, MaxEmbedExag   = 1, 50
	MaxEmbedSeed                 = 1_000_000
	MinEmbedIters, MaxEmbedIters = 10, 5000
)

// The point colourings of the embedding view.
const (
	ColorLabel   = "label"   // the true class
	ColorPred    = "pred"    // the predicted class
	ColorCorrect = "correct" // right or wrong
)

// EmbedViewOptions are the embedding view's settings. They live in the
// URL state under the Key* names above; the zero Layer means the model's
// default source (DefaultEmbedSource).
type EmbedViewOptions struct {
	Data         string  // "mnist" or one of SynthNames
	Layer        string  // PixelsSource or a layer name
	N            int     // one of EmbedSizes (MNIST only)
	Method       string  // "tsne" or "pca"
	Perplexity   float64 // MinEmbedPerp..MaxEmbedPerp
	LR           float64 // 0 = automatic, else up to MaxEmbedLR
	Exaggeration float64 // MinEmbedExag..MaxEmbedExag
	Seed         uint64  // 0..MaxEmbedSeed
	Iterations   int     // MinEmbedIters..MaxEmbedIters
	Color        string  // ColorLabel, ColorPred or ColorCorrect
	Init         string  // "pca" or "random"
}

// DefaultEmbedViewOptions returns the options of a link without any
// embedding option.
func DefaultEmbedViewOptions() EmbedViewOptions {
	return EmbedViewOptions{Data: "mnist", N: 2000, Method: "tsne", Perplexity: 30, Exaggeration: 12, Seed: 1,
		Iterations: 1000, Color: ColorLabel, Init: "pca"}
}

// DefaultEmbedSource returns the source the embedding view shows when the
// link names none: the "gap" layer when net has one, else the layer
// before the last, else the pixels.
func DefaultEmbedSource(net *nn.Sequential) string {
	if net.Index("gap") >= 0 {
		return "gap"
	}
	if k := len(net.Spec.Layers); k > 1 {
		return net.Spec.Layers[k-2].Name
	}
	return PixelsSource
}

// embedKeys lists the option keys in the order Set checks them.
var embedKeys = []string{KeyEmbedData, KeyEmbedLayer, KeyEmbedN, KeyEmbedMethod, KeyEmbedPerp, KeyEmbedLR, KeyEmbedExag,
	KeyEmbedSeed, KeyEmbedIters, KeyEmbedColor, KeyEmbedInit}

// Set parses one URL option into o. The empty value restores the default.
// It returns an error that names the setting and the values allowed when
// the key is unknown or the value is not allowed, and leaves o unchanged.
func (o *EmbedViewOptions) Set(key, value string) error {
	d := DefaultEmbedViewOptions()
	oneOf := func(name string, allowed ...string) error {
		for _, a := range allowed {
			if value == a {
				return nil
			}
		}
		return fmt.Errorf("%s %q is not one of %v", name, value, allowed)
	}
	var err error
	switch key {
	case KeyEmbedData:
		if value == "" {
			o.Data = d.Data
		} else if err = oneOf("data set", append([]string{"mnist"}, SynthNames...)...); err == nil {
			o.Data = value
		}
	case KeyEmbedLayer:
		o.Layer = value // checked against the model by Resolve
	case KeyEmbedN:
		if value == "" {
			o.N = d.N
			break
		}
		n, perr := strconv.Atoi(value)
		err = fmt.Errorf("number of images %q is not one of %v", value, EmbedSizes)
		for _, s := range EmbedSizes {
			if perr == nil && n == s {
				o.N, err = n, nil
			}
		}
	case KeyEmbedMethod:
		if value == "" {
			o.Method = d.Method
		} else if err = oneOf("method", "tsne", "pca"); err == nil {
			o.Method = value
		}
	case KeyEmbedPerp:
		err = setNum(&o.Perplexity, d.Perplexity, value, "perplexity", MinEmbedPerp, MaxEmbedPerp)
	case KeyEmbedLR:
		err = setNum(&o.LR, d.LR, value, "learning rate", 0, MaxEmbedLR)
	case KeyEmbedExag:
		err = setNum(&o.Exaggeration, d.Exaggeration, value, "exaggeration", MinEmbedExag, MaxEmbedExag)
	case KeyEmbedSeed:
		s, perr := strconv.ParseUint(value, 10, 64)
		switch {
		case value == "":
			o.Seed = d.Seed
		case perr != nil || s > MaxEmbedSeed:
			err = fmt.Errorf("seed %q is not a whole number in 0..%d", value, MaxEmbedSeed)
		default:
			o.Seed = s
		}
	case KeyEmbedIters:
		n, perr := strconv.Atoi(value)
		switch {
		case value == "":
			o.Iterations = d.Iterations
		case perr != nil || n < MinEmbedIters || n > MaxEmbedIters:
			err = fmt.Errorf("iterations %q is not a whole number in %d..%d", value, MinEmbedIters, MaxEmbedIters)
		default:
			o.Iterations = n
		}
	case KeyEmbedColor:
		if value == "" {
			o.Color = d.Color
		} else if err = oneOf("colouring", ColorLabel, ColorPred, ColorCorrect); err == nil {
			o.Color = value
		}
	case KeyEmbedInit:
		if value == "" {
			o.Init = d.Init
		} else if err = oneOf("initialization", "pca", "random"); err == nil {
			o.Init = value
		}
	default:
		return fmt.Errorf("unknown embedding option %q", key)
	}
	return err
}

// setNum sets *dst to value parsed as a number in lo..hi, or to def when
// value is empty; otherwise it returns an error naming the setting.
func setNum(dst *float64, def float64, value, name string, lo, hi float64) error {
	if value == "" {
		*dst = def
		return nil
	}
	f, err := strconv.ParseFloat(value, 64)
	if err != nil || math.IsNaN(f) || f < lo || f > hi {
		return fmt.Errorf("%s %q is not a number in %v..%v", name, value, lo, hi)
	}
	*dst = f
	return nil
}

// EmbedViewOptionsOf reads the embedding options of s. A value that Set
// rejects keeps its default, and the first such error is returned beside
// the options, so that the page can say what it ignored.
func EmbedViewOptionsOf(s State) (EmbedViewOptions, error) {
	o := DefaultEmbedViewOptions()
	var first error
	for _, k := range embedKeys {
		v, ok := s.Options[k]
		if !ok {
			continue
		}
		keep := o
		if err := o.Set(k, v); err != nil {
			o = keep
			if first == nil {
				first = fmt.Errorf("link option %s: %v; using the default", k, err)
			}
		}
	}
	return o, first
}

// Values returns the URL options of o: every key whose value differs from
// the default, so that EmbedViewOptionsOf of a state holding them gives o
// back.
func (o EmbedViewOptions) Values() map[string]string {
	d := DefaultEmbedViewOptions()
	out := map[string]string{}
	str := func(k, v, def string) {
		if v != def {
			out[k] = v
		}
	}
	num := func(k string, v, def float64) {
		if v != def {
			out[k] = strconv.FormatFloat(v, 'g', -1, 64)
		}
	}
	str(KeyEmbedData, o.Data, d.Data)
	str(KeyEmbedLayer, o.Layer, d.Layer)
	num(KeyEmbedN, float64(o.N), float64(d.N))
	str(KeyEmbedMethod, o.Method, d.Method)
	num(KeyEmbedPerp, o.Perplexity, d.Perplexity)
	num(KeyEmbedLR, o.LR, d.LR)
	num(KeyEmbedExag, o.Exaggeration, d.Exaggeration)
	num(KeyEmbedSeed, float64(o.Seed), float64(d.Seed))
	num(KeyEmbedIters, float64(o.Iterations), float64(d.Iterations))
	str(KeyEmbedColor, o.Color, d.Color)
	str(KeyEmbedInit, o.Init, d.Init)
	return out
}

// Resolve returns o with its Layer a source of net: the default source
// when Layer is empty or names no layer of net (a link made for another
// model).
func (o EmbedViewOptions) Resolve(net *nn.Sequential) EmbedViewOptions {
	if o.Layer != PixelsSource && net.Index(o.Layer) < 0 {
		o.Layer = DefaultEmbedSource(net)
	}
	return o
}

// Embed returns the computation's options for at most limit images: the
// t-SNE defaults with o's settings, early exaggeration no longer than the
// run.
func (o EmbedViewOptions) Embed(limit int) EmbedOptions {
	t := tsne.DefaultOptions()
	t.Perplexity, t.LearningRate, t.EarlyExaggeration, t.Seed, t.MaxIter, t.Init = o.Perplexity, o.LR, o.Exaggeration, o.Seed, o.Iterations, o.Init
	t.ExaggerationIters = min(t.ExaggerationIters, o.Iterations)
	return EmbedOptions{Source: o.Layer, N: min(o.N, limit), Method: o.Method, TSNE: t}
}

// AutoLR returns the learning rate t-SNE picks when LR is 0 for n points
// (tsne's automatic rule, n / exaggeration / 4, at least 50).
func (o EmbedViewOptions) AutoLR(n int) float64 {
	return max(float64(n)/o.Exaggeration/4, 50)
}

// Nudge returns the value after multiplying (up > 0) or dividing v by
// factor, rounded to two decimals and kept in lo..hi: what the view's − and
// + buttons set.
func Nudge(v, factor, lo, hi float64, up bool) float64 {
	if up {
		return min(hi, math.Round(v*factor*100)/100)
	}
	return max(lo, math.Round(v/factor*100)/100)
}

// Colours returns the colour index (render.Categorical) of every point for
// the colouring: the class, the predicted class, or 0 for right and 3
// (red) for wrong.
func Colours(f *Features, color string) []int {
	switch color {
	case ColorPred:
		return f.Pred
	case ColorCorrect:
		out := make([]int, f.N)
		for i := range out {
			if f.Pred[i] != f.Labels[i] {
				out[i] = wrongColour
			}
		}
		return out
	}
	return f.Labels
}

// wrongColour is the Categorical index of wrongly classified points.
const wrongColour = 3

// LegendEntry is one line of a colour legend: Colour indexes
// render.Categorical.
type LegendEntry struct {
	Label  string
	Colour int
}

// Legend returns the legend of the colouring: "right" and "wrong" for
// ColorCorrect; otherwise one entry per class that occurs in the labels or
// predictions, in class order, named by classes (the model's class names)
// when it has the class, else by its number.
func Legend(f *Features, color string, classes []string) []LegendEntry {
	if color == ColorCorrect {
		return []LegendEntry{{"right", 0}, {"wrong", wrongColour}}
	}
	seen := map[int]bool{}
	for _, l := range f.Labels {
		seen[l] = true
	}
	for _, l := range f.Pred {
		seen[l] = true
	}
	var ks []int
	for k := range seen {
		if k >= 0 {
			ks = append(ks, k)
		}
	}
	sort.Ints(ks)
	out := make([]LegendEntry, len(ks))
	for i, k := range ks {
		name := strconv.Itoa(k)
		if f.Net != nil && k < len(classes) {
			name = classes[k]
		}
		out[i] = LegendEntry{name, k % 10}
	}
	return out
}

// DefaultEmbedOptions returns the computation's options for the first n
// images of source with the t-SNE defaults: the starting point of the
// cnnviz.tsne call.
func DefaultEmbedOptions(source string, n int) EmbedOptions {
	return EmbedOptions{Source: source, N: n, Method: "tsne", TSNE: tsne.DefaultOptions()}
}
