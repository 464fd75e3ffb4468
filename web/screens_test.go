//go:build browser

package web

import (
	"context"
	"fmt"
	"image"
	"testing"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
)

// widget is one control as cnnviz.widgets() reports it: the part that can
// be seen and tapped, in CSS pixels.
type widget struct {
	ID    string  `json:"id"`
	Label string  `json:"label"`
	On    bool    `json:"on"`
	Panel string  `json:"panel"`
	X     float64 `json:"x"`
	Y     float64 `json:"y"`
	W     float64 `json:"w"`
	H     float64 `json:"h"`
}

func (w widget) rect() image.Rectangle {
	return image.Rect(int(w.X+0.5), int(w.Y+0.5), int(w.X+w.W+0.5), int(w.Y+w.H+0.5))
}

func widgets(t *testing.T, ctx context.Context) []widget {
	t.Helper()
	return evalJS[[]widget](t, ctx, `cnnviz.widgets()`)
}

// checkWidgets asserts that every control lies on the screen, is large
// enough to tap, and that no control hides under another (a hidden one
// took the taps meant for the tab bar on a phone).
func checkWidgets(t *testing.T, ws []widget, w, h int64, where string) {
	t.Helper()
	screen := image.Rect(0, 0, int(w), int(h))
	for i, a := range ws {
		r := a.rect()
		if !r.In(screen) {
			t.Errorf("%s: control %q at %v leaves the %dx%d screen", where, a.ID, r, w, h)
		}
		if a.W < 12 || a.H < 12 {
			t.Errorf("%s: control %q is %gx%g CSS pixels, too small to tap", where, a.ID, a.W, a.H)
		}
		for _, b := range ws[i+1:] {
			if in := r.Intersect(b.rect()); !in.Empty() {
				t.Errorf("%s: controls %q %v and %q %v overlap", where, a.ID, r, b.ID, b.rect())
			}
		}
	}
}

// tap presses and releases at (x, y) with a finger or the mouse.
func tap(t *testing.T, ctx context.Context, touch bool, x, y float64) {
	t.Helper()
	if !touch {
		mouse(t, ctx, input.DispatchMouseEventTypeMousePressed, x, y)
		frames(t, ctx, 2)
		mouse(t, ctx, input.DispatchMouseEventTypeMouseReleased, x, y)
		return
	}
	id := 1.0
	for _, typ := range []input.DispatchTouchEventType{input.DispatchTouchEventTypeTouchStart, input.DispatchTouchEventTypeTouchEnd} {
		pts := []*input.TouchPoint{{X: x, Y: y, ID: &id}}
		if typ == input.DispatchTouchEventTypeTouchEnd {
			pts = nil
		}
		if _, err := chromedp.Call(ctx, input.DispatchTouchEvent, input.DispatchTouchEventParams{Type: typ, TouchPoints: pts}); err != nil {
			t.Fatal(err)
		}
		frames(t, ctx, 2)
	}
}

// TestSmallScreens opens the page on a phone, a projector, a small laptop
// and a laptop, taps every tab as a person would, and checks that the tab
// shows its view, that the controls stay on the screen without hiding
// under each other, and that the view is drawn.
func TestSmallScreens(t *testing.T) {
	for _, tt := range []struct {
		name  string
		w, h  int64
		touch bool
	}{
		{"phone", 390, 844, true},
		{"projector", 1024, 768, false},
		{"small", 800, 600, false},
		{"laptop", 1280, 800, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := newTab(t)
			opts := []chromedp.EmulateViewportOption{chromedp.EmulateScale(1)}
			if tt.touch {
				opts = append(opts, chromedp.EmulateTouch, chromedp.EmulateMobile)
			}
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(tt.w, tt.h, opts...)); err != nil {
				t.Fatal(err)
			}
			navigate(t, ctx, siteURL+"/#in=t3")
			waitApp(t, ctx)
			frames(t, ctx, 3)
			checkWidgets(t, widgets(t, ctx), tt.w, tt.h, "start")
			for _, view := range state(t, ctx).Views {
				var tab widget
				for _, w := range widgets(t, ctx) {
					if w.ID == "tab-"+view {
						tab = w
					}
				}
				if tab.ID == "" {
					t.Errorf("no tab for view %s", view)
					continue
				}
				tap(t, ctx, tt.touch, tab.X+tab.W/2, tab.Y+tab.H/2)
				frames(t, ctx, 4)
				if got := state(t, ctx).View; got != view {
					t.Errorf("tapping the %s tab at (%g, %g) shows view %s", view, tab.X+tab.W/2, tab.Y+tab.H/2, got)
					continue
				}
				checkWidgets(t, widgets(t, ctx), tt.w, tt.h, view)
				img := screenshot(t, ctx, fmt.Sprintf("screen-%s-%s", tt.name, view))
				if uniform(img) {
					t.Errorf("%s: the screenshot is a single colour", view)
				}
			}
			noConsoleErrors(t, ctx)
		})
	}
}
