package tfjs

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"cnnviz/core/nn"
	"cnnviz/models/chain"
)

// kerasFile builds a layers model's files from its layers and named
// float32 weights, written in order into one shard.
func kerasFile(t *testing.T, layers []map[string]any, weights []kerasWeight) map[string][]byte {
	t.Helper()
	specs, shard := shardOf(weights)
	mj := map[string]any{
		"format": "layers-model",
		"modelTopology": map[string]any{"model_config": map[string]any{
			"class_name": "Sequential", "config": map[string]any{"name": "s", "layers": layers}}},
		"weightsManifest": []any{map[string]any{"paths": []string{"w.bin"}, "weights": specs}},
	}
	b, err := json.Marshal(mj)
	if err != nil {
		t.Fatal(err)
	}
	return map[string][]byte{"model.json": b, "w.bin": shard}
}

// shardOf writes weights as float32 into one shard and returns their
// manifest entries.
func shardOf(weights []kerasWeight) (specs []map[string]any, shard []byte) {
	for _, w := range weights {
		specs = append(specs, map[string]any{"name": w.name, "shape": w.shape, "dtype": "float32"})
		for _, v := range w.v {
			shard = binary.LittleEndian.AppendUint32(shard, math.Float32bits(v))
		}
	}
	return specs, shard
}

// kindsOf lists the kinds of a model's layers.
func kindsOf(m *nn.Sequential) string {
	var kinds []string
	for _, l := range m.Spec.Layers {
		kinds = append(kinds, l.Kind)
	}
	return strings.Join(kinds, " ")
}

type kerasWeight struct {
	name  string
	shape []int
	v     []float32
}

func layer(class string, cfg map[string]any) map[string]any {
	return map[string]any{"class_name": class, "config": cfg}
}

// wave returns n values spread over about ±s, none zero.
func wave(n int, s float32) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = s * float32(math.Sin(float64(i)*1.7+0.3))
	}
	return v
}

// TestNewLayers imports ZeroPadding2D, a Conv2D with a BatchNormalization
// folded in, LeakyReLU, a hard-swish and a sigmoid activation and a ReLU
// with max_value 6, and compares with the same model computed here
// directly in Keras's NHWC layout.
func TestNewLayers(t *testing.T) {
	const h, w, c, f = 3, 4, 2, 3
	kernel := wave(2*3*c*f, 1) // [kh 2, kw 3, c, f]
	bias := []float32{0.5, -0.25, 1}
	gamma, beta := []float32{2, -1, 0.5}, []float32{0.1, 0.2, -0.3}
	mean, variance := []float32{0.3, -0.2, 0.1}, []float32{1.5, 0.25, 4}
	const eps = 0.01
	files := kerasFile(t, []map[string]any{
		layer("InputLayer", map[string]any{"batch_input_shape": []any{nil, h, w, c}}),
		layer("ZeroPadding2D", map[string]any{"name": "pad", "padding": [][]int{{1, 0}, {0, 2}}}),
		layer("Conv2D", map[string]any{"name": "conv", "filters": f, "kernel_size": []int{2, 3}, "activation": "linear"}),
		layer("BatchNormalization", map[string]any{"name": "bn", "epsilon": eps, "axis": -1}),
		layer("LeakyReLU", map[string]any{"name": "leaky", "alpha": 0.1}),
		layer("Activation", map[string]any{"name": "hs", "activation": "hard_swish"}),
		layer("Dropout", map[string]any{"name": "drop", "rate": 0.5}),
		layer("ReLU", map[string]any{"name": "r6", "max_value": 6}),
		layer("Activation", map[string]any{"name": "sig", "activation": "sigmoid"}),
		layer("GlobalAveragePooling2D", map[string]any{"name": "gap"}),
	}, []kerasWeight{
		{"conv/kernel", []int{2, 3, c, f}, kernel}, {"conv/bias", []int{f}, bias},
		{"bn/gamma", []int{f}, gamma}, {"bn/beta", []int{f}, beta},
		{"bn/moving_mean", []int{f}, mean}, {"bn/moving_variance", []int{f}, variance},
	})
	m, err := Import(files, chain.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := kindsOf(m), "zeropad2d conv2d leakyrelu hardswish relu6 sigmoid globalavgpool"; got != want {
		t.Errorf("layers %s, want %s", got, want)
	}
	x := wave(h*w*c, 3) // NHWC
	pad := func(i, j, ch int) float32 {
		i-- // one row above
		if i < 0 || i >= h || j >= w {
			return 0
		}
		return x[(i*w+j)*c+ch]
	}
	want := make([]float32, f)
	const oh, ow = h + 1 - 1, w + 2 - 2
	for o := range f {
		var sum float64
		for i := range oh {
			for j := range ow {
				y := float64(bias[o])
				for dy := range 2 {
					for dx := range 3 {
						for ch := range c {
							y += float64(pad(i+dy, j+dx, ch)) * float64(kernel[((dy*3+dx)*c+ch)*f+o])
						}
					}
				}
				y = (y-float64(mean[o]))*float64(gamma[o])/math.Sqrt(float64(variance[o])+eps) + float64(beta[o])
				if y < 0 {
					y *= 0.1
				}
				y = y * min(max(y+3, 0), 6) / 6
				y = min(max(y, 0), 6)
				sum += 1 / (1 + math.Exp(-y))
			}
		}
		want[o] = float32(sum / (oh * ow))
	}
	chw := make([]float32, len(x))
	for i := range h {
		for j := range w {
			for ch := range c {
				chw[(ch*h+i)*w+j] = x[(i*w+j)*c+ch]
			}
		}
	}
	got := m.Logits(chw, 1)
	t.Logf("outputs %v", got)
	for o := range f {
		if math.Abs(float64(got[o]-want[o])) > 1e-5 {
			t.Errorf("output %d = %v, want %v", o, got[o], want[o])
		}
	}
}

// TestSameUnevenConv checks a Conv2D with 'same' padding of an odd total,
// which TensorFlow puts below and right and the import turns into a
// zeropad2d, against the convolution computed here.
func TestSameUnevenConv(t *testing.T) {
	const h, w, c, f = 3, 4, 2, 2
	kernel := wave(2*2*c*f, 1) // [2, 2, c, f]
	files := kerasFile(t, []map[string]any{
		layer("Conv2D", map[string]any{"name": "conv", "batch_input_shape": []any{nil, h, w, c}, "filters": f,
			"kernel_size": 2, "padding": "same", "use_bias": false}),
		layer("GlobalAveragePooling2D", map[string]any{"name": "gap"}),
	}, []kerasWeight{{"conv/kernel", []int{2, 2, c, f}, kernel}})
	m, err := Import(files, chain.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Spec.Layers[0].Padding; got != [4]int{0, 1, 0, 1} {
		t.Errorf("padding %v, want [0 1 0 1] (below and right)", got)
	}
	x := wave(h*w*c, 2) // NHWC
	chw := make([]float32, len(x))
	want := make([]float64, f)
	for i := range h {
		for j := range w {
			for ch := range c {
				chw[(ch*h+i)*w+j] = x[(i*w+j)*c+ch]
			}
			for o := range f {
				for dy := range 2 {
					for dx := range 2 {
						if i+dy >= h || j+dx >= w {
							continue
						}
						for ch := range c {
							want[o] += float64(x[((i+dy)*w+j+dx)*c+ch]) * float64(kernel[((dy*2+dx)*c+ch)*f+o]) / (h * w)
						}
					}
				}
			}
		}
	}
	got := m.Logits(chw, 1)
	for o := range f {
		if math.Abs(float64(got[o])-want[o]) > 1e-5 {
			t.Errorf("output %d = %v, want %v", o, got[o], want[o])
		}
	}
}
