//go:build js && wasm

package main

import (
	"fmt"
	"image"
	"strconv"
	"time"

	"cnnviz/core/explorer"
	"cnnviz/core/render"

	"github.com/hajimehoshi/ebiten/v2"
)

func init() { register(45, &attackView{}) }

// Scheduler names of the attack view's steppers.
const (
	attackJob = "attack"
	robustJob = "attack-robust"
	// robustImages is the test-set sample of the robust-accuracy curve.
	robustImages = 100
)

// attackView is the adversarial lab: an attack on the current input with
// the clean image, the perturbation amplified and the attacked image, the
// predictions before and after, the perturbation's norms, the other
// model's prediction (transfer), and robust accuracy against the radius.
type attackView struct {
	key      string
	err      string
	job      *explorer.AttackJob
	gen      int
	start    time.Time
	took     time.Duration
	robust   *explorer.RobustnessJob
	rkey     string
	pics     texture
	pert     texture
	adv      texture
	chart    texture
	layers   texture
	cams     []texture // clean and attacked Grad-CAM per layer, in pairs
	camKey   string
	camErr   string
	camNames []string
	redraw   throttle
	// rects are where the three pictures were placed last, for tests.
	rects [3]image.Rectangle
	// ctrlH is the height of the controls, placed by Update.
	ctrlH int
}

func (v *attackView) ID() string    { return "attack" }
func (v *attackView) Title() string { return "Attacks" }
func (v *attackView) Explain() string {
	return "An adversarial example is an image changed so little that you still see the same digit, yet the network " +
		"sees another. PGD and FGSM push every pixel along the gradient of the network's loss, then pull the image back " +
		"within a distance eps of the original (in the largest pixel change, L∞, or the overall length, L2). With a target " +
		"and no limit (\"free\") the same ascent draws the target class into the image: a class model. DeepFool walks to " +
		"the nearest decision boundary; the one-pixel attack searches blindly for one pixel to change; fooling images start " +
		"from noise. The middle picture is the change, amplified: red brighter, blue darker. A robust model, trained on its " +
		"own adversarial examples, keeps its accuracy as eps grows."
}

// ensure starts the attack the state asks for, unless it runs already.
func (v *attackView) ensure(c *Ctx) {
	a := c.App
	opt, err := explorer.AttackSettings(a.State)
	key := fmt.Sprintf("%s %p %d %+v %v", a.State.Model, a.Current().Net, a.Version, opt, err)
	if key == v.key {
		return
	}
	v.key, v.err, v.job, v.took = key, "", nil, 0
	v.gen++
	a.Sched.Stop(attackJob)
	if err != nil {
		v.err = err.Error()
		return
	}
	job, err := explorer.NewAttackJob(a.Current().Net, a.ModelInput(), a.Label(), opt)
	if err != nil {
		v.err = err.Error()
		return
	}
	v.job, v.start = job, time.Now()
	a.Sched.Start(attackJob, job)
}

// wrapOptions adds buttons that set option key to one of vals, as
// optionButtons does, from (x, y) on, starting a new row where the next
// button would leave the view. It returns where the next control goes
// and the top of the last row.
func wrapOptions(c *Ctx, x, y int, key string, vals, labels []string) (int, int) {
	cur := c.App.State.Option(key, vals[0])
	for i, val := range vals {
		w := c.U(16) + c.U(float64(len([]rune(labels[i])))*6.6)
		if x+w > c.Area.Max.X && x > c.Area.Min.X {
			x, y = c.Area.Min.X, y+c.U(30)
		}
		val := val
		c.Button("attack-"+key+"-"+val, image.Rect(x, y, x+w, y+c.U(24)), labels[i], cur == val, func() {
			if val == vals[0] {
				val = ""
			}
			c.App.SetOption(key, val)
		})
		x += w + c.U(4)
	}
	return x, y
}

func (v *attackView) Update(c *Ctx) {
	a := c.App
	x0, y := c.Area.Min.X, c.Area.Min.Y
	row := c.U(30)
	_, y = wrapOptions(c, x0, y, explorer.AttackMethodKey,
		[]string{"pgd", "fgsm", "deepfool", "onepixel", "fooling"}, []string{"PGD", "FGSM", "DeepFool", "one pixel", "fooling"})
	x, y := wrapOptions(c, x0, y+row, explorer.AttackNormKey, []string{"linf", "l2"}, []string{"L∞", "L2"})
	radii := []string{"0.3", "0.05", "0.1", "0.2", explorer.AttackFree}
	labels := []string{"eps 0.3", "0.05", "0.1", "0.2", "free"}
	if a.State.Option(explorer.AttackNormKey, "linf") == "l2" {
		radii = []string{"0.3", "1", "2", "3", explorer.AttackFree}
		labels = []string{"eps 0.3", "1", "2", "3", "free"}
	}
	_, y = wrapOptions(c, x+c.U(8), y, explorer.AttackEpsKey, radii, labels)
	targets, tlabels := []string{""}, []string{"untargeted"}
	for k := range a.Current().Net.Spec.Classes {
		targets, tlabels = append(targets, strconv.Itoa(k)), append(tlabels, strconv.Itoa(k))
	}
	_, y = wrapOptions(c, x0, y+row, explorer.AttackTargetKey, targets, tlabels)
	y += row
	v.ensure(c)
	if v.job != nil && v.took == 0 && v.job.Run.Done() {
		v.took = time.Since(v.start)
	}
	// The robust-accuracy curve runs on request.
	rk := fmt.Sprintf("%s %p %s %d", a.State.Model, a.Current().Net, a.State.Option(explorer.AttackNormKey, "linf"), a.State.Seed)
	if v.rkey != rk {
		v.rkey, v.robust = rk, nil
		a.Sched.Stop(robustJob)
	}
	label := fmt.Sprintf("robust accuracy (%d images)", robustImages)
	if v.robust != nil {
		label = "measuring…"
		if v.robust.Done() {
			label = "measured"
		}
	}
	w := min(c.U(210), c.Area.Dx())
	c.Button("attack-robust", image.Rect(x0, y, x0+w, y+c.U(24)), label, v.robust != nil, func() {
		if v.robust != nil {
			return
		}
		if _, err := a.TestSet(); err != nil {
			c.ShowError(err.Error() + ": press again once it has arrived")
			return
		}
		opt, err := explorer.AttackSettings(a.State)
		if err != nil {
			c.ShowError(err.Error())
			return
		}
		j, err := explorer.NewRobustnessJob(a.Current().Net, a.Test, robustImages, uint64(a.State.Seed), opt.Norm, 20)
		if err != nil {
			c.ShowError(err.Error())
			return
		}
		v.robust = j
		a.Sched.Start(robustJob, j)
	})
	// Switch between the standard and the adversarially trained model.
	other, otherLabel := explorer.RobustName, "robust model"
	if a.State.Model == explorer.RobustName {
		other, otherLabel = "mnist", "standard model"
	}
	bx, bw := x0+w+c.U(8), c.U(130)
	if bx+bw > c.Area.Max.X {
		bx, y = x0, y+row
	}
	c.Button("attack-model", image.Rect(bx, y, bx+bw, y+c.U(24)), otherLabel, false, func() {
		if other == explorer.RobustName {
			// Selected once it is there (the page's build fetches it).
			c.WithRobust(func(err error) {
				if err == nil {
					err = a.SetModel(other)
				}
				if err != nil {
					c.ShowError(err.Error())
				}
			})
			return
		}
		if err := a.SetModel(other); err != nil {
			c.ShowError(err.Error())
		}
	})
	v.ctrlH = y + row - c.Area.Min.Y
	v.rects = v.geom(c).pics
}

// attackGeom places the view's parts.
type attackGeom struct {
	pics   [3]image.Rectangle
	text   image.Point
	layers image.Rectangle // change of each layer's output
	chart  image.Rectangle
}

func (v *attackView) geom(c *Ctx) attackGeom {
	r := c.Area
	top := r.Min.Y + max(v.ctrlH, c.U(4*30)) + c.U(22)
	side := min((r.Dx()-c.U(40))/3, c.U(180))
	var g attackGeom
	for i := range g.pics {
		x := r.Min.X + i*(side+c.U(20))
		g.pics[i] = image.Rect(x, top, x+side, top+side)
	}
	g.text = image.Pt(r.Min.X, top+side+c.U(12))
	g.layers = image.Rect(r.Min.X, g.text.Y+c.U(70), r.Min.X+min(r.Dx(), c.U(560)), g.text.Y+c.U(70+200))
	g.chart = image.Rect(r.Min.X, g.layers.Max.Y+c.U(10), r.Min.X+min(r.Dx(), c.U(560)), g.layers.Max.Y+c.U(10+220))
	return g
}

// MinHeight leaves room for the layers' changes and the chart.
func (v *attackView) MinHeight(c *Ctx) float64 {
	rows := max(float64(v.ctrlH)/c.UI.s, 4*30)
	return rows + 22 + 180 + 12 + 70 + 200 + 10 + 220
}

// Key redraws as the attack and the curve advance, at most 5 times a
// second while they run.
func (v *attackView) Key(c *Ctx) string {
	k := fmt.Sprint(v.gen, v.err, v.took > 0)
	if v.job != nil {
		d, _ := v.job.Run.Progress()
		k += " " + strconv.Itoa(d)
	}
	if v.robust != nil {
		k += fmt.Sprint(" r", v.robust.Steps(), v.robust.Done())
	}
	return v.redraw.key(k, 200*time.Millisecond)
}

func (v *attackView) Draw(dst *ebiten.Image, area image.Rectangle, c *Ctx) {
	a := c.App
	g := v.geom(c)
	if v.err != "" {
		c.UI.text(dst, v.err, g.pics[0].Min.X, g.pics[0].Min.Y, 13, colBad)
		return
	}
	if v.job == nil {
		return
	}
	res := v.job.Result()
	done, total := v.job.Run.Progress()
	tk := fmt.Sprint(v.gen, " ", done)
	imgs := [3]*ebiten.Image{
		v.pics.get(fmt.Sprint(v.gen), func() *image.RGBA { return v.job.Pictures(res, 1).Clean }),
	}
	p := v.job.Pictures(res, 1)
	imgs[1] = v.pert.get(tk, func() *image.RGBA { return p.Perturbation })
	imgs[2] = v.adv.get(tk, func() *image.RGBA { return p.Adversarial })
	classes := a.Current().Net.Spec.Classes
	pct := func(probs []float32, k int) string { return fmt.Sprintf("%s (%.1f%%)", classes[k], 100*probs[k]) }
	titles := [3]string{
		"clean: " + pct(res.CleanProbs, res.CleanPred),
		fmt.Sprintf("change ×%.1f", p.Amplify),
		"attacked: " + pct(res.AdvProbs, res.AdvPred),
	}
	for i, r := range g.pics {
		c.UI.text(dst, titles[i], r.Min.X, r.Min.Y-c.U(18), 12, colText)
		drawImageIn(dst, imgs[i], r, false)
		strokeRect(dst, r, 1, colMuted)
	}
	y := g.text.Y
	status := fmt.Sprintf("%s: step %d of %d", res.Method, done, total)
	if v.took > 0 {
		status = fmt.Sprintf("%s: %d steps in %d ms, %d forward and %d backward passes", res.Method, done, v.took.Milliseconds(), res.Forwards, res.Backwards)
	}
	c.UI.text(dst, status, g.text.X, y, 12, colMuted)
	y += c.U(18)
	verdict := "the attack failed"
	if res.Success {
		verdict = "the attack succeeded"
	}
	c.UI.text(dst, fmt.Sprintf("%s · change L∞ %.3f, L2 %.3f", verdict, res.LInf, res.L2), g.text.X, y, 13, colText)
	y += c.U(18)
	for _, m := range a.Models() {
		if m.Name == a.State.Model || explorer.CheckPixels(m.Net, res.Adversarial) != nil {
			continue
		}
		k, probs, err := explorer.Transfer(m.Net, res.Adversarial)
		if err != nil {
			continue
		}
		ck, cprobs, _ := explorer.Transfer(m.Net, res.Clean)
		c.UI.text(dst, fmt.Sprintf("transfer: %s predicts %s (%.1f%%) on the attacked image, %s (%.1f%%) on the clean one",
			m.Name, m.Net.Spec.Classes[k], 100*probs[k], m.Net.Spec.Classes[ck], 100*cprobs[ck]), g.text.X, y, 12, colMuted)
		y += c.U(16)
		break
	}
	v.drawLayers(dst, g.layers, c, res.Clean, res.Adversarial, tk)
	if v.job.Run.Done() {
		v.drawCAMs(dst, g.layers, c, tk)
	}
	v.drawChart(dst, g.chart, c)
}

// drawCAMs draws Grad-CAM of every ReLU layer after a convolution for
// the clean image and the attacked one, right of the layers' changes.
func (v *attackView) drawCAMs(dst *ebiten.Image, r image.Rectangle, c *Ctx, key string) {
	x0 := r.Min.X + c.U(260)
	side, gap := c.U(56), c.U(8)
	if v.camKey != key {
		v.camKey, v.camErr, v.camNames = key, "", nil
		cams, err := explorer.GradCAMChange(v.job.Net, v.job.Result())
		if err != nil {
			v.camErr = err.Error()
		}
		for len(v.cams) < 2*len(cams) {
			v.cams = append(v.cams, texture{})
		}
		shape := v.job.Net.Spec.Input
		for i, m := range cams {
			v.camNames = append(v.camNames, m.Layer)
			v.cams[2*i].get(key, func() *image.RGBA { return explorer.CAMImage(m.Clean, shape[1], shape[2], 1) })
			v.cams[2*i+1].get(key, func() *image.RGBA { return explorer.CAMImage(m.Adv, shape[1], shape[2], 1) })
		}
	}
	if v.camErr != "" {
		c.UI.text(dst, v.camErr, x0, r.Min.Y+c.U(18), 12, colBad)
		return
	}
	if x0+len(v.camNames)*(side+gap)+c.U(60) > c.Area.Max.X {
		return // too narrow
	}
	top := r.Min.Y + c.U(18)
	c.UI.text(dst, "clean", x0, top+c.U(16)+side/2-c.U(6), 11, colMuted)
	c.UI.text(dst, "attacked", x0, top+c.U(16)+side+gap+side/2-c.U(6), 11, colMuted)
	for i, name := range v.camNames {
		x := x0 + c.U(60) + i*(side+gap)
		c.UI.text(dst, name, x, top, 11, colMuted)
		for j := range 2 {
			cr := image.Rect(x, top+c.U(16)+j*(side+gap), x+side, top+c.U(16)+j*(side+gap)+side)
			drawImageIn(dst, v.cams[2*i+j].img, cr, true)
		}
	}
}

// drawLayers draws how much the attack changed each layer's output.
func (v *attackView) drawLayers(dst *ebiten.Image, r image.Rectangle, c *Ctx, clean, adv []float32, key string) {
	net := c.App.Current().Net
	c.UI.text(dst, "how much each layer's output changed (L2 norm of the change / of the clean output), and Grad-CAM before and after:", r.Min.X, r.Min.Y, 12, colMuted)
	fs := max(1, int(c.UI.s+0.5))
	img := v.layers.get(key, func() *image.RGBA {
		ch := explorer.ActivationChange(net, clean, adv)
		vals, names := make([]float64, len(ch)), make([]string, len(ch))
		for i, l := range ch {
			vals[i], names[i] = l.Rel, l.Name
		}
		return render.Bars(vals, names, -1, 160)
	})
	if img == nil {
		return
	}
	b := img.Bounds()
	top := r.Min.Y + c.U(18)
	drawImageIn(dst, img, image.Rect(r.Min.X, top, r.Min.X+b.Dx()*fs, top+b.Dy()*fs), false)
}

func (v *attackView) drawChart(dst *ebiten.Image, r image.Rectangle, c *Ctx) {
	if v.robust == nil {
		return
	}
	acc := v.robust.Accuracy()
	eps := v.robust.Eps()[:len(acc)]
	y := r.Min.Y
	text := "clean accuracy…"
	if len(acc) > 0 {
		text = ""
		for i, a := range acc {
			text += fmt.Sprintf("eps %g: %.0f%%  ", eps[i], 100*a)
		}
	}
	c.UI.text(dst, text, r.Min.X, y, 12, colText)
	y += c.U(18)
	if len(acc) < 2 {
		return
	}
	fs := max(1, int(c.UI.s+0.5))
	cr := image.Rect(r.Min.X, y, r.Max.X, r.Max.Y)
	w, h := cr.Dx()/fs, cr.Dy()/fs
	img := v.chart.get(fmt.Sprint(v.rkey, len(acc), w, h), func() *image.RGBA {
		return render.LineChart(max(60, w), max(40, h), render.Series{Label: "robust accuracy", X: eps, Y: acc, Color: render.Categorical[0]})
	})
	drawImageIn(dst, img, image.Rect(cr.Min.X, cr.Min.Y, cr.Min.X+img.Bounds().Dx()*fs, cr.Min.Y+img.Bounds().Dy()*fs), false)
}
