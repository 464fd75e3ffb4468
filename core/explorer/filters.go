package explorer

import (
	"fmt"
	"strconv"

	"cnnviz/core/nn"
	"cnnviz/core/render"
)

// FiltersOptions are the options of the filters view, kept in the link as
// o.inch.
type FiltersOptions struct {
	// InCh is the input-channel slice shown of every filter, or -1 for
	// all of them (one row per filter, one column per input channel).
	InCh int
}

// DefaultFiltersOptions returns the options of a fresh page.
func DefaultFiltersOptions() FiltersOptions { return FiltersOptions{InCh: -1} }

// ParseFiltersOptions reads the options of s and returns an error when
// o.inch is neither "all" nor a whole number from 0.
func ParseFiltersOptions(s State) (FiltersOptions, error) {
	v := s.Option("inch", "all")
	if v == "all" {
		return DefaultFiltersOptions(), nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return DefaultFiltersOptions(), fmt.Errorf("input channel %q is neither \"all\" nor a whole number from 0", v)
	}
	return FiltersOptions{InCh: n}, nil
}

// Store writes o into s's options, the default left out of links.
func (o FiltersOptions) Store(s *State) {
	if o.InCh < 0 {
		s.SetOption("inch", "")
		return
	}
	s.SetOption("inch", strconv.Itoa(o.InCh))
}

// Filters are the kernels of one convolution layer, as the filters view
// shows them.
type Filters struct {
	Layer        int
	Name         string
	F, C, KH, KW int          // filters, input channels, kernel size
	Weights      []float32    // [F, C, KH, KW] row-major
	Bias         []float32    // [F]
	Scale        render.Scale // symmetric: white is 0, full colour ±max |w|
	Min, Max     float64      // the weights' real range
	InCh         int          // the slice shown, -1 for all
	selected     int
}

// FiltersOf returns the kernels of layer of m, which must be a
// convolution, with the slice of the state's options (ParseFiltersOptions;
// a slice out of range, or any slice of a one-channel layer, means all).
// It panics if layer is not a convolution.
func FiltersOf(a *App, layer int) Filters {
	m := a.Current()
	conv, ok := m.Net.Layers[layer].(*nn.Conv2D)
	if !ok {
		panic(fmt.Sprintf("explorer: FiltersOf layer %d, which is a %s", layer, m.Net.Spec.Layers[layer].Kind))
	}
	ws := conv.W.Value
	f := Filters{Layer: layer, Name: m.Net.Spec.Layers[layer].Name, F: ws.Shape[0], C: ws.Shape[1], KH: ws.Shape[2], KW: ws.Shape[3],
		Weights: ws.Data, Bias: conv.B.Value.Data, Scale: render.Fit(true, ws.Data)}
	rng := render.Fit(false, ws.Data)
	f.Min, f.Max = rng.Min, rng.Max
	o, err := ParseFiltersOptions(a.State)
	f.InCh = o.InCh
	if err != nil || f.InCh >= f.C || f.C == 1 {
		f.InCh = -1
	}
	f.selected = 0
	if a.State.Layer == f.Name && a.State.Channel >= 0 && a.State.Channel < f.F {
		f.selected = a.State.Channel
	}
	return f
}

// Selected returns the filter the view shows large: the state's channel
// when the state's layer is this one, else 0.
func (f Filters) Selected() int { return f.selected }

// Kernel returns the KH×KW weights of filter i for input channel c.
func (f Filters) Kernel(i, c int) []float32 {
	k := f.KH * f.KW
	return f.Weights[(i*f.C+c)*k : (i*f.C+c+1)*k]
}

// Tiles returns the kernels the grid shows, in order: slice InCh of every
// filter, or, for all slices, every filter's slices one after another
// (row i of the grid is filter i).
func (f Filters) Tiles() [][]float32 {
	var out [][]float32
	for i := range f.F {
		if f.InCh >= 0 {
			out = append(out, f.Kernel(i, f.InCh))
			continue
		}
		for c := range f.C {
			out = append(out, f.Kernel(i, c))
		}
	}
	return out
}

// Square reports whether the grid is square with one tile per filter (a
// one-channel layer, or one slice shown), rather than one row per filter.
func (f Filters) Square() bool { return f.C == 1 || f.InCh >= 0 }

// GridSize returns the columns and rows of the grid of Tiles.
func (f Filters) GridSize() (cols, rows int) {
	if !f.Square() {
		return f.C, f.F
	}
	for cols*cols < f.F {
		cols++
	}
	return cols, (f.F + cols - 1) / cols
}
