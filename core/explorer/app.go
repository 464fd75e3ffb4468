package explorer

import (
	"errors"
	"fmt"
	"image"
	"math/rand/v2"
	"slices"
	"strings"

	"cnnviz/core/input"
	"cnnviz/core/nn"
	"cnnviz/core/tensor"
	"cnnviz/models"
	"cnnviz/models/mnist"
)

// Model is a model the user can select.
type Model struct {
	Name    string
	Net     *nn.Sequential
	Builtin bool // shipped with the page, not loaded by the user
}

// LayerInputs names the layers that layer i of the model reads, with
// nn.InputName for the image: the edges of a graph model, the previous
// layer in a chain.
func (m *Model) LayerInputs(i int) []string {
	spec := m.Net.Spec
	var names []string
	for _, j := range spec.InputsOf(i) {
		if j < 0 {
			names = append(names, nn.InputName)
		} else {
			names = append(names, spec.Layers[j].Name)
		}
	}
	return names
}

// Drawing surface: strokes are rasterized on a square of SurfaceSide pixels
// with a pen PenWidth of the side wide, then centred as MNIST was.
const (
	SurfaceSide = 196
	PenWidth    = 0.085
)

// scanJob is the scheduler name of the misclassification scan.
const scanJob = "scan"

// App is the application state behind the page: the selection (State),
// the models, the test set, the current input and the model's outputs for
// it. The shell calls its methods on user actions and Refresh once per
// frame; Refresh recomputes the outputs only after a change.
type App struct {
	State State
	Sched Scheduler

	// Test is the MNIST test set; nil until SetTestSet. Until then, the
	// first test images come from the built-in sample (Sample). The page
	// downloads it only once something needs it (TestSet).
	Test *mnist.Set
	// MisOnly restricts browsing the test set to misclassified images.
	MisOnly bool

	// Pixels is the current input as the model sees it: 28×28, 0..1 ink.
	Pixels []float32
	// Logits and Probs are the current model's outputs for Pixels; Acts
	// holds every layer's output.
	Logits, Probs []float32
	Acts          []Activation
	// Version changes whenever Pixels or the model (or its weights) change.
	Version int
	// Frames counts the webcam frames given to UseFrame.
	Frames int
	// HashChanged is set when State changed; the shell clears it after
	// writing the URL fragment.
	HashChanged bool

	models    []*Model
	dirty     bool
	uploadPix []float32
	upload    *uploadJob // the upload being read, if any
	pred      []int8     // predicted class per test image under the current model, -1 unknown
	scanned   int
	rand      *rand.Rand
	drawing   bool
	// raster is the drawing painted so far; rastered counts the points of
	// each stroke in it, so that a moving pen paints only its new segment.
	raster   *input.Gray
	rastered []int
	// plan runs the current model for Refresh without building a graph;
	// livePlan replaces it when the model changes.
	plan *nn.Plan
	// sample is the built-in start of the test set (Sample).
	sample *mnist.Set
	// testWanted is set when something needed the test set before it
	// was there (TestSet), until TestRequested.
	testWanted bool
	// digitBefore is the test image shown when a colour model replaced
	// it with a photo, to come back to under a digit model.
	digitBefore int

	// photo is the decoded picture of an upload or a sample photo
	// (photoName, "" for an upload); photoVer changes with it. colour is
	// its colour-model input for the shape colourKey names.
	photo     image.Image
	photoName string
	photoVer  int
	colour    []float32
	colourKey string
	// photoFull is the same picture at the resolution overlays are drawn
	// at (see overlaySide), and crop its part the model sees, for the
	// shape cropKey names.
	photoFull image.Image
	crop      *image.RGBA
	cropKey   string
}

// New returns an App with the shipped models and the default state.
func New() (*App, error) {
	a := &App{State: Default(), rand: rand.New(rand.NewPCG(1, 0xa99)), dirty: true, Pixels: make([]float32, 28*28)}
	for _, name := range append(models.Architectures(), models.PhotoModels()...) {
		net, err := models.Builtin(name)
		if err != nil {
			return nil, fmt.Errorf("shipped model %s: %v", name, err)
		}
		a.models = append(a.models, &Model{Name: name, Net: net, Builtin: true})
	}
	s, err := Sample()
	if err != nil {
		return nil, err
	}
	a.sample = s
	return a, nil
}

// Models returns the selectable models, shipped ones first.
func (a *App) Models() []*Model { return a.models }

// Model returns the model with the given name, or nil.
func (a *App) Model(name string) *Model {
	for _, m := range a.models {
		if m.Name == name {
			return m
		}
	}
	return nil
}

// Current returns the selected model.
func (a *App) Current() *Model {
	if m := a.Model(a.State.Model); m != nil {
		return m
	}
	return a.models[0]
}

// AddModel validates one model file given as bytes, without a file name,
// and makes it selectable: a cnnviz model file (models.Load) or an ONNX
// model, told apart by content. It returns the model's name (the
// architecture's name, with a suffix when a model of that name exists) and
// a note for the user when the file lacks class names or an input range.
func (a *App) AddModel(b []byte) (name, note string, err error) {
	if models.LooksLikeSafetensors(b) {
		net, err := models.Load(b)
		if err != nil {
			return "", "", err
		}
		name, err := a.addNet(net)
		return name, "", err
	}
	name, note, err = a.AddModelFiles(map[string][]byte{"model.onnx": b})
	if err != nil {
		return "", "", fmt.Errorf("neither a cnnviz model file (.safetensors) nor a readable ONNX model: %v", err)
	}
	return name, note, nil
}

// SetModel selects a model by name.
func (a *App) SetModel(name string) error {
	if a.Model(name) == nil {
		return fmt.Errorf("no model %q (have: %s)", name, strings.Join(a.modelNames(), ", "))
	}
	if name == a.State.Model {
		return nil
	}
	in := a.State.Input
	a.State.Model = name
	a.State.Layer, a.State.Channel = "", -1
	if k := in.Kind; IsColour(a.Current().Net) && (k == InputDrawing || k == InputTest) {
		// The drawing pad and the MNIST digits are grey: a colour
		// model starts on a sample photo.
		if err := a.ShowPhoto(Photos()[0]); err != nil {
			return err
		}
		if k == InputTest {
			a.digitBefore = in.Test
		}
	}
	if k := in.Kind; !IsColour(a.Current().Net) && (k == InputPhoto || k == InputCamera) {
		// The sample photos and the camera feed colour models: a digit
		// model goes back to the test image shown before them.
		a.State.Input = Input{Kind: InputTest, Test: a.digitBefore}
		a.drawing = false
		a.dirty = true
		a.touch()
	}
	if c := a.State.Class; c >= len(a.Current().Net.Spec.Classes) {
		a.State.Class = -1
	}
	a.ModelChanged()
	return nil
}

// ModelChanged recomputes everything that depends on the current model's
// weights; call it after changing them in place.
func (a *App) ModelChanged() {
	a.dirty = true
	a.HashChanged = true
	a.startScan()
}

func (a *App) modelNames() []string {
	var n []string
	for _, m := range a.models {
		n = append(n, m.Name)
	}
	return n
}

// SetTestSet installs the test set, starts the scan for misclassified
// images, and shows the selected test image if the input is one.
func (a *App) SetTestSet(s *mnist.Set) {
	a.Test = s
	if a.State.Input.Kind == InputTest && a.State.Input.Test >= s.Count {
		a.State.Input.Test = 0
		a.HashChanged = true
	}
	a.dirty = true
	a.startScan()
}

// ErrTestLoading is the error of whatever needs the test set while it
// has not arrived; needing it (TestSet) asks the shell for it.
var ErrTestLoading = errors.New("the test set is still loading")

// TestSet returns the test set. While it has not arrived it returns
// ErrTestLoading and records the need, which TestRequested passes on to
// the shell: a browsing button, a test image beyond the built-in sample,
// a view or a call that works on the whole set. A visit that only draws
// digits, or looks at the sample, never needs it.
func (a *App) TestSet() (*mnist.Set, error) {
	if a.Test != nil {
		return a.Test, nil
	}
	a.testWanted = true
	return nil, ErrTestLoading
}

// needTest is TestSet for callers that use a.Test themselves.
func (a *App) needTest() error {
	_, err := a.TestSet()
	return err
}

// TestRequested reports whether the test set was needed (TestSet) since
// the last call, while it had not arrived: the shell calls it once per
// frame and downloads the set when it reports true.
func (a *App) TestRequested() bool {
	r := a.testWanted && a.Test == nil
	a.testWanted = false
	return r
}

// LoadTestSet parses the MNIST test set from the bytes of its image and
// label files (gzipped or not) and installs it (SetTestSet).
func (a *App) LoadTestSet(images, labels []byte) error {
	set, err := mnist.Parse(images, labels)
	if err != nil {
		return err
	}
	a.SetTestSet(set)
	return nil
}

// Apply restores a decoded link state, checking what DecodeHash cannot:
// that the model exists, that the test image, layer and class are in
// range. Fields that fail keep a default and add to the error.
func (a *App) Apply(s State) error {
	var errs []string
	if s.Model == models.Robust {
		a.AddRobust() // shipped, listed once asked for
	}
	if a.Model(s.Model) == nil {
		errs = append(errs, fmt.Sprintf("no model %q", s.Model))
		s.Model = a.models[0].Name
	}
	net := a.Model(s.Model).Net
	if s.Layer != "" && net.Index(s.Layer) < 0 {
		errs = append(errs, fmt.Sprintf("model %s has no layer %q", s.Model, s.Layer))
		s.Layer, s.Channel = "", -1
	}
	if s.Class >= len(net.Spec.Classes) {
		errs = append(errs, fmt.Sprintf("class %d is not below %d", s.Class, len(net.Spec.Classes)))
		s.Class = -1
	}
	if s.Input.Kind == InputTest && a.Test != nil && s.Input.Test >= a.Test.Count {
		errs = append(errs, fmt.Sprintf("test image %d is not below %d", s.Input.Test, a.Test.Count))
		s.Input.Test = 0
	}
	if s.Input.Kind == InputUpload {
		errs = append(errs, "an uploaded picture cannot travel in a link; upload it again")
		s.Input = Input{Kind: InputDrawing}
	}
	if s.Input.Kind == InputPhoto && !slices.Contains(Photos(), s.Input.Photo) {
		errs = append(errs, fmt.Sprintf("no sample photo %q (have: %s)", s.Input.Photo, strings.Join(Photos(), ", ")))
		s.Input = Input{Kind: InputDrawing}
	}
	if s.Options == nil {
		s.Options = map[string]string{}
	}
	modelChanged := s.Model != a.State.Model
	if k := s.Input.Kind; modelChanged && IsColour(a.Model(s.Model).Net) && (k == InputDrawing || k == InputTest) {
		// As in SetModel: a colour model starts on a sample photo.
		s.Input = Input{Kind: InputPhoto, Photo: Photos()[0]}
	}
	a.State = s
	a.raster = nil
	a.dirty = true
	if modelChanged || a.pred == nil {
		a.startScan()
	}
	if len(errs) > 0 {
		return fmt.Errorf("link: %s", strings.Join(errs, "; "))
	}
	return nil
}

// touch marks the state as changed.
func (a *App) touch() { a.HashChanged = true }

// SetView selects a view by id.
func (a *App) SetView(id string) { a.State.View = id; a.touch() }

// SetLayer selects a layer by name ("" for none) and clears the channel.
func (a *App) SetLayer(name string) {
	if a.State.Layer != name {
		a.State.Channel = -1
	}
	a.State.Layer = name
	a.touch()
}

// SetChannel selects a channel of the selected layer (-1 for none).
func (a *App) SetChannel(layer string, c int) {
	a.State.Layer, a.State.Channel = layer, c
	a.touch()
}

// SetClass selects the target class (-1: the predicted one).
func (a *App) SetClass(c int) { a.State.Class = c; a.touch() }

// SetOption sets a view option; "" removes it.
func (a *App) SetOption(name, value string) { a.State.SetOption(name, value); a.touch() }

// StoreOptions lets store write a view's typed options into the state
// (as LayersOptions.Store does) and marks the state changed.
func (a *App) StoreOptions(store func(*State)) { store(&a.State); a.touch() }

// Predicted returns the class with the highest probability, or -1.
func (a *App) Predicted() int {
	best := -1
	for i, p := range a.Probs {
		if best < 0 || p > a.Probs[best] {
			best = i
		}
	}
	return best
}

// Target returns the selected class, or the predicted one.
func (a *App) Target() int {
	if a.State.Class >= 0 {
		return a.State.Class
	}
	return a.Predicted()
}

// Label returns the true label of the current input when it is a test
// image, else -1.
func (a *App) Label() int {
	if s := a.testImages(); a.State.Input.Kind == InputTest && s != nil && a.State.Input.Test < s.Count {
		return int(s.Labels[a.State.Input.Test])
	}
	return -1
}

// ShowTest makes test image i the input.
// While the test set is on its way, the images of the built-in sample
// can be shown, and any other asks for the test set and fails.
func (a *App) ShowTest(i int) error {
	if err := a.needTest(); err != nil && (i < 0 || i >= a.sample.Count) {
		return err
	}
	if s := a.testImages(); i < 0 || i >= s.Count {
		return fmt.Errorf("test image %d is outside 0..%d", i, s.Count-1)
	}
	a.State.Input = Input{Kind: InputTest, Test: i}
	a.dirty = true
	a.touch()
	return nil
}

// StepTest moves delta images forward or back in the test set (wrapping),
// skipping images that do not pass the filter (MisOnly). While the test
// set is on its way (the first step asks for it), steps within the
// built-in sample go ahead.
func (a *App) StepTest(delta int) error {
	if in := a.State.Input; a.Test == nil && !a.MisOnly && in.Kind == InputTest && a.digitsFit() == nil {
		if j := in.Test + delta; j >= 0 && j < a.sample.Count {
			return a.ShowTest(j) // which asks for the test set
		}
	}
	return a.findTest(delta, func(int) bool { return true })
}

// NextOfClass shows the next test image labelled c.
func (a *App) NextOfClass(c int) error {
	return a.findTest(1, func(i int) bool { return int(a.Test.Labels[i]) == c })
}

// RandomTest shows a random test image that passes the filter.
func (a *App) RandomTest() error {
	if err := a.digitsFit(); err != nil {
		return err
	}
	if err := a.needTest(); err != nil {
		return err
	}
	start := a.rand.IntN(a.Test.Count)
	a.State.Input.Kind, a.State.Input.Test = InputTest, start
	return a.findTest(1, func(int) bool { return true })
}

// DigitsFit reports whether the current model takes MNIST digits, so that
// browsing the test set makes sense: a colour model takes photos.
func (a *App) DigitsFit() bool { return a.digitsFit() == nil }

func (a *App) digitsFit() error {
	if m := a.Current(); IsColour(m.Net) {
		return fmt.Errorf("model %s classifies colour photos, not MNIST digits: pick a photo, the camera or an upload", m.Name)
	}
	return nil
}

// findTest walks from the current test image in steps of sign(delta) and
// shows the |delta|-th image that passes ok and the MisOnly filter.
func (a *App) findTest(delta int, ok func(int) bool) error {
	if err := a.digitsFit(); err != nil {
		return err
	}
	if err := a.needTest(); err != nil {
		return err
	}
	n := a.Test.Count
	cur := 0
	if a.State.Input.Kind == InputTest {
		cur = a.State.Input.Test
	} else {
		cur = -1
		if delta < 0 {
			cur = n
		}
	}
	dir, want := 1, delta
	if delta < 0 {
		dir, want = -1, -delta
	}
	i := cur
	for tries := 0; tries < n; tries++ {
		i = ((i+dir)%n + n) % n
		if ok(i) && (!a.MisOnly || a.Misclassified(i)) {
			want--
			if want <= 0 {
				return a.ShowTest(i)
			}
		}
	}
	if a.MisOnly {
		scanned, total, _ := a.ScanProgress()
		if scanned < total {
			return fmt.Errorf("no such misclassified image among the %d checked so far of %d", scanned, total)
		}
		return fmt.Errorf("no such misclassified image")
	}
	return fmt.Errorf("no such test image")
}

// Misclassified reports whether test image i is known to be misclassified
// by the current model.
func (a *App) Misclassified(i int) bool {
	return a.pred != nil && i < len(a.pred) && a.pred[i] >= 0 && int(a.pred[i]) != int(a.Test.Labels[i])
}

// ScanProgress returns how many test images the misclassification scan has
// checked, of how many, and how many of those are misclassified.
// A model that the scan does not run on (a colour model) gives zeros.
func (a *App) ScanProgress() (scanned, total, wrong int) {
	if a.Test == nil || !tensorIs28(a.Current().Net) {
		return 0, 0, 0
	}
	for i := 0; i < a.scanned; i++ {
		if a.Misclassified(i) {
			wrong++
		}
	}
	return a.scanned, a.Test.Count, wrong
}

// startScan (re)starts the stepper that predicts every test image with the
// current model.
func (a *App) startScan() {
	if a.Test == nil {
		return
	}
	a.pred = make([]int8, a.Test.Count)
	for i := range a.pred {
		a.pred[i] = -1
	}
	a.scanned = 0
	net := a.Current().Net
	if !tensorIs28(net) {
		a.Sched.Stop(scanJob)
		return
	}
	a.Sched.Start(scanJob, &scan{a: a, net: net})
}

func tensorIs28(net *nn.Sequential) bool {
	in := net.Spec.Input
	return len(in) == 3 && in[1] == 28 && in[2] == 28 && len(net.Spec.Classes) <= 127
}

// scan predicts the test set a few images per step.
type scan struct {
	a    *App
	net  *nn.Sequential
	plan *nn.Plan // net for scanBatch images, made at the first Step
	// one and buf hold a test image and the batch as the net takes it,
	// kept across steps: the scan, which runs for seconds beside every
	// view, allocates nothing per image.
	one, buf []float32
}

// scanBatch is the number of images per Step: one image of the mnist model
// takes about 0.5 ms natively and a few ms in the browser; the scheduler
// runs as many steps as fit in a frame's budget.
const scanBatch = 1

func (s *scan) Step() bool {
	a := s.a
	if a.Test == nil || a.scanned >= a.Test.Count {
		return true
	}
	n := min(scanBatch, a.Test.Count-a.scanned)
	shape := s.net.Spec.Input
	size := tensor.Numel(shape)
	if s.one == nil {
		s.one, s.buf = make([]float32, 28*28), make([]float32, scanBatch*size)
	}
	for i := 0; i < n; i++ {
		a.Test.Float(a.scanned+i, s.one)
		fitInput(s.buf[i*size:(i+1)*size], s.one, shape)
	}
	if s.plan == nil {
		s.plan = nn.NewPlan(s.net, scanBatch)
	}
	var logits []float32
	if n == scanBatch {
		logits = s.plan.Forward(s.buf)
	} else {
		logits = s.net.Logits(s.buf[:n*size], n)
	}
	k := len(s.net.Spec.Classes)
	for i := 0; i < n; i++ {
		a.pred[a.scanned+i] = int8(argmax(logits[i*k : (i+1)*k]))
	}
	a.scanned += n
	return a.scanned >= a.Test.Count
}

func argmax(v []float32) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}

// BeginStroke starts a new stroke at p (surface units 0..1). The input
// becomes the drawing (a fresh one if the input was something else).
func (a *App) BeginStroke(p input.Point) {
	if a.State.Input.Kind != InputDrawing {
		a.State.Input = Input{Kind: InputDrawing}
		a.raster = nil
	}
	if len(a.State.Input.Strokes) >= MaxStrokes || a.points() >= MaxPoints {
		return
	}
	a.State.Input.Strokes = append(a.State.Input.Strokes, input.Stroke{clampPoint(p)})
	a.drawing = true
	a.dirty = true
	a.touch()
}

// ExtendStroke adds p to the stroke being drawn. Points are kept on the
// link's 256-step grid; one on the same grid point as the last is skipped.
func (a *App) ExtendStroke(p input.Point) {
	if !a.drawing || a.State.Input.Kind != InputDrawing || len(a.State.Input.Strokes) == 0 || a.points() >= MaxPoints {
		return
	}
	st := &a.State.Input.Strokes[len(a.State.Input.Strokes)-1]
	p = clampPoint(p)
	last := (*st)[len(*st)-1]
	if p == last {
		return
	}
	*st = append(*st, p)
	a.dirty = true
	a.touch()
}

// EndStroke finishes the stroke being drawn.
func (a *App) EndStroke() { a.drawing = false }

// Drawing reports whether a stroke is being drawn.
func (a *App) Drawing() bool { return a.drawing }

// Undo removes the last stroke of the drawing.
func (a *App) Undo() {
	in := &a.State.Input
	if in.Kind != InputDrawing || len(in.Strokes) == 0 {
		return
	}
	in.Strokes = in.Strokes[:len(in.Strokes)-1]
	a.raster = nil
	a.drawing = false
	a.dirty = true
	a.touch()
}

// Clear makes the input an empty drawing.
func (a *App) Clear() {
	a.State.Input = Input{Kind: InputDrawing}
	a.raster = nil
	a.drawing = false
	a.dirty = true
	a.touch()
}

func (a *App) points() int {
	n := 0
	for _, s := range a.State.Input.Strokes {
		n += len(s)
	}
	return n
}

// clampPoint puts p on the link's grid, so that a drawing restored from a
// link gives exactly the same input.
func clampPoint(p input.Point) input.Point {
	return input.Point{X: float64(quantize(p.X)) / gridSteps, Y: float64(quantize(p.Y)) / gridSteps}
}

// DrawingPixels returns the rasterized drawing (SurfaceSide² values), before
// centring. It is kept up to date incrementally: while a stroke grows only
// its new segments are painted.
func (a *App) DrawingPixels() *input.Gray {
	strokes := a.State.Input.Strokes
	if a.raster == nil || len(a.rastered) > len(strokes) {
		a.raster, a.rastered = input.NewGray(SurfaceSide, SurfaceSide), nil
	}
	// Strokes already painted must be unchanged prefixes; a stroke that is
	// shorter than painted (undo, a new link) means painting afresh.
	for i, n := range a.rastered {
		if n > len(strokes[i]) {
			a.raster, a.rastered = input.NewGray(SurfaceSide, SurfaceSide), nil
			break
		}
	}
	for i, s := range strokes {
		if i == len(a.rastered) {
			a.rastered = append(a.rastered, 0)
		}
		from := a.rastered[i]
		if from == len(s) {
			continue
		}
		part := s[max(0, from-1):]
		input.Paint(a.raster, []input.Stroke{scaleStroke(part)}, PenWidth*SurfaceSide)
		a.rastered[i] = len(s)
	}
	return a.raster
}

func scaleStroke(s input.Stroke) input.Stroke {
	out := make(input.Stroke, len(s))
	for j, p := range s {
		out[j] = input.Point{X: p.X * SurfaceSide, Y: p.Y * SurfaceSide}
	}
	return out
}

func rasterize(strokes []input.Stroke) *input.Gray {
	scaled := make([]input.Stroke, len(strokes))
	for i, s := range strokes {
		scaled[i] = scaleStroke(s)
	}
	return input.Rasterize(scaled, SurfaceSide, SurfaceSide, PenWidth*SurfaceSide)
}

// DrawingInput returns the 28×28 model input for drawn strokes (surface
// units): rasterized, then centred as MNIST was.
func DrawingInput(strokes []input.Stroke) []float32 {
	return input.Centre(rasterize(strokes))
}

// ModelInput returns the current input in the current model's input
// shape: a photo (uploaded or a sample) through input.Colour for a colour
// model, else Pixels (FitInput).
func (a *App) ModelInput() []float32 {
	in := a.Current().Net.Spec.Input
	if x := a.photoInput(in); x != nil {
		return x
	}
	return FitInput(a.Pixels, in)
}

// Refresh recomputes the input and the outputs if anything changed since
// the last call, and reports whether it did.
func (a *App) Refresh() bool {
	if !a.dirty {
		return false
	}
	a.dirty = false
	switch a.State.Input.Kind {
	case InputTest:
		if s := a.testImages(); s != nil && a.State.Input.Test < s.Count {
			a.Pixels = s.Float(a.State.Input.Test, a.Pixels)
		} else {
			a.needTest() // a link's test image beyond the sample
			clear(a.Pixels)
		}
	case InputDrawing:
		a.Pixels = input.Centre(a.DrawingPixels())
	case InputPhoto:
		if err := a.loadPhoto(a.State.Input.Photo); err != nil {
			clear(a.Pixels)
			break
		}
		copy(a.Pixels, a.uploadPix)
	case InputCamera:
		clear(a.Pixels) // a grey model has no use for the camera's frames
	case InputUpload:
		if a.uploadPix != nil {
			copy(a.Pixels, a.uploadPix)
		} else {
			clear(a.Pixels)
		}
	}
	net := a.Current().Net
	x := a.ModelInput()
	a.Acts = planActivations(a.livePlan(net), x)
	a.Logits = a.Acts[len(a.Acts)-1].Data
	a.Probs = tensor.Softmax(a.Logits)
	a.Version++
	return true
}

// livePlan returns a Plan of net for one image, made once per model. A
// Plan reads the weights when it runs, so training in place needs no new
// one.
func (a *App) livePlan(net *nn.Sequential) *nn.Plan {
	if a.plan == nil || a.plan.Net() != net {
		a.plan = nn.NewPlan(net, 1)
	}
	return a.plan
}

// Invalidate forces the next Refresh to recompute.
func (a *App) Invalidate() { a.dirty = true }
