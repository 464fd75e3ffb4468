//go:build browser

package web

import (
	"context"
	"fmt"
	"image"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	ag "cnnviz/core/autograd"
	"cnnviz/core/explorer"
	cin "cnnviz/core/input"
	"cnnviz/core/nn"
	"cnnviz/core/tensor"
	"cnnviz/models"
	"cnnviz/models/mnist"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
)

// colourState is what the colour tests read of cnnviz.state().
type colourState struct {
	appState
	Classes    []string `json:"classes"`
	InputShape []int    `json:"inputShape"`
	Status     string   `json:"status"`
}

// waitState polls cnnviz.state() until ok holds, for at most 20 s.
func waitState(t *testing.T, ctx context.Context, what string, ok func(colourState) bool) colourState {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		frames(t, ctx, 2)
		st := evalJS[colourState](t, ctx, `cnnviz.state()`)
		if ok(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: state %+v, banner %q", what, st,
				evalJS[string](t, ctx, `document.getElementById("cnnviz-errors").innerText`))
		}
	}
}

// dropFiles drops the files at paths together on the page at (x, y), as
// a user drags them from the desktop.
func dropFiles(t *testing.T, ctx context.Context, x, y float64, paths ...string) {
	t.Helper()
	data := &input.DragData{Items: []*input.DragDataItem{}, Files: paths, DragOperationsMask: 1}
	for _, typ := range []input.DispatchDragEventType{input.DispatchDragEventTypeDragEnter, input.DispatchDragEventTypeDragOver, input.DispatchDragEventTypeDrop} {
		p := input.DispatchDragEventParams{Type: typ, X: x, Y: y, Data: data}
		if _, err := chromedp.Call(ctx, input.DispatchDragEvent, p); err != nil {
			t.Fatalf("%s of %v: %v", typ, paths, err)
		}
	}
}

// TestColourModel selects the shipped colour model, uploads a photo of a
// coffee cup, and checks the prediction against the native one and that
// the input panel shows the photo in colour; then every view draws on it
// without an error.
func TestColourModel(t *testing.T) {
	photo, err := filepath.Abs(filepath.Join(repoRoot, "testdata/photos/coffee.png"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(photo)
	if err != nil {
		t.Fatal(err)
	}
	// The native figure from the same bytes.
	img, err := cin.DecodeImage(b)
	if err != nil {
		t.Fatal(err)
	}
	x, err := cin.Colour(img, 64, 64)
	if err != nil {
		t.Fatal(err)
	}
	net, err := models.Builtin("tinyvgg")
	if err != nil {
		t.Fatal(err)
	}
	_, want := explorer.Predict(net, x)
	espresso := -1
	for i, c := range net.Spec.Classes {
		if c == "espresso" {
			espresso = i
		}
	}
	if espresso < 0 {
		t.Fatalf("tinyvgg has no class espresso: %v", net.Spec.Classes)
	}

	ctx := openPage(t, "")
	waitApp(t, ctx)
	evalJS[chromedp.Void](t, ctx, `cnnviz.setState({model: "tinyvgg"}).then(() => undefined)`)
	st := waitState(t, ctx, "tinyvgg on a sample photo", func(s colourState) bool {
		return s.Model == "tinyvgg" && s.Input["kind"] == "photo"
	})
	// A colour model offers photos, not the MNIST test set.
	settle(t, ctx)
	for _, c := range evalJS[[]control](t, ctx, `cnnviz.controls()`) {
		if c.ID == "next" || c.ID == "prev" || c.ID == "misonly" || strings.HasPrefix(c.ID, "class-") {
			t.Errorf("control %q (%s) shown under tinyvgg, which takes photos, not MNIST digits", c.ID, c.Label)
		}
	}
	if got := fmt.Sprint(st.InputShape); got != "[3 64 64]" {
		t.Errorf("input shape of tinyvgg: got %s, want [3 64 64]", got)
	}
	if err := chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.CSS("#cnnviz-upload"), []string{photo})); err != nil {
		t.Fatal(err)
	}
	st = waitState(t, ctx, "the uploaded photo", func(s colourState) bool { return s.Input["kind"] == "upload" })
	if len(st.Probs) != len(want) {
		t.Fatalf("got %d probabilities, want %d", len(st.Probs), len(want))
	}
	if st.Predicted != espresso || st.Classes[st.Predicted] != "espresso" {
		t.Errorf("prediction: got class %d (%s), want espresso", st.Predicted, st.Classes[st.Predicted])
	}
	if d := math.Abs(st.Probs[espresso] - float64(want[espresso])); d > 0.03 {
		t.Errorf("p(espresso): got %.4f in the page, want %.4f ± 0.03 (native)", st.Probs[espresso], want[espresso])
	}
	t.Logf("p(espresso) = %.4f in the page, %.4f natively", st.Probs[espresso], want[espresso])

	// The input panel's drawing surface shows the photo in colour.
	frames(t, ctx, 5)
	shot := screenshot(t, ctx, "colour-tinyvgg-coffee")
	cv := image.Rect(int(st.Canvas[0]), int(st.Canvas[1]), int(st.Canvas[2]), int(st.Canvas[3]))
	if got := colourFraction(shot, cv); got < 0.3 {
		t.Errorf("input surface %v: %.0f%% of its pixels are coloured, want at least 30%% (a colour photo)", cv, 100*got)
	}

	// Every view draws something and shows no error.
	for _, v := range st.Views {
		evalJS[chromedp.Void](t, ctx, fmt.Sprintf(`cnnviz.setState({view: %q}).then(() => undefined)`, v))
		frames(t, ctx, 20)
		name := "colour-tinyvgg-" + v
		if img := screenshot(t, ctx, name); uniform(img) {
			t.Errorf("screenshot %s is a single colour", name)
		}
		if b := evalJS[string](t, ctx, `document.getElementById("cnnviz-errors").innerText`); b != "" {
			t.Errorf("view %s on tinyvgg: banner %q", v, b)
		}
		// The embedding of the MNIST test set says why it does not apply.
		if v == "embedding" {
			if e := evalJS[string](t, ctx, `cnnviz.embeddingStatus().then(s => s.err)`); !strings.Contains(e, "needs a model of grey MNIST digits") {
				t.Errorf("embedding on tinyvgg: err %q, want it to say it needs a model of MNIST digits", e)
			}
		}
	}
	noConsoleErrors(t, ctx)
}

// colourFraction is the fraction of the pixels of img in r whose channels
// differ by more than 24 levels (not grey).
func colourFraction(img image.Image, r image.Rectangle) float64 {
	r = r.Intersect(img.Bounds())
	if r.Empty() {
		return 0
	}
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			hi, lo := max(cr, cg, cb)>>8, min(cr, cg, cb)>>8
			if hi-lo > 24 {
				n++
			}
		}
	}
	return float64(n) / float64(r.Dx()*r.Dy())
}

// TestDroppedForeignModels drops a TF.js model (model.json with its weight
// shard, together) and an ONNX model on the page, and checks that each
// computes in the page what the native import computes.
func TestDroppedForeignModels(t *testing.T) {
	abs := func(p string) string {
		a, err := filepath.Abs(filepath.Join(repoRoot, p))
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	tfjsFiles := []string{abs("models/tfjs/testdata/tiny-vgg/model.json"), abs("models/tfjs/testdata/tiny-vgg/group1-shard1of1.bin")}
	onnxFile := abs("models/onnx/testdata/mnist-8/model.onnx")
	native := func(paths ...string) *nn.Sequential {
		files := map[string][]byte{}
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			files[filepath.Base(p)] = b
		}
		net, err := models.Import(files, models.ImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return net
	}

	ctx := openPage(t, "")
	waitApp(t, ctx)
	st := state(t, ctx)
	x, y := (st.Canvas[0]+st.Canvas[2])/2, (st.Canvas[1]+st.Canvas[3])/2

	// TF.js: the logits on a random colour input equal the native ones.
	tv := native(tfjsFiles...)
	dropFiles(t, ctx, x, y, tfjsFiles...)
	cs := waitState(t, ctx, "the dropped TF.js model", func(s colourState) bool { return fmt.Sprint(s.InputShape) == "[3 64 64]" && s.Model != "tinyvgg" })
	if !strings.Contains(cs.Status, "no class names") {
		t.Errorf("status after a TF.js model: got %q, want it to say the file has no class names", cs.Status)
	}
	pixels := randomPixels(3*64*64, 5)
	got := evalJS[[]float64](t, ctx, fmt.Sprintf(`cnnviz.predict(%q, %s).then(r => Array.from(r.logits))`, cs.Model, jsArray(pixels)))
	want := tv.Forward(ag.Constant(tensor.FromSlice(append([]float32(nil), pixels...), 1, 3, 64, 64)), nil).Value.Data
	if len(got) != len(want) {
		t.Fatalf("logits of the dropped TF.js model: %d values, want %d", len(got), len(want))
	}
	for i := range want {
		if d := math.Abs(got[i] - float64(want[i])); d > 2e-5*(1+math.Abs(float64(want[i]))) {
			t.Errorf("logit %d of the dropped TF.js model = %.6f in the page, %.6f natively", i, got[i], want[i])
		}
	}

	// ONNX: the prediction on test digit 5 equals the native one.
	ox := native(onnxFile)
	tfjsName := cs.Model
	dropFiles(t, ctx, x, y, onnxFile)
	cs = waitState(t, ctx, "the dropped ONNX model", func(s colourState) bool { return s.Model != tfjsName && fmt.Sprint(s.InputShape) == "[1 28 28]" })
	evalJS[chromedp.Void](t, ctx, `cnnviz.setState({test: 5}).then(() => undefined)`)
	cs = waitState(t, ctx, "test digit 5", func(s colourState) bool { return s.Input["kind"] == "test" && s.Input["test"] == 5.0 })
	test, err := mnist.LoadDefault("test")
	if err != nil {
		t.Fatal(err)
	}
	digit := test.Float(5, nil)
	_, probs := explorer.Predict(ox, digit)
	best := 0
	for i, p := range probs {
		if p > probs[best] {
			best = i
		}
	}
	if cs.Predicted != best || cs.Predicted != int(test.Labels[5]) {
		t.Errorf("the ONNX model predicts %d for test digit 5 in the page, %d natively; the label is %d", cs.Predicted, best, test.Labels[5])
	}
	for i := range probs {
		if d := math.Abs(cs.Probs[i] - float64(probs[i])); d > 1e-4 {
			t.Errorf("p(%d) of the ONNX model = %.5f in the page, %.5f natively", i, cs.Probs[i], probs[i])
		}
	}
	noConsoleErrors(t, ctx)
}

// TestCamera feeds Chromium's fake webcam to the colour model: frames
// arrive, each gives a new prediction, the camera stops on request, and a
// grey model refuses it in words.
func TestCamera(t *testing.T) {
	ctx := newTab(t, chromedp.Flag("use-fake-device-for-media-stream", true), chromedp.Flag("use-fake-ui-for-media-stream", true))
	navigate(t, ctx, siteURL+"/")
	waitApp(t, ctx)
	if msg := evalJS[string](t, ctx, `cnnviz.camera(true).then(() => "started", e => e.message)`); !strings.Contains(msg, "camera feeds colour models") {
		t.Errorf("camera under mnist: got %q, want an error saying it feeds colour models", msg)
	}
	evalJS[chromedp.Void](t, ctx, `cnnviz.setState({model: "tinyvgg"}).then(() => cnnviz.camera(true)).then(() => undefined)`)
	type camState struct {
		colourState
		Camera struct {
			State  string `json:"state"`
			Frames int    `json:"frames"`
			Error  string `json:"error"`
		} `json:"camera"`
	}
	read := func() camState { return evalJS[camState](t, ctx, `cnnviz.state()`) }
	wait := func(what string, ok func(camState) bool) camState {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			frames(t, ctx, 2)
			if st := read(); ok(st) {
				return st
			} else if time.Now().After(deadline) {
				t.Fatalf("waiting for %s: camera %+v, input %v", what, st.Camera, st.Input)
			}
		}
	}
	first := wait("camera frames", func(s camState) bool { return s.Camera.Frames >= 2 && s.Input["kind"] == "camera" })
	// The fake camera's picture moves: later frames give other logits.
	changed := false
	var last camState
	for i := 0; i < 40 && !changed; i++ {
		last = wait("more frames", func(s camState) bool { return s.Camera.Frames > first.Camera.Frames+i })
		changed = fmt.Sprint(last.Probs) != fmt.Sprint(first.Probs)
	}
	if !changed {
		t.Errorf("probabilities stayed %v over %d frames, want live predictions", first.Probs, last.Camera.Frames-first.Camera.Frames)
	}
	sum := 0.0
	for _, p := range last.Probs {
		sum += p
	}
	if len(last.Probs) != 10 || math.Abs(sum-1) > 1e-4 {
		t.Errorf("probabilities %v: want 10 summing to 1", last.Probs)
	}
	screenshot(t, ctx, "colour-camera")
	evalJS[chromedp.Void](t, ctx, `cnnviz.camera(false).then(() => undefined)`)
	stopped := read()
	frames(t, ctx, 30)
	if after := read(); after.Camera.State != "off" || after.Camera.Frames != stopped.Camera.Frames {
		t.Errorf("after stopping: camera %+v, %d frames before; want off and no new frames", after.Camera, stopped.Camera.Frames)
	}
	noConsoleErrors(t, ctx)
}

// TestColourModelPhone shows the colour model on a phone: its controls (the
// photo buttons, the model buttons) fit without overlapping.
func TestColourModelPhone(t *testing.T) {
	ctx := newTab(t)
	opts := []chromedp.EmulateViewportOption{chromedp.EmulateScale(1), chromedp.EmulateTouch, chromedp.EmulateMobile}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844, opts...)); err != nil {
		t.Fatal(err)
	}
	navigate(t, ctx, siteURL+"/#model=tinyvgg")
	waitApp(t, ctx)
	waitState(t, ctx, "tinyvgg on a sample photo", func(s colourState) bool { return s.Input["kind"] == "photo" })
	frames(t, ctx, 3)
	checkControls(t, controls(t, ctx), 390, 844, "tinyvgg")
	if img := screenshot(t, ctx, "colour-phone"); uniform(img) {
		t.Error("the screenshot is a single colour")
	}
	// A fourth model does not fit a button each on a phone: the top bar
	// steps through the models instead, and stays on the screen.
	evalJS[chromedp.Void](t, ctx, `cnnviz.setState({model: "robust"}).then(() => undefined)`)
	settle(t, ctx)
	checkControls(t, controls(t, ctx), 390, 844, "four models")
	ids := map[string]string{}
	for _, c := range controls(t, ctx) {
		ids[c.ID] = c.Label
	}
	if ids["model-robust"] != "robust (4/4)" || ids["model-prev"] == "" || ids["model-next"] == "" || ids["model-mnist"] != "" {
		t.Errorf("top bar with four models on a phone: %v; want ‹ robust (4/4) › and no button per model", ids)
	}
	for _, want := range []string{"mnist", "convnetjs"} {
		x, y := centre(controlRect(t, ctx, "model-next"))
		tap(t, ctx, true, x, y)
		settle(t, ctx)
		if got := state(t, ctx).Model; got != want {
			t.Errorf("after › the model is %s, want %s", got, want)
		}
	}
	screenshot(t, ctx, "colour-phone-four-models")
	noConsoleErrors(t, ctx)
}
