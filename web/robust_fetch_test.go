//go:build browser

package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// robustPage opens the page at hash from a server of the site that counts
// the requests for the robust model's file, and answers them with 404
// when fail is set; it waits for the page to be ready.
func robustPage(t *testing.T, fail bool, hash string) (context.Context, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	site := siteHandler(repoRoot)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/models/robust.safetensors" {
			n.Add(1)
			if fail {
				http.NotFound(w, r)
				return
			}
		}
		site.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	ctx := newTab(t)
	navigate(t, ctx, srv.URL+"/"+hash)
	waitApp(t, ctx)
	return ctx, &n
}

// modelNames returns the names cnnviz.models() lists.
func modelNames(t *testing.T, ctx context.Context) []string {
	t.Helper()
	return evalJS[[]string](t, ctx, `cnnviz.models().then(ms => ms.map(m => m.name))`)
}

// TestRobustFetchedOnDemand checks that the page's program does not carry
// the robust model and that the page does not download it on a first
// visit, then that calls naming it wait for one download and work.
func TestRobustFetchedOnDemand(t *testing.T) {
	ctx, n := robustPage(t, false, "")
	frames(t, ctx, 10)
	if got := n.Load(); got != 0 {
		t.Fatalf("the first visit asked for the robust model %d times", got)
	}
	for _, name := range modelNames(t, ctx) {
		if name == "robust" {
			t.Fatalf("robust listed before anything asked for it")
		}
	}
	// Four calls at once: one download, and each call's own answer.
	got := evalJS[map[string]any](t, ctx, `(async () => {
		const img = (await cnnviz.attack({method: "fgsm", eps: 0.01})).clean;
		const [pred, atk, st, bench] = await Promise.all([
			cnnviz.predict("robust", img),
			cnnviz.attack({model: "robust", method: "fgsm", eps: 0.3}),
			cnnviz.setState({model: "robust"}),
			cnnviz.bench("forward", {model: "robust", blocks: 1, blockMs: 5}),
		]);
		const argmax = a => a.indexOf(Math.max(...a));
		return {pred: argmax(Array.from(pred.probs)), clean: atk.cleanPred, model: st.model, predicted: st.predicted, benchMs: bench.minMs};
	})()`)
	t.Logf("robust model, test image 0: %v", got)
	if got["pred"] != 7.0 || got["clean"] != 7.0 || got["model"] != "robust" || got["predicted"] != 7.0 {
		t.Errorf("after the download: predict %v, attack's clean prediction %v, state model %v predicting %v; want 7, 7, robust, 7",
			got["pred"], got["clean"], got["model"], got["predicted"])
	}
	if ms, _ := got["benchMs"].(float64); !(ms > 0) {
		t.Errorf("bench of the robust model after the download: %v ms", got["benchMs"])
	}
	if got := n.Load(); got != 1 {
		t.Errorf("the robust model was downloaded %d times, want once", got)
	}
	noConsoleErrors(t, ctx)
}

// TestRobustLink opens a link to the robust model: the page starts with
// the standard model and turns to the robust one once it has arrived.
func TestRobustLink(t *testing.T) {
	ctx, n := robustPage(t, false, "#model=robust&view=attack")
	model := evalJS[string](t, ctx, `(async () => {
		for (let i = 0; i < 400; i++) {
			const s = await cnnviz.state();
			if (s.model === "robust") return s.model;
			await new Promise(r => setTimeout(r, 25));
		}
		return (await cnnviz.state()).model;
	})()`)
	if model != "robust" || n.Load() != 1 {
		t.Errorf("a link to the robust model: model %q after %d downloads, want robust after 1", model, n.Load())
	}
	noConsoleErrors(t, ctx)
}

// TestRobustMissing serves no robust model: a call that names it fails
// with a message that says so, and the page keeps its state.
func TestRobustMissing(t *testing.T) {
	ctx, _ := robustPage(t, true, "")
	before := state(t, ctx)
	msg := evalJS[string](t, ctx, `cnnviz.setState({model: "robust"}).then(() => "resolved", e => e.message)`)
	if !strings.Contains(msg, "could not load the robust model") || !strings.Contains(msg, "404") {
		t.Errorf("setState({model: robust}) without the file: %q, want a rejection that says the robust model could not load (HTTP 404)", msg)
	}
	after := state(t, ctx)
	if after.Model != before.Model || after.Predicted != before.Predicted {
		t.Errorf("state changed: model %s → %s, predicted %d → %d", before.Model, after.Model, before.Predicted, after.Predicted)
	}
	noConsoleErrorsExcept(t, ctx, "robust model", "robust.safetensors")
}
