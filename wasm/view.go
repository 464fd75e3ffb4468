//go:build js && wasm

package main

import (
	"image"
	"sort"
	"time"

	"cnnviz/core/explorer"

	"github.com/hajimehoshi/ebiten/v2"
)

// View is one tab of the main area: feature maps, filters, attribution,
// embedding, training. Each lives in its own file (view_*.go) and adds
// itself to the registry from an init function with register.
//
// Update runs once per tick (60 times a second) before Draw: it reads
// c.App, adds its controls with c.Button, and handles pointer input in
// c.Area (c.Pressed, c.Pointer). Slow work goes into a stepper started with
// c.App.Sched.Start, never into Update itself. Draw only draws: it may be
// called on another image with the same area to export the view to PNG.
type View interface {
	// ID is the short name used in links ("layers").
	ID() string
	// Title is the label of the tab.
	Title() string
	// Explain is one paragraph, written for a student, that says what the
	// view shows and how to read it.
	Explain() string
	// Update handles input and adds controls for the area c.Area.
	Update(c *Ctx)
	// Draw draws the view into area of dst.
	Draw(dst *ebiten.Image, area image.Rectangle, c *Ctx)
}

// Keyer is implemented by views whose picture changes without a change of
// the app's state (an animation, a stepper filling in results): Key
// returns a string that changes whenever the view must be drawn again.
// Views without it are redrawn when the state, the input or the pointer's
// hover target change.
type Keyer interface {
	Key(c *Ctx) string
}

// Animator is implemented by views with a part that changes on its own
// while a computation runs (a scatter that moves, charts that grow). The
// shell then redraws only that part when only AnimKey changed: a redraw
// costs by the pixel in software WebGL, and the rest of the view (its
// explanation, its controls) stays as it was.
type Animator interface {
	// AnimKey changes whenever the animated part must be drawn again;
	// Key (if any) leaves it out.
	AnimKey(c *Ctx) string
	// AnimRect is where the animated part is, inside c.Area.
	AnimRect(c *Ctx) image.Rectangle
	// DrawAnim draws the animated part into dst, an image whose bounds
	// are AnimRect, cleared to the panel's colour. Draw draws it too.
	DrawAnim(dst *ebiten.Image, c *Ctx)
}

// MinHeighter is implemented by views that need more height than their
// controls take (a scatter, a chart): when the space on screen is shorter,
// the view scrolls.
type MinHeighter interface {
	// MinHeight is the least height of the view, in layout units.
	MinHeight(c *Ctx) float64
}

// registered views with their order on the tab bar.
var registry []registered

type registered struct {
	order int
	view  View
}

// register adds a view; order sorts the tabs (lower first).
func register(order int, v View) {
	registry = append(registry, registered{order, v})
	sort.SliceStable(registry, func(i, j int) bool { return registry[i].order < registry[j].order })
}

// views returns the registered views in tab order.
func views() []View {
	out := make([]View, len(registry))
	for i, r := range registry {
		out[i] = r.view
	}
	return out
}

// viewByID returns the view with the given id, or nil.
func viewByID(id string) View {
	for _, r := range registry {
		if r.view.ID() == id {
			return r.view
		}
	}
	return nil
}

// Ctx is what a view sees: the application state, the UI toolkit and its
// area of the screen.
type Ctx struct {
	App  *explorer.App
	UI   *ui
	Area image.Rectangle
	// Clip is the part of Area on screen when the view is taller than
	// the space it has and scrolls (empty when it all shows).
	Clip image.Rectangle
	// ShowError shows a message to the user in a banner.
	ShowError func(msg string)
	// WithRobust calls use in a later Update once the shipped robust
	// model is selectable (fetching it first if need be), or with the
	// reason it cannot be.
	WithRobust func(use func(error))
}

// U converts layout units to screen pixels (the device pixel ratio is
// applied, so that everything is drawn at the screen's resolution).
func (c *Ctx) U(v float64) int { return c.UI.u(v) }

// Button adds a clickable control (see ui.button); ids must be unique in
// the frame, so prefix them with the view's ID.
func (c *Ctx) Button(id string, r image.Rectangle, label string, on bool, action func()) {
	c.UI.button(id, r, label, on, action)
}

// Pressed returns the pointer position and whether it went down in this
// tick inside r and not on a control added so far.
func (c *Ctx) Pressed(r image.Rectangle) (image.Point, bool) {
	p := &c.UI.ptr
	pt := image.Pt(p.X, p.Y)
	if !p.Pressed || !c.visible(pt, r) || c.UI.overlay {
		return pt, false
	}
	if _, on := c.UI.under(pt); on {
		return pt, false
	}
	return pt, true
}

// Hover returns the pointer position and whether it is over r.
func (c *Ctx) Hover(r image.Rectangle) (image.Point, bool) {
	p := &c.UI.ptr
	pt := image.Pt(p.X, p.Y)
	return pt, c.visible(pt, r)
}

// visible reports whether pt is in r and in the visible part of the view.
func (c *Ctx) visible(pt image.Point, r image.Rectangle) bool {
	return pt.In(r) && (c.Clip.Empty() || pt.In(c.Clip))
}

// throttle passes on a changing key at most once per interval: a view
// whose picture follows a running computation puts that part of its Key
// through it, so that the page is not redrawn after every step.
type throttle struct {
	k  string
	at time.Time
}

// key returns k if interval has passed since the key last changed, and
// the previous key otherwise.
func (t *throttle) key(k string, interval time.Duration) string {
	if k != t.k && time.Since(t.at) >= interval {
		t.k, t.at = k, time.Now()
	}
	return t.k
}
