package explorer

import (
	"strings"
	"testing"

	"cnnviz/core/nn"
)

func TestFiltersOptions(t *testing.T) {
	for _, o := range []FiltersOptions{DefaultFiltersOptions(), {InCh: 0}, {InCh: 12}} {
		got, err := ParseFiltersOptions(roundTrip(t, o.Store))
		if err != nil || got != o {
			t.Errorf("ParseFiltersOptions(round trip of %+v) = %+v, %v", o, got, err)
		}
	}
	for _, v := range []string{"some", "-1", "1.5"} {
		s := Default()
		s.SetOption("inch", v)
		if _, err := ParseFiltersOptions(s); err == nil || !strings.Contains(err.Error(), `input channel "`+v+`"`) {
			t.Errorf("ParseFiltersOptions(inch=%s) = %v, want an error naming it", v, err)
		}
	}
}

func TestFilters(t *testing.T) {
	a := newApp(t)
	net := a.Current().Net
	for _, tc := range []struct {
		layer            string
		ch               int
		inch             string
		wantIC, sel      int
		square           bool
		cols, rows, nTil int
	}{
		{"conv1", 5, "", -1, 5, true, 4, 4, 16},       // 16 filters of one channel
		{"conv1", 5, "0", -1, 5, true, 4, 4, 16},      // a one-channel layer has no slices
		{"conv2", 7, "", -1, 7, false, 16, 32, 512},   // 32 filters × 16 channels
		{"conv2", 40, "3", 3, 0, true, 6, 6, 32},      // one slice; channel out of range
		{"conv2", 1, "16", -1, 1, false, 16, 32, 512}, // slice out of range: all
	} {
		a.SetChannel(tc.layer, tc.ch)
		a.SetOption("inch", tc.inch)
		li := net.Index(tc.layer)
		f := FiltersOf(a, li)
		cols, rows := f.GridSize()
		tiles := f.Tiles()
		if f.InCh != tc.wantIC || f.Selected() != tc.sel || f.Square() != tc.square || cols != tc.cols || rows != tc.rows || len(tiles) != tc.nTil {
			t.Errorf("FiltersOf(%s, ch %d, inch %q): slice %d, selected %d, square %v, %d×%d grid, %d tiles; want %d, %d, %v, %d×%d, %d",
				tc.layer, tc.ch, tc.inch, f.InCh, f.Selected(), f.Square(), cols, rows, len(tiles), tc.wantIC, tc.sel, tc.square, tc.cols, tc.rows, tc.nTil)
			continue
		}
		// Every tile holds the weights of its filter and channel, indexed
		// here from the [F, C, KH, KW] shape.
		w := net.Layers[li].(*nn.Conv2D).W.Value
		for i, tile := range tiles {
			fi, c := i/f.C, i%f.C
			if f.InCh >= 0 {
				fi, c = i, f.InCh
			}
			for y := range f.KH {
				for x := range f.KW {
					if got, want := tile[y*f.KW+x], w.Data[((fi*w.Shape[1]+c)*w.Shape[2]+y)*w.Shape[3]+x]; got != want {
						t.Fatalf("%s tile %d at (%d, %d) = %v, want W[%d, %d, %d, %d] = %v", tc.layer, i, y, x, got, fi, c, y, x, want)
					}
				}
			}
		}
		if f.Scale.Max < max(-f.Min, f.Max) || !f.Scale.Signed {
			t.Errorf("FiltersOf(%s).Scale = %+v, want symmetric over %v..%v", tc.layer, f.Scale, f.Min, f.Max)
		}
	}
}
