//go:build browser

package web

import (
	"bytes"
	"image"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// photoPNG is a w×h greyscale picture that compresses about as badly as
// a photo: a dark digit-like bar on noisy paper.
func photoPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, w, h))
	r := rand.New(rand.NewPCG(1, 2))
	for y := range h {
		for x := range w {
			v := 200 + r.IntN(56)
			if x > w*2/5 && x < w*3/5 && y > h/8 && y < h*7/8 {
				v = r.IntN(40)
			}
			img.Pix[y*w+x] = uint8(v)
		}
	}
	var b bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestLargeUpload uploads a 16-megapixel photo. It used to be decoded in
// one call that froze the page for seconds with no word; now it is read
// in steps: the page keeps drawing frames, the top bar shows the
// progress, and the picture becomes the input.
func TestLargeUpload(t *testing.T) {
	path := filepath.Join(t.TempDir(), "photo.png")
	b := photoPNG(t, 4000, 4000)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("photo.png: %.1f MB for 4000×4000 pixels", float64(len(b))/1e6)
	ctx := openPage(t, "#in=t3")
	waitApp(t, ctx)
	// Record the longest gap between animation frames from now on.
	evalJS[chromedp.Void](t, ctx, `(() => { window.__gap = 0; let last = performance.now();
		const f = t => { window.__gap = Math.max(window.__gap, t - last); last = t; requestAnimationFrame(f); };
		requestAnimationFrame(f); })()`)
	if err := chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.CSS("#cnnviz-upload"), []string{path})); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	var progress []float64
	for time.Since(start) < 60*time.Second {
		st := evalJS[map[string]any](t, ctx, `cnnviz.state()`)
		up := st["upload"].(map[string]any)
		if up["active"] == true {
			progress = append(progress, up["progress"].(float64))
		} else if st["input"].(map[string]any)["kind"] == "upload" {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	took := time.Since(start)
	gap := evalJS[float64](t, ctx, `window.__gap`)
	t.Logf("read in %.1f s; %d progress readings; longest frame gap %.0f ms", took.Seconds(), len(progress), gap)
	if kind := state(t, ctx).Input["kind"]; kind != "upload" {
		t.Fatalf("input kind = %v after %v, want upload", kind, took)
	}
	var mid int
	for i, p := range progress {
		if p > 0 && p < 1 {
			mid++
		}
		if i > 0 && p < progress[i-1] {
			t.Errorf("progress went back from %g to %g", progress[i-1], p)
		}
	}
	if mid < 3 {
		t.Errorf("saw the progress between 0 and 100%% %d times (%v), want the upload read over many frames", mid, progress)
	}
	// The decoder's first step allocates the whole picture; no frame may
	// take anywhere near the seconds the whole decode takes.
	if gap > 1000 {
		t.Errorf("longest gap between frames %.0f ms while the photo was read, want under 1 s", gap)
	}
	noConsoleErrors(t, ctx)
}
