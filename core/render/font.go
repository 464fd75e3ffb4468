package render

import (
	"image"
	"image/color"
	"strconv"
	"strings"
)

// GlyphW and GlyphH are the size of a character of the built-in font at
// scale 1; characters advance by GlyphW+1 pixels.
const (
	GlyphW = 5
	GlyphH = 7
)

// glyphs is a 5×7 bitmap font: seven rows of five columns per character,
// '#' for ink. Lower-case letters other than 'e' are drawn with the
// upper-case glyphs.
var glyphs = map[rune]string{
	'0': ".###. #...# #..## #.#.# ##..# #...# .###.",
	'1': "..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###.",
	'2': ".###. #...# ....# ...#. ..#.. .#... #####",
	'3': "####. ....# ....# .###. ....# ....# ####.",
	'4': "...#. ..##. .#.#. #..#. ##### ...#. ...#.",
	'5': "##### #.... ####. ....# ....# #...# .###.",
	'6': "..##. .#... #.... ####. #...# #...# .###.",
	'7': "##### ....# ...#. ..#.. .#... .#... .#...",
	'8': ".###. #...# #...# .###. #...# #...# .###.",
	'9': ".###. #...# #...# .#### ....# ...#. .##..",
	'.': "..... ..... ..... ..... ..... .##.. .##..",
	'-': "..... ..... ..... .###. ..... ..... .....",
	'+': "..... ..#.. ..#.. ##### ..#.. ..#.. .....",
	'e': "..... ..... .###. #...# ##### #.... .###.",
	':': "..... .##.. .##.. ..... .##.. .##.. .....",
	'%': "##... ##..# ...#. ..#.. .#... #..## ...##",
	'/': "..... ....# ...#. ..#.. .#... #.... .....",
	'(': "...#. ..#.. .#... .#... .#... ..#.. ...#.",
	')': ".#... ..#.. ...#. ...#. ...#. ..#.. .#...",
	'=': "..... ..... ##### ..... ##### ..... .....",
	'_': "..... ..... ..... ..... ..... ..... #####",
	'×': "..... #...# .#.#. ..#.. .#.#. #...# .....",
	' ': "..... ..... ..... ..... ..... ..... .....",
	'A': ".###. #...# #...# ##### #...# #...# #...#",
	'B': "####. #...# #...# ####. #...# #...# ####.",
	'C': ".###. #...# #.... #.... #.... #...# .###.",
	'D': "####. #...# #...# #...# #...# #...# ####.",
	'E': "##### #.... #.... ####. #.... #.... #####",
	'F': "##### #.... #.... ####. #.... #.... #....",
	'G': ".###. #...# #.... #.### #...# #...# .####",
	'H': "#...# #...# #...# ##### #...# #...# #...#",
	'I': ".###. ..#.. ..#.. ..#.. ..#.. ..#.. .###.",
	'J': "..### ...#. ...#. ...#. ...#. #..#. .##..",
	'K': "#...# #..#. #.#.. ##... #.#.. #..#. #...#",
	'L': "#.... #.... #.... #.... #.... #.... #####",
	'M': "#...# ##.## #.#.# #.#.# #...# #...# #...#",
	'N': "#...# #...# ##..# #.#.# #..## #...# #...#",
	'O': ".###. #...# #...# #...# #...# #...# .###.",
	'P': "####. #...# #...# ####. #.... #.... #....",
	'Q': ".###. #...# #...# #...# #.#.# #..#. .##.#",
	'R': "####. #...# #...# ####. #.#.. #..#. #...#",
	'S': ".#### #.... #.... .###. ....# ....# ####.",
	'T': "##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#..",
	'U': "#...# #...# #...# #...# #...# #...# .###.",
	'V': "#...# #...# #...# #...# #...# .#.#. ..#..",
	'W': "#...# #...# #...# #.#.# #.#.# #.#.# .#.#.",
	'X': "#...# #...# .#.#. ..#.. .#.#. #...# #...#",
	'Y': "#...# #...# .#.#. ..#.. ..#.. ..#.. ..#..",
	'Z': "##### ....# ...#. ..#.. .#... #.... #####",
}

// unknownGlyph is drawn for characters the font lacks: a hollow box.
const unknownGlyph = "##### #...# #...# #...# #...# #...# #####"

func glyph(r rune) string {
	if g, ok := glyphs[r]; ok {
		return g
	}
	if g, ok := glyphs[[]rune(strings.ToUpper(string(r)))[0]]; ok {
		return g
	}
	return unknownGlyph
}

// TextWidth returns the width in pixels of s drawn at the given scale
// (no trailing space after the last character).
func TextWidth(s string, scale int) int {
	n := len([]rune(s))
	if n == 0 {
		return 0
	}
	return (n*(GlyphW+1) - 1) * scale
}

// Text draws s into img with its top-left corner at (x, y), each font
// pixel a scale×scale square of colour c. Pixels outside img are clipped.
// It panics if scale < 1.
func Text(img *image.RGBA, x, y int, s string, c color.RGBA, scale int) {
	if scale < 1 {
		panic("render: Text scale " + itoa(scale))
	}
	for _, r := range s {
		g := glyph(r)
		for row := range GlyphH {
			for col := range GlyphW {
				if g[row*(GlyphW+1)+col] != '#' {
					continue
				}
				fillRect(img, image.Rect(x+col*scale, y+row*scale, x+(col+1)*scale, y+(row+1)*scale), c)
			}
		}
		x += (GlyphW + 1) * scale
	}
}

// FormatNumber formats v for a tick label in at most about 8 characters:
// three significant digits, exponent notation for very large or small
// magnitudes ("1.5e-05", "-2.3e+04"), plain decimals otherwise ("0.25").
func FormatNumber(v float64) string {
	return strconv.FormatFloat(v, 'g', 3, 64)
}

func itoa(i int) string { return strconv.Itoa(i) }
