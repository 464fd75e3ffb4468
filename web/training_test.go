//go:build browser

package web

// Tests of the Training view and of cnnviz.train: accuracy reached in the
// page, bit-for-bit reproducibility, saved weights that load natively and
// agree with the page, divergence handling, and frame times while training.

import (
	"context"
	"encoding/base64"
	"fmt"
	"math"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"cnnviz/models"
	"cnnviz/models/mnist"

	"github.com/chromedp/chromedp"
)

// Training in the page: the convnetjs network from seed 1, 150 steps of
// 32 images with Adam at 0.001. Natively the same run reaches 0.867 on the
// first 1000 test images (core/explorer TestTrainConvnetjsOnMNIST); the
// page's kernels may round differently, so the threshold leaves room.
const (
	pageTrainSteps  = 150
	pageMinAccuracy = 0.83
	trainTimeout    = 15 * time.Minute
)

// trainResult is what cnnviz.train resolves to.
type trainResult struct {
	Loss       float64   `json:"loss"`
	Accuracy   float64   `json:"accuracy"`
	Losses     []float64 `json:"losses"`
	Steps      int       `json:"steps"`
	Examples   int       `json:"examples"`
	Ms         float64   `json:"ms"`
	PerSecond  float64   `json:"examplesPerSecond"`
	Validation []struct {
		Step     int     `json:"step"`
		Accuracy float64 `json:"accuracy"`
	} `json:"validation"`
}

// evalLong is evalErr with a longer timeout, for training runs.
func evalLong[T any](t *testing.T, ctx context.Context, js string) (T, error) {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, trainTimeout)
	defer cancel()
	return chromedp.Run(tctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
}

// trainFrameStats summarises requestAnimationFrame times (ms) recorded by the page.
func trainFrameStats(ts []float64) (fps, median, p95, worst float64) {
	if len(ts) < 2 {
		return 0, 0, 0, 0
	}
	d := make([]float64, len(ts)-1)
	for i := range d {
		d[i] = ts[i+1] - ts[i]
	}
	sort.Float64s(d)
	fps = float64(len(d)) / ((ts[len(ts)-1] - ts[0]) / 1000)
	return fps, d[len(d)/2], d[len(d)*95/100], d[len(d)-1]
}

func TestTraining(t *testing.T) {
	ctx := openPage(t, "#view=training")
	waitApp(t, ctx)
	evalJS[chromedp.Void](t, ctx, `cnnviz.setState({view: "training"}).then(() => undefined)`)
	// The training set loads when the view opens.
	deadline := time.Now().Add(90 * time.Second)
	for {
		st := evalJS[map[string]any](t, ctx, `cnnviz.trainState()`)
		if st["loaded"] == true {
			break
		}
		if e, ok := st["loadError"]; ok {
			t.Fatalf("training set: %v", e)
		}
		if time.Now().After(deadline) {
			t.Fatalf("training set not loaded after 90 s: %v", st)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if ts, err := evalErr[map[string]float64](ctx, `window.cnnvizTimings`); err == nil {
		t.Logf("training set loaded and parsed %.0f ms after navigation start", ts["trainSet"])
	}
	screenshot(t, ctx, "training-loaded")

	// The frame rate of the idle page on this machine right now: on a busy
	// machine the page cannot reach 30 fps even without training.
	evalJS[bool](t, ctx, startFrames)
	time.Sleep(3 * time.Second)
	idleFPS, _, _, _ := trainFrameStats(evalJS[[]float64](t, ctx, stopFrames))
	evalJS[bool](t, ctx, startFrames)
	call := fmt.Sprintf(`cnnviz.train({model: "convnetjs", steps: %d, batch: 32, lr: 0.001, optimizer: "adam", seed: 1})`, pageTrainSteps)
	first, err := evalLong[trainResult](t, ctx, call)
	if err != nil {
		t.Fatalf("%s: %v", call, err)
	}
	ts := evalJS[[]float64](t, ctx, stopFrames)
	fps, median, p95, worst := trainFrameStats(ts)
	t.Logf("convnetjs, %d steps of 32 in the page: validation accuracy %.3f (%v), last loss %.4f, %.1f s, %.0f images/s",
		pageTrainSteps, first.Accuracy, first.Validation, first.Loss, first.Ms/1000, first.PerSecond)
	t.Logf("frames while training: %.1f fps (idle page: %.1f fps), frame time median %.1f ms, 95th percentile %.1f ms, worst %.1f ms (%d frames)",
		fps, idleFPS, median, p95, worst, len(ts))
	screenshot(t, ctx, "training-trained")
	if first.Steps != pageTrainSteps || len(first.Losses) != pageTrainSteps {
		t.Fatalf("train: %d steps, %d losses, want %d", first.Steps, len(first.Losses), pageTrainSteps)
	}
	if first.Accuracy < pageMinAccuracy {
		t.Errorf("validation accuracy after %d steps = %.3f, want at least %.2f", pageTrainSteps, first.Accuracy, pageMinAccuracy)
	}
	// The goal is 30 fps while training. The idle page's rate bounds what
	// the machine can show right now (a busy machine gives every page
	// fewer frames), so the check asks for 30 fps or 55 % of the idle
	// rate, whichever is lower.
	if want := math.Min(30, 0.55*idleFPS); fps < want {
		t.Errorf("frame rate while training = %.1f fps, want at least %.1f (idle page: %.1f fps)", fps, want, idleFPS)
	}

	t.Run("weights load natively", func(t *testing.T) {
		test, err := mnist.LoadDefault("test")
		if err != nil {
			t.Fatal(err)
		}
		for _, kind := range []string{"model", "checkpoint"} {
			b64s := evalJS[string](t, ctx, fmt.Sprintf(`cnnviz.trainFile(%q).then(b => { let s = ""; for (const x of b) s += String.fromCharCode(x); return btoa(s); })`, kind))
			raw, err := base64.StdEncoding.DecodeString(b64s)
			if err != nil {
				t.Fatal(err)
			}
			m, err := models.Load(raw)
			if err != nil {
				t.Fatalf("models.Load(%s from the page) = %v", kind, err)
			}
			for _, i := range []int{0, 7, 1234} {
				x := test.Float(i, nil)
				want := m.Logits(x, 1)
				js := make([]string, len(x))
				for j, v := range x {
					js[j] = fmt.Sprint(v)
				}
				got := evalJS[map[string]any](t, ctx, fmt.Sprintf(`cnnviz.predict("trained", new Float32Array([%s])).then(r => ({logits: Array.from(r.logits)}))`, strings.Join(js, ",")))
				gl := got["logits"].([]any)
				for j := range want {
					g := gl[j].(float64)
					if math.Abs(g-float64(want[j])) > 1e-4*(1+math.Abs(float64(want[j]))) {
						t.Errorf("%s file, test image %d: native logit %d = %v, page %v", kind, i, j, want[j], g)
					}
				}
			}
		}
	})

	t.Run("same seed same curve", func(t *testing.T) {
		// A shorter run from the same seed must retrace the start of the
		// first curve exactly (validation passes do not change training).
		const n = 40
		again := strings.Replace(call, fmt.Sprintf("steps: %d", pageTrainSteps), fmt.Sprintf("steps: %d", n), 1)
		second, err := evalLong[trainResult](t, ctx, again)
		if err != nil {
			t.Fatalf("%s: %v", again, err)
		}
		if len(second.Losses) != n {
			t.Fatalf("%s: %d losses, want %d", again, len(second.Losses), n)
		}
		for i := range second.Losses {
			if math.Float64bits(second.Losses[i]) != math.Float64bits(first.Losses[i]) {
				t.Fatalf("second run: loss %d = %v, first run %v; want the same bit for bit", i, second.Losses[i], first.Losses[i])
			}
		}
	})

	t.Run("layouts", func(t *testing.T) {
		for _, vp := range []struct {
			name string
			w, h int64
		}{{"desktop", 1280, 800}, {"tablet", 768, 1024}} {
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(vp.w, vp.h)); err != nil {
				t.Fatal(err)
			}
			frames(t, ctx, 10)
			screenshot(t, ctx, "training-"+vp.name)
		}
		for _, view := range []string{"filters", "layers"} {
			evalJS[chromedp.Void](t, ctx, fmt.Sprintf(`cnnviz.setState({view: %q}).then(() => undefined)`, view))
			frames(t, ctx, 10)
			screenshot(t, ctx, "training-trained-"+view)
		}
		evalJS[chromedp.Void](t, ctx, `cnnviz.setState({view: "training"}).then(() => undefined)`)
	})

	t.Run("divergence", func(t *testing.T) {
		_, err := evalLong[trainResult](t, ctx, `cnnviz.train({model: "convnetjs", steps: 40, lr: 1e6, optimizer: "sgd", seed: 2})`)
		if err == nil || !strings.Contains(err.Error(), "learning rate") {
			t.Fatalf("train with lr 1e6 = %v, want a rejection that names the learning rate", err)
		}
		t.Logf("lr 1e6: %v", err)
		frames(t, ctx, 5)
		st := evalJS[map[string]any](t, ctx, `cnnviz.trainState()`)
		if e, _ := st["error"].(string); !strings.Contains(e, "learning rate") || st["running"] != false {
			t.Errorf("trainState after divergence = %v, want an error and not running", st)
		}
		s := state(t, ctx)
		for _, p := range s.Probs {
			if math.IsNaN(p) {
				t.Errorf("probabilities after divergence = %v, want numbers", s.Probs)
				break
			}
		}
		screenshot(t, ctx, "training-diverged")
	})

	t.Run("bad input", func(t *testing.T) {
		for _, tc := range []struct{ js, want string }{
			{`cnnviz.trainArchitecture("input 1x28x28\nconv eight 3x3\nflatten\ndense 10")`, "line 2"},
			{`cnnviz.trainArchitecture("input 1x28x28\nflatten\ndense 7")`, "MNIST needs 10"},
			{`cnnviz.train({model: "convnetjs", steps: 0})`, "steps"},
			{`cnnviz.train({model: "lenet", steps: 1})`, "lenet"},
			{`cnnviz.train({model: "convnetjs", steps: 1, batch: 0})`, "batch"},
			{`cnnviz.trainResume(new Uint8Array([1, 2, 3]))`, ""},
		} {
			_, err := evalErr[any](ctx, tc.js)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s = %v, want an error containing %q", tc.js, err, tc.want)
			}
		}
		noConsoleErrorsExcept(t, ctx, "learning rate", "cnnviz.train")
	})
}

// noConsoleErrorsExcept fails on console errors that contain none of the
// expected fragments (rejected promises the test caused).
func noConsoleErrorsExcept(t *testing.T, ctx context.Context, expected ...string) {
	t.Helper()
	for _, e := range consoleErrors(ctx) {
		ok := false
		for _, x := range expected {
			ok = ok || strings.Contains(e, x)
		}
		if !ok {
			t.Errorf("console error: %s", e)
		}
	}
}

// TestTrainingTo97 measures the time from pressing run to 97% validation
// accuracy for the convnetjs network. It runs only with
// CNNVIZ_TRAIN97=1 (it takes minutes).
func TestTrainingTo97(t *testing.T) {
	if os.Getenv("CNNVIZ_TRAIN97") == "" {
		t.Skip("set CNNVIZ_TRAIN97=1 to measure the time to 97% accuracy")
	}
	ctx := openPage(t, "#view=training")
	waitApp(t, ctx)
	for st := evalJS[map[string]any](t, ctx, `cnnviz.trainState()`); st["loaded"] != true; st = evalJS[map[string]any](t, ctx, `cnnviz.trainState()`) {
		time.Sleep(200 * time.Millisecond)
	}
	evalJS[bool](t, ctx, `(cnnviz.train({model: "convnetjs", steps: 100000, seed: 1, valEvery: 50}).catch(() => 0), true)`)
	start := time.Now()
	for time.Since(start) < 8*time.Minute {
		time.Sleep(time.Second)
		st := evalJS[map[string]any](t, ctx, `cnnviz.trainState()`)
		acc, _ := st["accuracy"].(float64)
		if acc >= 0.97 {
			t.Logf("97%% validation accuracy (%.3f) after %.0f s at step %v", acc, time.Since(start).Seconds(), st["steps"])
			return
		}
	}
	t.Errorf("no 97%% validation accuracy within 8 minutes")
}

// TestTrainingProbe logs the training speed for a few seconds (a
// diagnostic; runs only with CNNVIZ_PROBE=1).
func TestTrainingProbe(t *testing.T) {
	if os.Getenv("CNNVIZ_PROBE") == "" {
		t.Skip("set CNNVIZ_PROBE=1")
	}
	ctx := openPage(t, "#view=training")
	waitApp(t, ctx)
	for st := evalJS[map[string]any](t, ctx, `cnnviz.trainState()`); st["loaded"] != true; st = evalJS[map[string]any](t, ctx, `cnnviz.trainState()`) {
		time.Sleep(200 * time.Millisecond)
	}
	evalJS[bool](t, ctx, startFrames)
	time.Sleep(3 * time.Second)
	ts := evalJS[[]float64](t, ctx, stopFrames)
	fps, med, p95, _ := trainFrameStats(ts)
	t.Logf("idle: %.1f fps, median %.1f ms, p95 %.1f ms", fps, med, p95)
	b := evalJS[map[string]any](t, ctx, `cnnviz.bench("trainStep", {batch: 32, blocks: 3})`)
	t.Logf("bench trainStep: %v", b)
	evalJS[bool](t, ctx, `(cnnviz.train({model: "convnetjs", steps: 100000, seed: 1}).catch(() => 0), true)`)
	for i := 0; i < 8; i++ {
		time.Sleep(time.Second)
		st := evalJS[map[string]any](t, ctx, `cnnviz.trainState()`)
		p := evalJS[map[string]any](t, ctx, `cnnviz.state()`)["perf"]
		t.Logf("steps %v examples %v rate %v viewDraw %v perf %v", st["steps"], st["examples"], st["examplesPerSecond"], st["viewDrawMs"], p)
	}
	screenshot(t, ctx, "training-running")
}
