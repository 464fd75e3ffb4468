package render

import (
	"fmt"
	"image"
	"image/color"
)

// Heatmap draws an h×w map (row-major data) as an image of (w·cell)×(h·cell)
// pixels: each value becomes a cell×cell square of cmap.At(scale.T(v))
// (nearest-neighbour upscaling, so every square is one value). It panics if
// len(data) != h·w or cell < 1.
func Heatmap(data []float32, h, w int, scale Scale, cmap Colormap, cell int) *image.RGBA {
	checkMap("Heatmap", data, h, w, cell)
	img := image.NewRGBA(image.Rect(0, 0, w*cell, h*cell))
	paintMap(img, image.Point{}, data, h, w, scale, cmap, cell)
	return img
}

func checkMap(fn string, data []float32, h, w, cell int) {
	if h < 0 || w < 0 || len(data) != h*w || cell < 1 {
		panic(fmt.Sprintf("render: %s of %d values as %d×%d with cell %d", fn, len(data), h, w, cell))
	}
}

// paintMap draws data into img with its top-left corner at at.
func paintMap(img *image.RGBA, at image.Point, data []float32, h, w int, scale Scale, cmap Colormap, cell int) {
	for y := range h {
		for x := range w {
			c := cmap.At(scale.T(float64(data[y*w+x])))
			fillRect(img, image.Rect(at.X+x*cell, at.Y+y*cell, at.X+(x+1)*cell, at.Y+(y+1)*cell), c)
		}
	}
}

// GridLayout places n tiles of (w·Cell)×(h·Cell) pixels in rows of Cols
// tiles with Gap pixels between tiles and around the edge.
type GridLayout struct {
	N, H, W   int // number of tiles and each map's size
	Cols      int
	Cell, Gap int
}

// Layout returns the grid layout for n maps of h×w in cols columns (0 picks
// a near-square number of columns). It panics if cell < 1 or gap < 0.
func Layout(n, h, w, cols, cell, gap int) GridLayout {
	if cell < 1 || gap < 0 || n < 0 || h < 0 || w < 0 || cols < 0 {
		panic(fmt.Sprintf("render: grid of %d maps %d×%d, %d columns, cell %d, gap %d", n, h, w, cols, cell, gap))
	}
	if cols == 0 {
		for cols*cols < n {
			cols++
		}
	}
	cols = max(1, min(cols, n))
	return GridLayout{N: n, H: h, W: w, Cols: cols, Cell: cell, Gap: gap}
}

// Rows returns the number of rows of tiles.
func (g GridLayout) Rows() int { return (g.N + g.Cols - 1) / g.Cols }

// Size returns the width and height of the whole grid image.
func (g GridLayout) Size() (w, h int) {
	return g.Gap + g.Cols*(g.W*g.Cell+g.Gap), g.Gap + g.Rows()*(g.H*g.Cell+g.Gap)
}

// Tile returns the pixel rectangle of tile i.
func (g GridLayout) Tile(i int) image.Rectangle {
	r, c := i/g.Cols, i%g.Cols
	x := g.Gap + c*(g.W*g.Cell+g.Gap)
	y := g.Gap + r*(g.H*g.Cell+g.Gap)
	return image.Rect(x, y, x+g.W*g.Cell, y+g.H*g.Cell)
}

// At returns the tile and the map position (row y, column x) under pixel
// p, or ok = false when p is in a gap or outside the grid. The shell uses it
// to turn a click into (channel, y, x).
func (g GridLayout) At(p image.Point) (tile, y, x int, ok bool) {
	sw, sh := g.W*g.Cell+g.Gap, g.H*g.Cell+g.Gap
	px, py := p.X-g.Gap, p.Y-g.Gap
	if px < 0 || py < 0 || sw <= 0 || sh <= 0 {
		return 0, 0, 0, false
	}
	c, r := px/sw, py/sh
	ix, iy := px%sw, py%sh
	if c >= g.Cols || ix >= g.W*g.Cell || iy >= g.H*g.Cell {
		return 0, 0, 0, false
	}
	tile = r*g.Cols + c
	if tile >= g.N {
		return 0, 0, 0, false
	}
	return tile, iy / g.Cell, ix / g.Cell, true
}

// Grid draws maps (each h×w, row-major) as tiles of lay on a background of
// bg. scales holds one scale per map, or a single scale shared by all tiles.
// It panics if a map has the wrong length, lay does not match, or the
// number of scales is neither 1 nor len(maps).
func Grid(maps [][]float32, lay GridLayout, scales []Scale, cmap Colormap, bg color.RGBA) *image.RGBA {
	if lay.N != len(maps) || (len(scales) != 1 && len(scales) != len(maps)) {
		panic(fmt.Sprintf("render: Grid of %d maps with a layout for %d and %d scales", len(maps), lay.N, len(scales)))
	}
	w, h := lay.Size()
	img := newImage(w, h, bg)
	for i, m := range maps {
		checkMap("Grid", m, lay.H, lay.W, lay.Cell)
		s := scales[0]
		if len(scales) > 1 {
			s = scales[i]
		}
		paintMap(img, lay.Tile(i).Min, m, lay.H, lay.W, s, cmap, lay.Cell)
	}
	return img
}

// Channels splits a [C, H·W] feature map into C slices sharing data's
// memory, ready for Grid. It panics if len(data) is not c·hw.
func Channels(data []float32, c, hw int) [][]float32 {
	if c < 0 || hw < 0 || len(data) != c*hw {
		panic(fmt.Sprintf("render: Channels of %d values as %d×%d", len(data), c, hw))
	}
	out := make([][]float32, c)
	for i := range out {
		out[i] = data[i*hw : (i+1)*hw : (i+1)*hw]
	}
	return out
}
