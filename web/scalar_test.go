//go:build browser

package web

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	ag "cnnviz/core/autograd"
	"cnnviz/core/tensor"
	"cnnviz/models"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// withoutSIMD is run in the page before its own scripts: it makes the
// browser look like one without WebAssembly SIMD, which rejects any module
// that uses SIMD instructions in WebAssembly.validate. (Every current
// browser has SIMD, so a real one is not at hand.)
const withoutSIMD = `(() => {
	const validate = WebAssembly.validate;
	// 0xfd is the prefix of every SIMD instruction; the loader's probe is a
	// tiny module, so the byte stands for SIMD there.
	WebAssembly.validate = bytes => {
		const b = new Uint8Array(bytes.buffer || bytes);
		if (b.length < 64 && b.includes(0xfd)) return false;
		return validate(bytes);
	};
})()`

// TestWithoutSIMD opens the page in a browser without WebAssembly SIMD:
// the served site falls back to the scalar build, which must compute
// what the native code computes and draw; the single-file copy, which
// carries only the SIMD build, must say so instead of failing blank.
func TestWithoutSIMD(t *testing.T) {
	t.Run("served site", func(t *testing.T) {
		ctx := newTab(t)
		if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: withoutSIMD}); err != nil {
			t.Fatal(err)
		}
		navigate(t, ctx, siteURL+"/#in=t5")
		waitApp(t, ctx)
		if p := evalJS[string](t, ctx, `window.cnnvizProgram`); p != "web/cnnviz-scalar.wasm" {
			t.Fatalf("program = %q, want web/cnnviz-scalar.wasm", p)
		}
		for _, r := range requests(ctx) {
			if strings.HasSuffix(r, "/web/cnnviz.wasm") {
				t.Errorf("the page downloaded the SIMD build too: %s", r)
			}
		}
		// The scalar kernels give the native logits of the shipped model.
		net, err := models.Builtin("convnetjs")
		if err != nil {
			t.Fatal(err)
		}
		pixels := randomPixels(784, 3)
		got := evalJS[[]float64](t, ctx, fmt.Sprintf(`cnnviz.predict("convnetjs", %s).then(r => Array.from(r.logits))`, jsArray(pixels)))
		want := net.Forward(ag.Constant(tensor.FromSlice(append([]float32(nil), pixels...), 1, 1, 28, 28)), nil).Value.Data
		if len(got) != len(want) {
			t.Fatalf("logits: %d values, want %d", len(got), len(want))
		}
		for i := range want {
			if d := math.Abs(got[i] - float64(want[i])); d > 2e-5*(1+math.Abs(float64(want[i]))) {
				t.Errorf("logit %d = %.6f in the scalar page, %.6f natively", i, got[i], want[i])
			}
		}
		st := state(t, ctx)
		if st.Input["test"] != 5.0 || len(st.Probs) != 10 {
			t.Errorf("state = %+v, want test image 5 predicted", st)
		}
		if img := screenshot(t, ctx, "scalar-page"); uniform(img) {
			t.Error("the scalar page's screenshot is a single colour")
		}
		noConsoleErrors(t, ctx)
	})
	t.Run("single file", func(t *testing.T) {
		src := os.Getenv("CNNVIZ_STANDALONE")
		if src == "" {
			t.Skip("CNNVIZ_STANDALONE is not set (./build.sh test sets it)")
		}
		ctx := newTab(t)
		if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: withoutSIMD}); err != nil {
			t.Fatal(err)
		}
		navigate(t, ctx, "file://"+filepath.ToSlash(src))
		var text string
		for i := 0; i < 50; i++ {
			frames(t, ctx, 2)
			text = evalJS[string](t, ctx, `(() => { const f = document.getElementById("cnnviz-fatal"); return f && !f.hidden ? f.innerText : ""; })()`)
			if text != "" {
				break
			}
		}
		if !strings.Contains(text, "WebAssembly SIMD") || !strings.Contains(text, "served site") {
			t.Errorf("message without SIMD = %q, want it to name WebAssembly SIMD and point to the served site", text)
		}
	})
}
