package explorer

import (
	"embed"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"path"
	"slices"
	"strings"

	"cnnviz/core/input"
	"cnnviz/core/nn"
	"cnnviz/core/render"
)

// photoFS holds the sample photos (photos/README.md names their sources
// and licences).
//
//go:embed photos/*.png
var photoFS embed.FS

// Photos returns the names of the sample photos shipped with the page,
// the inputs offered to a colour model.
func Photos() []string {
	entries, _ := photoFS.ReadDir("photos")
	var out []string
	for _, e := range entries {
		if n := e.Name(); path.Ext(n) == ".png" {
			out = append(out, strings.TrimSuffix(n, ".png"))
		}
	}
	return out
}

// IsColour reports whether net takes colour pictures ([3, H, W]), so
// that its input is a photo rather than a drawing or an MNIST digit.
func IsColour(net *nn.Sequential) bool {
	in := net.Spec.Input
	return len(in) == 3 && in[0] == 3
}

// ShowPhoto makes the sample photo name (one of Photos) the input.
func (a *App) ShowPhoto(name string) error {
	if err := a.loadPhoto(name); err != nil {
		return err
	}
	a.State.Input = Input{Kind: InputPhoto, Photo: name}
	a.drawing = false
	a.dirty = true
	a.touch()
	return nil
}

// loadPhoto decodes the sample photo name into the upload's buffers,
// unless it is there already.
func (a *App) loadPhoto(name string) error {
	if a.photo != nil && a.photoName == name && name != "" {
		return nil
	}
	if !slices.Contains(Photos(), name) {
		return fmt.Errorf("no sample photo %q (have: %s)", name, strings.Join(Photos(), ", "))
	}
	b, err := photoFS.ReadFile("photos/" + name + ".png")
	if err != nil {
		return err
	}
	u, err := input.NewUpload(b)
	if err != nil {
		return err
	}
	for !u.Step() {
	}
	g, err := u.Result()
	if err != nil {
		return err
	}
	a.uploadPix = input.Centre(g)
	a.setPhoto(u.Image(), u.Image(), name)
	return nil
}

// setPhoto keeps the decoded picture of the input (a sample photo's name,
// or "" for an upload) for colour models: img to compute the model's
// input from, full (the same picture, perhaps larger) to draw overlays on.
func (a *App) setPhoto(img, full image.Image, name string) {
	a.photo, a.photoFull, a.photoName = img, full, name
	a.photoVer++
}

// PhotoCrop returns the part of the input photo that the current colour
// model sees (input.CentreCrop at the aspect ratio of its input) at the
// resolution of the copy kept for overlays: an upload's short side is
// shrunk below 2·overlaySide = 1024 pixels, a sample photo or a camera
// frame is kept whole. It returns nil when the input is not a photo or
// the model takes grey pictures. The image is cached: do not modify it.
func (a *App) PhotoCrop() *image.RGBA {
	k := a.State.Input.Kind
	net := a.Current().Net
	if (k != InputUpload && k != InputPhoto && k != InputCamera) || a.photoFull == nil || !IsColour(net) {
		return nil
	}
	in := net.Spec.Input
	key := fmt.Sprint(a.photoVer, in)
	if a.cropKey != key {
		r := input.CentreCrop(a.photoFull.Bounds(), in[2], in[1])
		crop := image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
		draw.Draw(crop, crop.Rect, a.photoFull, r.Min, draw.Src)
		a.crop, a.cropKey = crop, key
	}
	return a.crop
}

// photoInput returns the photo through input.Colour at a colour model's
// input shape, or nil when the input is not a photo or the shape not
// [3, H, W]. The result is cached per photo and shape; callers get a copy.
func (a *App) photoInput(shape []int) []float32 {
	k := a.State.Input.Kind
	if (k != InputUpload && k != InputPhoto && k != InputCamera) || a.photo == nil || len(shape) != 3 || shape[0] != 3 {
		return nil
	}
	key := fmt.Sprint(a.photoVer, shape)
	if a.colourKey != key {
		x, err := input.Colour(a.photo, shape[2], shape[1])
		if err != nil {
			return nil
		}
		a.colour, a.colourKey = x, key
	}
	return slices.Clone(a.colour)
}

// InputImage returns the current input as the current model sees it, as
// an image at the model's input size: in colour for a colour model, else
// grey (ink 1 white).
func (a *App) InputImage() *image.RGBA {
	in := a.Current().Net.Spec.Input
	x := a.ModelInput()
	if len(in) == 3 && in[0] == 3 {
		return render.RGB(x, in[1], in[2], 0, 1)
	}
	n := in[1] * in[2]
	return render.RGB(slices.Concat(x[:n], x[:n], x[:n]), in[1], in[2], 0, 1)
}

// ErrNotDigits marks the errors of views that need a model of MNIST's grey
// digits (the embedding of the test set): the page shows them in the view,
// as a fact rather than a failure.
var ErrNotDigits = errors.New("this view needs a model of grey MNIST digits")

// DigitsModel returns an error wrapping ErrNotDigits, in user words, when
// net is a colour model, whose inputs are photos and not MNIST digits.
func DigitsModel(net *nn.Sequential, view string) error {
	if !IsColour(net) {
		return nil
	}
	in := net.Spec.Input
	return fmt.Errorf("%w: %s shows the MNIST test set, and %s takes %d×%d colour photos; pick mnist or convnetjs, or a synthetic data set", ErrNotDigits, view, net.Spec.Name, in[2], in[1])
}

// UseFrame makes a webcam frame the input of the current model, which must
// be a colour model (the camera's frames are photos, not digits); each
// frame replaces the last. Frames counts them.
func (a *App) UseFrame(img image.Image) error {
	if net := a.Current().Net; !IsColour(net) {
		return fmt.Errorf("the camera feeds colour models, and %s takes grey digits: select a model of photos such as tinyvgg", a.Current().Name)
	}
	if b := img.Bounds(); b.Dx() < 1 || b.Dy() < 1 {
		return fmt.Errorf("the camera gave an empty frame")
	}
	if a.State.Input.Kind != InputCamera {
		a.State.Input = Input{Kind: InputCamera}
		a.touch()
	}
	a.setPhoto(img, img, "")
	a.uploadPix = nil
	a.drawing = false
	a.Frames++
	a.dirty = true
	return nil
}
