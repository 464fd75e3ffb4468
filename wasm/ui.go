//go:build js && wasm

package main

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"strings"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/inpututil"
	"github.com/hajimehoshi/ebiten/v2/vector"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
)

// The colours of the app.
var (
	colBG      = color.RGBA{0x0f, 0x17, 0x2a, 0xff}
	colPanel   = color.RGBA{0x1e, 0x29, 0x3b, 0xff}
	colRaised  = color.RGBA{0x33, 0x41, 0x55, 0xff}
	colHover   = color.RGBA{0x47, 0x55, 0x69, 0xff}
	colText    = color.RGBA{0xe2, 0xe8, 0xf0, 0xff}
	colMuted   = color.RGBA{0x94, 0xa3, 0xb8, 0xff}
	colAccent  = color.RGBA{0x38, 0xbd, 0xf8, 0xff}
	colOnAcc   = color.RGBA{0x0f, 0x17, 0x2a, 0xff}
	colGood    = color.RGBA{0x4a, 0xde, 0x80, 0xff}
	colBad     = color.RGBA{0xf8, 0x71, 0x71, 0xff}
	colFocus   = color.RGBA{0xfa, 0xcc, 0x15, 0xff}
	colOverlay = color.RGBA{0x00, 0x00, 0x00, 0xc0}
)

// fontSource is the Go Regular typeface, parsed once; face (glyphs.go)
// draws it at each size.
var fontSource *opentype.Font

func init() {
	f, err := opentype.Parse(goregular.TTF)
	if err != nil {
		panic(err)
	}
	fontSource = f
}

// pointer is the mouse or the first touch, in screen pixels.
type pointer struct {
	X, Y     int
	Down     bool // held now
	Pressed  bool // went down in this tick
	Released bool // went up in this tick
	Touch    bool
	id       ebiten.TouchID
	wheel    float64

	// taps are the presses and releases the page's listeners saw since
	// the last tick (see installTaps); quick is set when update made a
	// press out of a tap that ended before the tick, released at up in
	// the next one.
	taps  []tapEvent
	quick bool
	up    image.Point
}

// tapEvent is one pointerdown (down) or pointerup on the canvas, at a
// screen pixel.
type tapEvent struct {
	down  bool
	at    image.Point
	touch bool
}

// update reads this tick's mouse and touch state. ebiten samples the
// buttons once per tick, so a press and release between two ticks (a
// quick click or tap) leaves no trace there; the events the page recorded
// then make it a press in this tick and a release in the next.
func (p *pointer) update() {
	p.Pressed, p.Released = false, false
	_, p.wheel = ebiten.Wheel()
	taps := p.taps
	p.taps = nil
	if p.quick {
		p.quick = false
		p.X, p.Y = p.up.X, p.up.Y
		p.Down, p.Released = false, true
		return
	}
	p.sample()
	if p.Pressed || p.Down {
		return
	}
	if down, up, ok := quickTap(taps); ok {
		p.X, p.Y = down.at.X, down.at.Y
		p.Pressed, p.Down, p.Touch, p.quick, p.up = true, true, down.touch, true, up.at
	}
}

// quickTap returns the first press in taps that was released before the
// end of the list.
func quickTap(taps []tapEvent) (down, up tapEvent, ok bool) {
	for i, t := range taps {
		if !t.down {
			continue
		}
		for _, u := range taps[i+1:] {
			if !u.down {
				return t, u, true
			}
		}
		break
	}
	return tapEvent{}, tapEvent{}, false
}

// sample reads ebiten's mouse and touch state.
func (p *pointer) sample() {
	if p.Touch && p.Down {
		if inpututil.IsTouchJustReleased(p.id) {
			p.X, p.Y = inpututil.TouchPositionInPreviousTick(p.id)
			p.Down, p.Released = false, true
		} else {
			p.X, p.Y = ebiten.TouchPosition(p.id)
		}
		return
	}
	if ids := inpututil.AppendJustPressedTouchIDs(nil); len(ids) > 0 {
		p.Touch, p.id, p.Down, p.Pressed = true, ids[0], true, true
		p.X, p.Y = ebiten.TouchPosition(p.id)
		return
	}
	p.Touch = false
	p.X, p.Y = ebiten.CursorPosition()
	if inpututil.IsMouseButtonJustPressed(ebiten.MouseButtonLeft) {
		p.Down, p.Pressed = true, true
	}
	if p.Down && !ebiten.IsMouseButtonPressed(ebiten.MouseButtonLeft) {
		p.Down, p.Released = false, true
	}
}

func (p *pointer) in(r image.Rectangle) bool { return image.Pt(p.X, p.Y).In(r) }

// widget is a control drawn in the canvas: a button, a tab or a toggle.
type widget struct {
	id     string
	r      image.Rectangle
	label  string
	on     bool // selected or toggled on
	accent bool // drawn in the accent colour when on
	small  bool
	action func()
	// clip is the part of the screen where the control can be seen (its
	// panel, or the visible part of a scrolled view); empty for all of it.
	clip image.Rectangle
}

// visible is the part of the control that is on screen: only there does
// it take clicks and taps.
func (w widget) visible() image.Rectangle {
	if w.clip.Empty() {
		return w.r
	}
	return w.r.Intersect(w.clip)
}

// ui holds the controls of the current frame, the pointer, the keyboard
// focus and the text faces.
type ui struct {
	s       float64 // physical pixels per layout unit
	widgets []widget
	focus   string // id of the focused widget, "" for none
	ptr     pointer
	faces   map[float64]*face
	hover   string
	overlay bool // a modal (the help) covers the page
	// clip is given to the controls added from now on (see widget.clip).
	clip  image.Rectangle
	wraps map[string][]string
}

func newUI() *ui {
	return &ui{s: 1, faces: map[float64]*face{}, wraps: map[string][]string{}}
}

// u converts layout units to physical pixels.
func (u *ui) u(v float64) int { return int(math.Round(v * u.s)) }

// face returns the text face of size (layout units).
func (u *ui) face(size float64) *face {
	px := math.Round(size * u.s)
	f, ok := u.faces[px]
	if !ok {
		var err error
		if f, err = newFace(fontSource, px); err != nil {
			panic(err) // the font is built in and parsed above; the options are fixed
		}
		u.faces[px] = f
	}
	return f
}

// begin starts a frame: it forgets last frame's controls.
func (u *ui) begin() {
	u.widgets = u.widgets[:0]
	u.ptr.update()
	u.hover = ""
}

// button adds a control; action runs when it is clicked, tapped or
// activated from the keyboard.
// A control that lies wholly outside the current clip is left out: it
// cannot be seen, so it takes no taps and no keyboard focus.
func (u *ui) button(id string, r image.Rectangle, label string, on bool, action func()) {
	if !u.clip.Empty() && !r.Overlaps(u.clip) {
		return
	}
	u.widgets = append(u.widgets, widget{id: id, r: r, label: label, on: on, accent: true, action: action, clip: u.clip})
}

// under returns the control whose visible part holds the screen point p.
func (u *ui) under(p image.Point) (widget, bool) {
	for _, w := range u.widgets {
		if p.In(w.visible()) {
			return w, true
		}
	}
	return widget{}, false
}

// handle runs the action of the control under a new press, and handles
// focus keys: Tab and Shift+Tab move the focus, Enter and Space activate.
// It reports whether the press landed on a control.
func (u *ui) handle() bool {
	pt := image.Pt(u.ptr.X, u.ptr.Y)
	if w, ok := u.under(pt); ok {
		u.hover = w.id
	}
	if u.ptr.Pressed {
		if w, ok := u.under(pt); ok {
			u.focus = ""
			if !u.ptr.Touch {
				u.focus = w.id
			}
			if w.action != nil {
				w.action()
			}
			return true
		}
		u.focus = ""
	}
	if inpututil.IsKeyJustPressed(ebiten.KeyTab) && len(u.widgets) > 0 {
		i := u.focusIndex()
		if ebiten.IsKeyPressed(ebiten.KeyShift) {
			if i <= 0 {
				i = len(u.widgets)
			}
			i--
		} else {
			i = (i + 1) % len(u.widgets)
		}
		u.focus = u.widgets[i].id
	}
	if u.focus != "" && (inpututil.IsKeyJustPressed(ebiten.KeyEnter) || inpututil.IsKeyJustPressed(ebiten.KeySpace)) {
		if i := u.focusIndex(); i >= 0 && u.widgets[i].action != nil {
			u.widgets[i].action()
		}
	}
	return false
}

func (u *ui) focusIndex() int {
	for i, w := range u.widgets {
		if w.id == u.focus {
			return i
		}
	}
	return -1
}

// drawWidgets draws every control of the frame.
func (u *ui) drawWidgets(dst *ebiten.Image) {
	for _, w := range u.widgets {
		u.drawButton(dst, w)
	}
}

func (u *ui) drawButton(dst *ebiten.Image, w widget) {
	if !w.clip.Empty() {
		dst = dst.SubImage(w.clip.Intersect(dst.Bounds())).(*ebiten.Image)
	}
	bg, fg := colRaised, colText
	switch {
	case w.on && w.accent:
		bg, fg = colAccent, colOnAcc
	case w.id == u.hover && !u.ptr.Touch:
		bg = colHover
	}
	fillRect(dst, w.r, bg)
	if w.id == u.focus {
		strokeRect(dst, w.r, float32(u.s*2), colFocus)
	}
	size := 13.0
	f := u.face(size)
	for size > 8 && f.advance(w.label) > float64(w.r.Dx()-u.u(6)) {
		size--
		f = u.face(size)
	}
	u.textCentred(dst, w.label, w.r, size, fg)
}

// text draws s with its top-left corner at (x, y) and returns its width.
func (u *ui) text(dst *ebiten.Image, s string, x, y int, size float64, c color.Color) int {
	return int(u.face(size).draw(dst, s, float64(x), float64(y), c))
}

// textRight draws s ending at x.
func (u *ui) textRight(dst *ebiten.Image, s string, x, y int, size float64, c color.Color) {
	w := u.face(size).advance(s)
	u.text(dst, s, x-int(w), y, size, c)
}

// textCentred draws s centred in r.
func (u *ui) textCentred(dst *ebiten.Image, s string, r image.Rectangle, size float64, c color.Color) {
	f := u.face(size)
	w, h := f.advance(s), f.height()
	u.text(dst, s, r.Min.X+int((float64(r.Dx())-w)/2), r.Min.Y+int((float64(r.Dy())-h)/2), size, c)
}

// lineHeight returns the height of a line of text of size.
func (u *ui) lineHeight(size float64) int {
	return int(math.Ceil(u.face(size).height() * 1.3))
}

// wrap breaks s into lines no wider than width pixels.
func (u *ui) wrap(s string, size float64, width int) []string {
	key := fmt.Sprint(size*u.s, width, s)
	if l, ok := u.wraps[key]; ok {
		return l
	}
	if len(u.wraps) > 64 {
		clear(u.wraps)
	}
	l := u.wrapText(s, size, width)
	u.wraps[key] = l
	return l
}

// wrapText breaks lines greedily. A line's width is the sum of its words'
// and spaces' advances, each shaped once: shaping every growing line
// again made wrapping a paragraph quadratic in its length, and the first
// frame spent seconds on it in the browser.
func (u *ui) wrapText(s string, size float64, width int) []string {
	f := u.face(size)
	space := f.advance(" ")
	var lines []string
	for _, para := range strings.Split(s, "\n") {
		line, lineW := "", 0.0
		for _, word := range strings.Fields(para) {
			w := f.advance(word)
			if line == "" {
				line, lineW = word, w
				continue
			}
			if lineW+space+w > float64(width) {
				lines = append(lines, line)
				line, lineW = word, w
				continue
			}
			line, lineW = line+" "+word, lineW+space+w
		}
		lines = append(lines, line)
	}
	return lines
}

// paragraph draws s wrapped into r's width from its top and returns the
// height used.
func (u *ui) paragraph(dst *ebiten.Image, s string, r image.Rectangle, size float64, c color.Color) int {
	lh := u.lineHeight(size)
	y := r.Min.Y
	for _, l := range u.wrap(s, size, r.Dx()) {
		if dst != nil {
			u.text(dst, l, r.Min.X, y, size, c)
		}
		y += lh
	}
	return y - r.Min.Y
}

func fillRect(dst *ebiten.Image, r image.Rectangle, c color.Color) {
	vector.DrawFilledRect(dst, float32(r.Min.X), float32(r.Min.Y), float32(r.Dx()), float32(r.Dy()), c, false)
}

func strokeRect(dst *ebiten.Image, r image.Rectangle, w float32, c color.Color) {
	vector.StrokeRect(dst, float32(r.Min.X)+w/2, float32(r.Min.Y)+w/2, float32(r.Dx())-w, float32(r.Dy())-w, w, c, false)
}

// drawImageIn draws img scaled to fill r (nearest-neighbour when smooth
// is false).
func drawImageIn(dst, img *ebiten.Image, r image.Rectangle, smooth bool) {
	if img == nil || r.Empty() {
		return
	}
	b := img.Bounds()
	op := &ebiten.DrawImageOptions{}
	op.GeoM.Scale(float64(r.Dx())/float64(b.Dx()), float64(r.Dy())/float64(b.Dy()))
	op.GeoM.Translate(float64(r.Min.X), float64(r.Min.Y))
	if smooth {
		op.Filter = ebiten.FilterLinear
	}
	dst.DrawImage(img, op)
}

// texture keeps an ebiten image made from an *image.RGBA, and remakes it
// only when its key changes.
type texture struct {
	key string
	img *ebiten.Image
}

// get returns the image for key, calling make when the key changed.
func (t *texture) get(key string, make func() *image.RGBA) *ebiten.Image {
	if t.img != nil && t.key == key {
		return t.img
	}
	rgba := make()
	if rgba == nil || rgba.Rect.Empty() {
		return nil
	}
	if t.img != nil && t.img.Bounds().Size() == rgba.Rect.Size() {
		t.img.WritePixels(rgba.Pix)
	} else {
		if t.img != nil {
			t.img.Deallocate()
		}
		t.img = ebiten.NewImageFromImage(rgba)
	}
	t.key = key
	return t.img
}

// greyImage returns a w×h grey picture of values 0..1 (1 white).
func greyImage(pix []float32, w, h int) *image.RGBA {
	return greyInto(nil, pix, w, h)
}

// greyInto is greyImage writing into img when it has the size (else into
// a new picture), which it returns.
func greyInto(img *image.RGBA, pix []float32, w, h int) *image.RGBA {
	if img == nil || img.Rect.Dx() != w || img.Rect.Dy() != h {
		img = image.NewRGBA(image.Rect(0, 0, w, h))
	}
	for i, v := range pix[:w*h] {
		c := uint8(math.Round(float64(max(0, min(1, v))) * 255))
		img.Pix[4*i], img.Pix[4*i+1], img.Pix[4*i+2], img.Pix[4*i+3] = c, c, c, 255
	}
	return img
}

// inset returns r shrunk by d on every side.
func inset(r image.Rectangle, d int) image.Rectangle {
	r = image.Rect(r.Min.X+d, r.Min.Y+d, r.Max.X-d, r.Max.Y-d)
	if r.Dx() < 0 || r.Dy() < 0 {
		return image.Rectangle{Min: r.Min, Max: r.Min}
	}
	return r
}
