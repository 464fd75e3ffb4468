package tfjs

import (
	"encoding/json"
	"math"
	"testing"

	ag "cnnviz/core/autograd"
	ts "cnnviz/core/tensor"
	"cnnviz/internal/fixture"
	"cnnviz/models/chain"
)

// TestGraphsMatchTFJS imports the functional models that
// models/testdata/gen/tfjs.mjs built with TensorFlow.js (a ResNet-like
// network with identity and projection shortcuts, BatchNormalization
// after convolutions without bias and a concat of two branches, and a
// MobileNetV2-like one with ZeroPadding2D, ReLU6, depthwise convolutions
// at strides 1 and 2 and residual adds) and checks the logits and the
// input gradient of the top logit against TensorFlow.js's for the same
// input, within 1e-4 of the largest value.
func TestGraphsMatchTFJS(t *testing.T) {
	for _, name := range []string{"tfjs-resnet", "tfjs-mobilenetv2"} {
		t.Run(name, func(t *testing.T) {
			files := readDir(t, "testdata/"+name)
			var want struct {
				Engine string    `json:"engine"`
				Logits []float64 `json:"logits"`
				Class  int       `json:"grad_class"`
				Grad   []float64 `json:"input_grad_nhwc"`
			}
			if err := json.Unmarshal(files["expected.json"], &want); err != nil {
				t.Fatal(err)
			}
			delete(files, "expected.json")
			m, err := Import(files, chain.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if m.Spec.IsChain() {
				t.Fatal("the functional graph imported as a chain")
			}
			x := ag.New(ts.FromSlice(fixture.GraphInput(), append([]int{1}, m.Spec.Input...)...))
			y := m.Forward(x, nil)
			seed := ts.New(y.Value.Shape...)
			seed.Data[want.Class] = 1
			ag.Backward(y, seed)
			within(t, "logit", y.Value.Data, want.Logits, want.Engine)
			c, h, w := m.Spec.Input[0], m.Spec.Input[1], m.Spec.Input[2]
			grad := make([]float32, len(x.Grad.Data)) // NHWC
			for i := range h {
				for j := range w {
					for ch := range c {
						grad[(i*w+j)*c+ch] = x.Grad.Data[(ch*h+i)*w+j]
					}
				}
			}
			within(t, "input gradient", grad, want.Grad, want.Engine)
		})
	}
}

// within fails unless got and want agree within 1e-4 of want's largest
// magnitude (at least 1).
func within(t *testing.T, what string, got []float32, want []float64, engine string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d values of %s, %s gives %d", len(got), what, engine, len(want))
	}
	scale := 1.0
	for _, v := range want {
		scale = max(scale, math.Abs(v))
	}
	for i, v := range want {
		if d := math.Abs(float64(got[i]) - v); d > 1e-4*scale {
			t.Errorf("%s %d = %v, %s gives %v (|diff| %.2g)", what, i, got[i], engine, v, d)
		}
	}
}
