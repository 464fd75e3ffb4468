package explorer

import (
	"math"
	"slices"
	"strings"
	"testing"

	"cnnviz/core/attack"
	"cnnviz/core/inputopt"
	"cnnviz/core/render"
	"cnnviz/models"
)

// TestAttackSettings reads the attack options from links and rejects bad
// ones.
func TestAttackSettings(t *testing.T) {
	for _, tc := range []struct {
		hash string
		want attack.Options
		bad  bool
	}{
		{"#view=attack", attack.Options{Method: attack.PGD, Norm: inputopt.LInf, Eps: 0.3, RandomStart: true, Seed: 1}, false},
		{"#view=attack&seed=4&o.atk=fgsm&o.eps=0.1", attack.Options{Method: attack.FGSM, Norm: inputopt.LInf, Eps: 0.1, Seed: 4}, false},
		{"#o.norm=l2&o.eps=2&o.steps=100&o.target=3", attack.Options{Method: attack.PGD, Norm: inputopt.L2, Eps: 2, Steps: 100, Targeted: true, Target: 3, RandomStart: true, Seed: 1}, false},
		{"#o.eps=free&o.target=7", attack.Options{Method: attack.PGD, Norm: inputopt.LInf, Unconstrained: true, Targeted: true, Target: 7, Seed: 1}, false},
		{"#o.atk=deepfool", attack.Options{Method: attack.DeepFool, Norm: inputopt.LInf, Eps: 0.3, Seed: 1}, false},
		{"#o.atk=magic", attack.Options{}, true},
		{"#o.eps=-1", attack.Options{}, true},
		{"#o.eps=x", attack.Options{}, true},
		{"#o.norm=l7", attack.Options{}, true},
		{"#o.steps=0", attack.Options{}, true},
		{"#o.target=-2", attack.Options{}, true},
	} {
		s, err := DecodeHash(tc.hash)
		if err != nil {
			t.Fatalf("%s: %v", tc.hash, err)
		}
		got, err := AttackSettings(s)
		if tc.bad {
			if err == nil {
				t.Errorf("AttackSettings(%s): no error", tc.hash)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("AttackSettings(%s) = %+v, %v, want %+v", tc.hash, got, err, tc.want)
		}
	}
}

// TestAttackJob runs FGSM through the job and checks its pictures pixel
// by pixel and the transfer prediction.
func TestAttackJob(t *testing.T) {
	net, err := models.Builtin("mnist")
	if err != nil {
		t.Fatal(err)
	}
	other, err := models.Builtin("convnetjs")
	if err != nil {
		t.Fatal(err)
	}
	pix := make([]float32, 28*28)
	for i := range pix {
		if i/28 > 5 && i/28 < 22 && i%28 > 12 && i%28 < 16 {
			pix[i] = 1 // a bar: a 1
		}
	}
	j, err := NewAttackJob(net, pix, -1, attack.Options{Method: attack.FGSM, Eps: 0.2})
	if err != nil {
		t.Fatal(err)
	}
	for !j.Step() {
	}
	res := j.Result()
	const cell = 2
	p := j.Pictures(res, cell)
	if got, want := p.Amplify, 1/0.2; got < want*0.999 || got > want*1.001 {
		t.Errorf("Amplify = %v, want %v", got, want)
	}
	sc := render.Scale{Min: -0.2, Max: 0.2, Signed: true}
	for i, d := range res.Perturbation {
		x, y := (i%28)*cell, (i/28)*cell
		if got, want := p.Perturbation.RGBAAt(x, y), render.Diverging.At(sc.T(float64(d))); got != want {
			t.Fatalf("perturbation pixel %d (δ %v) = %v, want %v", i, d, got, want)
		}
		if got, want := p.Adversarial.RGBAAt(x+1, y+1).R, uint8(render.Grey.At(float64(res.Adversarial[i])).R); got != want {
			t.Fatalf("attacked pixel %d = %v, want %v", i, got, want)
		}
		if got, want := p.Clean.RGBAAt(x, y).R, uint8(255*pix[i]); got != want {
			t.Fatalf("clean pixel %d = %v, want %v", i, got, want)
		}
	}
	pred, probs, err := Transfer(other, res.Adversarial)
	if err != nil {
		t.Fatal(err)
	}
	_, want := Predict(other, res.Adversarial)
	if pred != argmax(want) || probs[pred] != want[pred] {
		t.Errorf("Transfer = %d, %v; want %d, %v", pred, probs, argmax(want), want)
	}
}

// TestActivationChange checks the relative change per layer against a
// direct computation, and that an unchanged image changes nothing.
func TestActivationChange(t *testing.T) {
	net, err := models.Builtin("mnist")
	if err != nil {
		t.Fatal(err)
	}
	clean := make([]float32, 28*28)
	adv := make([]float32, 28*28)
	for i := range clean {
		clean[i] = float32(i%7) / 7
		adv[i] = clean[i]
	}
	for _, c := range ActivationChange(net, clean, adv) {
		if c.Rel != 0 {
			t.Errorf("unchanged image: layer %s changed by %v, want 0", c.Name, c.Rel)
		}
	}
	adv[300] += 0.5
	got := ActivationChange(net, clean, adv)
	a, b := Activations(net, clean), Activations(net, adv)
	if len(got) != len(net.Spec.Layers) {
		t.Fatalf("%d layers, want %d", len(got), len(net.Spec.Layers))
	}
	for i, c := range got {
		var d, n float64
		for j := range a[i].Data {
			d += float64((b[i].Data[j] - a[i].Data[j]) * (b[i].Data[j] - a[i].Data[j]))
			n += float64(a[i].Data[j] * a[i].Data[j])
		}
		want := math.Sqrt(d / n)
		if c.Name != net.Spec.Layers[i].Name || math.Abs(c.Rel-want) > 1e-6*want || c.Rel == 0 {
			t.Errorf("layer %d: %s %v, want %s %v (not 0)", i, c.Name, c.Rel, net.Spec.Layers[i].Name, want)
		}
	}
}

// TestGradCAMChange checks that the maps are Grad-CAM's for each side's
// class on each ReLU after a convolution.
func TestGradCAMChange(t *testing.T) {
	net, err := models.Builtin("mnist")
	if err != nil {
		t.Fatal(err)
	}
	pix := make([]float32, 28*28)
	for i := range pix {
		if i/28 > 5 && i/28 < 22 && i%28 > 12 && i%28 < 16 {
			pix[i] = 1
		}
	}
	res, err := attack.Attack(net, pix, -1, attack.Options{Method: attack.FGSM, Eps: 0.2})
	if err != nil {
		t.Fatal(err)
	}
	got, err := GradCAMChange(net, res)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range got {
		names = append(names, c.Layer)
	}
	if strings.Join(names, " ") != "relu1 relu2 relu3 relu4" {
		t.Fatalf("layers %v, want relu1..relu4", names)
	}
	for _, c := range got {
		i := net.Index(c.Layer)
		for _, side := range []struct {
			x     []float32
			class int
			got   []float32
		}{{res.Clean, res.CleanPred, c.Clean}, {res.Adversarial, res.AdvPred, c.Adv}} {
			raw, err := Attribute(net, side.x, "gradcam", i, side.class, DefaultAttrOptions())
			if err != nil {
				t.Fatal(err)
			}
			if want := InputMap(raw, 28, 28); !slices.Equal(side.got, want) {
				t.Errorf("%s: map differs from Grad-CAM for class %d", c.Layer, side.class)
			}
		}
		if slices.Equal(c.Clean, c.Adv) {
			t.Errorf("%s: the same map before and after the attack", c.Layer)
		}
	}
}

// TestAddRobust checks that the robust model is listed once asked for,
// by a call or by a link, and only once.
func TestAddRobust(t *testing.T) {
	a, err := New()
	if err != nil {
		t.Fatal(err)
	}
	n := len(a.Models())
	if a.Model(models.Robust) != nil {
		t.Fatalf("robust listed from the start")
	}
	s, err := DecodeHash("#model=robust&view=attack")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Apply(s); err != nil || a.Current().Name != models.Robust {
		t.Fatalf("Apply(#model=robust) = %v, current %s", err, a.Current().Name)
	}
	m, err := a.AddRobust()
	if err != nil || m != a.Model(models.Robust) || len(a.Models()) != n+1 {
		t.Errorf("AddRobust twice: %d models, want %d", len(a.Models()), n+1)
	}
}

// TestAddRobustFile checks the path of a build that fetches the robust
// model: its file is checked and named in errors, and the model is
// listed once.
func TestAddRobustFile(t *testing.T) {
	robust, err := models.BuiltinBytes(models.Robust)
	if err != nil {
		t.Fatal(err)
	}
	mnist, err := models.BuiltinBytes("mnist")
	if err != nil {
		t.Fatal(err)
	}
	a, err := New()
	if err != nil {
		t.Fatal(err)
	}
	n := len(a.Models())
	for _, tc := range []struct {
		name string
		b    []byte
		want string
	}{
		{"cut short", robust[:len(robust)/2], "cut short"},
		{"an HTML page", []byte("<!doctype html><title>404</title>"), "not a cnnviz model file"},
		{"another model", mnist, `holds a "mnist" network`},
	} {
		_, err := a.AddRobustFile(tc.b)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), RobustFile) {
			t.Errorf("%s: AddRobustFile = %v, want an error naming %s that says %q", tc.name, err, RobustFile, tc.want)
		}
		if len(a.Models()) != n {
			t.Fatalf("%s: a failed AddRobustFile listed a model", tc.name)
		}
	}
	m, err := a.AddRobustFile(robust)
	if err != nil || m.Name != RobustName || len(a.Models()) != n+1 {
		t.Fatalf("AddRobustFile = %v, %v; %d models, want %d", m, err, len(a.Models()), n+1)
	}
	if again, _ := a.AddRobustFile(robust); again != m || len(a.Models()) != n+1 {
		t.Errorf("AddRobustFile twice listed the model twice")
	}
	if err := a.SetModel(RobustName); err != nil {
		t.Fatal(err)
	}
	a.Refresh()
	if got := a.Probs; len(got) != 10 {
		t.Errorf("robust model's prediction has %d classes", len(got))
	}
}
