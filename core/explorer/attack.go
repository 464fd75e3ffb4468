package explorer

import (
	"fmt"
	"image"
	"math"
	"slices"
	"strconv"

	"cnnviz/core/attack"
	"cnnviz/core/inputopt"
	"cnnviz/core/nn"
	"cnnviz/core/render"
	"cnnviz/models"
	"cnnviz/models/mnist"
)

// Option keys of the attack view in the URL (o.<key>), with their
// defaults: the method (pgd), the ball (linf), its radius (0.3; "free"
// removes the ball: with a target that is a class model grown from the
// image), the number of steps (the method's default) and the target class
// (none).
const (
	AttackMethodKey = "atk"
	AttackNormKey   = "norm"
	AttackEpsKey    = "eps"
	AttackStepsKey  = "steps"
	AttackTargetKey = "target"
	// AttackFree is the radius value that removes the ball.
	AttackFree = "free"
)

// AttackSettings reads the attack view's options from s; State.Seed
// seeds the random start and the one-pixel search. Errors name the option
// that is wrong.
func AttackSettings(s State) (attack.Options, error) {
	var opt attack.Options
	var err error
	if opt.Method, err = attack.ParseMethod(s.Option(AttackMethodKey, "pgd")); err != nil {
		return opt, err
	}
	if opt.Norm, err = attack.ParseNorm(s.Option(AttackNormKey, "linf")); err != nil || opt.Norm == inputopt.NormNone {
		return opt, fmt.Errorf("norm %q: want linf or l2", s.Option(AttackNormKey, "linf"))
	}
	switch e := s.Option(AttackEpsKey, "0.3"); e {
	case AttackFree:
		opt.Unconstrained = true
	default:
		v, perr := strconv.ParseFloat(e, 64)
		if perr != nil || !(v > 0 && v <= 100) {
			return opt, fmt.Errorf("radius %q: want a number above 0 (up to 100) or %q", e, AttackFree)
		}
		opt.Eps = v
	}
	if st := s.Option(AttackStepsKey, ""); st != "" {
		n, perr := strconv.Atoi(st)
		if perr != nil || n < 1 || n > 1000 {
			return opt, fmt.Errorf("steps %q: want a whole number 1..1000", st)
		}
		opt.Steps = n
	}
	if t := s.Option(AttackTargetKey, ""); t != "" {
		n, perr := strconv.Atoi(t)
		if perr != nil || n < 0 {
			return opt, fmt.Errorf("target %q: want a class number", t)
		}
		opt.Targeted, opt.Target = true, n
	}
	opt.RandomStart = opt.Method == attack.PGD && !opt.Unconstrained
	opt.Seed = uint64(s.Seed)
	return opt, nil
}

// RobustName is the name of the shipped robust model (models.Robust).
const RobustName = models.Robust

// RobustFile is the shipped robust model's file in the site, for a build
// that does not embed it (models.Embedded, tag site): the shell fetches
// it and hands it to AddRobustFile.
const RobustFile = models.RobustFile

// RobustEmbedded reports whether this build carries the robust model, so
// that AddRobust needs no download.
func RobustEmbedded() bool { return models.Embedded(models.Robust) }

// AddRobust makes the shipped adversarially trained model (models.Robust)
// selectable, and returns it. It is not listed from the start, so that
// the top bar keeps room on a phone; the attack view and links add it.
// In a build without it (RobustEmbedded false) it fails with an error
// that wraps models.ErrNotEmbedded until AddRobustFile has run.
func (a *App) AddRobust() (*Model, error) {
	if m := a.Model(models.Robust); m != nil {
		return m, nil
	}
	net, err := models.Builtin(models.Robust)
	if err != nil {
		return nil, err
	}
	return a.addRobust(net), nil
}

// AddRobustFile is AddRobust for a build that fetched the robust model's
// file (RobustFile) itself: b must be that file, a model of the
// models.RobustArchitecture architecture.
func (a *App) AddRobustFile(b []byte) (*Model, error) {
	if m := a.Model(models.Robust); m != nil {
		return m, nil
	}
	net, err := models.Load(b)
	if err != nil {
		return nil, fmt.Errorf("the robust model's file (%s): %v", RobustFile, err)
	}
	if net.Spec.Name != models.RobustArchitecture {
		return nil, fmt.Errorf("the robust model's file (%s) holds a %q network, not %q", RobustFile, net.Spec.Name, models.RobustArchitecture)
	}
	return a.addRobust(net), nil
}

func (a *App) addRobust(net *nn.Sequential) *Model {
	m := &Model{Name: models.Robust, Net: net, Builtin: true}
	a.models = append(a.models, m)
	return m
}

// AttackJob is an attack on one image as a stepper, with what the attack
// view shows derived from its result.
type AttackJob struct {
	Run   *attack.Run
	Net   *nn.Sequential
	shape []int
	res   *attack.Result // cached once done
}

// NewAttackJob prepares an attack of net on pixels ([C·H·W] in 0..1),
// whose true class is label (−1 when unknown: the clean prediction is
// attacked).
func NewAttackJob(net *nn.Sequential, pixels []float32, label int, opt attack.Options) (*AttackJob, error) {
	r, err := attack.New(net, pixels, label, opt)
	if err != nil {
		return nil, err
	}
	return &AttackJob{Run: r, Net: net, shape: slices.Clone(net.Spec.Input)}, nil
}

// Step advances the attack.
func (j *AttackJob) Step() bool { return j.Run.Step() }

// Result returns the attack's result so far (cached once it is done).
func (j *AttackJob) Result() attack.Result {
	if j.res != nil {
		return *j.res
	}
	r := j.Run.Result()
	if j.Run.Done() {
		j.res = &r
	}
	return r
}

// Transfer returns another network's prediction and probabilities on an
// attack's image (Result.Adversarial, or Clean to compare): whether the
// attack transfers.
func Transfer(net *nn.Sequential, pixels []float32) (int, []float32, error) {
	if err := CheckPixels(net, pixels); err != nil {
		return 0, nil, err
	}
	_, probs := Predict(net, pixels)
	return argmax(probs), probs, nil
}

// AttackImages are the attack view's three pictures, [C, H, W] turned
// into images: the clean image and the attacked one in grey (the first
// channel), and the perturbation amplified, on a diverging colormap
// (blue darker, red brighter, white unchanged) whose ends are ±max|δ|:
// Amplify is the factor that a perturbation pixel is multiplied by to
// reach full colour.
type AttackImages struct {
	Clean, Perturbation, Adversarial *image.RGBA
	Amplify                          float64
}

// Pictures renders the result's pictures with cell screen pixels per image
// pixel.
func (j *AttackJob) Pictures(res attack.Result, cell int) AttackImages {
	h, w := j.shape[1], j.shape[2]
	hw := h * w
	grey := render.Scale{Min: 0, Max: 1}
	var m float64
	for _, v := range res.Perturbation[:hw] {
		m = max(m, math.Abs(float64(v)))
	}
	out := AttackImages{
		Clean:       render.Heatmap(res.Clean[:hw], h, w, grey, render.Grey, cell),
		Adversarial: render.Heatmap(res.Adversarial[:hw], h, w, grey, render.Grey, cell),
		Perturbation: render.Heatmap(res.Perturbation[:hw], h, w,
			render.Scale{Min: -m, Max: m, Signed: true}, render.Diverging, cell),
	}
	if m > 0 {
		out.Amplify = 1 / m
	}
	return out
}

// RobustnessJob is the robust-accuracy curve of a model on a seeded
// sample of test images, as a stepper.
type RobustnessJob struct {
	*attack.Curve
	N int
}

// AttackRadii are the radii of the robust-accuracy curve in L∞ and L2.
var AttackRadii = map[inputopt.Norm][]float64{
	inputopt.LInf: {0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3},
	inputopt.L2:   {0, 0.5, 1, 1.5, 2, 2.5, 3},
}

// NewRobustnessJob prepares PGD (steps moves, random start) at every
// radius of AttackRadii[norm] against net on n test images drawn with
// seed.
func NewRobustnessJob(net *nn.Sequential, set *mnist.Set, n int, seed uint64, norm inputopt.Norm, steps int) (*RobustnessJob, error) {
	if set == nil {
		return nil, ErrTestLoading
	}
	idx, err := TestSample(set, n, seed)
	if err != nil {
		return nil, err
	}
	imgs := make([][]float32, len(idx))
	labels := make([]int, len(idx))
	for k, i := range idx {
		imgs[k] = FitInput(set.Float(i, nil), net.Spec.Input)
		labels[k] = int(set.Labels[i])
	}
	c, err := attack.NewCurve(net, imgs, labels, attack.CurveOptions{Eps: AttackRadii[norm], Norm: norm, Steps: steps, RandomStart: true, Seed: seed, Batch: 4})
	if err != nil {
		return nil, err
	}
	return &RobustnessJob{Curve: c, N: len(idx)}, nil
}

// AttackRequest is an attack as the JavaScript API asks for it, in
// plain values: names for the method and norm, −1 for no target, and
// zero for every default of attack.Options.
type AttackRequest struct {
	Method, Norm string
	Eps          float64
	Free         bool // no ball
	Steps        int
	Alpha        float64
	RandomStart  bool
	Seed         uint64
	Target       int
	Population   int
	Overshoot    float64
}

// Options turns the request into attack options; errors name the field.
func (q AttackRequest) Options() (attack.Options, error) {
	var o attack.Options
	var err error
	if o.Method, err = attack.ParseMethod(q.Method); err != nil {
		return o, err
	}
	if o.Norm, err = attack.ParseNorm(q.Norm); err != nil || o.Norm == inputopt.NormNone {
		return o, fmt.Errorf("norm %q: want linf or l2", q.Norm)
	}
	o.Eps, o.Unconstrained, o.Steps, o.Alpha = q.Eps, q.Free, q.Steps, q.Alpha
	o.RandomStart, o.Seed = q.RandomStart, q.Seed
	o.Population, o.Overshoot = q.Population, q.Overshoot
	if q.Target >= 0 {
		o.Targeted, o.Target = true, q.Target
	}
	return o, nil
}

// LayerChange is how much an attack changed one layer's output: the L2
// norm of the difference between the outputs on the attacked and the
// clean image, relative to the clean output's (0 when that is zero).
type LayerChange struct {
	Name string
	Rel  float64
}

// ActivationChange returns the relative change of every layer's output
// from the clean image to the attacked one, in layer order: how the
// small change of the input grows, or shrinks, through the network.
func ActivationChange(net *nn.Sequential, clean, adv []float32) []LayerChange {
	a, b := Activations(net, clean), Activations(net, adv)
	out := make([]LayerChange, len(a))
	for i := range a {
		var d, n float64
		for j, v := range a[i].Data {
			e := float64(b[i].Data[j]) - float64(v)
			d += e * e
			n += float64(v) * float64(v)
		}
		out[i].Name = a[i].Name
		if n > 0 {
			out[i].Rel = math.Sqrt(d / n)
		}
	}
	return out
}

// CAMChange is Grad-CAM on one layer for the clean image (for its
// predicted class) and for the attacked one (for its own), at the input's
// resolution: where the network looks before and after the attack.
type CAMChange struct {
	Layer      string
	Clean, Adv []float32 // H·W
}

// GradCAMChange returns a CAMChange for every layer after a ReLU that
// comes after a convolution (the layers whose Grad-CAM means something),
// in layer order.
func GradCAMChange(net *nn.Sequential, res attack.Result) ([]CAMChange, error) {
	h, w := net.Spec.Input[1], net.Spec.Input[2]
	var out []CAMChange
	for i, l := range net.Spec.Layers {
		if j := net.Spec.Prev(i); l.Kind != nn.KindReLU || j < 0 || net.Spec.Layers[j].Kind != nn.KindConv2D {
			continue
		}
		c := CAMChange{Layer: l.Name}
		for _, side := range []struct {
			x     []float32
			class int
			dst   *[]float32
		}{{res.Clean, res.CleanPred, &c.Clean}, {res.Adversarial, res.AdvPred, &c.Adv}} {
			raw, err := Attribute(net, side.x, "gradcam", i, side.class, DefaultAttrOptions())
			if err != nil {
				return nil, err
			}
			*side.dst = InputMap(raw, h, w)
		}
		out = append(out, c)
	}
	return out, nil
}

// CAMImage draws one Grad-CAM map on the viridis colormap from 0 to its
// largest value, cell screen pixels per input pixel.
func CAMImage(m []float32, h, w, cell int) *image.RGBA {
	s := render.Fit(false, m)
	s.Min = 0
	return render.Heatmap(m, h, w, s, render.Viridis, cell)
}
