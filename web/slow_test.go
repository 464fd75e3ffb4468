//go:build browser

package web

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// slowdown is how many times Chromium slows the page's CPU in
// TestSlowDevice: issue 15's stand-in for a slow laptop or phone.
const slowdown = 4

// startFrames starts recording requestAnimationFrame timestamps into
// window.__frames. Each recording has its own number: a callback of an
// earlier recording, still queued when a new one starts, stops instead of
// adding its frames to the new one's (which would count every frame
// twice).
const startFrames = `(() => { const id = (window.__recID || 0) + 1; window.__recID = id; window.__frames = [];
	const f = t => { if (window.__recID !== id) return; window.__frames.push(t); requestAnimationFrame(f); };
	requestAnimationFrame(f); return true; })()`

// stopFrames ends the recording and returns its timestamps.
const stopFrames = `(() => { window.__recID = (window.__recID || 0) + 1; return window.__frames || []; })()`

// fpsOf returns the frame rate of rAF timestamps ts (ms): the frames
// after the first over the time they took.
func fpsOf(ts []float64) float64 {
	if len(ts) < 2 || ts[len(ts)-1] <= ts[0] {
		return 0
	}
	return float64(len(ts)-1) / ((ts[len(ts)-1] - ts[0]) / 1000)
}

func TestFPSOf(t *testing.T) {
	tests := []struct {
		ts   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{5}, 0},
		{[]float64{0, 1000}, 1},
		{[]float64{100, 116.7, 133.3, 150, 166.7, 183.3, 200}, 60},
		{[]float64{0, 0}, 0},
	}
	for _, tt := range tests {
		if got := fpsOf(tt.ts); got < tt.want-0.01 || got > tt.want+0.01 {
			t.Errorf("fpsOf(%v) = %.3f, want %.3f", tt.ts, got, tt.want)
		}
	}
}

// TestFrameRecorderCountsOnce starts a recording right after stopping
// one, as the tests do between measurements, and checks that no frame is
// counted twice: the callbacks of the first recording must not join the
// second.
func TestFrameRecorderCountsOnce(t *testing.T) {
	ctx := openPage(t, "")
	waitReady(t, ctx)
	evalJS[bool](t, ctx, startFrames)
	frames(t, ctx, 3)
	evalJS[[]float64](t, ctx, stopFrames)
	evalJS[bool](t, ctx, startFrames)
	frames(t, ctx, 20)
	ts := evalJS[[]float64](t, ctx, stopFrames)
	for i := 1; i < len(ts); i++ {
		if ts[i] <= ts[i-1] {
			t.Fatalf("frame %d at %.1f ms follows one at %.1f ms: a frame is counted twice (%v)", i, ts[i], ts[i-1], ts)
		}
	}
	if len(ts) < 10 {
		t.Errorf("%d frames recorded over 20 animation frames, want at least 10", len(ts))
	}
}

// TestSlowDevice throttles Chromium's CPU slowdown times and measures the
// page's frame rate idle, while a digit is drawn, while a t-SNE runs in
// the embedding view and while the network trains in the training view.
// Issue 15's goals at 4x: 30 fps idle and drawing, 24 fps while t-SNE
// and training run. Each measurement is taken up to three times (this
// machine is shared: one can catch a busy moment) and the best counts.
func TestSlowDevice(t *testing.T) {
	ctx := openPage(t, "")
	waitApp(t, ctx)
	view := state(t, ctx).View
	// The training set is loaded first, unthrottled: loading it is not
	// what is measured.
	evalJS[chromedp.Void](t, ctx, `cnnviz.setState({view: "training"}).then(() => undefined)`)
	deadline := time.Now().Add(90 * time.Second)
	for st := evalJS[map[string]any](t, ctx, `cnnviz.trainState()`); st["loaded"] != true; st = evalJS[map[string]any](t, ctx, `cnnviz.trainState()`) {
		if e, ok := st["loadError"]; ok {
			t.Fatalf("training set: %v", e)
		}
		if time.Now().After(deadline) {
			t.Fatalf("training set not loaded after 90 s: %v", st)
		}
		time.Sleep(200 * time.Millisecond)
	}
	evalJS[chromedp.Void](t, ctx, `cnnviz.setState({view: "`+view+`", test: 0}).then(() => undefined)`)
	frames(t, ctx, 5)
	st := state(t, ctx)

	if _, err := chromedp.Call(ctx, emulation.SetCPUThrottlingRate, emulation.SetCPUThrottlingRateParams{Rate: slowdown}); err != nil {
		t.Fatalf("throttling the CPU: %v", err)
	}
	t.Cleanup(func() {
		chromedp.Call(ctx, emulation.SetCPUThrottlingRate, emulation.SetCPUThrottlingRateParams{Rate: 1})
	})

	var strokes [][][2]float64
	for i := 0; i < 3; i++ {
		strokes = append(strokes, digits[1].strokes...)
	}
	measure := func(name string, goal float64, run func()) {
		t.Helper()
		best := 0.0
		for try := 0; try < 3 && best < goal; try++ {
			evalJS[bool](t, ctx, startFrames)
			run()
			ts := evalJS[[]float64](t, ctx, stopFrames)
			fps := fpsOf(ts)
			med, p95, worst := frameStats(ts)
			t.Logf("%dx slower, %s: %.1f fps over %d frames, frame time median %.1f ms, 95th percentile %.1f ms, worst %.1f ms; perf %v",
				slowdown, name, fps, len(ts), med, p95, worst, evalJS[map[string]any](t, ctx, `cnnviz.state().then(s => s.perf)`))
			best = max(best, fps)
		}
		if best < goal {
			t.Errorf("%dx slower, %s: %.1f fps (the best of three), want at least %.0f", slowdown, name, best, goal)
		}
	}

	measure("idle", 30, func() { time.Sleep(3 * time.Second) })
	measure("drawing a digit", 30, func() {
		evalJS[chromedp.Void](t, ctx, `cnnviz.setState({test: 0}).then(() => undefined)`)
		drawStrokes(t, ctx, st.Canvas, strokes)
	})
	if in := state(t, ctx).Input; in["kind"] != "drawing" {
		t.Errorf("input after drawing = %v, want a drawing", in)
	}

	evalJS[chromedp.Void](t, ctx, `cnnviz.setState({hash: "#view=embedding&o.e-n=1000&o.e-layer=gap"}).then(() => undefined)`)
	waitEmbed(t, ctx, 120*time.Second, "t-SNE iterations", func(s embStatus) bool { return s.Iteration > 5 })
	measure("t-SNE running", 24, func() { time.Sleep(3 * time.Second) })
	if s := embedStatus(t, ctx); !s.Running || s.Iteration < 10 {
		t.Errorf("t-SNE after the measurement: running %v at iteration %d; want it still running, past iteration 10", s.Running, s.Iteration)
	}
	screenshot(t, ctx, "slow-tsne")

	evalJS[chromedp.Void](t, ctx, `cnnviz.setState({view: "training"}).then(() => undefined)`)
	evalJS[bool](t, ctx, `(cnnviz.train({model: "convnetjs", steps: 100000, batch: 32, seed: 1}).catch(() => 0), true)`)
	time.Sleep(2 * time.Second) // the view's first redraws
	before := evalJS[map[string]any](t, ctx, `cnnviz.trainState()`)
	measure("training", 24, func() { time.Sleep(3 * time.Second) })
	after := evalJS[map[string]any](t, ctx, `cnnviz.trainState()`)
	t.Logf("training: steps %v then %v, %v images/s", before["steps"], after["steps"], after["examplesPerSecond"])
	if fmt.Sprint(after["steps"]) == fmt.Sprint(before["steps"]) {
		t.Errorf("training made no steps during the measurement (%v)", after["steps"])
	}
	screenshot(t, ctx, "slow-training")
	noConsoleErrors(t, ctx)
}
