//go:build browser

package web

import (
	"context"
	"testing"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
)

// control is one entry of cnnviz.controls().
type control struct {
	ID    string    `json:"id"`
	Label string    `json:"label"`
	On    bool      `json:"on"`
	Rect  []float64 `json:"rect"`
}

// controlRect returns the place of control id in CSS pixels.
func controlRect(t *testing.T, ctx context.Context, id string) []float64 {
	t.Helper()
	for _, c := range evalJS[[]control](t, ctx, `cnnviz.controls()`) {
		if c.ID == id {
			return c.Rect
		}
	}
	t.Fatalf("no control %q in cnnviz.controls()", id)
	return nil
}

// TestQuickClick presses and releases a tab with two input events sent
// back to back, so that most of the time no frame sees the button held:
// ebiten samples the buttons once per frame, and such a click used to be
// lost. Each tab must still open. A touch tap does the same.
func TestQuickClick(t *testing.T) {
	ctx := openPage(t, "#view=layers")
	waitApp(t, ctx)
	frames(t, ctx, 3)
	for _, view := range []string{"stats", "conv", "filters", "layers", "stats"} {
		x, y := centre(controlRect(t, ctx, "tab-"+view))
		// Two calls in a row, nothing between them: one round trip each.
		p := input.DispatchMouseEventParams{Type: input.DispatchMouseEventTypeMousePressed, X: x, Y: y, Button: input.MouseButtonLeft, Buttons: 1, ClickCount: 1}
		if _, err := chromedp.Call(ctx, input.DispatchMouseEvent, p); err != nil {
			t.Fatal(err)
		}
		p.Type, p.Buttons = input.DispatchMouseEventTypeMouseReleased, 0
		if _, err := chromedp.Call(ctx, input.DispatchMouseEvent, p); err != nil {
			t.Fatal(err)
		}
		frames(t, ctx, 3)
		if got := state(t, ctx).View; got != view {
			t.Errorf("after a quick click on tab %s at (%.0f, %.0f), view = %q", view, x, y, got)
		}
	}
	x, y := centre(controlRect(t, ctx, "tab-filters"))
	id := 1.0
	pts := []*input.TouchPoint{{X: x, Y: y, ID: &id}}
	if _, err := chromedp.Call(ctx, input.DispatchTouchEvent, input.DispatchTouchEventParams{Type: input.DispatchTouchEventTypeTouchStart, TouchPoints: pts}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, input.DispatchTouchEvent, input.DispatchTouchEventParams{Type: input.DispatchTouchEventTypeTouchEnd, TouchPoints: []*input.TouchPoint{}}); err != nil {
		t.Fatal(err)
	}
	frames(t, ctx, 3)
	if got := state(t, ctx).View; got != "filters" {
		t.Errorf("after a quick tap on tab filters, view = %q", got)
	}
	noConsoleErrors(t, ctx)
}
