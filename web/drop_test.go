//go:build browser

package web

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	ag "cnnviz/core/autograd"
	"cnnviz/core/nn"
	"cnnviz/core/tensor"
	"cnnviz/models"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
)

// tinySpec is an architecture the page has never seen: a strided first
// convolution, average pooling and a global-average-pool head, so that
// the views cannot rely on the shipped models' shapes.
var tinySpec = nn.Spec{Name: "tiny", Input: []int{1, 28, 28}, Classes: []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}, Layers: []nn.LayerSpec{
	{Name: "c1", Kind: "conv2d", Filters: 6, Kernel: [2]int{5, 5}, Stride: [2]int{2, 2}, Pad: [2]int{2, 2}},
	{Name: "r1", Kind: "relu"},
	{Name: "c2", Kind: "conv2d", Filters: 12, Kernel: [2]int{3, 3}, Pad: [2]int{1, 1}},
	{Name: "r2", Kind: "relu"},
	{Name: "p1", Kind: "avgpool2d", Kernel: [2]int{2, 2}, Stride: [2]int{2, 2}},
	{Name: "c3", Kind: "conv2d", Filters: 10, Kernel: [2]int{3, 3}, Pad: [2]int{1, 1}},
	{Name: "r3", Kind: "relu"},
	{Name: "gap", Kind: "globalavgpool"},
	{Name: "fc", Kind: "dense", Units: 10},
}}

// TestDroppedFiles drops files on the canvas as a user drags them from
// the desktop (the browser's own drag-and-drop events, carrying real
// files): a picture becomes the input, the same as through the file
// picker; a model file of an unseen architecture becomes the selected
// model, computes what it computes natively, and every view works on it.
func TestDroppedFiles(t *testing.T) {
	dir := t.TempDir()
	net := nn.MustBuild(tinySpec, 7)
	mb, err := models.Save(net)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{"digit.png": digitPNG(), "tiny.safetensors": mb}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx := openPage(t, "")
	waitApp(t, ctx)
	st := state(t, ctx)
	x, y := (st.Canvas[0]+st.Canvas[2])/2, (st.Canvas[1]+st.Canvas[3])/2
	drop := func(name string) {
		t.Helper()
		data := &input.DragData{Items: []*input.DragDataItem{}, Files: []string{filepath.Join(dir, name)}, DragOperationsMask: 1}
		for _, typ := range []input.DispatchDragEventType{input.DispatchDragEventTypeDragEnter, input.DispatchDragEventTypeDragOver, input.DispatchDragEventTypeDrop} {
			p := input.DispatchDragEventParams{Type: typ, X: x, Y: y, Data: data}
			if _, err := chromedp.Call(ctx, input.DispatchDragEvent, p); err != nil {
				t.Fatalf("%s of %s: %v", typ, name, err)
			}
		}
	}
	waitFor := func(what string, ok func(appState) bool) appState {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for {
			frames(t, ctx, 2)
			st := state(t, ctx)
			if ok(st) {
				return st
			}
			if time.Now().After(deadline) {
				t.Fatalf("waiting for %s: state %+v, banner %q", what, st,
					evalJS[string](t, ctx, `document.getElementById("cnnviz-errors").innerText`))
			}
		}
	}

	// A dropped picture is the input, with the probabilities the same file
	// gets through the picker.
	drop("digit.png")
	dropped := waitFor("the dropped picture", func(s appState) bool { return s.Input["kind"] == "upload" })
	evalJS[chromedp.Void](t, ctx, `cnnviz.setState({test: 3}).then(() => undefined)`)
	waitFor("test image 3", func(s appState) bool { return s.Input["kind"] == "test" })
	if err := chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.CSS("#cnnviz-upload"), []string{filepath.Join(dir, "digit.png")})); err != nil {
		t.Fatal(err)
	}
	picked := waitFor("the picked picture", func(s appState) bool { return s.Input["kind"] == "upload" })
	if len(dropped.Probs) != 10 || fmt.Sprint(dropped.Probs) != fmt.Sprint(picked.Probs) {
		t.Errorf("probabilities of the dropped picture %.4f, of the same file picked %.4f: want them equal", dropped.Probs, picked.Probs)
	}

	// A dropped model is selected and computes what it computes natively.
	drop("tiny.safetensors")
	waitFor("the dropped model", func(s appState) bool { return s.Model == "tiny" })
	pixels := randomPixels(784, 11)
	got := evalJS[[]float64](t, ctx, fmt.Sprintf(`cnnviz.predict("tiny", %s).then(r => Array.from(r.logits))`, jsArray(pixels)))
	x0 := ag.Constant(tensor.FromSlice(append([]float32(nil), pixels...), 1, 1, 28, 28))
	want := net.Forward(x0, nil).Value.Data
	if len(got) != len(want) {
		t.Fatalf("logits of the dropped model: %d values, want %d", len(got), len(want))
	}
	for i := range want {
		if d := math.Abs(got[i] - float64(want[i])); d > 2e-5*(1+math.Abs(float64(want[i]))) {
			t.Errorf("logit %d of the dropped model = %.6f in the page, %.6f natively", i, got[i], want[i])
		}
	}
	// Every view draws something on it, on its default layer and on the
	// strided first layer, and no error is shown.
	for _, v := range st.Views {
		for _, layer := range []string{"", "c1"} {
			evalJS[chromedp.Void](t, ctx, fmt.Sprintf(`cnnviz.setState({view: %q, layer: %q, test: 5}).then(() => undefined)`, v, layer))
			frames(t, ctx, 20)
			name := "dropped-model-" + v + "-" + layer
			if img := screenshot(t, ctx, name); uniform(img) {
				t.Errorf("screenshot %s is a single colour", name)
			}
			if s := state(t, ctx); s.Model != "tiny" || s.View != v {
				t.Errorf("after selecting view %s: model %s, view %s", v, s.Model, s.View)
			}
			if b := evalJS[string](t, ctx, `document.getElementById("cnnviz-errors").innerText`); b != "" {
				t.Errorf("view %s, layer %q on the dropped model: banner %q", v, layer, b)
			}
		}
	}
	noConsoleErrors(t, ctx)
}
