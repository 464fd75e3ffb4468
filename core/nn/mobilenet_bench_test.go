package nn

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// MobileNetV2 returns the architecture of MobileNetV2 (Sandler et al.
// 2018) at width 1.0 on 224×224×3 images with 1000 classes, batch norms
// folded into the convolutions: a 3×3 stride-2 stem, 17 inverted
// residual blocks (1×1 expansion, ReLU6, 3×3 depthwise, ReLU6, linear
// 1×1 projection, an add when the shape allows), a 1×1 head of 1280
// channels, global pooling and a dense layer. About 300 million
// multiply-adds per image.
func mobileNetV2() Spec {
	conv := func(name, in string, f, k, s, groups int) LayerSpec {
		return LayerSpec{Name: name, Kind: KindConv2D, Inputs: []string{in}, Filters: f, Kernel: [2]int{k, k}, Stride: [2]int{s, s}, Pad: [2]int{k / 2, k / 2}, Groups: groups}
	}
	relu6 := func(name, in string) LayerSpec { return LayerSpec{Name: name, Kind: KindReLU6, Inputs: []string{in}} }
	classes := make([]string, 1000)
	for i := range classes {
		classes[i] = fmt.Sprint(i)
	}
	s := Spec{Name: "mobilenetv2", Input: []int{3, 224, 224}, Classes: classes}
	s.Layers = append(s.Layers, conv("stem", InputName, 32, 3, 2, 0), relu6("stem6", "stem"))
	cur, ch := "stem6", 32
	n := 0
	for _, b := range [][4]int{{1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 4, 2}, {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}} {
		t, c, reps, stride := b[0], b[1], b[2], b[3]
		for r := range reps {
			n++
			p := fmt.Sprintf("b%d", n)
			st := stride
			if r > 0 {
				st = 1
			}
			in := cur
			hidden := ch * t
			if t != 1 {
				s.Layers = append(s.Layers, conv(p+"e", in, hidden, 1, 1, 0), relu6(p+"e6", p+"e"))
				in = p + "e6"
			}
			s.Layers = append(s.Layers, conv(p+"d", in, hidden, 3, st, hidden), relu6(p+"d6", p+"d"), conv(p+"p", p+"d6", c, 1, 1, 0))
			out := p + "p"
			if st == 1 && ch == c {
				s.Layers = append(s.Layers, LayerSpec{Name: p + "add", Kind: KindAdd, Inputs: []string{out, cur}})
				out = p + "add"
			}
			cur, ch = out, c
		}
	}
	s.Layers = append(s.Layers, conv("head", cur, 1280, 1, 1, 0), relu6("head6", "head"),
		LayerSpec{Name: "gap", Kind: KindGlobalAvgPool}, LayerSpec{Name: "fc", Kind: KindDense, Units: 1000})
	return s
}

// macs counts the multiply-adds of one image through s's conv2d and
// dense layers.
func macs(t testing.TB, s Spec) int {
	shapes, err := s.Shapes()
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for i, l := range s.Layers {
		in := s.Input
		if j := s.Prev(i); j >= 0 {
			in = shapes[j]
		}
		switch l.Kind {
		case KindConv2D:
			total += shapes[i][0] * shapes[i][1] * shapes[i][2] * in[0] / l.groups() * l.Kernel[0] * l.Kernel[1]
		case KindDense:
			total += l.Units * in[0]
		}
	}
	return total
}

func TestMobileNetV2Shape(t *testing.T) {
	s := mobileNetV2()
	m, err := Build(s, 1)
	if err != nil {
		t.Fatal(err)
	}
	// The paper's figures: 3.4 million parameters, 300 million
	// multiply-adds (its Table 3 counts the weights with batch norm).
	if p := m.NumParams(); p < 3_400_000 || p > 3_600_000 {
		t.Errorf("%d parameters, want about 3.5 million", p)
	}
	if n := macs(t, s); n < 290e6 || n > 320e6 {
		t.Errorf("%d multiply-adds, want about 300 million", n)
	}
	if s.IsChain() {
		t.Error("MobileNetV2 is a graph")
	}
}

// BenchmarkMobileNetV2Forward_1x224x224 is one image through a Plan, the
// page's path. Besides the mean (ns/op) it reports the median and the
// fastest time of one pass (ms-median, ms-min), the figures
// models/testdata/gen/mobilenet_bench.mjs prints for TensorFlow.js: on a
// shared machine a few passes that wait for the processor pull the mean
// up.
func BenchmarkMobileNetV2Forward_1x224x224(b *testing.B) {
	m := MustBuild(mobileNetV2(), 1)
	p := NewPlan(m, 1)
	r := rand.New(rand.NewPCG(1, 2))
	x := make([]float32, 3*224*224)
	for i := range x {
		x[i] = r.Float32()
	}
	var times []float64
	for b.Loop() {
		t0 := time.Now()
		p.Forward(x)
		times = append(times, float64(time.Since(t0))/1e6)
	}
	slices.Sort(times)
	b.ReportMetric(times[len(times)/2], "ms-median")
	b.ReportMetric(times[0], "ms-min")
	b.ReportMetric(float64(macs(b, m.Spec))/1e6, "MMAC/op")
}

// BenchmarkMobileNetV2InputGradient_1x224x224 is one image forward and
// back to the input through a Plan (Grad-CAM and saliency's cost).
func BenchmarkMobileNetV2InputGradient_1x224x224(b *testing.B) {
	m := MustBuild(mobileNetV2(), 1)
	p := NewPlan(m, 1)
	x := make([]float32, 3*224*224)
	seed := make([]float32, 1000)
	seed[3] = 1
	for b.Loop() {
		p.InputGradient(x, seed)
	}
}
