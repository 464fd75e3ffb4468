//go:build browser

package web

// Tests of the app: views and layouts (with screenshots), drawing digits
// with synthetic mouse events, the JavaScript API against the same code
// run natively, links, uploads, and the speed figures of the README.

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"cnnviz/core/explorer"
	"cnnviz/models"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
)

// waitApp waits for the page and for cnnviz.ready(): the test set loaded
// and the first prediction made.
func waitApp(t *testing.T, ctx context.Context) {
	t.Helper()
	waitReady(t, ctx)
	evalJS[chromedp.Void](t, ctx, `cnnviz.ready().then(() => undefined)`)
}

// appState is what cnnviz.state() returns (the fields the tests read).
type appState struct {
	Model     string         `json:"model"`
	View      string         `json:"view"`
	Layer     string         `json:"layer"`
	Channel   int            `json:"channel"`
	Class     int            `json:"class"`
	Input     map[string]any `json:"input"`
	Hash      string         `json:"hash"`
	Predicted int            `json:"predicted"`
	Probs     []float64      `json:"probs"`
	Label     int            `json:"label"`
	Views     []string       `json:"views"`
	Canvas    []float64      `json:"canvas"`
	Narrow    bool           `json:"narrow"`
}

func state(t *testing.T, ctx context.Context) appState {
	t.Helper()
	return evalJS[appState](t, ctx, `cnnviz.state()`)
}

// frames waits for n animation frames.
func frames(t *testing.T, ctx context.Context, n int) {
	t.Helper()
	evalJS[chromedp.Void](t, ctx, fmt.Sprintf(`new Promise(r => { let n = %d; const f = () => (--n > 0 ? requestAnimationFrame(f) : r()); requestAnimationFrame(f); })`, n))
}

func noConsoleErrors(t *testing.T, ctx context.Context) {
	t.Helper()
	if errs := consoleErrors(ctx); len(errs) > 0 {
		t.Errorf("console errors:\n%s", strings.Join(errs, "\n"))
	}
}

func TestViews(t *testing.T) {
	ctx := openPage(t, "")
	waitApp(t, ctx)
	st := state(t, ctx)
	if len(st.Views) < 2 {
		t.Fatalf("views = %v, want at least layers and filters", st.Views)
	}
	for _, v := range st.Views {
		for _, layer := range []string{"", "conv2"} {
			js := fmt.Sprintf(`cnnviz.setState({view: %q, layer: %q, channel: 3, test: 7})`, v, layer)
			evalJS[chromedp.Void](t, ctx, js+`.then(() => undefined)`)
			frames(t, ctx, 3)
			name := "view-" + v
			if layer != "" {
				name += "-" + layer
			}
			img := screenshot(t, ctx, name)
			if uniform(img) {
				t.Errorf("screenshot %s is a single colour", name)
			}
		}
	}
	// The help overlay.
	if err := chromedp.Do(ctx, chromedp.KeyEvent("?")); err != nil {
		t.Fatal(err)
	}
	frames(t, ctx, 3)
	screenshot(t, ctx, "help")
	noConsoleErrors(t, ctx)
}

func TestLayouts(t *testing.T) {
	tests := []struct {
		name   string
		w, h   int64
		scale  float64
		narrow bool
	}{
		{"laptop-dpr2", 1280, 800, 2, false},
		{"tablet", 768, 1024, 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := newTab(t)
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(tt.w, tt.h, chromedp.EmulateScale(tt.scale))); err != nil {
				t.Fatal(err)
			}
			navigate(t, ctx, siteURL+"/#view=layers&layer=conv1&ch=2&in=t3")
			waitApp(t, ctx)
			frames(t, ctx, 5)
			st := state(t, ctx)
			if st.Narrow != tt.narrow {
				t.Errorf("narrow layout = %v, want %v", st.Narrow, tt.narrow)
			}
			c := st.Canvas
			if len(c) != 4 || c[0] < 0 || c[1] < 0 || c[2] > float64(tt.w) || c[3] > float64(tt.h) || c[2]-c[0] < 150 {
				t.Errorf("drawing surface %v does not fit the %dx%d viewport", c, tt.w, tt.h)
			}
			img := screenshot(t, ctx, "layout-"+tt.name)
			if got := img.Bounds().Dx(); got != int(float64(tt.w)*tt.scale) {
				t.Errorf("screenshot width %d, want %d", got, int(float64(tt.w)*tt.scale))
			}
			noConsoleErrors(t, ctx)
		})
	}
}

// mouse sends one mouse event at CSS pixel (x, y).
func mouse(t *testing.T, ctx context.Context, typ input.DispatchMouseEventType, x, y float64) {
	t.Helper()
	p := input.DispatchMouseEventParams{Type: typ, X: x, Y: y, Button: input.MouseButtonLeft, Buttons: 1, ClickCount: 1}
	if typ == input.DispatchMouseEventTypeMouseReleased {
		p.Buttons = 0
	}
	if _, err := chromedp.Call(ctx, input.DispatchMouseEvent, p); err != nil {
		t.Fatalf("mouse %s at (%.0f, %.0f): %v", typ, x, y, err)
	}
}

// drawStrokes draws strokes given in surface units (0..1) on the drawing
// surface with mouse events, about 60 moves a second as a hand would.
func drawStrokes(t *testing.T, ctx context.Context, canvas []float64, strokes [][][2]float64) {
	t.Helper()
	at := func(p [2]float64) (float64, float64) {
		return canvas[0] + p[0]*(canvas[2]-canvas[0]), canvas[1] + p[1]*(canvas[3]-canvas[1])
	}
	for _, s := range strokes {
		x, y := at(s[0])
		mouse(t, ctx, input.DispatchMouseEventTypeMouseMoved, x, y)
		time.Sleep(30 * time.Millisecond)
		mouse(t, ctx, input.DispatchMouseEventTypeMousePressed, x, y)
		time.Sleep(30 * time.Millisecond)
		for i := 1; i < len(s); i++ {
			const steps = 8
			for k := 1; k <= steps; k++ {
				f := float64(k) / steps
				x, y := at([2]float64{s[i-1][0] + f*(s[i][0]-s[i-1][0]), s[i-1][1] + f*(s[i][1]-s[i-1][1])})
				mouse(t, ctx, input.DispatchMouseEventTypeMouseMoved, x, y)
				time.Sleep(17 * time.Millisecond)
			}
		}
		x, y = at(s[len(s)-1])
		time.Sleep(30 * time.Millisecond)
		mouse(t, ctx, input.DispatchMouseEventTypeMouseReleased, x, y)
		time.Sleep(30 * time.Millisecond)
	}
}

// digits are hand-made strokes of a one and a seven.
var digits = []struct {
	digit   int
	strokes [][][2]float64
}{
	{1, [][][2]float64{{{0.52, 0.15}, {0.5, 0.5}, {0.48, 0.85}}}},
	{7, [][][2]float64{{{0.25, 0.2}, {0.75, 0.2}, {0.6, 0.5}, {0.45, 0.85}}}},
}

func TestDrawDigits(t *testing.T) {
	ctx := openPage(t, "")
	waitApp(t, ctx)
	for _, d := range digits {
		t.Run(fmt.Sprint(d.digit), func(t *testing.T) {
			// Show a test image, so that the next stroke starts a new drawing.
			evalJS[chromedp.Void](t, ctx, `cnnviz.setState({test: 0}).then(() => undefined)`)
			frames(t, ctx, 2)
			st := state(t, ctx)
			drawStrokes(t, ctx, st.Canvas, d.strokes)
			frames(t, ctx, 3)
			st = state(t, ctx)
			screenshot(t, ctx, fmt.Sprintf("drawn-%d", d.digit))
			if st.Input["kind"] != "drawing" || st.Input["strokes"] != float64(len(d.strokes)) {
				t.Fatalf("input after drawing = %v, want a drawing of %d strokes", st.Input, len(d.strokes))
			}
			if !strings.HasPrefix(st.Hash, "#in=d") {
				t.Errorf("hash = %q, want the strokes in it", st.Hash)
			}
			if st.Predicted != d.digit {
				t.Errorf("drawing a %d: predicted %d (probabilities %.3f); with placeholder weights this fails", d.digit, st.Predicted, st.Probs)
			}
		})
	}
	noConsoleErrors(t, ctx)
}

// randomPixels returns n seeded values in [0, 1].
func randomPixels(n int, seed uint64) []float32 {
	r := rand.New(rand.NewPCG(seed, 99))
	p := make([]float32, n)
	for i := range p {
		if r.IntN(3) == 0 {
			p[i] = r.Float32()
		}
	}
	return p
}

func jsArray(p []float32) string {
	var b strings.Builder
	b.WriteString("new Float32Array([")
	for i, v := range p {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%.9g", v)
	}
	b.WriteString("])")
	return b.String()
}

// closeTo compares got with want to 1e-5, relative to the largest |want|.
func closeTo(t *testing.T, what string, got []float64, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	scale := 1.0
	for _, w := range want {
		scale = math.Max(scale, math.Abs(float64(w)))
	}
	worst, at := 0.0, 0
	for i := range got {
		if d := math.Abs(got[i] - float64(want[i])); d > worst {
			worst, at = d, i
		}
	}
	if worst > 1e-5*scale {
		t.Errorf("%s[%d] = %g, native %g (largest difference %g, tolerance %g)", what, at, got[at], want[at], worst, 1e-5*scale)
	}
}

func TestAPIMatchesNative(t *testing.T) {
	ctx := openPage(t, "")
	waitApp(t, ctx)
	type info struct {
		Name       string `json:"name"`
		InputShape []int  `json:"inputShape"`
		Layers     []struct {
			Name     string `json:"name"`
			OutShape []int  `json:"outShape"`
		} `json:"layers"`
	}
	ms := evalJS[[]info](t, ctx, `cnnviz.models()`)
	if len(ms) < 2 || ms[0].Name != "mnist" || ms[1].Name != "convnetjs" {
		t.Fatalf("models() = %+v, want mnist and convnetjs", ms)
	}
	for mi, name := range []string{"mnist", "convnetjs"} {
		net, err := models.Builtin(name)
		if err != nil {
			t.Fatal(err)
		}
		if len(ms[mi].Layers) != len(net.Spec.Layers) {
			t.Errorf("models()[%d] has %d layers, want %d", mi, len(ms[mi].Layers), len(net.Spec.Layers))
		}
		for seed := uint64(1); seed <= 2; seed++ {
			pix := randomPixels(784, seed)
			arr := jsArray(pix)
			logits, probs := explorer.Predict(net, pix)
			got := evalJS[map[string][]float64](t, ctx, fmt.Sprintf(`cnnviz.predict(%q, %s).then(r => ({logits: Array.from(r.logits), probs: Array.from(r.probs)}))`, name, arr))
			closeTo(t, name+" logits", got["logits"], logits)
			closeTo(t, name+" probs", got["probs"], probs)
			class := int(seed) * 3
			grad := explorer.InputGradient(net, pix, class)
			g := evalJS[struct {
				Shape []int     `json:"shape"`
				Data  []float64 `json:"data"`
			}](t, ctx, fmt.Sprintf(`cnnviz.inputGradient(%q, %s, %d).then(r => ({shape: r.shape, data: Array.from(r.data)}))`, name, arr, class))
			if fmt.Sprint(g.Shape) != "[1 28 28]" {
				t.Errorf("inputGradient shape = %v, want [1 28 28]", g.Shape)
			}
			closeTo(t, name+" inputGradient", g.Data, grad.Data)
			// activations lists every layer in the model's layer order.
			type act struct {
				Layer string    `json:"layer"`
				Shape []int     `json:"shape"`
				Data  []float64 `json:"data"`
			}
			acts := evalJS[[]act](t, ctx, fmt.Sprintf(`cnnviz.activations(%q, %s).then(r => r.map(a => ({layer: a.layer, shape: a.shape, data: Array.from(a.data)})))`, name, arr))
			var gotOrder, wantOrder []string
			for _, a := range acts {
				gotOrder = append(gotOrder, a.Layer)
			}
			for _, l := range net.Spec.Layers {
				wantOrder = append(wantOrder, l.Name)
			}
			if !slices.Equal(gotOrder, wantOrder) {
				t.Fatalf("activations layers = %v, want the model's order %v", gotOrder, wantOrder)
			}
			for i, want := range explorer.Activations(net, pix) {
				if fmt.Sprint(acts[i].Shape) != fmt.Sprint(net.OutShape(i)) {
					t.Errorf("activations %s shape = %v, want %v", want.Name, acts[i].Shape, net.OutShape(i))
				}
				closeTo(t, name+" activations "+want.Name, acts[i].Data, want.Data)
			}
		}
	}
	// Bad arguments reject with a message that says what was wrong.
	bad := []struct{ call, want string }{
		{`cnnviz.predict("nope", new Float32Array(784))`, `no model "nope"`},
		{`cnnviz.predict("mnist", new Float32Array(10))`, "10 values"},
		{`cnnviz.predict("mnist", "pixels")`, "Float32Array"},
		{`cnnviz.predict("mnist", new Float32Array(784).fill(2))`, "outside 0..1"},
		{`cnnviz.predict("mnist", new Float32Array(784).fill(NaN))`, "outside 0..1"},
		{`cnnviz.predict("mnist")`, "2 arguments"},
		{`cnnviz.inputGradient("mnist", new Float32Array(784), 10)`, "classIndex must be a whole number in 0..9"},
		{`cnnviz.inputGradient("mnist", new Float32Array(784), 1.5)`, "classIndex"},
		{`cnnviz.loadModel(new Uint8Array([1, 2, 3]))`, "model file"},
		{`cnnviz.loadModel(42)`, "Uint8Array"},
		{`cnnviz.bench("nap")`, "unknown workload"},
		{`cnnviz.bench("forward", {model: "nope"})`, "options.model must be one of mnist"},
		{`cnnviz.bench("trainStep", {model: "mnist"})`, "convnetjs architecture only"},
		{`cnnviz.setState({view: "nope"})`, `no view "nope"`},
		{`cnnviz.setState({test: -4})`, "test must be"},
		{`cnnviz.setState({hash: "#ch=x"})`, "ch"},
	}
	for _, b := range bad {
		got := evalJS[string](t, ctx, b.call+`.then(() => "resolved", e => (e instanceof Error ? "Error: " : "not an Error: ") + e.message)`)
		if !strings.HasPrefix(got, "Error: ") || !strings.Contains(got, b.want) {
			t.Errorf("%s: %q, want a rejected Error containing %q", b.call, got, b.want)
		}
	}
	// loadModel adds a model that predict can use.
	mb, err := models.BuiltinBytes("convnetjs")
	if err != nil {
		t.Fatal(err)
	}
	name := evalJS[string](t, ctx, fmt.Sprintf(`cnnviz.loadModel(Uint8Array.from(atob(%q), c => c.charCodeAt(0)))`, b64(mb)))
	if name != "convnetjs-2" {
		t.Errorf("loadModel = %q, want convnetjs-2", name)
	}
	n := evalJS[int](t, ctx, `cnnviz.predict("convnetjs-2", new Float32Array(784)).then(r => r.probs.length)`)
	if n != 10 {
		t.Errorf("predict with the loaded model: %d probabilities, want 10", n)
	}
	// bench times a model of one's own: tinyvgg (64×64 colour) does about
	// ten times convnetjs's multiply-adds.
	own := evalJS[[]float64](t, ctx, `Promise.all([cnnviz.bench("forward", {model: "tinyvgg", blocks: 3}), cnnviz.bench("forward", {blocks: 3})]).then(rs => rs.map(r => r.minMs))`)
	t.Logf("bench forward: tinyvgg %.3f ms, convnetjs %.3f ms", own[0], own[1])
	if own[0] <= own[1] {
		t.Errorf("bench forward with {model: tinyvgg} took %.3f ms, no longer than convnetjs's %.3f ms", own[0], own[1])
	}
	noConsoleErrors(t, ctx)
}

func TestLinkRestoresState(t *testing.T) {
	const hash = "#model=convnetjs&view=filters&layer=conv2&ch=3&class=5&in=t42&o.cmap=grey"
	ctx := openPage(t, hash)
	waitApp(t, ctx)
	st := state(t, ctx)
	if st.Model != "convnetjs" || st.View != "filters" || st.Layer != "conv2" || st.Channel != 3 || st.Class != 5 ||
		st.Input["kind"] != "test" || st.Input["test"] != 42.0 {
		t.Errorf("state after opening %s = %+v", hash, st)
	}
	if st.Hash != hash {
		t.Errorf("state hash = %q, want %q", st.Hash, hash)
	}
	// A change of state reaches the address bar.
	evalJS[chromedp.Void](t, ctx, `cnnviz.setState({view: "layers", test: 7}).then(() => undefined)`)
	time.Sleep(400 * time.Millisecond)
	frames(t, ctx, 3)
	loc := evalJS[string](t, ctx, `location.hash`)
	u, _ := url.ParseQuery(strings.TrimPrefix(loc, "#"))
	if u.Get("in") != "t7" || u.Get("view") != "" || u.Get("model") != "convnetjs" {
		t.Errorf("location.hash = %q, want in=t7, the default view left out, model=convnetjs", loc)
	}
	// A drawn link restores the drawing.
	draw := "#in=d" + explorer.EncodeStrokes(nil)
	ctx2 := openPage(t, draw)
	waitApp(t, ctx2)
	if st := state(t, ctx2); st.Input["kind"] != "drawing" {
		t.Errorf("input after opening %s = %v, want a drawing", draw, st.Input)
	}
	// A bad link shows a message and keeps running.
	ctx3 := openPage(t, "#model=nope&ch=x")
	waitApp(t, ctx3)
	banner := evalJS[string](t, ctx3, `document.getElementById("cnnviz-errors").innerText`)
	if !strings.Contains(banner, "ch") {
		t.Errorf("banner = %q, want it to name the bad field", banner)
	}
	if st := state(t, ctx3); st.Model != "mnist" {
		t.Errorf("model after a bad link = %q, want mnist", st.Model)
	}
}

// hugePNG writes a valid 1-bit grey PNG of w×h black pixels, row by row,
// without holding the image in memory.
func hugePNG(w, h int) []byte {
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&out, binary.BigEndian, uint32(len(data)))
		c := append([]byte(typ), data...)
		out.Write(c)
		binary.Write(&out, binary.BigEndian, crc32.ChecksumIEEE(c))
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = 1, 0 // 1 bit, greyscale
	chunk("IHDR", ihdr)
	var z bytes.Buffer
	zw, _ := zlibWriter(&z)
	row := make([]byte, 1+(w+7)/8)
	for y := 0; y < h; y++ {
		zw.Write(row)
	}
	zw.Close()
	chunk("IDAT", z.Bytes())
	chunk("IEND", nil)
	return out.Bytes()
}

func digitPNG() []byte {
	img := image.NewGray(image.Rect(0, 0, 120, 120))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	// A thick vertical bar: a "1" in dark ink on white paper.
	for y := 15; y < 105; y++ {
		for x := 52; x < 66; x++ {
			img.SetGray(x, y, color.Gray{10})
		}
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}

func TestUploads(t *testing.T) {
	dir := t.TempDir()
	files := map[string][]byte{
		"digit.png": digitPNG(),
		"notes.txt": []byte("this is a text file, not a picture\n"),
		"huge.png":  hugePNG(20000, 20000),
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("huge.png: %d bytes for 20000×20000 pixels", len(files["huge.png"]))
	ctx := openPage(t, "")
	waitApp(t, ctx)
	tests := []struct {
		file       string
		wantBanner string // "" for none
		wantKind   string
	}{
		{"digit.png", "", "upload"},
		{"notes.txt", "not a PNG or JPEG", "upload"},
		{"huge.png", "20000×20000", "upload"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			evalJS[chromedp.Void](t, ctx, `document.getElementById("cnnviz-errors").innerHTML = ""`)
			if err := chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.CSS("#cnnviz-upload"), []string{filepath.Join(dir, tt.file)})); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(10 * time.Second)
			var banner string
			for time.Now().Before(deadline) {
				frames(t, ctx, 2)
				banner = evalJS[string](t, ctx, `document.getElementById("cnnviz-errors").innerText`)
				if tt.wantBanner != "" && banner != "" {
					break
				}
				if tt.wantBanner == "" && state(t, ctx).Input["kind"] == tt.wantKind {
					break
				}
			}
			if tt.wantBanner == "" && banner != "" {
				t.Errorf("banner %q after uploading %s", banner, tt.file)
			}
			if !strings.Contains(banner, tt.wantBanner) || (tt.wantBanner != "" && !strings.Contains(banner, tt.file)) {
				t.Errorf("banner = %q, want it to name %s and contain %q", banner, tt.file, tt.wantBanner)
			}
			st := state(t, ctx)
			if st.Input["kind"] != tt.wantKind {
				t.Errorf("input kind = %v, want %s", st.Input["kind"], tt.wantKind)
			}
			if tt.file == "digit.png" && st.Predicted != 1 {
				t.Logf("the uploaded bar is predicted %d (probabilities %.3f)", st.Predicted, st.Probs)
			}
			// Still responsive: frames advance and the API answers.
			frames(t, ctx, 3)
			if n := evalJS[int](t, ctx, `cnnviz.predict("mnist", new Float32Array(784)).then(r => r.probs.length)`); n != 10 {
				t.Errorf("predict after the upload: %d probabilities", n)
			}
			screenshot(t, ctx, "upload-"+strings.TrimSuffix(tt.file, filepath.Ext(tt.file)))
		})
	}
}

func TestExport(t *testing.T) {
	ctx := openPage(t, "#in=t1")
	waitApp(t, ctx)
	for _, panel := range []string{"main", "prediction", "input"} {
		evalJS[chromedp.Void](t, ctx, fmt.Sprintf(`cnnviz.export(%q).then(() => undefined)`, panel))
		frames(t, ctx, 3)
		got := evalJS[map[string]any](t, ctx, `cnnviz.lastExport()`)
		if name, _ := got["name"].(string); !strings.HasPrefix(name, "cnnviz-") || !strings.HasSuffix(name, ".png") || got["size"].(float64) < 1000 {
			t.Errorf("export(%s): last export %v, want a PNG file of some size", panel, got)
		}
	}
	noConsoleErrors(t, ctx)
}

func TestStandaloneApp(t *testing.T) {
	src := os.Getenv("CNNVIZ_STANDALONE")
	if src == "" {
		t.Skip("CNNVIZ_STANDALONE is not set (./build.sh test sets it); TestStandalone covers the bundle")
	}
	ctx := newTab(t)
	navigate(t, ctx, "file://"+filepath.ToSlash(src)+"#in=t5")
	waitApp(t, ctx)
	st := state(t, ctx)
	if st.Input["test"] != 5.0 || len(st.Probs) != 10 {
		t.Errorf("standalone state = %+v, want test image 5 predicted", st)
	}
	// The robust model, which the served page fetches, comes from the
	// file itself.
	if m := evalJS[string](t, ctx, `cnnviz.setState({model: "robust"}).then(s => s.model, e => e.message)`); m != "robust" {
		t.Errorf("standalone: setState({model: robust}) gave %q", m)
	}
	screenshot(t, ctx, "standalone-app")
	noConsoleErrors(t, ctx)
}

// TestSpeed measures the figures of the README: page weight, time to the
// first prediction, frame times while idle and while drawing, and the
// bench workloads.
func TestSpeed(t *testing.T) {
	ctx := openPage(t, "")
	waitApp(t, ctx)
	frames(t, ctx, 10)
	timings := evalJS[map[string]float64](t, ctx, `window.cnnvizTimings`)
	t.Logf("timings (ms after navigation): %v", timings)
	if timings["firstPrediction"] <= 0 {
		t.Errorf("no first prediction timing")
	}
	// Every file the page loaded by now, ready() having asked for the
	// test set, gzipped (TestFirstLoad measures what a first visit sends).
	var raw, gz int
	seen := map[string]bool{}
	for _, r := range requests(ctx) {
		u, err := url.Parse(r)
		if err != nil || !strings.HasPrefix(r, siteURL) || seen[u.Path] {
			continue
		}
		seen[u.Path] = true
		p := u.Path
		if p == "/" {
			p = "/index.html"
		}
		b, err := os.ReadFile(filepath.Join(repoRoot, filepath.FromSlash(p)))
		if err != nil {
			continue
		}
		raw += len(b)
		gz += gzipSize(b)
		t.Logf("loaded %s: %d bytes, %d gzipped", p, len(b), gzipSize(b))
	}
	t.Logf("files loaded once ready() resolved (the test set among them): %.2f MB raw, %.2f MB gzipped", float64(raw)/1e6, float64(gz)/1e6)

	// Frame times from requestAnimationFrame, idle and while drawing a
	// digit. The goal is 60 fps (16.7 ms a frame) in both cases; the check
	// allows 20 ms. This machine's two cores are shared with other work, so
	// one measurement can catch a busy moment: each is taken up to three
	// times and the best median counts.
	evalJS[chromedp.Void](t, ctx, `(() => { window.__ft = []; const f = now => { window.__ft.push(now); requestAnimationFrame(f); }; requestAnimationFrame(f); })()`)
	take := func() []float64 {
		return evalJS[[]float64](t, ctx, `(() => { const t = window.__ft; window.__ft = []; return t; })()`)
	}
	st := state(t, ctx)
	var strokes [][][2]float64
	for i := 0; i < 3; i++ {
		strokes = append(strokes, digits[1].strokes...)
	}
	// The goal is 60 fps (16.7 ms) idle and while drawing a digit: the
	// pen is drawn in a small overlay and the panels follow four times a
	// second through the presenter (wasm/pen.go, wasm/present.go).
	for _, m := range []struct {
		name  string
		run   func()
		limit float64
	}{
		{"idle", func() { time.Sleep(2 * time.Second) }, 20},
		{"drawing", func() { drawStrokes(t, ctx, st.Canvas, strokes) }, 20},
	} {
		limit := m.limit
		best := math.Inf(1)
		for try := 0; try < 3 && best > limit; try++ {
			take()
			m.run()
			ts := take()
			med, p95, worst := frameStats(ts)
			t.Logf("frame time %s: median %.1f ms, 95th percentile %.1f ms, worst %.1f ms over %d frames; Go per tick (smoothed): %v",
				m.name, med, p95, worst, len(ts)-1, evalJS[map[string]any](t, ctx, `cnnviz.state().then(s => s.perf)`))
			if len(ts) > 10 {
				best = min(best, med)
			}
			frames(t, ctx, 5)
		}
		if best > limit {
			t.Errorf("median frame time %s = %.1f ms (best of 3), want at most %.0f ms", m.name, best, limit)
		}
	}
	// For reference, the cost of a frame that changes the ebiten canvas:
	// in software WebGL any change makes the browser composite the whole
	// canvas again. A plain WebGL2 canvas of the page's size that clears a
	// 10×10 square each frame, laid over the (idle) app, measures it. This
	// is why the pen is drawn in a small overlay while the canvas follows
	// only every 250 ms (wasm/pen.go).
	evalJS[chromedp.Void](t, ctx, `(() => {
		const c = document.createElement("canvas"); c.id = "speed-ref";
		c.width = innerWidth * devicePixelRatio; c.height = innerHeight * devicePixelRatio;
		c.style = "position:fixed;left:0;top:0;width:100vw;height:100vh;pointer-events:none";
		document.body.appendChild(c);
		const gl = c.getContext("webgl2", {alpha: true, premultipliedAlpha: true, stencil: true});
		let i = 0;
		const f = () => { if (!c.isConnected) return; gl.enable(gl.SCISSOR_TEST); gl.scissor(i % 100, 0, 10, 10);
			gl.clearColor((i % 7) / 7, 0.5, 0.5, 1); gl.clear(gl.COLOR_BUFFER_BIT); i++; requestAnimationFrame(f); };
		requestAnimationFrame(f); })()`)
	take()
	time.Sleep(2 * time.Second)
	med, p95, worst := frameStats(take())
	t.Logf("reference: a full-page WebGL2 canvas changing each frame: median %.1f ms, 95th percentile %.1f ms, worst %.1f ms", med, p95, worst)
	evalJS[chromedp.Void](t, ctx, `document.getElementById("speed-ref").remove()`)
	for _, w := range explorer.BenchWorkloads {
		r := evalJS[map[string]any](t, ctx, fmt.Sprintf(`cnnviz.bench(%q)`, w))
		t.Logf("bench %s: median %.3f ms, min %.3f ms (batch %v, %v reps per block)", w, r["medianMs"], r["minMs"], r["batch"], r["reps"])
	}
	noConsoleErrors(t, ctx)
}

func frameStats(ts []float64) (median, p95, worst float64) {
	if len(ts) < 2 {
		return
	}
	d := make([]float64, len(ts)-1)
	for i := range d {
		d[i] = ts[i+1] - ts[i]
	}
	sort.Float64s(d)
	return d[len(d)/2], d[len(d)*95/100], d[len(d)-1]
}

func gzipSize(b []byte) int {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	w.Write(b)
	w.Close()
	return buf.Len()
}
