package tfjs

import (
	"encoding/json"
	"math"
	"testing"

	"cnnviz/models/chain"
)

// nhwc is a feature map in Keras's layout, for the reference computation.
type nhwc struct {
	h, w, c int
	v       []float64
}

func (x nhwc) at(i, j, ch int) float64 {
	if i < 0 || i >= x.h || j < 0 || j >= x.w {
		return 0
	}
	return x.v[(i*x.w+j)*x.c+ch]
}

// refConv is a Keras convolution: kernel [kh, kw, c/groups, f] (or a
// depthwise [kh, kw, c, mult] with depthwise set), 'same' or 'valid'.
func refConv(x nhwc, kernel []float32, bias []float32, k, s, f, groups int, same, depthwise bool) nhwc {
	oh, ow := (x.h-k)/s+1, (x.w-k)/s+1
	top, left := 0, 0
	if same {
		oh, ow = (x.h+s-1)/s, (x.w+s-1)/s
		top = max((oh-1)*s+k-x.h, 0) / 2
		left = max((ow-1)*s+k-x.w, 0) / 2
	}
	cg := x.c / groups
	out := nhwc{oh, ow, f, make([]float64, oh*ow*f)}
	for i := range oh {
		for j := range ow {
			for o := range f {
				var y float64
				if bias != nil {
					y = float64(bias[o])
				}
				for dy := range k {
					for dx := range k {
						if depthwise {
							mult := f / x.c
							ch, m := o/mult, o%mult
							y += x.at(i*s+dy-top, j*s+dx-left, ch) * float64(kernel[((dy*k+dx)*x.c+ch)*mult+m])
							continue
						}
						g := o / (f / groups)
						for ci := range cg {
							y += x.at(i*s+dy-top, j*s+dx-left, g*cg+ci) * float64(kernel[((dy*k+dx)*cg+ci)*f+o])
						}
					}
				}
				out.v[(i*ow+j)*f+o] = y
			}
		}
	}
	return out
}

// fold returns what the BatchNormalization of the test does to channel o.
func bnRef(v float64, o int, gamma, beta, mean, variance []float32) float64 {
	return (v-float64(mean[o]))*float64(gamma[o])/math.Sqrt(float64(variance[o])+1e-3) + float64(beta[o])
}

func mapRef(x nhwc, f func(v float64, ch int) float64) nhwc {
	out := nhwc{x.h, x.w, x.c, make([]float64, len(x.v))}
	for i, v := range x.v {
		out.v[i] = f(v, i%x.c)
	}
	return out
}

// TestFunctionalGraph imports a functional model with an inverted
// residual (1×1 expansion, BatchNormalization folded, ReLU6, 'same'
// depthwise convolution at stride 2 (uneven: a zeropad2d) with a BatchNormalization that
// becomes an affine layer because two layers read its input, 1×1
// projection, Add with a strided 1×1 shortcut), a Concatenate of two
// branches, an uneven 'same' max pooling, ZeroPadding2D and a global
// average pooling, and compares the logits with the model computed here
// in Keras's layout.
func TestFunctionalGraph(t *testing.T) {
	const h, w, c = 7, 6, 3
	type kw = kerasWeight
	var weights []kw
	wt := func(name string, shape []int, scale float32) []float32 {
		n := 1
		for _, d := range shape {
			n *= d
		}
		v := wave(n+len(weights)*7, scale)[len(weights)*7:]
		weights = append(weights, kw{name, shape, v})
		return v
	}
	expK, expB := wt("expand/kernel", []int{1, 1, c, 8}, 0.7), wt("expand/bias", []int{8}, 0.2)
	g1, b1, m1, v1 := wt("bn1/gamma", []int{8}, 1), wt("bn1/beta", []int{8}, 0.3), wt("bn1/moving_mean", []int{8}, 0.2), wt("bn1/moving_variance", []int{8}, 0.5)
	for i := range v1 {
		v1[i] = 1 + v1[i]*v1[i]
	}
	dwK := wt("dw/depthwise_kernel", []int{3, 3, 8, 1}, 0.8)
	g2, b2, m2, v2 := wt("bn2/gamma", []int{8}, 1), wt("bn2/beta", []int{8}, 0.3), wt("bn2/moving_mean", []int{8}, 0.2), wt("bn2/moving_variance", []int{8}, 0.5)
	for i := range v2 {
		v2[i] = 1 + v2[i]*v2[i]
	}
	projK := wt("project/kernel", []int{1, 1, 8, 4}, 0.6)
	shortK, shortB := wt("short/kernel", []int{1, 1, c, 4}, 0.6), wt("short/bias", []int{4}, 0.1)
	leftK, leftB := wt("left/kernel", []int{3, 3, 4, 3}, 0.4), wt("left/bias", []int{3}, 0.1)
	denseK, denseB := wt("fc/kernel", []int{8, 5}, 0.5), wt("fc/bias", []int{5}, 0.1)

	node := func(class, name string, cfg map[string]any, from ...string) map[string]any {
		cfg["name"] = name
		var in []any
		for _, f := range from {
			in = append(in, []any{f, 0, 0, map[string]any{}})
		}
		return map[string]any{"class_name": class, "name": name, "config": cfg, "inbound_nodes": []any{in}}
	}
	layers := []any{
		map[string]any{"class_name": "InputLayer", "name": "in", "inbound_nodes": []any{},
			"config": map[string]any{"name": "in", "batch_input_shape": []any{nil, h, w, c}}},
		node("Conv2D", "expand", map[string]any{"filters": 8, "kernel_size": 1}, "in"),
		node("BatchNormalization", "bn1", map[string]any{"axis": 3}, "expand"),
		node("ReLU", "r1", map[string]any{"max_value": 6}, "bn1"),
		node("DepthwiseConv2D", "dw", map[string]any{"kernel_size": 3, "strides": 2, "padding": "same", "use_bias": false}, "r1"),
		node("BatchNormalization", "bn2", map[string]any{}, "dw"),
		node("Activation", "r2", map[string]any{"activation": "relu6"}, "bn2"),
		node("Conv2D", "project", map[string]any{"filters": 4, "kernel_size": 1, "use_bias": false}, "r2"),
		node("Conv2D", "short", map[string]any{"filters": 4, "kernel_size": 1, "strides": 2}, "in"),
		node("Add", "add", map[string]any{}, "project", "short"),
		node("ZeroPadding2D", "pad", map[string]any{"padding": 1}, "add"),
		node("Conv2D", "left", map[string]any{"filters": 3, "kernel_size": 3, "activation": "relu"}, "pad"),
		node("Conv2D", "lone", map[string]any{"filters": 1, "kernel_size": 1, "use_bias": false}, "dw"),
		node("Concatenate", "cat", map[string]any{"axis": -1}, "left", "add", "lone"),
		node("MaxPooling2D", "pool", map[string]any{"pool_size": 2, "strides": 2, "padding": "same"}, "cat"),
		node("GlobalAveragePooling2D", "gap", map[string]any{}, "pool"),
		node("Dense", "fc", map[string]any{"units": 5, "activation": "softmax"}, "gap"),
	}
	loneK := wt("lone/kernel", []int{1, 1, 8, 1}, 0.9)
	specs, shard := shardOf(weights)
	mj := map[string]any{"format": "layers-model",
		"modelTopology": map[string]any{"model_config": map[string]any{"class_name": "Functional", "config": map[string]any{
			"name": "graph", "layers": layers, "input_layers": []any{[]any{"in", 0, 0}}, "output_layers": []any{[]any{"fc", 0, 0}}}}},
		"weightsManifest": []any{map[string]any{"paths": []string{"w.bin"}, "weights": specs}}}
	b, err := json.Marshal(mj)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Import(map[string][]byte{"model.json": b, "w.bin": shard}, chain.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := kindsOf(m), "conv2d relu6 zeropad2d conv2d affine relu6 conv2d conv2d add zeropad2d conv2d relu conv2d concat maxpool2d globalavgpool dense"; got != want {
		t.Errorf("layers %s, want %s", got, want)
	}

	// The reference, in NHWC.
	x := nhwc{h, w, c, make([]float64, h*w*c)}
	for i, v := range wave(h*w*c, 2) {
		x.v[i] = float64(v)
	}
	relu6 := func(v float64, _ int) float64 { return min(max(v, 0), 6) }
	e := refConv(x, expK, expB, 1, 1, 8, 1, false, false)
	e = mapRef(mapRef(e, func(v float64, o int) float64 { return bnRef(v, o, g1, b1, m1, v1) }), relu6)
	d := refConv(e, dwK, nil, 3, 2, 8, 8, true, true)
	r2 := mapRef(mapRef(d, func(v float64, o int) float64 { return bnRef(v, o, g2, b2, m2, v2) }), relu6)
	p := refConv(r2, projK, nil, 1, 1, 4, 1, false, false)
	sc := refConv(x, shortK, shortB, 1, 2, 4, 1, false, false)
	add := mapRef(p, func(v float64, _ int) float64 { return v })
	for i := range add.v {
		add.v[i] += sc.v[i]
	}
	left := mapRef(refConv(add, leftK, leftB, 3, 1, 3, 1, true, false), func(v float64, _ int) float64 { return max(v, 0) })
	lone := refConv(d, loneK, nil, 1, 1, 1, 1, false, false)
	cat := nhwc{add.h, add.w, 8, make([]float64, add.h*add.w*8)}
	for i := range add.h * add.w {
		copy(cat.v[i*8:], left.v[i*3:i*3+3])
		copy(cat.v[i*8+3:], add.v[i*4:i*4+4])
		cat.v[i*8+7] = lone.v[i]
	}
	// 'same' 2×2 max pooling at stride 2: windows cut short at the edge.
	ph, pw := (cat.h+1)/2, (cat.w+1)/2
	gap := make([]float64, 8)
	for i := range ph {
		for j := range pw {
			for ch := range 8 {
				best := math.Inf(-1)
				for dy := range 2 {
					for dx := range 2 {
						if y, xx := 2*i+dy, 2*j+dx; y < cat.h && xx < cat.w {
							best = max(best, cat.v[(y*cat.w+xx)*8+ch])
						}
					}
				}
				gap[ch] += best / float64(ph*pw)
			}
		}
	}
	want := make([]float64, 5)
	for o := range 5 {
		want[o] = float64(denseB[o])
		for ch := range 8 {
			want[o] += gap[ch] * float64(denseK[ch*5+o])
		}
	}
	chw := make([]float32, len(x.v))
	for i := range h {
		for j := range w {
			for ch := range c {
				chw[(ch*h+i)*w+j] = float32(x.v[(i*w+j)*c+ch])
			}
		}
	}
	got := m.Logits(chw, 1)
	for o := range want {
		if math.Abs(float64(got[o])-want[o]) > 1e-4*(1+math.Abs(want[o])) {
			t.Errorf("logit %d = %v, want %v", o, got[o], want[o])
		}
	}
}
