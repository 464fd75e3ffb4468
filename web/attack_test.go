//go:build browser

package web

// Tests of the Attacks view and cnnviz.attack: PGD stays within its
// radius and changes the prediction, the view shows the clean image, the
// amplified change and the attacked image, and bad options are rejected.

import (
	"fmt"
	"image"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// attackResult is what cnnviz.attack resolves to, typed arrays as arrays.
type attackResult struct {
	Method       string    `json:"method"`
	Clean        []float64 `json:"clean"`
	Adversarial  []float64 `json:"adversarial"`
	Perturbation []float64 `json:"perturbation"`
	Label        int       `json:"label"`
	CleanPred    int       `json:"cleanPred"`
	AdvPred      int       `json:"advPred"`
	LInf         float64   `json:"linf"`
	L2           float64   `json:"l2"`
	Success      bool      `json:"success"`
	Backwards    int       `json:"backwards"`
	Ms           float64   `json:"ms"`
}

// attackViewStatus is what cnnviz.attackView() resolves to.
type attackViewStatus struct {
	Error     string      `json:"error"`
	Done      bool        `json:"done"`
	Ms        float64     `json:"ms"`
	Method    string      `json:"method"`
	CleanPred int         `json:"cleanPred"`
	AdvPred   int         `json:"advPred"`
	LInf      float64     `json:"linf"`
	Success   bool        `json:"success"`
	Pictures  [][]float64 `json:"pictures"`
}

func TestAttackAPI(t *testing.T) {
	ctx := openPage(t, "#in=t0")
	waitApp(t, ctx)
	call := func(opts string) attackResult {
		t.Helper()
		return evalJS[attackResult](t, ctx, fmt.Sprintf(`cnnviz.attack(%s).then(r => ({...r, clean: Array.from(r.clean), adversarial: Array.from(r.adversarial), perturbation: Array.from(r.perturbation)}))`, opts))
	}
	for _, tc := range []struct {
		opts string
		l2   bool
		eps  float64
	}{
		{`{method: "pgd", eps: 0.3, steps: 40}`, false, 0.3},
		{`{method: "pgd", eps: 0.1, steps: 40, randomStart: true, seed: 3}`, false, 0.1},
		{`{method: "pgd", norm: "l2", eps: 2.5, steps: 40}`, true, 2.5},
	} {
		r := call(tc.opts)
		var linf, l2 float64
		for i, d := range r.Perturbation {
			if got := r.Adversarial[i] - r.Clean[i]; math.Abs(got-d) > 1e-6 {
				t.Fatalf("%s: perturbation[%d] = %v, want adversarial − clean = %v", tc.opts, i, d, got)
			}
			linf = max(linf, math.Abs(d))
			l2 += d * d
		}
		l2 = math.Sqrt(l2)
		norm := linf
		if tc.l2 {
			norm = l2
		}
		t.Logf("%s: %d → %d, L∞ %.4f, L2 %.3f, %.0f ms in the page", tc.opts, r.CleanPred, r.AdvPred, linf, l2, r.Ms)
		if norm > tc.eps+1e-6 {
			t.Errorf("%s: perturbation norm %v, want ≤ %v", tc.opts, norm, tc.eps)
		}
		if r.Label != 7 || r.CleanPred != 7 {
			t.Errorf("%s: label %d, clean prediction %d; want test image 0, a 7, recognized", tc.opts, r.Label, r.CleanPred)
		}
		if r.AdvPred == r.CleanPred || !r.Success {
			t.Errorf("%s: prediction %d → %d, want a change", tc.opts, r.CleanPred, r.AdvPred)
		}
	}
	// The goal: PGD-40 on one image under 1 s in the page. The best of
	// three runs is the figure, as a benchmark takes it, so that another
	// program busy on the machine does not decide the result.
	best := math.Inf(1)
	for range 3 {
		best = min(best, call(`{method: "pgd", eps: 0.3, steps: 40}`).Ms)
	}
	t.Logf("PGD-40 on one image: best of 3 runs %.0f ms in the page", best)
	if best > 1000 {
		t.Errorf("PGD-40 took %.0f ms in the page (best of 3), want under 1000 ms", best)
	}
	// The robust model, added on demand, resists the same attack on this image.
	rob := call(`{model: "robust", method: "pgd", eps: 0.3, steps: 40}`)
	t.Logf("robust model, PGD-40 eps 0.3 on test image 0: %d → %d", rob.CleanPred, rob.AdvPred)
	if rob.CleanPred != 7 {
		t.Errorf("robust model predicts %d for test image 0, want 7", rob.CleanPred)
	}
	one := call(`{method: "onepixel", population: 20, steps: 3, seed: 1}`)
	changed := 0
	for _, d := range one.Perturbation {
		if d != 0 {
			changed++
		}
	}
	if changed != 1 || one.Backwards != 0 {
		t.Errorf("one-pixel attack changed %d pixels with %d backward passes, want 1 and 0", changed, one.Backwards)
	}
	for _, tc := range []struct{ opts, want string }{
		{`{method: "magic"}`, `unknown attack "magic"`},
		{`{norm: "l7"}`, `norm "l7"`},
		{`{eps: -1}`, "options.eps must be a number"},
		{`{target: 12}`, "options.target"},
		{`{model: "nomodel"}`, "options.model must be one of"},
		{`{epsilon: 0.3}`, `unknown option "epsilon"`},
		{`{pixels: [1, 2]}`, "pixels"},
		{`7`, "options must be an object"},
	} {
		msg := evalJS[string](t, ctx, fmt.Sprintf(`cnnviz.attack(%s).then(() => "resolved", e => e.message)`, tc.opts))
		if !strings.Contains(msg, tc.want) {
			t.Errorf("attack(%s) = %q, want a rejection containing %q", tc.opts, msg, tc.want)
		}
	}
	noConsoleErrors(t, ctx)
}

func TestAttackView(t *testing.T) {
	ctx := openPage(t, "#view=attack&in=t0")
	waitApp(t, ctx)
	var s attackViewStatus
	deadline := time.Now().Add(time.Minute)
	for {
		s = evalJS[attackViewStatus](t, ctx, `cnnviz.attackView()`)
		if s.Done || s.Error != "" || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if !s.Done || s.Error != "" {
		t.Fatalf("attack view: %+v, want a finished attack", s)
	}
	t.Logf("the view's PGD-40 on test image 0: %d → %d, L∞ %.3f, %.0f ms", s.CleanPred, s.AdvPred, s.LInf, s.Ms)
	if s.Method != "pgd" || s.CleanPred != 7 || s.AdvPred == 7 || s.LInf > 0.3 {
		t.Errorf("attack view: %+v, want PGD turning the 7 into another digit within L∞ 0.3", s)
	}
	frames(t, ctx, 5)
	img := screenshot(t, ctx, "attack-pgd")
	dpr := evalJS[float64](t, ctx, `devicePixelRatio`)
	if len(s.Pictures) != 3 {
		t.Fatalf("%d picture rectangles, want 3", len(s.Pictures))
	}
	clean, change, adv := crop(img, s.Pictures[0], dpr), crop(img, s.Pictures[1], dpr), crop(img, s.Pictures[2], dpr)
	// The clean and attacked pictures are grey; the clean 7 has black
	// background and white ink; the attacked one differs from it in many
	// pixels; the amplified change is mostly strong red or blue.
	stats := func(im image.Image) (grey, bright, dark, coloured, n int) {
		b := im.Bounds()
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				r, g, bl, _ := im.At(x, y).RGBA()
				r, g, bl = r>>8, g>>8, bl>>8
				n++
				if r == g && g == bl {
					grey++
				}
				if r > 200 && g > 200 && bl > 200 {
					bright++
				}
				if r < 40 && g < 40 && bl < 40 {
					dark++
				}
				if int(r)-int(bl) > 80 || int(bl)-int(r) > 80 {
					coloured++
				}
			}
		}
		return
	}
	g, br, dk, _, n := stats(clean)
	if g < n*95/100 || br < n/20 || dk < n/2 {
		t.Errorf("clean picture: %d grey, %d bright, %d dark of %d pixels; want a grey 7 (white ink on black)", g, br, dk, n)
	}
	_, _, _, col, n := stats(change)
	if col < n/3 {
		t.Errorf("amplified change: %d of %d pixels strongly red or blue, want at least a third (PGD moves most pixels by eps)", col, n)
	}
	g, _, dk2, _, n := stats(adv)
	if g < n*95/100 || dk2 > dk*9/10 {
		t.Errorf("attacked picture: %d grey of %d, %d dark (clean %d); want grey with fewer pure-black pixels than the clean one", g, n, dk2, dk)
	}

	// Frame times while the robust-accuracy curve runs.
	evalJS[chromedp.Void](t, ctx, `(() => { window.__ft = []; const f = now => { window.__ft.push(now); requestAnimationFrame(f); }; requestAnimationFrame(f); })()`)
	rob := evalJS[map[string]any](t, ctx, `cnnviz.robustness({n: 20, steps: 10})`)
	ts := evalJS[[]float64](t, ctx, `(() => { const t = window.__ft; window.__ft = []; return t; })()`)
	med, p95, worst := frameStats(ts)
	t.Logf("robustness on 20 images, PGD-10: %v; frame time median %.1f ms, 95th percentile %.1f ms, worst %.1f ms over %d frames", rob, med, p95, worst, len(ts)-1)
	acc, _ := rob["accuracy"].([]any)
	for i := 1; i < len(acc); i++ {
		if acc[i].(float64) > acc[i-1].(float64) {
			t.Errorf("robust accuracy rose: %v", acc)
		}
	}
	if len(acc) != 7 {
		t.Errorf("robust accuracy at %d radii, want 7", len(acc))
	}
	if med > 20 {
		t.Errorf("median frame time while the curve runs = %.1f ms, want at most 20 ms", med)
	}
	noConsoleErrors(t, ctx)
}
