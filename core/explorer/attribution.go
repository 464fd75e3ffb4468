package explorer

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"cnnviz/core/attribution"
	"cnnviz/core/attribution/metrics"
	"cnnviz/core/nn"
	"cnnviz/core/tensor"
	"cnnviz/models/mnist"
)

// AttrMethod describes one attribution method of the Attribution view and
// of cnnviz.attribute.
type AttrMethod struct {
	ID, Name string
	// CAM is set for the class activation maps: their raw result is [H, W]
	// at a layer's resolution; the others give [C, H, W] at the input's.
	CAM bool
	// Layer is set when the method works on a chosen spatial layer (CAM
	// itself always uses the layer feeding the global average pooling).
	Layer bool
	// Class is set when the map depends on the target class.
	Class bool
	// Slow is set for the methods that need many passes (steppers).
	Slow bool
}

// AttrMethods lists every method, CAM family first.
var AttrMethods = []AttrMethod{
	{"gradcam", "Grad-CAM", true, true, true, false},
	{"cam", "CAM", true, false, true, false},
	{"gradcampp", "Grad-CAM++", true, true, true, false},
	{"xgradcam", "XGrad-CAM", true, true, true, false},
	{"hirescam", "HiResCAM", true, true, true, false},
	{"layercam", "LayerCAM", true, true, true, false},
	{"eigencam", "Eigen-CAM", true, true, false, false},
	{"scorecam", "Score-CAM", true, true, true, true},
	{"ablationcam", "Ablation-CAM", true, true, true, true},
	{"saliency", "Saliency", false, false, true, false},
	{"gradinput", "Gradient×input", false, false, true, false},
	{"guided", "Guided backprop", false, false, true, false},
	{"deconvnet", "Deconvnet", false, false, true, false},
	{"guidedgradcam", "Guided Grad-CAM", false, true, true, false},
	{"ig", "Integrated gradients", false, false, true, true},
	{"smoothgrad", "SmoothGrad", false, false, true, true},
	{"occlusion", "Occlusion", false, false, true, true},
}

// AttrMethodByID returns the method with id and whether it exists.
func AttrMethodByID(id string) (AttrMethod, bool) {
	for _, m := range AttrMethods {
		if m.ID == id {
			return m, true
		}
	}
	return AttrMethod{}, false
}

// DefaultAttrMethod is the method shown when State.Method is empty.
const DefaultAttrMethod = "gradcam"

// AttrMethodOf returns the method selected in s, or the default when
// State.Method names no attribution method.
func AttrMethodOf(s State) AttrMethod {
	if m, ok := AttrMethodByID(s.Method); ok {
		return m
	}
	m, _ := AttrMethodByID(DefaultAttrMethod)
	return m
}

// AttrOptions are the per-method options of the view and the API.
type AttrOptions struct {
	IGSteps    int                  // integrated gradients path points
	IGBaseline attribution.Baseline // integrated gradients reference
	SGSamples  int                  // SmoothGrad noisy copies
	SGNoise    float64              // SmoothGrad σ as a fraction of the range
	OccPatch   int                  // occlusion patch side
	OccStride  int                  // occlusion stride
	Seed       uint64               // for noise (SmoothGrad, noise baseline)
	// Batch is the images per Step of the steppers (0: AutoBatch). The
	// page passes 1, so that a Step stays short under WebAssembly.
	Batch int
}

// DefaultAttrOptions returns the options of a fresh page.
func DefaultAttrOptions() AttrOptions {
	return AttrOptions{IGSteps: 32, SGSamples: 24, SGNoise: 0.15, OccPatch: 6, OccStride: 2, Seed: 1}
}

// Baselines names the integrated-gradients baselines as the options hold
// them.
var Baselines = []string{"black", "blur", "noise"}

// Limits of the options, checked by CheckAttrOptions.
const (
	MaxIGSteps   = 512
	MaxSGSamples = 256
)

// AttrOptionsOf reads the method options of s ("igsteps", "igbase",
// "sgn", "sgnoise", "occpatch", "occstride") over the defaults, and the
// seed. An option that does not parse or is out of range keeps its
// default and is named in the error.
func AttrOptionsOf(s State) (AttrOptions, error) {
	o := DefaultAttrOptions()
	o.Seed = max(s.Seed, 1)
	var errs []string
	num := func(key string, dst *int, lo, hi int) {
		v, ok := s.Options[key]
		if !ok {
			return
		}
		if n, err := strconv.Atoi(v); err == nil && n >= lo && n <= hi {
			*dst = n
			return
		}
		errs = append(errs, fmt.Sprintf("%s: %q is not a whole number %d..%d", key, v, lo, hi))
	}
	num("igsteps", &o.IGSteps, 1, MaxIGSteps)
	num("sgn", &o.SGSamples, 1, MaxSGSamples)
	num("occpatch", &o.OccPatch, 1, 28)
	num("occstride", &o.OccStride, 1, 28)
	if v, ok := s.Options["sgnoise"]; ok {
		if f, err := strconv.ParseFloat(v, 64); err == nil && f >= 0 && f <= 1 {
			o.SGNoise = f
		} else {
			errs = append(errs, fmt.Sprintf("sgnoise: %q is not a number 0..1", v))
		}
	}
	if v, ok := s.Options["igbase"]; ok {
		if b, ok := BaselineByName(v); ok {
			o.IGBaseline = b
		} else {
			errs = append(errs, fmt.Sprintf("igbase: %q is not one of %s", v, strings.Join(Baselines, ", ")))
		}
	}
	if len(errs) > 0 {
		return o, fmt.Errorf("attribution: %s", strings.Join(errs, "; "))
	}
	return o, nil
}

// Options returns the method options of o as link options: those that
// differ from the defaults (the seed and Batch travel elsewhere).
// AttrOptionsOf of a state with these options gives o back.
func (o AttrOptions) Options() map[string]string {
	d := DefaultAttrOptions()
	out := map[string]string{}
	add := func(key string, v, dv any) {
		if v != dv {
			out[key] = fmt.Sprint(v)
		}
	}
	add("igsteps", o.IGSteps, d.IGSteps)
	add("sgn", o.SGSamples, d.SGSamples)
	add("occpatch", o.OccPatch, d.OccPatch)
	add("occstride", o.OccStride, d.OccStride)
	if o.SGNoise != d.SGNoise {
		out["sgnoise"] = strconv.FormatFloat(o.SGNoise, 'g', -1, 64)
	}
	if o.IGBaseline != d.IGBaseline {
		out["igbase"] = Baselines[o.IGBaseline]
	}
	return out
}

// CheckAttrOptions returns an error naming the first option out of range.
func CheckAttrOptions(o AttrOptions) error {
	switch {
	case o.IGSteps < 1 || o.IGSteps > MaxIGSteps:
		return fmt.Errorf("steps must be in 1..%d, got %d", MaxIGSteps, o.IGSteps)
	case o.IGBaseline < attribution.BaselineBlack || o.IGBaseline > attribution.BaselineNoise:
		return fmt.Errorf("unknown baseline %d", o.IGBaseline)
	case o.SGSamples < 1 || o.SGSamples > MaxSGSamples:
		return fmt.Errorf("samples must be in 1..%d, got %d", MaxSGSamples, o.SGSamples)
	case !(o.SGNoise >= 0 && o.SGNoise <= 1):
		return fmt.Errorf("noise must be in 0..1, got %v", o.SGNoise)
	case o.OccPatch < 1:
		return fmt.Errorf("patch must be at least 1, got %d", o.OccPatch)
	case o.OccStride < 1:
		return fmt.Errorf("stride must be at least 1, got %d", o.OccStride)
	case o.Batch < 0:
		return fmt.Errorf("batch must not be negative, got %d", o.Batch)
	}
	return nil
}

// DefaultAttrLayer returns the layer a layer method uses by default: the
// last layer with a spatial output (for a model ending in global average
// pooling, the one CAM uses), or -1 when there is none.
func DefaultAttrLayer(net *nn.Sequential) int {
	sp := attribution.SpatialLayers(net)
	if len(sp) == 0 {
		return -1
	}
	return sp[len(sp)-1]
}

// AttrLayerOf returns the layer that method uses for the state's Layer:
// the named layer when it has a spatial output, else DefaultAttrLayer.
// CAM always gets its own layer (attribution.CAMLayer) or -1.
func AttrLayerOf(net *nn.Sequential, m AttrMethod, layer string) int {
	if m.ID == "cam" {
		i, err := attribution.CAMLayer(net)
		if err != nil {
			return -1
		}
		return i
	}
	if i := net.Index(layer); i >= 0 {
		for _, s := range attribution.SpatialLayers(net) {
			if s == i {
				return i
			}
		}
	}
	return DefaultAttrLayer(net)
}

// NeedsNonNegative reports whether method assumes that the layer's
// activations are non-negative, as after a ReLU: Grad-CAM++ (its weights
// come from a derivation for exp(score) over A ≥ 0) and XGrad-CAM (its
// weights divide by Σ A, which nears zero or changes sign on a layer with
// negative values). On a convolution's raw output they give maps whose
// values run into the thousands and mean nothing.
func NeedsNonNegative(method string) bool { return method == "gradcampp" || method == "xgradcam" }

// NonNegative reports whether layer i's output can have no negative
// values: a ReLU, ReLU6 or sigmoid, a pooling or flattening of such an
// output, or an add or concat of such outputs.
func NonNegative(net *nn.Sequential, i int) bool {
	if i < 0 {
		return false // the input itself: not known to be non-negative
	}
	switch net.Spec.Layers[i].Kind {
	case nn.KindReLU, nn.KindReLU6, nn.KindSigmoid:
		return true
	case nn.KindMaxPool2D, nn.KindAvgPool2D, nn.KindGlobalAvgPool, nn.KindFlatten, nn.KindDropout, nn.KindAdd, nn.KindConcat:
		for _, j := range net.Spec.InputsOf(i) { // as non-negative as the inputs
			if !NonNegative(net, j) {
				return false
			}
		}
		return true
	}
	return false
}

// NonNegativeLayer returns the layer that method uses when layer i is
// chosen: i itself, unless the method needs non-negative activations
// (NeedsNonNegative) and i can be negative; then the ReLU that directly
// follows i, with a note for the user that says so. It returns an error
// when there is no such ReLU.
func NonNegativeLayer(net *nn.Sequential, method string, i int) (layer int, note string, err error) {
	if !NeedsNonNegative(method) || i < 0 || NonNegative(net, i) {
		return i, "", nil
	}
	m, _ := AttrMethodByID(method)
	name := net.Spec.Layers[i].Name
	for _, j := range net.Spec.Consumers(i) {
		if net.Spec.Layers[j].Kind != nn.KindReLU {
			continue
		}
		return j, fmt.Sprintf("%s needs non-negative activations: %s (the ReLU after %s) is used", m.Name, net.Spec.Layers[j].Name, name), nil
	}
	return i, "", fmt.Errorf("%s needs non-negative activations (a relu layer or a pooling after one); %s can be negative and no relu follows it", m.Name, name)
}

// SetMethod selects an attribution method by id ("" for the default).
func (a *App) SetMethod(id string) { a.State.Method = id; a.touch() }

// AttrJob computes one method's map for one image as a stepper. A cheap
// method is done in its first Step; a slow one advances by the
// attribution package's own steppers, and Result gives its partial map.
type AttrJob struct {
	Method AttrMethod
	Layer  int // the layer used, or -1
	Class  int
	// Note says when the layer used differs from the one asked for (see
	// NonNegativeLayer), for the user; "" otherwise.
	Note string

	net  *nn.Sequential
	x    *tensor.Tensor
	opt  AttrOptions
	cam  *attribution.CAMStepper
	ig   *attribution.IGStepper
	sg   *attribution.SmoothGradStepper
	occ  *attribution.OcclusionStepper
	res  *tensor.Tensor
	done bool
	err  error
}

// NewAttr starts method on the image pixels (the model's input shape, C·H·W
// values) for class; layer is a layer index for the layer methods
// (ignored by the others; CAM checks its own). It returns an error for an
// unknown method, a bad layer, class or option.
func NewAttr(net *nn.Sequential, pixels []float32, method string, layer, class int, opt AttrOptions) (*AttrJob, error) {
	m, ok := AttrMethodByID(method)
	if !ok {
		return nil, fmt.Errorf("unknown method %q", method)
	}
	if err := CheckAttrOptions(opt); err != nil {
		return nil, err
	}
	in := net.Spec.Input
	if len(pixels) != in[0]*in[1]*in[2] {
		return nil, fmt.Errorf("input has %d values, the model takes %d×%d×%d", len(pixels), in[0], in[1], in[2])
	}
	if class < 0 || class >= len(net.Spec.Classes) {
		return nil, fmt.Errorf("class %d out of range 0..%d", class, len(net.Spec.Classes)-1)
	}
	j := &AttrJob{Method: m, Layer: -1, Class: class, net: net, opt: opt,
		x: tensor.FromSlice(append([]float32(nil), pixels...), in...)}
	if m.ID == "cam" {
		l, err := attribution.CAMLayer(net)
		if err != nil {
			return nil, err
		}
		j.Layer = l
	} else if m.Layer {
		ok := false
		for _, s := range attribution.SpatialLayers(net) {
			ok = ok || s == layer
		}
		if !ok {
			return nil, fmt.Errorf("layer %d has no spatial output (spatial layers: %v)", layer, attribution.SpatialLayers(net))
		}
		l, note, err := NonNegativeLayer(net, m.ID, layer)
		if err != nil {
			return nil, err
		}
		j.Layer, j.Note = l, note
	}
	var err error
	switch m.ID {
	case "scorecam":
		j.cam, err = attribution.NewScoreCAM(net, j.x, j.Layer, class, opt.Batch)
	case "ablationcam":
		j.cam, err = attribution.NewAblationCAM(net, j.x, j.Layer, class, opt.Batch)
	case "ig":
		j.ig, err = attribution.NewIntegratedGradients(net, j.x, class, attribution.IGOptions{
			Steps: opt.IGSteps, Baseline: opt.IGBaseline, Seed: opt.Seed, Batch: opt.Batch})
	case "smoothgrad":
		j.sg, err = attribution.NewSmoothGrad(net, j.x, class, attribution.SmoothGradOptions{
			Samples: opt.SGSamples, Noise: opt.SGNoise, Seed: opt.Seed, Batch: opt.Batch})
		if opt.SGNoise == 0 && err == nil {
			// 0 means the default to the attribution package; an explicit 0
			// (no noise) is plain saliency averaged, which we compute so.
			j.sg = nil
		}
	case "occlusion":
		if opt.OccPatch > min(in[1], in[2]) {
			return nil, fmt.Errorf("patch %d is larger than the %d×%d input", opt.OccPatch, in[1], in[2])
		}
		j.occ, err = attribution.NewOcclusion(net, j.x, class, attribution.OcclusionOptions{
			Patch: opt.OccPatch, Stride: opt.OccStride, Batch: opt.Batch})
	}
	if err != nil {
		return nil, err
	}
	return j, nil
}

// Step does a bounded slice of the work and reports whether the map is
// complete (or failed: see Err).
func (j *AttrJob) Step() bool {
	if j.done {
		return true
	}
	switch {
	case j.cam != nil:
		j.done = j.cam.Step()
		j.res = j.cam.Map()
	case j.ig != nil:
		j.done = j.ig.Step()
		j.res = j.ig.Attribution()
	case j.sg != nil:
		j.done = j.sg.Step()
		j.res = j.sg.Attribution()
	case j.occ != nil:
		j.done = j.occ.Step()
		j.res = j.occ.Attribution()
	default:
		j.res, j.err = j.cheap()
		j.done = true
	}
	return j.done
}

func (j *AttrJob) cheap() (*tensor.Tensor, error) {
	n, x, l, c := j.net, j.x, j.Layer, j.Class
	switch j.Method.ID {
	case "cam":
		return attribution.CAM(n, x, c)
	case "gradcam":
		return attribution.GradCAM(n, x, l, c)
	case "gradcampp":
		return attribution.GradCAMPlusPlus(n, x, l, c)
	case "xgradcam":
		return attribution.XGradCAM(n, x, l, c)
	case "hirescam":
		return attribution.HiResCAM(n, x, l, c)
	case "layercam":
		return attribution.LayerCAM(n, x, l, c)
	case "eigencam":
		return attribution.EigenCAM(n, x, l)
	case "saliency", "smoothgrad": // smoothgrad with zero noise
		return attribution.Saliency(n, x, c)
	case "gradinput":
		return attribution.GradientXInput(n, x, c)
	case "guided":
		return attribution.GuidedBackprop(n, x, c)
	case "deconvnet":
		return attribution.Deconvnet(n, x, c)
	case "guidedgradcam":
		return attribution.GuidedGradCAM(n, x, l, c)
	}
	panic("explorer: no cheap method " + j.Method.ID)
}

// Done reports whether the map is complete.
func (j *AttrJob) Done() bool { return j.done }

// Err returns the method's error, if it failed.
func (j *AttrJob) Err() error { return j.err }

// Progress returns the work done and the total, in the method's units
// (channels, path points, samples, patches; 0 of 1 for a cheap method).
func (j *AttrJob) Progress() (done, total int) {
	switch {
	case j.cam != nil:
		return j.cam.Progress()
	case j.ig != nil:
		return j.ig.Progress()
	case j.sg != nil:
		return j.sg.Progress()
	case j.occ != nil:
		return j.occ.Progress()
	}
	if j.done {
		return 1, 1
	}
	return 0, 1
}

// Result returns the raw map so far: [H, W] at the layer's resolution for
// the CAM family, [C, H, W] at the input's for the others; nil before the
// first Step or after an error.
func (j *AttrJob) Result() *tensor.Tensor { return j.res }

// Completeness returns integrated gradients' completeness error Σ attr −
// (y(x) − y(b)) and y(x) − y(b); ok is false for other methods.
func (j *AttrJob) Completeness() (gap, delta float64, ok bool) {
	if j.ig == nil {
		return 0, 0, false
	}
	gap, delta = j.ig.CompletenessError()
	return gap, delta, true
}

// Attribute runs NewAttr to completion and returns the raw map.
func Attribute(net *nn.Sequential, pixels []float32, method string, layer, class int, opt AttrOptions) (*tensor.Tensor, error) {
	j, err := NewAttr(net, pixels, method, layer, class, opt)
	if err != nil {
		return nil, err
	}
	for !j.Step() {
	}
	return j.Result(), j.Err()
}

// DisplayMap turns a raw result into one h×w map ready to draw: a [C, H,
// W] result has its channels summed (signed), then post is applied. It
// panics on a result that is neither [H, W] nor [C, H, W].
func DisplayMap(raw *tensor.Tensor, post attribution.Post) (m []float32, h, w int) {
	switch len(raw.Shape) {
	case 2:
		h, w = raw.Shape[0], raw.Shape[1]
		m = raw.Data
	case 3:
		h, w = raw.Shape[1], raw.Shape[2]
		m = attribution.ReduceChannels(raw.Data, raw.Shape[0], attribution.ReduceSum)
	default:
		panic(fmt.Sprintf("explorer: attribution map of shape %v", raw.Shape))
	}
	return post.Apply(m), h, w
}

// InputMap returns a raw result as H·W values at the input's resolution
// (outH×outW): channels summed, CAMs upsampled bilinearly. This is the map
// the metrics rank.
func InputMap(raw *tensor.Tensor, outH, outW int) []float32 {
	m, h, w := DisplayMap(raw, attribution.Post{})
	if h == outH && w == outW {
		return append([]float32(nil), m...)
	}
	return attribution.Upsample(m, h, w, outH, outW, true)
}

// MapFunc returns the metrics' map function of method on layer with opt
// (the raw map at input resolution, see InputMap).
func MapFunc(method string, layer int, opt AttrOptions) metrics.MapFunc {
	return func(net *nn.Sequential, x *tensor.Tensor, class int) ([]float32, error) {
		r, err := Attribute(net, x.Data, method, layer, class, opt)
		if err != nil {
			return nil, err
		}
		return InputMap(r, x.Shape[1], x.Shape[2]), nil
	}
}

// The metrics an AttrEval computes.
var AttrMetrics = []string{"deletion", "insertion", "confidence", "pointing", "sanity"}

// Localization scenes of the page and the API: digits on an 84×84 canvas,
// and the pointing tolerance of one cell of the mnist model's relu4 grid
// (the setting the metrics package validates the 90% figure with).
const (
	SceneSize   = 84
	PointingTol = 4
)

// AttrEval measures one method with one metric over a set of images, as a
// stepper: each image's map is an AttrJob stepped like any other, so that
// even Score-CAM keeps every Step short. Partial results can be read
// between Steps.
//
//   - "deletion", "insertion": a curve per image (black baseline), and
//     their mean (Curve).
//   - "confidence": average drop and increase in confidence (Confidence).
//   - "pointing": pointing game and energy inside the box on scenes whose
//     boxes are given; the model must take the scenes' size (Localization).
//   - "sanity": cascading randomization from the top layer down, the
//     similarities to the original map averaged over the images (Sanity).
type AttrEval struct {
	Metric string

	net     *nn.Sequential
	method  string
	layer   int
	opt     AttrOptions
	imgs    [][]float32
	classes []int
	boxes   []metrics.Box
	seed    uint64

	given [][]float32 // precomputed maps (UseMaps)
	i     int         // current image
	job   *AttrJob    // its map, while it is computed
	curve *metrics.CurveStepper
	conf  *metrics.ConfidenceStepper
	maps  [][]float32
	err   error
	done  bool

	curves []metrics.Curve
	hits   int
	energy float64
	nloc   int

	// sanity: the model being randomized, the layers top first, the
	// level (0: original), the original map and the sums per level.
	work   *nn.Sequential
	random *nn.Sequential
	params []int
	level  int
	orig   []float32
	sums   []metrics.SanityPoint
	counts []int
}

// NewAttrEval starts metric for method on layer over images imgs (each in
// net's input shape) with target classes; boxes are the digit boxes for
// "pointing" (nil otherwise); seed seeds the sanity check's random weights.
// It returns an error for an unknown metric or method, or mismatched
// lengths; bad layers and classes surface from the first Step (Err).
func NewAttrEval(net *nn.Sequential, metric, method string, layer int, opt AttrOptions, imgs [][]float32, classes []int, boxes []metrics.Box, seed uint64) (*AttrEval, error) {
	ok := false
	for _, m := range AttrMetrics {
		ok = ok || m == metric
	}
	if !ok {
		return nil, fmt.Errorf("unknown metric %q (have %v)", metric, AttrMetrics)
	}
	if _, ok := AttrMethodByID(method); !ok {
		return nil, fmt.Errorf("unknown method %q", method)
	}
	if len(imgs) == 0 || len(imgs) != len(classes) {
		return nil, fmt.Errorf("%d images and %d classes", len(imgs), len(classes))
	}
	if metric == "pointing" && len(boxes) != len(imgs) {
		return nil, fmt.Errorf("pointing needs one box per image, got %d for %d", len(boxes), len(imgs))
	}
	e := &AttrEval{Metric: metric, net: net, method: method, layer: layer, opt: opt, imgs: imgs, classes: classes, boxes: boxes, seed: seed}
	if metric == "sanity" {
		e.random = nn.MustBuild(net.Spec, seed)
		for i := len(net.Layers) - 1; i >= 0; i-- {
			if len(net.Layers[i].Params()) > 0 {
				e.params = append(e.params, i)
			}
		}
		e.sums = make([]metrics.SanityPoint, len(e.params)+1)
		e.counts = make([]int, len(e.params)+1)
	}
	return e, nil
}

// Step does a bounded slice of work and reports whether the metric is
// complete or failed (Err).
func (e *AttrEval) Step() bool {
	if e.done {
		return true
	}
	if e.conf != nil {
		e.done = e.conf.Step()
		return e.done
	}
	if e.curve != nil {
		if e.curve.Step() {
			e.curves = append(e.curves, e.curve.Curve())
			e.curve = nil
			e.next()
		}
		return e.done
	}
	in := e.net.Spec.Input
	var m []float32
	if e.i < len(e.given) && e.given[e.i] != nil && e.level == 0 {
		m = e.given[e.i]
	} else if m = e.stepMap(); m == nil {
		return e.done
	}
	x := tensor.FromSlice(e.imgs[e.i], in...)
	switch e.Metric {
	case "deletion", "insertion":
		var err error
		o := metrics.CurveOptions{Batch: e.opt.Batch}
		if e.Metric == "deletion" {
			e.curve, err = metrics.NewDeletion(e.net, x, e.classes[e.i], m, o)
		} else {
			e.curve, err = metrics.NewInsertion(e.net, x, e.classes[e.i], m, o)
		}
		if err != nil {
			return e.fail(err)
		}
	case "confidence":
		e.maps = append(e.maps, m)
		e.next()
		if e.done {
			xs := make([]*tensor.Tensor, len(e.imgs))
			for k, im := range e.imgs {
				xs[k] = tensor.FromSlice(im, in...)
			}
			c, err := metrics.NewConfidence(e.net, xs, e.maps, e.classes, e.opt.Batch)
			if err != nil {
				return e.fail(err)
			}
			e.conf, e.done = c, false
		}
	case "pointing":
		if metrics.PointingHit(m, in[1], in[2], e.boxes[e.i], PointingTol) {
			e.hits++
		}
		e.energy += metrics.EnergyInBox(m, in[1], in[2], e.boxes[e.i])
		e.nloc++
		e.next()
	case "sanity":
		name := ""
		if e.level == 0 {
			e.orig = m
		} else {
			name = e.net.Spec.Layers[e.params[e.level-1]].Name
		}
		p := metrics.Compare(name, e.orig, m)
		s := &e.sums[e.level]
		s.Layer = p.Layer
		s.Spearman += p.Spearman
		s.SpearmanAbs += p.SpearmanAbs
		s.Pearson += p.Pearson
		s.SSIM += p.SSIM
		e.counts[e.level]++
		e.level++
		if e.level > len(e.params) {
			e.level = 0
			e.work = nil
			e.next()
		}
	}
	return e.done
}

// stepMap advances the map of the current image (and randomization level)
// and returns it once done; nil while it is computed or after a failure.
func (e *AttrEval) stepMap() []float32 {
	if e.job == nil {
		net := e.net
		if e.Metric == "sanity" {
			if e.work == nil {
				e.work = e.net.Clone()
			}
			if e.level > 0 {
				i := e.params[e.level-1]
				src, dst := e.random.Layers[i].Params(), e.work.Layers[i].Params()
				for k := range dst {
					copy(dst[k].Var.Value.Data, src[k].Var.Value.Data)
				}
			}
			net = e.work
		}
		j, err := NewAttr(net, e.imgs[e.i], e.method, e.layer, e.classes[e.i], e.opt)
		if err != nil {
			e.fail(err)
			return nil
		}
		e.job = j
	}
	if !e.job.Step() {
		return nil
	}
	if e.job.Err() != nil {
		e.fail(e.job.Err())
		return nil
	}
	in := e.net.Spec.Input
	m := InputMap(e.job.Result(), in[1], in[2])
	e.job = nil
	return m
}

func (e *AttrEval) next() {
	e.i++
	if e.i >= len(e.imgs) {
		e.done = true
	}
}

func (e *AttrEval) fail(err error) bool {
	e.err = fmt.Errorf("image %d: %v", e.i, err)
	e.done = true
	return true
}

// UseMaps gives the evaluation maps already computed for its images on the
// unchanged model (H·W values at input resolution, as InputMap; nil for an
// image to compute), so that the page does not compute the map it shows a
// second time. Call it before the first Step.
func (e *AttrEval) UseMaps(maps [][]float32) { e.given = maps }

// Err returns the error that stopped the evaluation, or nil.
func (e *AttrEval) Err() error { return e.err }

// Progress returns the images done and their number.
func (e *AttrEval) Progress() (done, total int) {
	if e.done && e.err == nil {
		return len(e.imgs), len(e.imgs)
	}
	return min(e.i, len(e.imgs)), len(e.imgs)
}

// Job returns the map being computed, or nil.
func (e *AttrEval) Job() *AttrJob { return e.job }

// CurrentCurve returns the curve being computed for the current image
// (partial), and whether there is one.
func (e *AttrEval) CurrentCurve() (metrics.Curve, bool) {
	if e.curve == nil {
		return metrics.Curve{}, false
	}
	return e.curve.Curve(), true
}

// Curves returns the finished curves, one per image.
func (e *AttrEval) Curves() []metrics.Curve { return e.curves }

// MeanCurve returns the pointwise mean of the finished curves, with the
// AUC of the mean (equal to the mean AUC, the trapezoid rule being
// linear).
func (e *AttrEval) MeanCurve() metrics.Curve {
	if len(e.curves) == 0 {
		return metrics.Curve{}
	}
	n := len(e.curves[0].Scores)
	out := metrics.Curve{Fractions: append([]float64(nil), e.curves[0].Fractions...), Scores: make([]float64, n)}
	for _, c := range e.curves {
		for k := range n {
			out.Scores[k] += c.Scores[k] / float64(len(e.curves))
		}
		out.AUC += c.AUC / float64(len(e.curves))
	}
	return out
}

// Confidence returns the confidence metrics so far.
func (e *AttrEval) Confidence() metrics.Confidence {
	if e.conf == nil {
		return metrics.Confidence{}
	}
	return e.conf.Result()
}

// Localization returns the pointing-game results so far.
func (e *AttrEval) Localization() metrics.Localization {
	r := metrics.Localization{Hits: e.hits, N: e.nloc}
	if e.nloc > 0 {
		r.Accuracy = float64(e.hits) / float64(e.nloc)
		r.MeanEnergy = e.energy / float64(e.nloc)
	}
	return r
}

// Sanity returns the similarities per randomization level averaged over
// the images with that level done: first the original (similarity 1),
// then one per parametric layer from the top down.
func (e *AttrEval) Sanity() []metrics.SanityPoint {
	var out []metrics.SanityPoint
	for k, s := range e.sums {
		if e.counts[k] == 0 {
			break
		}
		n := float64(e.counts[k])
		out = append(out, metrics.SanityPoint{Layer: s.Layer, Spearman: s.Spearman / n, SpearmanAbs: s.SpearmanAbs / n,
			Pearson: s.Pearson / n, SSIM: s.SSIM / n})
	}
	return out
}

// Scenes builds n localization scenes from the test set (SceneSize
// canvas, no clutter) seeded with seed, for model net: it returns the
// model adapted to the scenes' size (attribution.WithInput; an error for
// models, such as convnetjs, whose dense layer fixes the input size),
// the scene images, labels and boxes.
func Scenes(net *nn.Sequential, set *mnist.Set, n int, seed uint64) (*nn.Sequential, [][]float32, []int, []metrics.Box, error) {
	big, err := attribution.WithInput(net, []int{1, SceneSize, SceneSize})
	if err != nil {
		return nil, nil, nil, nil, fmt.Errorf("pointing game: this model cannot take %d×%d scenes: %v", SceneSize, SceneSize, err)
	}
	k := min(set.Count, 2000)
	digits := make([][]float32, k)
	labels := make([]int, k)
	for i := range k {
		digits[i] = make([]float32, 28*28)
		set.Float(i, digits[i])
		labels[i] = int(set.Labels[i])
	}
	ss, err := metrics.LocalizationSet(digits, labels, n, metrics.SceneOptions{Size: SceneSize, Seed: seed})
	if err != nil {
		return nil, nil, nil, nil, err
	}
	imgs := make([][]float32, len(ss))
	cls := make([]int, len(ss))
	boxes := make([]metrics.Box, len(ss))
	for i, s := range ss {
		imgs[i], cls[i], boxes[i] = s.Image.Data, s.Label, s.Box
	}
	return big, imgs, cls, boxes, nil
}

// Removed returns the image that a deletion (or insertion) curve shows at
// fraction frac: x (C·H·W values) with the round(frac·H·W) pixels that attr
// (H·W values) ranks highest (ties in raster order, as the metrics rank
// them) set to 0 in every channel for deletion, or, for insertion, every
// other pixel set to 0. It panics when the lengths do not match.
func Removed(x, attr []float32, frac float64, insertion bool) []float32 {
	hw := len(attr)
	if hw == 0 || len(x)%hw != 0 {
		panic(fmt.Sprintf("explorer: Removed of %d values with a map of %d", len(x), hw))
	}
	order := make([]int, hw)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return attr[order[a]] > attr[order[b]] })
	k := int(math.Round(max(0, min(1, frac)) * float64(hw)))
	gone := make([]bool, hw)
	for _, p := range order[:k] {
		gone[p] = true
	}
	out := append([]float32(nil), x...)
	for i := range out {
		if gone[i%hw] != insertion {
			out[i] = 0
		}
	}
	return out
}
