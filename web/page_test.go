//go:build browser

package web

import (
	"context"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// testLabels is a small data file that every page can fetch.
const testLabels = "web/data/t10k-labels-idx1-ubyte"

func TestPageLoads(t *testing.T) {
	ctx := openPage(t, "")
	waitReady(t, ctx)

	if got := evalJS[string](t, ctx, `typeof window.cnnviz`); got != "object" {
		t.Errorf("typeof window.cnnviz = %q, want object", got)
	}
	if evalJS[bool](t, ctx, `document.getElementById("cnnviz-loading") !== null`) {
		t.Errorf("the loading screen is still there after ready")
	}
	// The canvas that ebiten adds fills the viewport.
	size := evalJS[[]float64](t, ctx, `(() => {
		const c = document.querySelector("body > canvas");
		if (!c) return [];
		const r = c.getBoundingClientRect();
		return [r.width, r.height, innerWidth, innerHeight];
	})()`)
	if len(size) != 4 {
		t.Fatalf("no canvas in <body>")
	}
	if size[0] != size[2] || size[1] != size[3] {
		t.Errorf("canvas is %gx%g, viewport %gx%g", size[0], size[1], size[2], size[3])
	}
	checkFetch(t, ctx)
	checkDrawn(t, ctx, "page")

	if errs := consoleErrors(ctx); len(errs) > 0 {
		t.Errorf("console errors:\n%s", strings.Join(errs, "\n"))
	}
	if got := requests(ctx); !contains(got, siteURL+"/web/cnnviz.wasm") {
		t.Errorf("requests %q lack web/cnnviz.wasm", got)
	}
	// Last, as the browser logs the 404 as an error.
	checkFetchMissing(t, ctx)
}

func TestStandalone(t *testing.T) {
	src := os.Getenv("CNNVIZ_STANDALONE")
	if src == "" {
		// Bundle the current site into a temporary file.
		src = filepath.Join(t.TempDir(), "bundled.html")
		cmd := exec.Command("go", "run", "./cmd/bundle", "-root", ".", "-out", src)
		cmd.Dir = repoRoot
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go run ./cmd/bundle: %v\n%s", err, out)
		}
	}
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatalf("the standalone page: %v (run ./build.sh dist, or unset CNNVIZ_STANDALONE)", err)
	}
	// Open a copy that has nothing beside it.
	file := filepath.Join(t.TempDir(), "cnnviz-standalone.html")
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("standalone page: %s, %.1f MB", src, float64(len(b))/1e6)

	ctx := newTab(t)
	navigate(t, ctx, "file://"+filepath.ToSlash(file))
	waitReady(t, ctx)
	checkFetch(t, ctx)
	checkDrawn(t, ctx, "standalone")
	checkFetchMissing(t, ctx)
	if errs := consoleErrors(ctx); len(errs) > 0 {
		t.Errorf("console errors:\n%s", strings.Join(errs, "\n"))
	}
}

func TestMissingFeature(t *testing.T) {
	tests := []struct {
		name   string
		script string // runs before the page's own scripts
		want   string // in the text of the page
	}{
		{"no WebAssembly", `window.WebAssembly = undefined;`, "cannot run WebAssembly"},
		{"no WebGL 2", `(() => {
			const get = HTMLCanvasElement.prototype.getContext;
			HTMLCanvasElement.prototype.getContext = function (type, ...rest) {
				return type === "webgl2" ? null : get.call(this, type, ...rest);
			};
		})();`, "cannot draw with WebGL 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := newTab(t)
			_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument,
				page.AddScriptToEvaluateOnNewDocumentParams{Source: tt.script})
			if err != nil {
				t.Fatal(err)
			}
			navigate(t, ctx, siteURL+"/")
			outcome := evalJS[string](t, ctx, `window.cnnvizReady.then(() => "ready", e => "rejected: " + e.message)`)
			if !strings.HasPrefix(outcome, "rejected") {
				t.Errorf("cnnvizReady: %s, want it rejected", outcome)
			}
			text := evalJS[string](t, ctx, `document.body.innerText`)
			if !strings.Contains(text, tt.want) {
				t.Errorf("page text = %q, want it to contain %q", text, tt.want)
			}
			if evalJS[bool](t, ctx, `document.getElementById("cnnviz-fatal").hidden`) {
				t.Errorf("the message is hidden")
			}
			if r := requests(ctx); contains(r, siteURL+"/web/cnnviz.wasm") {
				t.Errorf("the page downloaded the program although it cannot run it")
			}
			screenshot(t, ctx, "missing-"+strings.ReplaceAll(tt.name, " ", "-"))
		})
	}
}

func TestErrorBanner(t *testing.T) {
	ctx := openPage(t, "")
	waitReady(t, ctx)
	const msg = "upload: photo.txt is not an image"
	evalJS[chromedp.Void](t, ctx, `window.cnnvizShowError("`+msg+`")`)
	if got := evalJS[string](t, ctx, `document.getElementById("cnnviz-errors").innerText`); !strings.Contains(got, msg) {
		t.Fatalf("banner text = %q, want %q", got, msg)
	}
	screenshot(t, ctx, "error-banner")

	tctx, cancel := context.WithTimeout(ctx, actionTimeout)
	defer cancel()
	if err := chromedp.Do(tctx, chromedp.Click(chromedp.CSS(".cnnviz-error button"))); err != nil {
		t.Fatalf("click the dismiss button: %v", err)
	}
	if n := evalJS[int](t, ctx, `document.querySelectorAll(".cnnviz-error").length`); n != 0 {
		t.Errorf("%d banners left after dismissing, want 0", n)
	}
}

// checkFetch checks that cnnvizFetch returns the bytes of a data file.
func checkFetch(t *testing.T, ctx context.Context) {
	t.Helper()
	want, err := os.ReadFile(filepath.Join(repoRoot, filepath.FromSlash(testLabels)))
	if err != nil {
		t.Fatal(err)
	}
	got := evalJS[[]int](t, ctx, `cnnvizFetch("`+testLabels+`").then(b => [b.length, b[0], b[1], b[b.length - 1]])`)
	wantHead := []int{len(want), int(want[0]), int(want[1]), int(want[len(want)-1])}
	if len(got) != 4 || got[0] != wantHead[0] || got[1] != wantHead[1] || got[2] != wantHead[2] || got[3] != wantHead[3] {
		t.Errorf("cnnvizFetch(%s) = [length, first, second, last] %v, want %v", testLabels, got, wantHead)
	}
}

// checkFetchMissing checks that cnnvizFetch rejects a missing file with a
// message that names it.
func checkFetchMissing(t *testing.T, ctx context.Context) {
	t.Helper()
	bad := evalJS[string](t, ctx, `cnnvizFetch("web/data/no-such-file").then(() => "resolved", e => e.message)`)
	if !strings.Contains(bad, "no-such-file") {
		t.Errorf("cnnvizFetch of a missing file: %q, want an error naming the file", bad)
	}
}

// checkDrawn waits until a screenshot shows more than one colour, that is,
// until the canvas has drawn something.
func checkDrawn(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		img := screenshot(t, ctx, name)
		if !uniform(img) {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("screenshot %s is a single colour after 15 s", name)
			return
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// uniform reports whether every pixel of img has the same colour.
func uniform(img image.Image) bool {
	b := img.Bounds()
	r0, g0, b0, a0 := img.At(b.Min.X, b.Min.Y).RGBA()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			if r != r0 || g != g0 || bl != b0 || a != a0 {
				return false
			}
		}
	}
	return true
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
