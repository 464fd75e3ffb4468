package explorer

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"cnnviz/core/input"
	"cnnviz/core/nn"
	"cnnviz/models"
	"cnnviz/models/mnist"
)

// fakeSet returns n random 28×28 images with labels i mod 10.
func fakeSet(n int, seed uint64) *mnist.Set {
	r := rand.New(rand.NewPCG(seed, 1))
	s := &mnist.Set{Count: n, Rows: 28, Cols: 28, Images: make([]byte, n*784), Labels: make([]uint8, n)}
	for i := range s.Images {
		s.Images[i] = byte(r.IntN(256))
	}
	for i := range s.Labels {
		s.Labels[i] = uint8(i % 10)
	}
	return s
}

func newApp(t *testing.T) *App {
	t.Helper()
	a, err := New()
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestScanMatchesPlainPrediction(t *testing.T) {
	a := newApp(t)
	a.SetTestSet(fakeSet(37, 1))
	for a.Sched.Len() > 0 {
		a.Sched.Tick(time.Millisecond)
	}
	scanned, total, wrong := a.ScanProgress()
	if scanned != 37 || total != 37 {
		t.Fatalf("ScanProgress = %d of %d, want 37 of 37", scanned, total)
	}
	net := a.Current().Net
	want := 0
	for i := 0; i < 37; i++ {
		logits, _ := Predict(net, a.Test.Float(i, nil))
		if mis := argmax(logits) != int(a.Test.Labels[i]); mis != a.Misclassified(i) {
			t.Errorf("Misclassified(%d) = %v, want %v", i, a.Misclassified(i), mis)
		} else if mis {
			want++
		}
	}
	if wrong != want {
		t.Errorf("ScanProgress wrong = %d, want %d", wrong, want)
	}
}

func TestBrowseTestSet(t *testing.T) {
	a := newApp(t)
	if err := a.StepTest(-1); !errors.Is(err, ErrTestLoading) {
		t.Errorf("StepTest(-1) before the test set, which would wrap to its end: %v, want ErrTestLoading", err)
	}
	a.SetTestSet(fakeSet(25, 2))
	steps := []struct {
		name string
		do   func() error
		want int
	}{
		{"next", func() error { return a.StepTest(1) }, 1},
		{"back 2 wraps", func() error { return a.StepTest(-2) }, 24},
		{"next 3 wraps", func() error { return a.StepTest(3) }, 2},
		{"class 7", func() error { return a.NextOfClass(7) }, 7},
		{"class 7 again", func() error { return a.NextOfClass(7) }, 17},
		{"class 7 wraps", func() error { return a.NextOfClass(7) }, 7},
		{"show 12", func() error { return a.ShowTest(12) }, 12},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got := a.State.Input.Test; got != s.want || a.State.Input.Kind != InputTest {
			t.Fatalf("%s: test image %d (kind %d), want %d", s.name, got, a.State.Input.Kind, s.want)
		}
	}
	if err := a.ShowTest(25); err == nil {
		t.Errorf("ShowTest(25) of 25: no error")
	}
	a.Refresh()
	want := a.Test.Float(12, nil)
	if !reflect.DeepEqual(a.Pixels, want) {
		t.Errorf("Pixels after ShowTest(12) differ from the test image")
	}
	if a.Label() != 2 {
		t.Errorf("Label() = %d, want 2", a.Label())
	}
	// Misclassified only: every image shown must be misclassified.
	for a.Sched.Len() > 0 {
		a.Sched.Tick(time.Second)
	}
	a.MisOnly = true
	_, _, wrong := a.ScanProgress()
	for i := 0; i < 5; i++ {
		err := a.StepTest(1)
		if wrong == 0 {
			if err == nil {
				t.Fatalf("StepTest with no misclassified image: no error")
			}
			break
		}
		if err != nil || !a.Misclassified(a.State.Input.Test) {
			t.Fatalf("StepTest(MisOnly) = image %d, %v; want a misclassified one", a.State.Input.Test, err)
		}
	}
	if err := a.RandomTest(); wrong > 0 && (err != nil || !a.Misclassified(a.State.Input.Test)) {
		t.Errorf("RandomTest(MisOnly) = image %d, %v; want a misclassified one", a.State.Input.Test, err)
	}
}

func TestDrawing(t *testing.T) {
	a := newApp(t)
	// A vertical bar, drawn as two half strokes; then undo one.
	a.BeginStroke(input.Point{X: 0.5, Y: 0.2})
	a.ExtendStroke(input.Point{X: 0.5, Y: 0.5})
	a.ExtendStroke(input.Point{X: 0.5, Y: 0.5001}) // too close: skipped
	a.EndStroke()
	a.BeginStroke(input.Point{X: 0.5, Y: 0.5})
	a.ExtendStroke(input.Point{X: 0.5, Y: 0.8})
	a.EndStroke()
	if n := len(a.State.Input.Strokes); n != 2 || len(a.State.Input.Strokes[0]) != 2 {
		t.Fatalf("strokes = %v, want 2 strokes, the first of 2 points", a.State.Input.Strokes)
	}
	a.Refresh()
	// A centred vertical bar: ink on column 13..14, rows 4..23.
	if a.Pixels[14*28+14] < 0.5 || a.Pixels[14*28+4] != 0 {
		t.Errorf("drawn bar: centre %g, left %g; want ink at the centre only", a.Pixels[14*28+14], a.Pixels[14*28+4])
	}
	// The incremental raster equals the drawing painted whole.
	if want := DrawingInput(a.State.Input.Strokes); !reflect.DeepEqual(a.Pixels, want) {
		t.Errorf("pixels of the incrementally painted drawing differ from the drawing painted whole")
	}
	if !a.HashChanged || !strings.HasPrefix(EncodeHash(a.State), "#in=d") {
		t.Errorf("hash after drawing = %q, want the strokes in it", EncodeHash(a.State))
	}
	v := a.Version
	a.Undo()
	a.Refresh()
	if want := DrawingInput(a.State.Input.Strokes); !reflect.DeepEqual(a.Pixels, want) {
		t.Errorf("pixels after Undo differ from the remaining drawing painted whole")
	}
	if len(a.State.Input.Strokes) != 1 || a.Version == v {
		t.Errorf("after Undo: %d strokes, version %d (was %d); want 1 stroke and a new version", len(a.State.Input.Strokes), a.Version, v)
	}
	// Restoring the link gives the same pixels.
	s, err := DecodeHash(EncodeHash(a.State))
	if err != nil {
		t.Fatal(err)
	}
	b := newApp(t)
	if err := b.Apply(s); err != nil {
		t.Fatal(err)
	}
	b.Refresh()
	for i := range a.Pixels {
		if a.Pixels[i] != b.Pixels[i] {
			t.Fatalf("pixel %d after a link round trip = %g, want %g", i, b.Pixels[i], a.Pixels[i])
		}
	}
	a.Clear()
	a.Refresh()
	for i, p := range a.Pixels {
		if p != 0 {
			t.Fatalf("after Clear pixel %d = %g, want 0", i, p)
		}
	}
}

func TestUpload(t *testing.T) {
	a := newApp(t)
	a.SetTestSet(fakeSet(3, 3))
	a.ShowTest(2)
	bad := []struct {
		name string
		b    []byte
		want string
	}{
		{"text", []byte("not a picture"), "not a PNG or JPEG"},
		{"empty", nil, "empty"},
	}
	for _, tt := range bad {
		if err := a.Upload(tt.b); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Upload(%s) = %v, want an error containing %q", tt.name, err, tt.want)
		}
		if a.State.Input.Kind != InputTest || a.State.Input.Test != 2 {
			t.Errorf("Upload(%s) changed the input to %+v", tt.name, a.State.Input)
		}
	}
	img := image.NewGray(image.Rect(0, 0, 50, 50))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	for y := 10; y < 40; y++ {
		for x := 20; x < 30; x++ {
			img.SetGray(x, y, color.Gray{0})
		}
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	if err := a.Upload(buf.Bytes()); err != nil {
		t.Fatal(err)
	}
	a.Refresh()
	want := input.Centre(mustDecode(t, buf.Bytes()))
	if !reflect.DeepEqual(a.Pixels, want) || a.State.Input.Kind != InputUpload {
		t.Errorf("Upload did not make the centred picture the input")
	}
	if err := a.Apply(a.State); err == nil || !strings.Contains(err.Error(), "upload") {
		t.Errorf("Apply(upload state) = %v, want an error saying it cannot be restored", err)
	}
}

func mustDecode(t *testing.T, b []byte) *input.Gray {
	g, err := input.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestApplyAndModels(t *testing.T) {
	a := newApp(t)
	a.SetTestSet(fakeSet(10, 4))
	s := Default()
	s.Model, s.Layer, s.Channel, s.Class = "convnetjs", "conv2", 5, 3
	s.Input = Input{Kind: InputTest, Test: 9}
	if err := a.Apply(s); err != nil {
		t.Fatal(err)
	}
	a.Refresh()
	if a.Current().Name != "convnetjs" || len(a.Acts) != 8 || a.Acts[3].Name != "conv2" {
		t.Errorf("after Apply: model %s with %d layer outputs", a.Current().Name, len(a.Acts))
	}
	s2 := s
	s2.Model, s2.Layer, s2.Class, s2.Input.Test = "nope", "conv9", 11, 50
	err := a.Apply(s2)
	for _, w := range []string{"no model", "no layer", "class 11", "test image 50"} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("Apply(bad state) error = %v, want it to mention %q", err, w)
		}
	}
	if a.State.Model != "mnist" || a.State.Layer != "" || a.State.Class != -1 || a.State.Input.Test != 0 {
		t.Errorf("after a bad Apply: %+v, want defaults for the bad fields", a.State)
	}
	// Loading a model file adds a selectable model with a fresh name.
	b, err := models.BuiltinBytes("convnetjs")
	if err != nil {
		t.Fatal(err)
	}
	name, _, err := a.AddModel(b)
	if err != nil || name != "convnetjs-2" {
		t.Fatalf("AddModel = %q, %v; want convnetjs-2", name, err)
	}
	if err := a.SetModel(name); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.AddModel([]byte("garbage")); err == nil || !strings.Contains(err.Error(), "ONNX") {
		t.Errorf("AddModel(garbage) = %v, want an error naming both formats", err)
	}
	// An ONNX model given as bytes, without a file name, is told apart by
	// its content (the model zoo's mnist-8).
	onnxBytes, err := os.ReadFile("../../models/onnx/testdata/mnist-8/model.onnx")
	if err != nil {
		t.Fatal(err)
	}
	if name, note, err := a.AddModel(onnxBytes); err != nil || a.Model(name) == nil || note == "" {
		t.Errorf("AddModel(mnist-8 ONNX bytes) = %q, %q, %v; want a listed model and a note on the missing class names", name, note, err)
	}
	if err := a.SetModel("missing"); err == nil || !strings.Contains(err.Error(), "convnetjs-2") {
		t.Errorf("SetModel(missing) = %v, want an error listing the models", err)
	}
}

// TestInputGradient compares the analytic input gradient with central
// differences in float64 of the logit at inputs away from ReLU kinks.
func TestInputGradient(t *testing.T) {
	spec, _ := models.Architecture("convnetjs")
	net := nn.MustBuild(spec, 7)
	r := rand.New(rand.NewPCG(8, 9))
	x := make([]float32, 784)
	for i := range x {
		x[i] = 0.2 + 0.6*r.Float32()
	}
	const class = 4
	g := InputGradient(net, x, class)
	if !reflect.DeepEqual(g.Shape, []int{1, 28, 28}) {
		t.Fatalf("InputGradient shape = %v, want [1 28 28]", g.Shape)
	}
	logit := func(p []float32) float64 { l, _ := Predict(net, p); return float64(l[class]) }
	const h = 1e-2
	checked := 0
	for _, i := range []int{0, 100, 300, 406, 407, 500, 783} {
		p := append([]float32(nil), x...)
		p[i] += h
		up := logit(p)
		p[i] -= 2 * h
		down := logit(p)
		num := (up - down) / (2 * h)
		// Skip points where the step crosses a kink: there the one-sided
		// slopes differ.
		p[i] = x[i] + h/2
		mid := (up - logit(p)) / (h / 2)
		if math.Abs(mid-num) > 1e-3*math.Max(1, math.Abs(num)) {
			continue
		}
		checked++
		if d := math.Abs(float64(g.Data[i]) - num); d > 2e-3*math.Max(1, math.Abs(num)) {
			t.Errorf("InputGradient[%d] = %g, finite differences %g", i, g.Data[i], num)
		}
	}
	if checked < 4 {
		t.Errorf("only %d of 7 points away from kinks", checked)
	}
	// Probabilities sum to 1 and follow the logits.
	l, p := Predict(net, x)
	var sum float64
	for i := range p {
		sum += float64(p[i])
		if (p[i] > p[argmax(p)]) || (l[i] == l[argmax(l)]) != (i == argmax(p)) {
			t.Errorf("Predict: probs and logits disagree at %d", i)
		}
	}
	if math.Abs(sum-1) > 1e-5 {
		t.Errorf("sum of probabilities = %g, want 1", sum)
	}
}

func TestCheckPixels(t *testing.T) {
	net, _ := models.Builtin("mnist")
	ok := make([]float32, 784)
	tests := []struct {
		name string
		p    []float32
		want string
	}{
		{"short", ok[:10], "10 values"},
		{"nan", append(append([]float32{}, ok[:783]...), float32(math.NaN())), "outside 0..1"},
		{"big", append(append([]float32{}, ok[:783]...), 2), "pixels[783] = 2"},
	}
	for _, tt := range tests {
		if err := CheckPixels(net, tt.p); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("CheckPixels(%s) = %v, want %q", tt.name, err, tt.want)
		}
	}
	if err := CheckPixels(net, ok); err != nil {
		t.Errorf("CheckPixels(zeros) = %v", err)
	}
}

func TestBench(t *testing.T) {
	for _, w := range BenchWorkloads {
		res, err := RunBench(w, BenchOptions{Blocks: 3, Block: time.Millisecond, Warmup: time.Millisecond, Batch: 4})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Blocks) != 3 || !(res.Median > 0) || res.Min > res.Median {
			t.Errorf("RunBench(%s) = %+v, want 3 positive blocks", w, res)
		}
	}
	if _, err := RunBench("nap", BenchOptions{}); err == nil {
		t.Errorf("RunBench(nap): no error")
	}
}

func TestFitInput(t *testing.T) {
	p := make([]float32, 784)
	for i := range p {
		p[i] = float32(i) / 784
	}
	if got := FitInput(p, []int{1, 28, 28}); !reflect.DeepEqual(got, p) {
		t.Errorf("FitInput to [1 28 28] changed the image")
	}
	got := FitInput(p, []int{3, 14, 14})
	if len(got) != 3*196 || got[196+14+1] != p[2*28+2] || got[2*196+13*14+13] != p[26*28+26] {
		t.Errorf("FitInput to [3 14 14]: wrong sampling")
	}
}

// TestStartUpload reads an upload as a stepper: the header is checked at
// once, the progress grows to the end, and the input it makes is exactly
// Upload's; a bad file leaves the input alone.
func TestStartUpload(t *testing.T) {
	a := newApp(t)
	a.SetTestSet(fakeSet(3, 3))
	a.ShowTest(2)
	if err := a.StartUpload([]byte("not a picture"), nil); err == nil || !strings.Contains(err.Error(), "not a PNG or JPEG") {
		t.Errorf("StartUpload(text) = %v, want an error saying it is not a PNG or JPEG", err)
	}
	if active, _, _ := a.UploadProgress(); active || a.Sched.Running(UploadJob) {
		t.Errorf("a rejected upload left a job running")
	}
	img := image.NewGray(image.Rect(0, 0, 600, 400))
	for i := range img.Pix {
		img.Pix[i] = uint8(255 - i%251)
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	var got error = errNotCalled
	if err := a.StartUpload(buf.Bytes(), func(err error) { got = err }); err != nil {
		t.Fatal(err)
	}
	last, steps := -1.0, 0
	for a.Sched.Running(UploadJob) {
		active, p, _ := a.UploadProgress()
		if !active || p < last || p > 1 {
			t.Fatalf("UploadProgress = %v, %g after %g, want active and growing within 0..1", active, p, last)
		}
		if a.State.Input.Kind != InputTest {
			t.Fatalf("the input changed before the upload was read")
		}
		last = p
		a.Sched.Tick(0) // one step per tick
		steps++
	}
	if got != nil {
		t.Fatalf("done got %v, want nil", got)
	}
	if steps < 2 {
		t.Errorf("the upload took %d steps, want it cut into several", steps)
	}
	a.Refresh()
	want := input.Centre(mustDecode(t, buf.Bytes()))
	if !reflect.DeepEqual(a.Pixels, want) || a.State.Input.Kind != InputUpload {
		t.Errorf("StartUpload did not make the centred picture the input")
	}
}

var errNotCalled = errors.New("done was not called")

// TestRunBenchOwnModel times a loaded model: the forward pass of tinyvgg
// (64×64 colour, about ten times convnetjs's multiply-adds) takes longer
// than convnetjs's, and a workload that runs convnetjs only refuses it.
func TestRunBenchOwnModel(t *testing.T) {
	a := newApp(t)
	tiny := a.Model("tinyvgg").Net
	opt := BenchOptions{Blocks: 3, Block: 5 * time.Millisecond, Warmup: 5 * time.Millisecond}
	for _, w := range []string{"forward", "inputGradient"} {
		own := opt
		own.Net = tiny
		big, err := RunBench(w, own)
		if err != nil {
			t.Fatal(err)
		}
		small, err := RunBench(w, opt)
		if err != nil {
			t.Fatal(err)
		}
		if big.Min <= small.Min {
			t.Errorf("%s: tinyvgg %.3f ms, convnetjs %.3f ms; want tinyvgg slower", w, big.Min, small.Min)
		}
	}
	own := opt
	own.Net = tiny
	if _, err := RunBench("trainStep", own); err == nil || !strings.Contains(err.Error(), "convnetjs architecture only") {
		t.Errorf("trainStep with a model of one's own: %v, want a refusal", err)
	}
}

// TestScanAllocatesNothing checks that the background check of the test
// set allocates nothing per image once running, and that its predictions
// are the network's.
func TestScanAllocatesNothing(t *testing.T) {
	a := newApp(t)
	a.SetTestSet(fakeSet(200, 3))
	net := a.Current().Net
	s := &scan{a: a, net: net}
	a.pred = make([]int8, a.Test.Count)
	a.scanned = 0
	s.Step() // makes the plan and the buffers
	if allocs := testing.AllocsPerRun(100, func() { s.Step() }); allocs != 0 {
		t.Errorf("a scan step allocates %v times, want 0", allocs)
	}
	pix := make([]float32, 28*28)
	for i := 0; i < a.scanned; i++ {
		a.Test.Float(i, pix)
		logits, _ := Predict(net, FitInput(pix, net.Spec.Input))
		if want := int8(argmax(logits)); a.pred[i] != want {
			t.Fatalf("scan's prediction of image %d = %d, the network's %d", i, a.pred[i], want)
		}
	}
}
