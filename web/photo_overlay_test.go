//go:build browser

package web

// Tests of colour models in the page: attribution maps drawn on the
// uploaded photo at its resolution, and cnnviz.maximize's colour space.

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// photoOverlayState is what cnnviz.attributionView() says of the overlay.
type photoOverlayState struct {
	attrViewState
	OverlaySize []int `json:"overlaySize"`
	OnPhoto     bool  `json:"onPhoto"`
}

// stripeEdges counts the changes of more than 48 grey levels between
// neighbours along the middle row of img.
func stripeEdges(img image.Image) int {
	b := img.Bounds()
	y := (b.Min.Y + b.Max.Y) / 2
	n, prev := 0, -1
	for x := b.Min.X; x < b.Max.X; x++ {
		r, g, bl, _ := img.At(x, y).RGBA()
		v := int((r + g + bl) / 3 >> 8)
		if prev >= 0 && (v-prev > 48 || prev-v > 48) {
			n++
		}
		prev = v
	}
	return n
}

// TestPhotoOverlay uploads a 2048×2048 picture of black and white stripes
// 32 pixels apart under tinyvgg. The model's 64×64 input averages each
// stripe pair into one flat grey pixel; the attribution overlay, at
// opacity 0, is drawn on the photo's crop at 512×512 (the upload's copy)
// and the screen shows the stripes. With the toggle on the model input the
// same overlay is flat.
func TestPhotoOverlay(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 2048, 2048))
	for i := range img.Pix {
		if i%2048%32 < 16 {
			img.Pix[i] = 255
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "stripes.png")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := openPage(t, "")
	waitApp(t, ctx)
	evalJS[chromedp.Void](t, ctx, `cnnviz.setState({model: "tinyvgg"}).then(() => undefined)`)
	waitState(t, ctx, "tinyvgg", func(s colourState) bool { return s.Model == "tinyvgg" })
	if err := chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.CSS("#cnnviz-upload"), []string{path})); err != nil {
		t.Fatal(err)
	}
	waitState(t, ctx, "the uploaded stripes", func(s colourState) bool { return s.Input["kind"] == "upload" })
	dpr := evalJS[float64](t, ctx, `devicePixelRatio`)
	for _, tc := range []struct {
		base       string
		size       string
		onPhoto    bool
		minEdges   int
		maxEdges   int
		screenshot string
	}{
		{"photo", "[512 512]", true, 40, 1 << 20, "overlay-photo"},
		{"input", "[512 512]", false, 0, 2, "overlay-input"},
	} {
		t.Run(tc.base, func(t *testing.T) {
			evalJS[chromedp.Void](t, ctx, fmt.Sprintf(`cnnviz.setState({view: "attribution", options: {alpha: "0", base: %q}}).then(() => undefined)`, tc.base))
			waitAttr(t, ctx, "gradcam", false)
			s := evalJS[photoOverlayState](t, ctx, `cnnviz.attributionView()`)
			if got := fmt.Sprint(s.OverlaySize); got != tc.size || s.OnPhoto != tc.onPhoto {
				t.Errorf("overlay image %s on the photo %v, want %s and %v", got, s.OnPhoto, tc.size, tc.onPhoto)
			}
			shot := crop(screenshot(t, ctx, tc.screenshot), s.Overlay, dpr)
			n := stripeEdges(shot)
			t.Logf("base %s: overlay %v drawn in %v CSS px, %d edges along its middle row", tc.base, s.OverlaySize, s.Overlay, n)
			if n < tc.minEdges || n > tc.maxEdges {
				t.Errorf("%d edges along the overlay's middle row, want %d..%d", n, tc.minEdges, tc.maxEdges)
			}
		})
	}
	// A real photo at the default opacity, for the README.
	rocket, err := filepath.Abs(filepath.Join(repoRoot, "testdata/photos/rocket.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	evalJS[chromedp.Void](t, ctx, `cnnviz.setState({options: {alpha: "60", base: "photo"}}).then(() => undefined)`)
	if err := chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.CSS("#cnnviz-upload"), []string{rocket})); err != nil {
		t.Fatal(err)
	}
	waitState(t, ctx, "the rocket", func(s colourState) bool { return strings.Contains(s.Status, "rocket") })
	waitAttr(t, ctx, "gradcam", false)
	if s := evalJS[photoOverlayState](t, ctx, `cnnviz.attributionView()`); fmt.Sprint(s.OverlaySize) != "[854 854]" || !s.OnPhoto {
		t.Errorf("rocket.jpg (640×427): overlay %v on the photo %v, want its 427×427 crop doubled, [854 854]", s.OverlaySize, s.OnPhoto)
	}
	screenshot(t, ctx, "attribution-photo")
	noConsoleErrors(t, ctx)
}

// TestMaximizeColour runs cnnviz.maximize on tinyvgg in decorrelated and
// in plain colours: both give a [3, 64, 64] picture, different ones, the
// default is the decorrelated one, and a grey model refuses colour: true.
func TestMaximizeColour(t *testing.T) {
	ctx := openPage(t, "")
	waitApp(t, ctx)
	call := func(extra string) maximizeResult {
		t.Helper()
		return evalJS[maximizeResult](t, ctx, fmt.Sprintf(`cnnviz.maximize("tinyvgg", {layer: "conv_2_2", channel: 1, steps: 20, seed: 5%s}).then(r => ({shape: r.shape, data: Array.from(r.data), objective: r.objective}))`, extra))
	}
	def, dec, plain := call(""), call(", colour: true"), call(", colour: false")
	if fmt.Sprint(dec.Shape) != "[3 64 64]" {
		t.Fatalf("shape %v, want [3 64 64]", dec.Shape)
	}
	same := func(a, b maximizeResult) bool {
		for i := range a.Data {
			if a.Data[i] != b.Data[i] {
				return false
			}
		}
		return len(a.Data) == len(b.Data)
	}
	if !same(def, dec) {
		t.Errorf("the default differs from colour: true, want decorrelated colours by default")
	}
	if same(dec, plain) {
		t.Errorf("colour: true and colour: false gave the same picture")
	}
	_, err := evalErr[chromedp.Void](ctx, `cnnviz.maximize("mnist", {layer: "conv2", colour: true}).then(() => undefined)`)
	if err == nil || !strings.Contains(err.Error(), "3-channel") {
		t.Errorf("colour: true on mnist: error %v, want one about a 3-channel input", err)
	}
	// The view on tinyvgg, decorrelated and Fourier, for the README.
	evalJS[chromedp.Void](t, ctx, `cnnviz.setState({model: "tinyvgg"}).then(() => undefined)`)
	waitState(t, ctx, "tinyvgg", func(s colourState) bool { return s.Model == "tinyvgg" })
	st := runOne(t, ctx, "#model=tinyvgg&view=actmax&in=pcoffee&layer=conv_2_2&ch=3&o.am.fourier=1&o.am.snap=20&seed=1", "conv_2_2")
	if st.Mode != "single" || st.Step != 100 || st.Error != "" {
		t.Errorf("tinyvgg conv_2_2 channel 3: status %+v, want a finished run of 100 steps", st)
	}
	frames(t, ctx, 5)
	screenshot(t, ctx, "actmax-tinyvgg")
	noConsoleErrors(t, ctx)
}
