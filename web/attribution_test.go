//go:build browser

package web

import (
	"context"
	"encoding/json"
	"fmt"
	"image"
	"math"
	"strings"
	"testing"
	"time"

	"cnnviz/core/attribution"
	"cnnviz/core/tensor"
	"cnnviz/models"

	"github.com/chromedp/chromedp"
)

// attrViewState is what cnnviz.attributionView() returns.
type attrViewState struct {
	Done        bool               `json:"done"`
	Error       string             `json:"error"`
	Method      string             `json:"method"`
	Layer       string             `json:"layer"`
	ElapsedMs   float64            `json:"elapsedMs"`
	Overlay     []float64          `json:"overlay"`
	Drawn       bool               `json:"drawn"`
	Note        string             `json:"note"`
	Grid        map[string]float64 `json:"grid"`
	MetricsDone bool               `json:"metricsDone"`
	MetricsErr  string             `json:"metricsError"`
}

// waitAttr waits until the view's main map (and, with metrics, the metrics
// panel) is done for method and the page has drawn that finished map with
// the current display options, and returns its state. (Waiting for done
// alone raced with the view's redraw: the page redraws progress at most
// four times a second, so the screen could still show an earlier frame,
// drawn before the map was done and laid out for other options.)
func waitAttr(t *testing.T, ctx context.Context, method string, metrics bool) attrViewState {
	t.Helper()
	deadline := time.Now().Add(120 * time.Second)
	for {
		frames(t, ctx, 2)
		s := evalJS[attrViewState](t, ctx, `cnnviz.attributionView()`)
		if s.Error != "" {
			t.Fatalf("the view shows the error %q", s.Error)
		}
		if s.Done && s.Drawn && s.Method == method && (!metrics || s.MetricsDone || s.MetricsErr != "") && len(s.Overlay) == 4 && s.Overlay[2] > s.Overlay[0] {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("the %s map is not done after 120 s: %+v", method, s)
		}
	}
}

// crop returns the part of img (device pixels) under the CSS rectangle r.
func crop(img image.Image, r []float64, dpr float64) image.Image {
	rect := image.Rect(int(r[0]*dpr)+2, int(r[1]*dpr)+2, int(r[2]*dpr)-2, int(r[3]*dpr)-2)
	return img.(interface {
		SubImage(image.Rectangle) image.Image
	}).SubImage(rect)
}

// colours counts the distinct colours of img.
func colours(img image.Image) int {
	seen := map[[3]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			seen[[3]uint32{r, g, bl}] = true
		}
	}
	return len(seen)
}

// meanDiff is the mean absolute difference per channel (0..255) of two
// images of the same size.
func meanDiff(a, b image.Image) float64 {
	ab, bb := a.Bounds(), b.Bounds()
	w, h := min(ab.Dx(), bb.Dx()), min(ab.Dy(), bb.Dy())
	var s float64
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			r1, g1, b1, _ := a.At(ab.Min.X+x, ab.Min.Y+y).RGBA()
			r2, g2, b2, _ := b.At(bb.Min.X+x, bb.Min.Y+y).RGBA()
			s += math.Abs(float64(r1)-float64(r2)) + math.Abs(float64(g1)-float64(g2)) + math.Abs(float64(b1)-float64(b2))
		}
	}
	return s / float64(3*w*h) / 257
}

// TestAttributionView switches methods, layers and options through the
// URL hash and the API, and checks that the overlay shows a picture that
// is not one colour and that changes with the choice.
func TestAttributionView(t *testing.T) {
	ctx := openPage(t, "#view=attribution&in=t3")
	waitApp(t, ctx)
	dpr := evalJS[float64](t, ctx, `devicePixelRatio`)
	shots := map[string]image.Image{}
	shoot := func(name, method string, metrics bool) attrViewState {
		t.Helper()
		s := waitAttr(t, ctx, method, metrics)
		img := screenshot(t, ctx, "attribution-"+name)
		ov := crop(img, s.Overlay, dpr)
		if n := colours(ov); n < 20 {
			t.Errorf("%s: the overlay has %d colours, want a picture (>= 20)", name, n)
		}
		shots[name] = ov
		t.Logf("%s: %s on %q done in %.1f ms in the page", name, s.Method, s.Layer, s.ElapsedMs)
		return s
	}
	shoot("gradcam", "gradcam", true)
	for _, step := range []struct{ name, hash, method string }{
		{"gradcam-conv2", "#view=attribution&in=t3&layer=conv2", "gradcam"},
		{"gradcam-pool1", "#view=attribution&in=t3&layer=pool1", "gradcam"},
		{"saliency", "#view=attribution&in=t3&method=saliency", "saliency"},
		{"ig", "#view=attribution&in=t3&method=ig&o.igsteps=16", "ig"},
		{"occlusion", "#view=attribution&in=t3&method=occlusion&o.occpatch=4", "occlusion"},
		{"gradcam-honest", "#view=attribution&in=t3&o.honest=1&o.metric=sanity", "gradcam"},
	} {
		evalJS[chromedp.Void](t, ctx, fmt.Sprintf(`cnnviz.setState({hash: %q}).then(() => undefined)`, step.hash))
		shoot(step.name, step.method, true)
	}
	// Grad-CAM++ on a convolution (values of either sign) uses the ReLU
	// after it, and the view says so.
	evalJS[chromedp.Void](t, ctx, `cnnviz.setState({hash: "#view=attribution&in=t3&method=gradcampp&layer=conv3&o.metric=sanity"}).then(() => undefined)`)
	if s := shoot("gradcampp-conv3", "gradcampp", true); s.Layer != "relu3" || !strings.Contains(s.Note, "relu3") {
		t.Errorf("Grad-CAM++ on conv3: the view uses %q with note %q, want relu3 and a note naming it", s.Layer, s.Note)
	}
	// Through the API: a layer and a method.
	evalJS[chromedp.Void](t, ctx, `cnnviz.setState({hash: "#view=attribution&in=t3"}).then(() => cnnviz.setState({method: "scorecam", layer: "relu3", options: {metric: "pointing"}})).then(() => undefined)`)
	s := shoot("scorecam-relu3", "scorecam", false)
	if s.Layer != "relu3" {
		t.Errorf("after setState({layer: relu3}) the view uses layer %q", s.Layer)
	}
	for _, pair := range [][2]string{{"gradcam", "gradcam-conv2"}, {"gradcam-conv2", "gradcam-pool1"}, {"gradcam", "saliency"},
		{"saliency", "ig"}, {"gradcam", "gradcam-honest"}, {"gradcam", "scorecam-relu3"}, {"saliency", "occlusion"}} {
		if d := meanDiff(shots[pair[0]], shots[pair[1]]); d < 1 {
			t.Errorf("overlays %s and %s differ by %.2f per channel on average, want a visible difference (>= 1)", pair[0], pair[1], d)
		}
	}
	// The comparison grid fills in every method, the expensive ones
	// (occlusion, integrated gradients, Ablation- and Score-CAM, SmoothGrad)
	// as steppers: the page keeps 60 fps meanwhile.
	evalJS[chromedp.Void](t, ctx, `(() => { window.__ft = []; const f = now => { window.__ft.push(now); if (window.__ft) requestAnimationFrame(f); }; requestAnimationFrame(f); })()`)
	evalJS[chromedp.Void](t, ctx, `cnnviz.setState({hash: "#view=attribution&in=t3&o.panel=grid"}).then(() => undefined)`)
	deadline := time.Now().Add(300 * time.Second)
	for {
		frames(t, ctx, 5)
		st := evalJS[attrViewState](t, ctx, `cnnviz.attributionView()`)
		if len(st.Grid) == 17 {
			t.Logf("grid times (ms, in the page): %v", st.Grid)
			ts := evalJS[[]float64](t, ctx, `(() => { const t = window.__ft; window.__ft = []; return t; })()`)
			med, p95, worst := frameStats(ts)
			t.Logf("frame time while the grid fills: median %.1f ms, 95th percentile %.1f ms, worst %.1f ms over %d frames", med, p95, worst, len(ts)-1)
			if med > 20 {
				t.Errorf("median frame time while the grid fills = %.1f ms, want at most 20 ms (60 fps)", med)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the grid has %d of 17 methods after 300 s", len(st.Grid))
		}
	}
	frames(t, ctx, 3)
	screenshot(t, ctx, "attribution-grid")
	// The page kept running: the frame rate stayed up while all this ran.
	fps := evalJS[float64](t, ctx, `cnnviz.state().then(s => s.perf.tps)`)
	t.Logf("ticks per second at the end: %.1f", fps)
	noConsoleErrors(t, ctx)
}

// TestAttributeAPI compares cnnviz.attribute with the Go computation,
// times every method in the page, and checks that bad arguments reject
// with a clear message.
func TestAttributeAPI(t *testing.T) {
	ctx := openPage(t, "")
	waitApp(t, ctx)
	// A seeded stroke-like image.
	px := make([]float32, 28*28)
	for y := 5; y < 23; y++ {
		for x := 0; x < 28; x++ {
			d := math.Abs(float64(x) - 14 - 0.3*float64(y-14))
			px[y*28+x] = float32(math.Max(0, 1-d/2.5))
		}
	}
	js, _ := json.Marshal(px)
	evalJS[chromedp.Void](t, ctx, fmt.Sprintf(`window.attrPx = new Float32Array(%s); undefined`, js))
	net, err := models.Builtin("mnist")
	if err != nil {
		t.Fatal(err)
	}
	x := tensor.FromSlice(append([]float32(nil), px...), 1, 28, 28)
	for _, layer := range []string{"relu4", "conv2", "pool1"} {
		li := net.Index(layer)
		want, err := attribution.GradCAM(net, x, li, 4)
		if err != nil {
			t.Fatal(err)
		}
		got := evalJS[struct {
			Shape []int     `json:"shape"`
			Data  []float64 `json:"data"`
		}](t, ctx, fmt.Sprintf(`cnnviz.attribute("mnist", attrPx, {method: "gradcam", layer: %q, target: 4}).then(r => ({shape: r.shape, data: Array.from(r.data)}))`, layer))
		if fmt.Sprint(got.Shape) != fmt.Sprint(want.Shape) {
			t.Fatalf("Grad-CAM %s shape = %v, want %v", layer, got.Shape, want.Shape)
		}
		worst := 0.0
		for i, v := range want.Data {
			worst = max(worst, math.Abs(got.Data[i]-float64(v)))
		}
		if worst > 1e-5 {
			t.Errorf("Grad-CAM on %s from JS differs from Go by %g, want <= 1e-5", layer, worst)
		}
	}
	// Grad-CAM++ and XGrad-CAM on a convolution use the ReLU after it,
	// with a note.
	for _, m := range []string{"gradcampp", "xgradcam"} {
		r := evalJS[map[string]any](t, ctx, fmt.Sprintf(`cnnviz.attribute("mnist", attrPx, {method: %q, layer: "conv2"}).then(r => ({layer: r.layer, note: r.note}))`, m))
		if note, _ := r["note"].(string); r["layer"] != "relu2" || !strings.Contains(note, "non-negative") {
			t.Errorf("attribute(%s on conv2) = layer %v note %q, want relu2 and a note about non-negative activations", m, r["layer"], note)
		}
	}
	// Time every method in the page (the default layer, the predicted class).
	times := evalJS[map[string]float64](t, ctx, `(async () => {
		const out = {};
		for (const m of ["gradcam","cam","gradcampp","xgradcam","hirescam","layercam","eigencam","scorecam","ablationcam",
		                 "saliency","gradinput","guided","deconvnet","guidedgradcam","ig","smoothgrad","occlusion"]) {
			const t0 = performance.now();
			await cnnviz.attribute("mnist", attrPx, {method: m});
			out[m] = performance.now() - t0;
		}
		return out;
	})()`)
	t.Logf("cnnviz.attribute times on mnist (ms, including frames): %v", times)
	ig := evalJS[map[string]float64](t, ctx, `cnnviz.attribute("mnist", attrPx, {method: "ig", steps: 128, target: 4}).then(r => ({gap: r.completenessError, delta: r.delta}))`)
	if math.Abs(ig["gap"]) > 0.05*math.Max(1, math.Abs(ig["delta"])) {
		t.Errorf("integrated gradients completeness error %v for f(x)-f(b) = %v, want within 5%%", ig["gap"], ig["delta"])
	}
	t.Logf("IG 128 steps: completeness error %.4g, f(x)-f(b) %.4g", ig["gap"], ig["delta"])
	for _, tc := range []struct{ js, want string }{
		{`cnnviz.attribute("mnist", attrPx)`, "takes 3 arguments"},
		{`cnnviz.attribute("nope", attrPx, {method: "gradcam"})`, `no model "nope"`},
		{`cnnviz.attribute("mnist", new Float32Array(5), {method: "gradcam"})`, "pixels"},
		{`cnnviz.attribute("mnist", attrPx, {method: "gradcamm"})`, `unknown method "gradcamm"`},
		{`cnnviz.attribute("mnist", attrPx, {})`, "options.method must be a string"},
		{`cnnviz.attribute("mnist", attrPx, {method: "gradcam", layer: "fc"})`, "no spatial output"},
		{`cnnviz.attribute("mnist", attrPx, {method: "gradcam", layer: "conv9"})`, "conv9"},
		{`cnnviz.attribute("mnist", attrPx, {method: "gradcam", target: 10})`, "options.target must be a whole number in 0..9"},
		{`cnnviz.attribute("mnist", attrPx, {method: "saliency", layer: "conv1"})`, "takes no layer"},
		{`cnnviz.attribute("mnist", attrPx, {method: "ig", steps: 0})`, "options.steps"},
		{`cnnviz.attribute("mnist", attrPx, {method: "ig", baseline: "white"})`, "options.baseline"},
		{`cnnviz.attribute("mnist", attrPx, {method: "smoothgrad", noise: -1})`, "options.noise"},
		{`cnnviz.attribute("mnist", attrPx, {method: "occlusion", patch: 40})`, "options.patch"},
		{`cnnviz.attribute("mnist", attrPx, {method: "gradcam", colour: 1})`, `unknown option "colour"`},
		{`cnnviz.attribute("convnetjs", attrPx, {method: "cam"})`, "global"},
		{`cnnviz.attributionMetrics("mnist", {method: "gradcam", metric: "pointy"})`, `unknown metric "pointy"`},
		{`cnnviz.attributionMetrics("mnist", {method: "gradcam", metric: "deletion", n: 0})`, "options.n"},
		{`cnnviz.attributionMetrics("convnetjs", {method: "gradcam", metric: "pointing"})`, "cannot take"},
	} {
		msg := evalJS[string](t, ctx, tc.js+`.then(() => "resolved", e => String(e.message))`)
		if !strings.Contains(msg, tc.want) {
			t.Errorf("%s rejected with %q, want it to mention %q", tc.js, msg, tc.want)
		}
	}
	// Metrics through the API.
	del := evalJS[map[string]any](t, ctx, `cnnviz.attributionMetrics("mnist", {method: "gradcam", metric: "deletion", n: 4, seed: 2})`)
	ins := evalJS[map[string]any](t, ctx, `cnnviz.attributionMetrics("mnist", {method: "gradcam", metric: "insertion", n: 4, seed: 2})`)
	if da, ia := del["auc"].(float64), ins["auc"].(float64); !(da < ia) {
		t.Errorf("Grad-CAM deletion AUC %v >= insertion AUC %v on 4 test digits", da, ia)
	}
	pt := evalJS[map[string]any](t, ctx, `cnnviz.attributionMetrics("mnist", {method: "gradcam", layer: "relu4", metric: "pointing", n: 20, seed: 1})`)
	san := evalJS[map[string]any](t, ctx, `cnnviz.attributionMetrics("mnist", {method: "gradcam", metric: "sanity", n: 1})`)
	t.Logf("deletion AUC %v, insertion AUC %v, pointing %v, sanity %v", del["auc"], ins["auc"], pt["accuracy"], san["points"])
	if acc := pt["accuracy"].(float64); acc < 0.8 {
		t.Errorf("Grad-CAM pointing accuracy on 20 scenes = %v, want >= 0.8", acc)
	}
	noConsoleErrors(t, ctx)
}

// TestAttributionLayouts screenshots the view at the two layouts it must
// be readable in, with the overlay drawn and non-uniform.
func TestAttributionLayouts(t *testing.T) {
	for _, tt := range []struct {
		name  string
		w, h  int64
		scale float64
	}{{"laptop", 1280, 800, 1}, {"tablet", 768, 1024, 1}} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := newTab(t)
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(tt.w, tt.h, chromedp.EmulateScale(tt.scale))); err != nil {
				t.Fatal(err)
			}
			navigate(t, ctx, siteURL+"/#view=attribution&in=t7&layer=conv3&o.metric=sanity")
			waitApp(t, ctx)
			s := waitAttr(t, ctx, "gradcam", true)
			img := screenshot(t, ctx, "attribution-layout-"+tt.name)
			if n := colours(crop(img, s.Overlay, tt.scale)); n < 20 {
				t.Errorf("the overlay has %d colours, want a picture", n)
			}
			noConsoleErrors(t, ctx)
		})
	}
}
