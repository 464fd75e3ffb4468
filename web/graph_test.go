//go:build browser

package web

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"testing"

	"cnnviz/internal/fixture"

	"github.com/chromedp/chromedp"
)

// TestGraphModelInPage loads a graph model (the MobileNetV2-like ONNX
// fixture, whose logits onnxruntime computed) through the JavaScript
// API, checks the page's logits against onnxruntime's and the layer list's
// edges, then shows it in every view on its first residual add, a branch
// node, and checks that each draws something and nothing logs an error.
func TestGraphModelInPage(t *testing.T) {
	mb, err := os.ReadFile("../models/onnx/testdata/onnx-mobilenetv2/model.onnx")
	if err != nil {
		t.Fatal(err)
	}
	js, err := os.ReadFile("../models/onnx/testdata/onnx-mobilenetv2/expected.json")
	if err != nil {
		t.Fatal(err)
	}
	var want struct {
		Logits []float64 `json:"logits"`
	}
	if err := json.Unmarshal(js, &want); err != nil {
		t.Fatal(err)
	}
	ctx := openPage(t, "")
	waitApp(t, ctx)
	name := evalJS[string](t, ctx, fmt.Sprintf(`cnnviz.loadModel(Uint8Array.from(atob(%q), c => c.charCodeAt(0)))`, b64(mb)))
	x := fixture.GraphInput()
	got := evalJS[[]float64](t, ctx, fmt.Sprintf(`cnnviz.predict(%q, %s).then(r => Array.from(r.logits))`, name, jsArray(x)))
	if len(got) != len(want.Logits) {
		t.Fatalf("predict gave %d logits, onnxruntime %d", len(got), len(want.Logits))
	}
	for i := range got {
		if d := math.Abs(got[i] - want.Logits[i]); d > 1e-4*math.Max(1, math.Abs(want.Logits[i])) {
			t.Errorf("logit %d in the page = %v, onnxruntime %v", i, got[i], want.Logits[i])
		}
	}
	type layer struct {
		Name   string   `json:"name"`
		Kind   string   `json:"kind"`
		Inputs []string `json:"inputs"`
	}
	layers := evalJS[[]layer](t, ctx, fmt.Sprintf(`Promise.resolve(cnnviz.models()).then(ms => Array.from(ms).find(m => m.name === %q).layers)`, name))
	add := ""
	for _, l := range layers {
		if l.Kind == "add" {
			add = l.Name
			if len(l.Inputs) != 2 {
				t.Errorf("models() lists the add %s reading %v, want two layers", l.Name, l.Inputs)
			}
			break
		}
	}
	if add == "" {
		t.Fatalf("models() lists no add layer in %+v", layers)
	}
	st := state(t, ctx)
	for _, v := range st.Views {
		js := fmt.Sprintf(`cnnviz.setState({model: %q, view: %q, layer: %q, channel: 2})`, name, v, add)
		evalJS[chromedp.Void](t, ctx, js+`.then(() => undefined)`)
		frames(t, ctx, 3)
		if img := screenshot(t, ctx, "graph-"+v); uniform(img) {
			t.Errorf("view %s of the graph model is a single colour", v)
		}
	}
	noConsoleErrors(t, ctx)
}
