//go:build browser

package web

// Browser test of the feature-map views (issue 4): hover and pin a channel
// with mouse events, the link, a screenshot of the grid, cnnviz.layerStats,
// and the speed figures of the README (rebuild time on an input change,
// the top-images search over the test set).

import (
	"context"
	"fmt"
	"image"
	"math"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
)

// featuresPerf is what cnnviz.featuresPerf() returns.
type featuresPerf struct {
	RebuildMs     float64                `json:"rebuildMs"`
	RebuildFrames int                    `json:"rebuildFrames"`
	FrameMaxMs    float64                `json:"frameMaxMs"`
	RebuildMaxMs  float64                `json:"rebuildMaxMs"`
	Rebuilds      int                    `json:"rebuilds"`
	Tiles         map[string][][]float64 `json:"tiles"`
	Hover         *struct {
		Layer   string `json:"layer"`
		Channel int    `json:"channel"`
	} `json:"hover"`
	Top *struct {
		Done  int     `json:"done"`
		Total int     `json:"total"`
		Ms    float64 `json:"ms"`
		Layer string  `json:"layer"`
	} `json:"top"`
}

func perf(t *testing.T, ctx context.Context) featuresPerf {
	t.Helper()
	return evalJS[featuresPerf](t, ctx, `cnnviz.featuresPerf()`)
}

// layerStat is one entry of cnnviz.layerStats.
type layerStat struct {
	Name, Kind                           string
	Shape                                []int
	Images                               int
	Min, Max, Mean, Std, Sparsity, Blank float64
	DeadUnits                            float64 `json:"deadUnits"`
	DeadChannels                         float64 `json:"deadChannels"`
}

// checkStats checks shapes and ranges of layerStats for model.
func checkStats(t *testing.T, model string, st []layerStat, images int) {
	t.Helper()
	convs := 0
	for _, s := range st {
		if s.Images != images {
			t.Errorf("%s %s: images = %d, want %d", model, s.Name, s.Images, images)
		}
		for name, f := range map[string]float64{"sparsity": s.Sparsity, "blank": s.Blank, "deadUnits": s.DeadUnits, "deadChannels": s.DeadChannels} {
			if !(f >= 0 && f <= 1) {
				t.Errorf("%s %s: %s = %v, want in 0..1", model, s.Name, name, f)
			}
		}
		if s.DeadUnits > s.Sparsity+1e-12 {
			t.Errorf("%s %s: dead units %v > sparsity %v (a dead unit is zero in every image)", model, s.Name, s.DeadUnits, s.Sparsity)
		}
		if !(s.Min <= s.Mean && s.Mean <= s.Max && s.Std >= 0) {
			t.Errorf("%s %s: min %v, mean %v, max %v, std %v out of order", model, s.Name, s.Min, s.Mean, s.Max, s.Std)
		}
		if s.Kind == "conv2d" {
			convs++
			if len(s.Shape) != 3 {
				t.Errorf("%s %s: shape %v, want [C H W]", model, s.Name, s.Shape)
			}
		}
		if s.Kind == "relu" && s.Min < 0 {
			t.Errorf("%s %s: min %v < 0 after a ReLU", model, s.Name, s.Min)
		}
	}
	if convs < 2 {
		t.Errorf("%s: %d conv layers in layerStats, want at least 2", model, convs)
	}
}

func centre(r []float64) (float64, float64) { return (r[0] + r[2]) / 2, (r[1] + r[3]) / 2 }

func TestFeatureMaps(t *testing.T) {
	ctx := openPage(t, "#view=layers&in=t7")
	waitApp(t, ctx)
	frames(t, ctx, 5)
	// layerStats for the current input and over a sample, both models.
	for _, m := range []string{"mnist", "convnetjs"} {
		cur := evalJS[[]layerStat](t, ctx, fmt.Sprintf(`cnnviz.layerStats(%q)`, m))
		checkStats(t, m, cur, 1)
		smp := evalJS[[]layerStat](t, ctx, fmt.Sprintf(`cnnviz.layerStats(%q, {sample: 200, seed: 5})`, m))
		checkStats(t, m, smp, 200)
		again := evalJS[[]layerStat](t, ctx, fmt.Sprintf(`cnnviz.layerStats(%q, {sample: 200, seed: 5})`, m))
		for i := range smp {
			if smp[i].Sparsity != again[i].Sparsity || smp[i].Mean != again[i].Mean {
				t.Errorf("%s %s: a seeded sample gave sparsity %v then %v", m, smp[i].Name, smp[i].Sparsity, again[i].Sparsity)
			}
		}
		var line []string
		for _, s := range smp {
			if s.Kind == "relu" || strings.Contains(s.Kind, "pool") {
				line = append(line, fmt.Sprintf("%s sparsity %.3f blank %.3f dead units %.3f", s.Name, s.Sparsity, s.Blank, s.DeadUnits))
			}
		}
		t.Logf("%s over 200 test images: %s", m, strings.Join(line, "; "))
	}
	if _, err := evalErr[any](ctx, `cnnviz.layerStats("nope")`); err == nil || !strings.Contains(err.Error(), "no model") {
		t.Errorf("layerStats(\"nope\") error = %v, want one naming the model", err)
	}
	p := perf(t, ctx)
	tiles := p.Tiles["conv2"]
	if len(tiles) < 4 {
		t.Fatalf("featuresPerf().tiles[conv2] = %v, want at least 4 tiles", tiles)
	}
	// Hover channel 3 of conv2: the view reports it, the link does not change.
	x, y := centre(tiles[3])
	mouse(t, ctx, input.DispatchMouseEventTypeMouseMoved, x, y)
	frames(t, ctx, 4)
	p = perf(t, ctx)
	if p.Hover == nil || p.Hover.Layer != "conv2" || p.Hover.Channel != 3 {
		t.Errorf("after hovering conv2 channel 3 at (%.0f, %.0f): hover = %+v", x, y, p.Hover)
	}
	screenshot(t, ctx, "features-hover")
	if st := state(t, ctx); st.Channel != -1 {
		t.Errorf("hovering changed the channel to %d", st.Channel)
	}
	// Pin it with a click.
	mouse(t, ctx, input.DispatchMouseEventTypeMousePressed, x, y)
	frames(t, ctx, 2) // ebiten reads the button once per tick
	mouse(t, ctx, input.DispatchMouseEventTypeMouseReleased, x, y)
	frames(t, ctx, 4)
	time.Sleep(300 * time.Millisecond) // the hash is written at most 5 times a second
	frames(t, ctx, 2)
	hash := evalJS[string](t, ctx, `location.hash`)
	if !strings.Contains(hash, "layer=conv2") || !strings.Contains(hash, "ch=3") {
		t.Errorf("after clicking conv2 channel 3, location.hash = %q, want layer=conv2 and ch=3", hash)
	}
	if st := state(t, ctx); st.Layer != "conv2" || st.Channel != 3 {
		t.Errorf("state after the click: layer %q channel %d, want conv2 3", st.Layer, st.Channel)
	}
	// Move the pointer away so the detail shows the pinned channel.
	mouse(t, ctx, input.DispatchMouseEventTypeMouseMoved, 5, 5)
	frames(t, ctx, 4)
	img := screenshot(t, ctx, "features-pinned")
	// The grid area (from the first tile of the first layer to the last
	// tile of conv2) must not be a single colour.
	first := p.Tiles["conv1"][0]
	r := image.Rect(int(first[0]), int(first[1]), int(tiles[len(tiles)-1][2]), int(tiles[len(tiles)-1][3]))
	if sub, ok := img.(interface {
		SubImage(image.Rectangle) image.Image
	}); ok {
		dpr := float64(img.Bounds().Dx()) / evalJS[float64](t, ctx, `innerWidth`)
		rr := image.Rect(int(float64(r.Min.X)*dpr), int(float64(r.Min.Y)*dpr), int(float64(r.Max.X)*dpr), int(float64(r.Max.Y)*dpr))
		if uniform(sub.SubImage(rr)) {
			t.Errorf("the grid area %v of the screenshot is a single colour", rr)
		}
	}
	// The scale option travels in the link.
	evalJS[chromedp.Void](t, ctx, `cnnviz.setState({options: {scale: "global"}}).then(() => undefined)`)
	frames(t, ctx, 3)
	time.Sleep(300 * time.Millisecond)
	frames(t, ctx, 2)
	if h := evalJS[string](t, ctx, `location.hash`); !strings.Contains(h, "o.scale=global") {
		t.Errorf("after choosing the global scale, location.hash = %q, want o.scale=global", h)
	}
	screenshot(t, ctx, "features-global")

	noConsoleErrors(t, ctx)
}

// TestFeatureMapsSpeed measures the rebuild of the layers view on input
// changes for both models and the top-images search over the test set.
func TestFeatureMapsSpeed(t *testing.T) {
	ctx := openPage(t, "#view=layers&layer=relu4&ch=0")
	waitApp(t, ctx)
	for _, m := range []string{"mnist", "convnetjs"} {
		evalJS[chromedp.Void](t, ctx, fmt.Sprintf(`cnnviz.setState({model: %q, view: "layers", layer: "conv1", channel: 0, test: 0}).then(() => undefined)`, m))
		frames(t, ctx, 5)
		// The check of the test set under the new model (the scan for
		// misclassified images) runs in the background first. Measured
		// beside it, the view's rebuild work came out 1.5–6 times
		// larger and erratic (medians of 5–36 ms against 3.6–4.7 ms
		// after it), for reasons not pinned down (the collector's
		// assists or code not yet optimized by the browser); the goal
		// is about the view's own work.
		scan := evalJS[map[string]float64](t, ctx, `(async () => {
			for (let i = 0; i < 600; i++) {
				const s = (await cnnviz.state()).scan;
				if (s.checked >= s.total) return s;
				await new Promise(r => setTimeout(r, 100));
			}
			return (await cnnviz.state()).scan;
		})()`)
		if scan["checked"] < scan["total"] {
			t.Logf("%s: the test-set check is still running (%v); measuring anyway", m, scan)
		}
		evalJS[map[string]any](t, ctx, `cnnviz.featuresPerf(true)`)
		var ms []float64
		fr := 0
		for i := 1; i <= 30; i++ {
			evalJS[chromedp.Void](t, ctx, fmt.Sprintf(`cnnviz.setState({test: %d}).then(() => undefined)`, i))
			frames(t, ctx, 4)
			p := perf(t, ctx)
			ms = append(ms, p.RebuildMs)
			fr = max(fr, p.RebuildFrames)
		}
		p := perf(t, ctx)
		sort.Float64s(ms)
		t.Logf("%s: re-rendering every layer's grid after an input change: median %.2f ms, max %.2f ms of work over %d changes; "+
			"at most %d frames per change, at most %.2f ms in one frame", m, ms[len(ms)/2], ms[len(ms)-1], len(ms), fr, p.FrameMaxMs)
		// The goal: a whole input change re-rendered within one 60 fps
		// frame. The median is checked; the maximum is only logged, since
		// on this shared 2-core machine a frame can lose the CPU to other
		// work for a long time.
		if med := ms[len(ms)/2]; med > 16.7 {
			t.Errorf("%s: median re-rendering work %.1f ms per input change exceeds a 60 fps frame", m, med)
		}
	}
	// The top-images search over all 10,000 test images, for a middle
	// layer and for the mnist model's last conv layer (the most expensive),
	// with the frame rate meanwhile.
	if testing.Short() {
		t.Skip("-short: the top-images search over 10,000 images takes minutes on a loaded machine")
	}
	for _, layer := range []string{"relu2", "relu4"} {
		evalJS[chromedp.Void](t, ctx, fmt.Sprintf(`cnnviz.setState({model: "mnist", view: "layers", layer: %q, channel: 0}).then(() => undefined)`, layer))
		// One requestAnimationFrame loop for the whole test; each layer
		// starts a fresh record.
		evalJS[chromedp.Void](t, ctx, `(() => { window.__ft = []; if (!window.__ftOn) { window.__ftOn = true; const f = now => { window.__ft.push(now); requestAnimationFrame(f); }; requestAnimationFrame(f); } })()`)
		deadline := time.Now().Add(400 * time.Second)
		for {
			p := perf(t, ctx)
			if p.Top != nil && p.Top.Layer == layer && p.Top.Done == p.Top.Total && p.Top.Ms > 0 {
				t.Logf("top 6 images of every %s channel over %d test images: %.1f s in the page", layer, p.Top.Total, p.Top.Ms/1000)
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the top-images search for %s did not finish in 400 s: %+v", layer, p.Top)
			}
			time.Sleep(500 * time.Millisecond)
		}
		ft := evalJS[[]float64](t, ctx, `window.__ft`)
		med, p95, worst := frameStats(ft)
		t.Logf("frame time during the %s search: median %.1f ms, 95th percentile %.1f ms, worst %.1f ms over %d frames", layer, med, p95, worst, len(ft)-1)
		if med > 50 || math.IsNaN(med) {
			t.Errorf("median frame time during the %s search = %.1f ms", layer, med)
		}
	}
	screenshot(t, ctx, "features-top")
	noConsoleErrors(t, ctx)
}

// TestFeatureViews takes screenshots of the statistics, convolution and
// filter views on both models and checks that they are not blank.
func TestFeatureViews(t *testing.T) {
	ctx := openPage(t, "#view=stats&in=t7")
	waitApp(t, ctx)
	for _, c := range []struct{ name, js string }{
		{"stats-mnist", `{model: "mnist", view: "stats"}`},
		{"stats-convnetjs", `{model: "convnetjs", view: "stats"}`},
		{"conv-conv1", `{model: "mnist", view: "conv", layer: "conv1", channel: 2}`},
		{"conv-conv2", `{model: "mnist", view: "conv", layer: "conv2", channel: 5, options: {inch: "3"}}`},
		{"filters-conv2-slice", `{model: "mnist", view: "filters", layer: "conv2", channel: 1, options: {inch: "3"}}`},
		{"filters-convnetjs", `{model: "convnetjs", view: "filters", layer: "conv1", options: {inch: ""}}`},
	} {
		evalJS[chromedp.Void](t, ctx, "cnnviz.setState("+c.js+").then(() => undefined)")
		frames(t, ctx, 20)
		if c.name == "stats-mnist" {
			time.Sleep(8 * time.Second) // let the sample pass advance
			frames(t, ctx, 3)
		}
		if img := screenshot(t, ctx, c.name); uniform(img) {
			t.Errorf("screenshot %s is a single colour", c.name)
		}
	}
	noConsoleErrors(t, ctx)
}
