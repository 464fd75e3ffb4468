package render

import (
	"fmt"
	"image"
	"image/color"
	"math"
)

// Bars draws a horizontal bar chart of values in [0, 1] (class
// probabilities): one row per value with its label on the left, a bar of
// length value·barLen, and the value printed after the bar. Bar highlight
// (the predicted or chosen class; −1 for none) is drawn in orange, the others
// in blue. Values outside [0, 1] are clamped for the bar but printed as they
// are. It panics if labels and values differ in length or barLen < 1.
func Bars(values []float64, labels []string, highlight, barLen int) *image.RGBA {
	if len(labels) != len(values) || barLen < 1 {
		panic(fmt.Sprintf("render: Bars of %d values with %d labels and bar length %d", len(values), len(labels), barLen))
	}
	const pad, rowH = 2, GlyphH + 4
	lw := 0
	for _, l := range labels {
		lw = max(lw, TextWidth(l, 1))
	}
	vw := TextWidth("0.000", 1)
	img := newImage(pad+lw+pad+barLen+pad+vw+pad, pad+len(values)*rowH, Background)
	x0 := pad + lw + pad
	for i, v := range values {
		y := pad + i*rowH
		Text(img, pad+lw-TextWidth(labels[i], 1), y+2, labels[i], Ink, 1)
		fillRect(img, image.Rect(x0, y+1, x0+barLen, y+rowH-1), color.RGBA{235, 235, 235, 255})
		c := Categorical[0]
		if i == highlight {
			c = Categorical[1]
		}
		n := int(math.Round(math.Max(0, math.Min(1, v)) * float64(barLen)))
		fillRect(img, image.Rect(x0, y+1, x0+n, y+rowH-1), c)
		Text(img, x0+barLen+pad, y+2, fmt.Sprintf("%.3f", v), Ink, 1)
	}
	return img
}

// HistogramCounts counts values into bins equal bins over [lo, hi]: bin i
// holds lo + i·d ≤ v < lo + (i+1)·d with d = (hi−lo)/bins, and the last bin
// also holds v = hi. Values outside [lo, hi] and NaN are not counted. When
// hi == lo every value equal to lo goes into bin 0. It panics if bins < 1
// or hi < lo.
func HistogramCounts(values []float32, bins int, lo, hi float64) []int {
	if bins < 1 || !(hi >= lo) {
		panic(fmt.Sprintf("render: HistogramCounts with %d bins over [%v, %v]", bins, lo, hi))
	}
	counts := make([]int, bins)
	for _, v := range values {
		f := float64(v)
		if !(f >= lo && f <= hi) {
			continue
		}
		i := 0
		if hi > lo {
			i = min(int((f-lo)/(hi-lo)*float64(bins)), bins-1)
		}
		counts[i]++
	}
	return counts
}

// Histogram draws the distribution of values in bins equal bins between
// their smallest and largest finite value, in a width×height image: one
// bar per bin scaled to the largest count, with the range written under
// the axis and the largest count above it. It panics if bins < 1 or the
// image is too small to hold the axes (width or height below 40).
func Histogram(values []float32, bins, width, height int) *image.RGBA {
	if bins < 1 || width < 40 || height < 40 {
		panic(fmt.Sprintf("render: Histogram with %d bins in %d×%d", bins, width, height))
	}
	s := Fit(false, values)
	counts := HistogramCounts(values, bins, s.Min, s.Max)
	most := 0
	for _, c := range counts {
		most = max(most, c)
	}
	img := newImage(width, height, Background)
	f := newFrame(img, 0)
	Text(img, f.plot.Min.X, 1, "N="+itoa(most), Ink, 1)
	pw, ph := f.plot.Dx(), f.plot.Dy()
	for i, c := range counts {
		x0 := f.plot.Min.X + i*pw/bins
		x1 := f.plot.Min.X + (i+1)*pw/bins
		if x1-x0 > 2 {
			x1-- // a one-pixel gap between wide bars
		}
		n := 0
		if most > 0 {
			n = int(math.Round(float64(c) / float64(most) * float64(ph)))
		}
		fillRect(img, image.Rect(x0, f.plot.Max.Y-n, x1, f.plot.Max.Y), Categorical[0])
	}
	f.axes(img)
	f.xLabels(img, s.Min, s.Max)
	return img
}

// frame is a plotting area inside an image with room for axis labels.
type frame struct{ plot image.Rectangle }

// newFrame leaves left pixels for y labels, a line of text above and below.
func newFrame(img *image.RGBA, left int) frame { return frame{plotIn(img.Bounds(), left)} }

// plotIn is the plotting area of a frame in b.
func plotIn(b image.Rectangle, left int) image.Rectangle {
	return image.Rect(b.Min.X+left+4, b.Min.Y+GlyphH+4, b.Max.X-4, b.Max.Y-GlyphH-5)
}

func (f frame) axes(img *image.RGBA) {
	p := f.plot
	line(img, p.Min.X-1, p.Min.Y, p.Min.X-1, p.Max.Y, Ink)
	line(img, p.Min.X-1, p.Max.Y, p.Max.X-1, p.Max.Y, Ink)
}

// xLabels writes lo under the left end of the axis and hi under the right.
func (f frame) xLabels(img *image.RGBA, lo, hi float64) {
	y := f.plot.Max.Y + 3
	Text(img, f.plot.Min.X, y, FormatNumber(lo), Ink, 1)
	h := FormatNumber(hi)
	Text(img, f.plot.Max.X-TextWidth(h, 1), y, h, Ink, 1)
}

// Series is one curve of a LineChart. X may be nil, meaning 0, 1, 2, …;
// otherwise it has Y's length. Points with a NaN coordinate break the line.
type Series struct {
	Label string
	X, Y  []float64
	Color color.RGBA
}

// LineChart draws series as lines in a width×height image with shared axes
// spanning all finite points; the y range is written at the left, the x
// range below, and each series' label in its colour at the top right. Points
// are marked with small discs when a series has at most 32 of them. A y
// range of zero width is widened by 1 on either side. It panics if the image
// is smaller than 60×40 or a series has len(X) ≠ len(Y).
func LineChart(width, height int, series ...Series) *image.RGBA {
	ax := LineChartAxes(width, height, series...)
	img := newImage(width, height, Background)
	f := frame{ax.Plot}
	p := f.plot
	f.axes(img)
	Text(img, 2, p.Min.Y, FormatNumber(ax.YHi), Ink, 1)
	Text(img, 2, p.Max.Y-GlyphH, FormatNumber(ax.YLo), Ink, 1)
	f.xLabels(img, ax.XLo, ax.XHi)
	px := func(x, y float64) (int, int) { return ax.PX(x), ax.PY(y) }
	lx := p.Max.X
	for _, s := range series {
		ok := false
		var x0, y0 int
		for i, y := range s.Y {
			x := s.x(i)
			if !finite(x) || !finite(y) {
				ok = false
				continue
			}
			x1, y1 := px(x, y)
			if ok {
				line(img, x0, y0, x1, y1, s.Color)
			}
			if len(s.Y) <= 32 {
				disc(img, x1, y1, 1, s.Color)
			}
			x0, y0, ok = x1, y1, true
		}
		lx -= TextWidth(s.Label, 1)
		Text(img, lx, 1, s.Label, s.Color, 1)
		lx -= 6
	}
	return img
}

func (s Series) x(i int) float64 {
	if s.X == nil {
		return float64(i)
	}
	return s.X[i]
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// Box is a rectangle of data coordinates, [X0, X1] × [Y0, Y1].
type Box struct{ X0, Y0, X1, Y1 float64 }

// FitBox returns the smallest box holding every finite point of xy
// (n×2, x then y), widened by 1 on each side of an axis with zero width.
func FitBox(xy []float32) Box {
	b := Box{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
	for i := 0; i+1 < len(xy); i += 2 {
		x, y := float64(xy[i]), float64(xy[i+1])
		if finite(x) && finite(y) {
			b.X0, b.X1 = math.Min(b.X0, x), math.Max(b.X1, x)
			b.Y0, b.Y1 = math.Min(b.Y0, y), math.Max(b.Y1, y)
		}
	}
	if b.X0 > b.X1 {
		return Box{-1, -1, 1, 1}
	}
	if b.X0 == b.X1 {
		b.X0, b.X1 = b.X0-1, b.X1+1
	}
	if b.Y0 == b.Y1 {
		b.Y0, b.Y1 = b.Y0-1, b.Y1+1
	}
	return b
}

// ScatterOptions sets the picture of a Scatter: its size, the disc radius,
// a margin kept free around the points, and the data box mapped to the
// area inside the margin (the zero Box means FitBox of the points; give a
// fixed box to keep an animation from jumping).
type ScatterOptions struct {
	Width, Height  int
	Radius, Margin int
	Box            Box
}

// Project returns the pixel of data point (x, y): the box's X0 at the left
// margin, X1 at the right, Y0 at the bottom and Y1 at the top.
func (o ScatterOptions) Project(b Box, x, y float64) image.Point {
	w := float64(o.Width - 2*o.Margin - 1)
	h := float64(o.Height - 2*o.Margin - 1)
	return image.Point{
		o.Margin + int(math.Round((x-b.X0)/(b.X1-b.X0)*w)),
		o.Height - 1 - o.Margin - int(math.Round((y-b.Y0)/(b.Y1-b.Y0)*h)),
	}
}

// Scatter draws the points xy (n×2: x then y) as discs coloured by label
// from Categorical (label i uses Categorical[i%10]; a negative label is drawn
// grey), in the order given, so later points cover earlier ones. Points with
// NaN or infinite coordinates are skipped. It panics if len(xy) ≠ 2·len(labels)
// or the image is smaller than twice the margin plus 2.
func Scatter(xy []float32, labels []int, o ScatterOptions) *image.RGBA {
	if len(xy) != 2*len(labels) || o.Width < 2*o.Margin+2 || o.Height < 2*o.Margin+2 || o.Radius < 0 || o.Margin < 0 {
		panic(fmt.Sprintf("render: Scatter of %d coordinates, %d labels in %+v", len(xy), len(labels), o))
	}
	b := o.Box
	if b == (Box{}) {
		b = FitBox(xy)
	}
	img := newImage(o.Width, o.Height, Background)
	for i, l := range labels {
		x, y := float64(xy[2*i]), float64(xy[2*i+1])
		if !finite(x) || !finite(y) {
			continue
		}
		c := color.RGBA{128, 128, 128, 255}
		if l >= 0 {
			c = Categorical[l%10]
		}
		p := o.Project(b, x, y)
		disc(img, p.X, p.Y, o.Radius, c)
	}
	return img
}

// ChartAxes is where LineChart puts its plot and the ranges it spans, so
// that a caller can write its own labels beside the chart.
type ChartAxes struct {
	Plot               image.Rectangle
	XLo, XHi, YLo, YHi float64
}

// LineChartAxes returns the axes LineChart(width, height, series...)
// draws, with the same panics.
func LineChartAxes(width, height int, series ...Series) ChartAxes {
	if width < 60 || height < 40 {
		panic(fmt.Sprintf("render: LineChart of %d×%d", width, height))
	}
	xlo, xhi, ylo, yhi := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, s := range series {
		if s.X != nil && len(s.X) != len(s.Y) {
			panic(fmt.Sprintf("render: LineChart series %q has %d x and %d y values", s.Label, len(s.X), len(s.Y)))
		}
		for i, y := range s.Y {
			x := s.x(i)
			if finite(x) && finite(y) {
				xlo, xhi = math.Min(xlo, x), math.Max(xhi, x)
				ylo, yhi = math.Min(ylo, y), math.Max(yhi, y)
			}
		}
	}
	if xlo > xhi {
		xlo, xhi, ylo, yhi = 0, 1, 0, 1
	}
	if yhi == ylo {
		ylo, yhi = ylo-1, yhi+1
	}
	left := max(TextWidth(FormatNumber(yhi), 1), TextWidth(FormatNumber(ylo), 1)) + 2
	return ChartAxes{Plot: plotIn(image.Rect(0, 0, width, height), left), XLo: xlo, XHi: xhi, YLo: ylo, YHi: yhi}
}

// PX returns the column of the chart at which x is plotted.
func (a ChartAxes) PX(x float64) int {
	u := 0.0
	if a.XHi > a.XLo {
		u = (x - a.XLo) / (a.XHi - a.XLo)
	}
	return a.Plot.Min.X + int(math.Round(u*float64(a.Plot.Dx()-1)))
}

// PY returns the row of the chart at which y is plotted.
func (a ChartAxes) PY(y float64) int {
	v := (y - a.YLo) / (a.YHi - a.YLo)
	return a.Plot.Max.Y - 1 - int(math.Round(v*float64(a.Plot.Dy()-1)))
}
