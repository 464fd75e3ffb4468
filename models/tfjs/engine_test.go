package tfjs

import (
	"encoding/json"
	"math"
	"testing"

	"cnnviz/models/chain"
)

// TestGraphsMatchTFJS imports the functional models that
// models/testdata/gen/tfjs.mjs built with TensorFlow.js (a ResNet-like
// network with identity and projection shortcuts, BatchNormalization
// after convolutions without bias and a concat of two branches, and a
// MobileNetV2-like one with ZeroPadding2D, ReLU6, depthwise convolutions
// at strides 1 and 2 and residual adds) and checks the logits against
// the ones TensorFlow.js computed for the same input, within 1e-4 of the
// largest logit.
func TestGraphsMatchTFJS(t *testing.T) {
	for _, name := range []string{"tfjs-resnet", "tfjs-mobilenetv2"} {
		t.Run(name, func(t *testing.T) {
			files := readDir(t, "testdata/"+name)
			var want struct {
				Engine string    `json:"engine"`
				Input  []float32 `json:"input_nhwc"`
				Logits []float64 `json:"logits"`
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
			c, h, w := m.Spec.Input[0], m.Spec.Input[1], m.Spec.Input[2]
			chw := make([]float32, len(want.Input))
			for i := range h {
				for j := range w {
					for ch := range c {
						chw[(ch*h+i)*w+j] = want.Input[(i*w+j)*c+ch]
					}
				}
			}
			got := m.Logits(chw, 1)
			scale := 1.0
			for _, v := range want.Logits {
				scale = max(scale, math.Abs(v))
			}
			for i, v := range want.Logits {
				if d := math.Abs(float64(got[i]) - v); d > 1e-4*scale {
					t.Errorf("logit %d = %v, %s gives %v (|diff| %.2g)", i, got[i], want.Engine, v, d)
				}
			}
		})
	}
}
