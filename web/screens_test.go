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

// controlBox is the part of a control that can be seen and tapped.
func controlBox(c control) image.Rectangle {
	return image.Rect(int(c.Rect[0]+0.5), int(c.Rect[1]+0.5), int(c.Rect[2]+0.5), int(c.Rect[3]+0.5))
}

func controls(t *testing.T, ctx context.Context) []control {
	t.Helper()
	return evalJS[[]control](t, ctx, `cnnviz.controls()`)
}

// checkWidgets asserts that every control lies on the screen, is large
// enough to tap, and that no control hides under another (a hidden one
// took the taps meant for the tab bar on a phone).
func checkControls(t *testing.T, ws []control, w, h int64, where string) {
	t.Helper()
	screen := image.Rect(0, 0, int(w), int(h))
	for i, a := range ws {
		r := controlBox(a)
		if !r.In(screen) {
			t.Errorf("%s: control %q at %v leaves the %dx%d screen", where, a.ID, r, w, h)
		}
		if r.Dx() < 12 || r.Dy() < 12 {
			t.Errorf("%s: control %q is %dx%d CSS pixels, too small to tap", where, a.ID, r.Dx(), r.Dy())
		}
		for _, b := range ws[i+1:] {
			if in := r.Intersect(controlBox(b)); !in.Empty() {
				t.Errorf("%s: controls %q %v and %q %v overlap", where, a.ID, r, b.ID, controlBox(b))
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
			checkControls(t, controls(t, ctx), tt.w, tt.h, "start")
			for _, view := range state(t, ctx).Views {
				r := controlRect(t, ctx, "tab-"+view)
				x, y := (r[0]+r[2])/2, (r[1]+r[3])/2
				tap(t, ctx, tt.touch, x, y)
				frames(t, ctx, 4)
				if got := state(t, ctx).View; got != view {
					t.Errorf("tapping the %s tab at (%g, %g) shows view %s", view, x, y, got)
					continue
				}
				checkControls(t, controls(t, ctx), tt.w, tt.h, view)
				img := screenshot(t, ctx, fmt.Sprintf("screen-%s-%s", tt.name, view))
				if uniform(img) {
					t.Errorf("%s: the screenshot is a single colour", view)
				}
			}
			noConsoleErrors(t, ctx)
		})
	}
}
