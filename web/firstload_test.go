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
	// pageWeightGoal is the most the page may download on its first
	// load, as sent (compressed): the program, the page and what the
	// first screen needs. The MNIST test set (1.33 MB) comes when
	// something needs it (TestFirstPredictionBeforeTestSet), the robust
	// model (0.78 MB) when something names it (TestRobustFetchedOnDemand).
	// README says where the bytes go.
	pageWeightGoal = 4_000_000
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

// askedForTestSet reports whether the tab requested a file of the MNIST
// test set so far.
func askedForTestSet(ctx context.Context) bool {
	for _, u := range requests(ctx) {
		if strings.Contains(u, "/web/data/t10k-") {
			return true
		}
	}
	return false
}

// TestFirstPredictionBeforeTestSet holds the MNIST test set back in the
// server. The page must show its first prediction on its built-in sample
// without asking for the test set at all (a visitor who only draws never
// downloads it), ask for it once the visitor browses, show the sample's
// next image at once meanwhile, keep a press that needs the whole set
// (the next 3) until the set comes, and take the set when it comes.
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
	// The built-in sample is test image 0, a 7, which mnist predicts.
	if st.Input["test"] != 0.0 || st.Label != 7 || st.Predicted != 7 || len(st.Probs) != 10 {
		t.Errorf("before the test set: input %v, label %d, predicted %d with %d probabilities; want test image 0, a 7, predicted as 7",
			st.Input, st.Label, st.Predicted, len(st.Probs))
	}
	t.Logf("first prediction at %.0f ms after navigation, without the test set; timings %v",
		first, evalJS[map[string]float64](t, ctx, `window.cnnvizTimings`))
	screenshot(t, ctx, "first-prediction-sample")
	frames(t, ctx, 30)
	if askedForTestSet(ctx) || testSetLoaded(t, ctx) {
		t.Fatalf("the page asked for the test set before anything needed it; requests %q", requests(ctx))
	}

	// Next: the sample's second image (a 2) at once, and the test set asked for.
	x, y := centre(controlRect(t, ctx, "next"))
	tap(t, ctx, false, x, y)
	frames(t, ctx, 3)
	if st := state(t, ctx); st.Input["test"] != 1.0 || st.Label != 2 || st.Predicted != 2 {
		t.Errorf("Next while the test set is held back: input %v, label %d, predicted %d; want test image 1, a 2, predicted as 2",
			st.Input, st.Label, st.Predicted)
	}
	for i := 0; i < 100 && !askedForTestSet(ctx); i++ {
		frames(t, ctx, 2)
	}
	if !askedForTestSet(ctx) {
		t.Fatalf("Next did not ask for the test set; requests %q", requests(ctx))
	}
	// The next 3 needs the whole set: the press waits for it.
	x, y = centre(controlRect(t, ctx, "class-3"))
	tap(t, ctx, false, x, y)
	frames(t, ctx, 3)
	if st := state(t, ctx); st.Input["test"] != 1.0 {
		t.Errorf("the next 3 while the test set is held back: input %v, want test image 1 still", st.Input)
	}

	close(release)
	released = true
	waitApp(t, ctx)
	frames(t, ctx, 3)
	// Test image 18 is the first 3 after image 1.
	after := state(t, ctx)
	if loaded := testSetLoaded(t, ctx); !loaded || after.Input["test"] != 18.0 || after.Label != 3 {
		t.Errorf("after the test set: loaded %v, input %v, label %d; want loaded, test image 18, a 3",
			loaded, after.Input, after.Label)
	}
	noConsoleErrors(t, ctx)
}

// TestFirstLoad loads the page as a first-time visitor would and checks
// what it downloads until the first prediction has been shown and a few
// frames drawn: at most pageWeightGoal bytes in all, as the browser
// received them (Resource Timing's encodedBodySize), the program
// compressed; then it browses, which brings the test set. It measures the time from
// navigation to the first prediction shown and, without -short, asserts
// firstPredictionGoal: the best of up to three fresh loads counts, since
// this machine is shared.
func TestFirstLoad(t *testing.T) {
	best := math.Inf(1)
	goal := float64(firstPredictionGoal.Milliseconds())
	for try := 0; try < 3 && best > goal; try++ {
		ctx := openPage(t, "")
		first := waitTiming(t, ctx, "firstPrediction", readyTimeout)
		timings := evalJS[map[string]float64](t, ctx, `window.cnnvizTimings`)
		t.Logf("load %d: first prediction at %.0f ms after navigation; timings %v", try+1, first, timings)
		best = min(best, first)
		if try > 0 {
			continue
		}
		frames(t, ctx, 30)
		sent, decoded := downloads(t, ctx, true)
		t.Logf("page weight: %.2f MB sent (goal %.2f MB), %.2f MB decoded", sent/1e6, pageWeightGoal/1e6, decoded/1e6)
		if sent > pageWeightGoal {
			t.Errorf("the first load downloaded %.2f MB, want at most %.2f MB", sent/1e6, pageWeightGoal/1e6)
		}
		if askedForTestSet(ctx) {
			t.Errorf("the first load asked for the test set, which nothing needed yet")
		}
		// ready() asks for the test set, as browsing would.
		waitApp(t, ctx)
		all, _ := downloads(t, ctx, false)
		t.Logf("with the test set, once asked for: %.2f MB sent", all/1e6)
		noConsoleErrors(t, ctx)
	}
	t.Logf("best first prediction: %.0f ms after navigation (goal %v)", best, firstPredictionGoal)
	if best > goal && !testing.Short() {
		t.Errorf("first prediction %.0f ms after navigation (best of 3 loads), want at most %v", best, firstPredictionGoal)
	}
}

// downloads sums what the page has downloaded from the site so far, as
// sent and as decoded (Resource Timing), logging each file if show, and
// checks that the program came compressed.
func downloads(t *testing.T, ctx context.Context, show bool) (sent, decoded float64) {
	t.Helper()
	res := evalJS[[]resource](t, ctx, `performance.getEntriesByType("navigation").concat(performance.getEntriesByType("resource")).map(e => ({name: e.name, encodedBodySize: e.encodedBodySize, decodedBodySize: e.decodedBodySize, responseEnd: e.responseEnd}))`)
	program := false
	for _, r := range res {
		u, err := url.Parse(r.Name)
		if err != nil || !strings.HasPrefix(r.Name, siteURL) {
			continue
		}
		sent += r.Encoded
		decoded += r.Decoded
		if show {
			t.Logf("%-40s %9.0f bytes sent, %9.0f decoded, done at %5.0f ms", u.Path, r.Encoded, r.Decoded, r.End)
		}
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
	return sent, decoded
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
