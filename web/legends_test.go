//go:build browser

package web

// Browser test of the views' legends (issue 13, item 6): the layers view's
// colour key, always shown, holds the colormaps' end colours; the output
// layer's units carry the class names; the stats chart names its layers
// under the axis; the filters grid labels its rows and columns.

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// label is one entry of featuresPerf's label lists.
type label struct {
	Text string    `json:"text"`
	Rect []float64 `json:"rect"`
}

// legends is the part of cnnviz.featuresPerf() about legends.
type legends struct {
	Legend       []float64              `json:"legend"`
	Classes      []label                `json:"classes"`
	StatsAxis    []label                `json:"statsAxis"`
	FilterLabels []label                `json:"filterLabels"`
	Tiles        map[string][][]float64 `json:"tiles"`
}

// cssRect converts a CSS-pixel rectangle to screenshot pixels.
func cssRect(r []float64, dpr float64) image.Rectangle {
	return image.Rect(int(r[0]*dpr), int(r[1]*dpr), int(r[2]*dpr+0.999), int(r[3]*dpr+0.999))
}

// hasText reports whether some pixel of img inside r is as bright as
// text (every channel at least 0x90) on the page's dark panels.
func hasText(img image.Image, r image.Rectangle) bool {
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			pr, pg, pb, _ := img.At(x, y).RGBA()
			if min(pr, pg, pb)>>8 >= 0x90 {
				return true
			}
		}
	}
	return false
}

// hasColour reports whether some pixel of img inside r is within 12 of c
// in every channel.
func hasColour(img image.Image, r image.Rectangle, c color.RGBA) bool {
	near := func(a uint32, b uint8) bool { d := int(a>>8) - int(b); return d >= -12 && d <= 12 }
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			pr, pg, pb, _ := img.At(x, y).RGBA()
			if near(pr, c.R) && near(pg, c.G) && near(pb, c.B) {
				return true
			}
		}
	}
	return false
}

// panelColour is the background of the panels (colPanel in wasm/ui.go).
var panelColour = color.RGBA{0x1e, 0x29, 0x3b, 0xff}

// hasInk reports whether some pixel of img inside r is text of colour fg
// on bg: a blend of the two with at least 40 % of fg. Small glyphs (a
// "1" at 9.5 px) are anti-aliased so that no pixel may reach fg itself.
func hasInk(img image.Image, r image.Rectangle, bg, fg color.RGBA) bool {
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			pr, pg, pb, _ := img.At(x, y).RGBA()
			var as []float64
			for _, ch := range [][3]float64{{float64(pr >> 8), float64(bg.R), float64(fg.R)},
				{float64(pg >> 8), float64(bg.G), float64(fg.G)}, {float64(pb >> 8), float64(bg.B), float64(fg.B)}} {
				as = append(as, (ch[0]-ch[1])/(ch[2]-ch[1]))
			}
			lo, hi := min(as[0], as[1], as[2]), max(as[0], as[1], as[2])
			if lo >= 0.4 && hi-lo <= 0.15 {
				return true
			}
		}
	}
	return false
}

// Colours the legends must show: the ends of viridis, grey and the
// diverging map (core/render).
var (
	viridisLow  = color.RGBA{0x44, 0x01, 0x54, 0xff}
	viridisHigh = color.RGBA{0xfd, 0xe7, 0x25, 0xff}
	divLow      = color.RGBA{0x21, 0x66, 0xac, 0xff}
	divHigh     = color.RGBA{0xb2, 0x18, 0x2b, 0xff}
	black       = color.RGBA{0, 0, 0, 0xff}
	white       = color.RGBA{0xff, 0xff, 0xff, 0xff}
)

func legendsOf(t *testing.T, ctx context.Context) legends {
	t.Helper()
	return evalJS[legends](t, ctx, `cnnviz.featuresPerf()`)
}

// settle waits a few frames, then until the page says its screen shows the
// current state (state().perf.drawn; up to ten seconds): the page paces
// its redraws while steppers run, so a change may take several frames to
// be drawn.
func settle(t *testing.T, ctx context.Context) {
	t.Helper()
	frames(t, ctx, 4)
	deadline := time.Now().Add(10 * time.Second)
	for !evalJS[bool](t, ctx, `cnnviz.state().then(s => s.perf.drawn)`) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	frames(t, ctx, 2)
}

func TestLegends(t *testing.T) {
	ctx := openPage(t, "#view=layers&in=t7")
	waitApp(t, ctx)
	settle(t, ctx)
	dpr := evalJS[float64](t, ctx, `devicePixelRatio`)

	// The colour key shows without hovering or pinning anything.
	l := legendsOf(t, ctx)
	if len(l.Legend) != 4 {
		t.Fatalf("featuresPerf().legend = %v, want a rectangle", l.Legend)
	}
	img := screenshot(t, ctx, "legend-layers")
	key := cssRect(l.Legend, dpr)
	for _, c := range []color.RGBA{viridisLow, viridisHigh, divLow, divHigh} {
		if !hasColour(img, key, c) {
			t.Errorf("the colour key at %v has no pixel of colour %v", key, c)
		}
	}
	// The class names sit under the output's units, in class order.
	var names []string
	for _, c := range l.Classes {
		names = append(names, c.Text)
	}
	if want := []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}; !slices.Equal(names, want) {
		t.Fatalf("class labels = %v, want %v", names, want)
	}
	fc := l.Tiles["fc"]
	for i, tile := range fc {
		r := l.Classes[i].Rect
		if cx := (r[0] + r[2]) / 2; cx < tile[0]-1 || cx > tile[2]+1 || r[1] < tile[3]-1 {
			t.Errorf("class label %s at %v is not under its unit at %v", l.Classes[i].Text, r, tile)
		}
		if !hasText(img, cssRect(r, dpr)) {
			t.Errorf("class label %s: no text-coloured pixel in %v", l.Classes[i].Text, r)
		}
	}
	// The key follows the colormap option.
	evalJS[chromedp.Void](t, ctx, `cnnviz.setState({options: {cmap: "grey"}}).then(() => undefined)`)
	settle(t, ctx)
	img = screenshot(t, ctx, "legend-layers-grey")
	for _, c := range []color.RGBA{black, white, divLow, divHigh} {
		if !hasColour(img, key, c) {
			t.Errorf("the grey colour key at %v has no pixel of colour %v", key, c)
		}
	}
	if hasColour(img, key, viridisHigh) {
		t.Errorf("the grey colour key at %v still shows viridis' yellow", key)
	}

	// Stats: the layers after a ReLU are named under the chart, left to right.
	evalJS[chromedp.Void](t, ctx, `cnnviz.setState({view: "stats"}).then(() => undefined)`)
	settle(t, ctx)
	l = legendsOf(t, ctx)
	img = screenshot(t, ctx, "legend-stats")
	names = names[:0]
	for i, a := range l.StatsAxis {
		names = append(names, a.Text)
		if i > 0 && a.Rect[0]+a.Rect[2] <= l.StatsAxis[i-1].Rect[0]+l.StatsAxis[i-1].Rect[2] {
			t.Errorf("stats axis name %s at %v is not right of %s", a.Text, a.Rect, l.StatsAxis[i-1].Text)
		}
		if !hasText(img, cssRect(a.Rect, dpr)) {
			t.Errorf("stats axis name %s: no text-coloured pixel in %v", a.Text, a.Rect)
		}
	}
	if want := []string{"relu1", "pool1", "relu2", "pool2", "relu3", "relu4", "gap"}; !slices.Equal(names, want) {
		t.Errorf("stats axis names = %v, want %v", names, want)
	}

	// Filters of conv2: 32 rows (filters) and 16 columns (input channels),
	// labelled from 0, rows going down and columns going right.
	evalJS[chromedp.Void](t, ctx, `cnnviz.setState({view: "filters", layer: "conv2"}).then(() => undefined)`)
	settle(t, ctx)
	l = legendsOf(t, ctx)
	img = screenshot(t, ctx, "legend-filters")
	var rows, cols []label
	var lastRow, lastCol int
	for _, f := range l.FilterLabels {
		if _, err := fmt.Sscanf(f.Text, "row %d", &lastRow); err == nil {
			rows = append(rows, f)
		} else if _, err := fmt.Sscanf(f.Text, "column %d", &lastCol); err == nil {
			cols = append(cols, f)
		}
		if !hasInk(img, cssRect(f.Rect, dpr), panelColour, color.RGBA{0x94, 0xa3, 0xb8, 0xff}) {
			t.Errorf("filter label %q: nothing written in %v", f.Text, f.Rect)
		}
	}
	if lastRow < 16 || lastRow > 31 || lastCol < 8 || lastCol > 15 {
		t.Errorf("last filter labels: row %d, column %d; want rows up to 16..31 and columns up to 8..15", lastRow, lastCol)
	}
	if len(rows) < 4 || rows[0].Text != "row 0" || len(cols) < 4 || cols[0].Text != "column 0" {
		t.Fatalf("filter labels: %d rows from %v, %d columns from %v; want both from 0", len(rows), rows, len(cols), cols)
	}
	for i := 1; i < len(rows); i++ {
		if rows[i].Rect[1] <= rows[i-1].Rect[1] {
			t.Errorf("row label %s at %v is not below %s", rows[i].Text, rows[i].Rect, rows[i-1].Text)
		}
	}
	for i := 1; i < len(cols); i++ {
		if cols[i].Rect[0] <= cols[i-1].Rect[0] {
			t.Errorf("column label %s at %v is not right of %s", cols[i].Text, cols[i].Rect, cols[i-1].Text)
		}
	}
	noConsoleErrors(t, ctx)
}
