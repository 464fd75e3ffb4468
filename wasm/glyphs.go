//go:build js && wasm

package main

import (
	"image"
	"image/color"
	"math"

	"github.com/hajimehoshi/ebiten/v2"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// face is the Go Regular typeface at one pixel size. Each glyph is
// rasterized once by golang.org/x/image's OpenType rasterizer, at four
// horizontal quarter-pixel phases, into a small white ebiten image (ebiten
// packs those into atlases), and drawn scaled by the text's colour. The
// page's labels are left-to-right Latin text with kerning and nothing
// else; ebiten's own text package would add a shaping engine that the
// download pays for (about 0.13 MB with Brotli).
type face struct {
	xf              font.Face
	ascent, descent float64 // pixels above and below the baseline
	glyphs          map[glyphKey]*glyph
	runes           map[rune]runeMetric
}

// runeMetric is what a rune is drawn as (itself, or '?' when the typeface
// lacks it) and that glyph's advance, looked up once per rune: the
// rasterizer's lookup parses the font's tables each time, and labels are
// measured and drawn every frame.
type runeMetric struct {
	r       rune
	advance fixed.Int26_6
}

// subpixels is how many horizontal phases a glyph is rasterized at.
const subpixels = 4

type glyphKey struct {
	r     rune
	phase uint8 // pen position's fraction of a pixel, in 1/subpixels
}

// glyph is a rasterized glyph: img (nil when it has no ink, as a space)
// goes with its top-left corner at the pen's whole-pixel position plus
// off.
type glyph struct {
	img *ebiten.Image
	off image.Point
}

func newFace(src *opentype.Font, px float64) (*face, error) {
	xf, err := opentype.NewFace(src, &opentype.FaceOptions{Size: px, DPI: 72})
	if err != nil {
		return nil, err
	}
	m := xf.Metrics()
	return &face{xf: xf, ascent: toFloat(m.Ascent), descent: toFloat(m.Descent), glyphs: map[glyphKey]*glyph{}, runes: map[rune]runeMetric{}}, nil
}

func toFloat(x fixed.Int26_6) float64 { return float64(x) / 64 }

// height is the height of a line box without leading.
func (f *face) height() float64 { return f.ascent + f.descent }

// metric returns how r is drawn, from the cache or looked up now.
func (f *face) metric(r rune) runeMetric {
	if m, ok := f.runes[r]; ok {
		return m
	}
	m := runeMetric{r: r}
	a, ok := f.xf.GlyphAdvance(r)
	if !ok {
		m.r = '?'
		a, _ = f.xf.GlyphAdvance('?')
	}
	m.advance = a
	f.runes[r] = m
	return m
}

// advance returns the width of s in pixels: the glyphs' advances and the
// kerning between them.
func (f *face) advance(s string) float64 {
	var x fixed.Int26_6
	prev := rune(-1)
	for _, r := range s {
		m := f.metric(r)
		if prev >= 0 {
			x += f.xf.Kern(prev, m.r)
		}
		x += m.advance
		prev = m.r
	}
	return toFloat(x)
}

// draw draws s in colour c with the top of its line box at (x, y) and
// returns its width in pixels.
func (f *face) draw(dst *ebiten.Image, s string, x, y float64, c color.Color) float64 {
	baseline := int(math.Floor(y + f.ascent))
	px := fixed.Int26_6(math.Round(x * 64))
	op := &ebiten.DrawImageOptions{}
	op.ColorScale.ScaleWithColor(c)
	start := px
	prev := rune(-1)
	for _, r := range s {
		m := f.metric(r)
		if prev >= 0 {
			px += f.xf.Kern(prev, m.r)
		}
		phase := uint8((px & 63) * subpixels / 64)
		if g := f.glyph(m.r, phase); g.img != nil {
			op.GeoM.Reset()
			op.GeoM.Translate(float64(px.Floor()+g.off.X), float64(baseline+g.off.Y))
			dst.DrawImage(g.img, op)
		}
		px += m.advance
		prev = m.r
	}
	return toFloat(px - start)
}

// glyph returns r rasterized with the pen phase/subpixels of a pixel to
// the right of a whole pixel, from the cache or made now.
func (f *face) glyph(r rune, phase uint8) *glyph {
	k := glyphKey{r, phase}
	if g, ok := f.glyphs[k]; ok {
		return g
	}
	dot := fixed.Point26_6{X: fixed.Int26_6(phase) * 64 / subpixels}
	dr, mask, mp, _, ok := f.xf.Glyph(dot, r)
	g := &glyph{}
	if ok && !dr.Empty() {
		// The mask belongs to the face and is reused by its next
		// call: copy it now, as white with its coverage as alpha
		// (premultiplied).
		rgba := image.NewRGBA(image.Rect(0, 0, dr.Dx(), dr.Dy()))
		for yy := 0; yy < dr.Dy(); yy++ {
			for xx := 0; xx < dr.Dx(); xx++ {
				_, _, _, a := mask.At(mp.X+xx, mp.Y+yy).RGBA()
				i := rgba.PixOffset(xx, yy)
				v := uint8(a >> 8)
				rgba.Pix[i], rgba.Pix[i+1], rgba.Pix[i+2], rgba.Pix[i+3] = v, v, v, v
			}
		}
		g.img = ebiten.NewImageFromImage(rgba)
		g.off = dr.Min
	}
	f.glyphs[k] = g
	return g
}
