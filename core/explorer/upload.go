package explorer

import (
	"image"

	"cnnviz/core/input"
)

// UploadJob is the scheduler's name for the upload being read.
const UploadJob = "upload"

// Upload makes an uploaded PNG or JPEG the input, preprocessed as MNIST
// was, at once: StartUpload's work done in one call. A file that is not an
// image, is damaged or is too large gives an error and leaves the input as
// it was.
func (a *App) Upload(b []byte) error {
	u, err := input.NewUpload(b)
	if err != nil {
		return err
	}
	for !u.Step() {
	}
	r := newPhotoCopies(u)
	for !r.Step() {
	}
	return a.useUpload(u, r)
}

// photoSide is the least short side of the colour copy kept of an upload:
// a larger picture is shrunk by a whole factor (input.Reduce), so that a
// colour model's input (input.Colour, in one call) is made from a few
// hundred thousand pixels. A 16-megapixel photo would take 0.75 s natively
// (BenchmarkColour_JPEG_4000x4000), seconds in the browser.
const photoSide = 256

// overlaySide is the least short side of the copy of an upload that
// attribution maps are drawn on (App.PhotoCrop): a larger picture is
// shrunk by a whole factor, so that the copy's short side stays below
// 2·overlaySide, and a square model's crop below 1024 pixels a side.
const overlaySide = 512

// photoCopies makes the two copies kept of a read upload's picture, a
// band of rows per Step: the overlay copy (input.Reduce to overlaySide)
// and, from it, the colour copy (to photoSide).
type photoCopies struct {
	full, small *input.Reduce
}

// newPhotoCopies returns the stepper that shrinks a read upload's
// picture, or one with next to nothing to do when it failed.
func newPhotoCopies(u *input.Upload) *photoCopies {
	img := u.Image()
	if img == nil {
		img = image.NewRGBA(image.Rect(0, 0, 1, 1))
	}
	return &photoCopies{full: input.NewReduce(img, overlaySide)}
}

// Step shrinks the next band of rows and reports whether both copies are
// done.
func (p *photoCopies) Step() (done bool) {
	if p.small == nil {
		if p.full.Step() {
			p.small = input.NewReduce(p.full.Result(), photoSide)
		}
		return false
	}
	return p.small.Step()
}

// StartUpload reads an uploaded PNG or JPEG as a stepper under UploadJob,
// so that a large photo (16 megapixels take seconds to decode) does not
// freeze the page; UploadProgress tells how far it is. The header is
// checked at once: a file that is not an image, or is too large, gives an
// error here. When the picture is read it becomes the input and done is
// called with nil, or with the error that stopped it (the input is then
// unchanged). A second upload replaces one under way.
func (a *App) StartUpload(b []byte, done func(error)) error {
	u, err := input.NewUpload(b)
	if err != nil {
		return err
	}
	if old := a.upload; old != nil && !old.finished {
		old.u.Stop()
	}
	j := &uploadJob{a: a, u: u, done: done}
	a.upload = j
	a.Sched.Start(UploadJob, j)
	return nil
}

// UploadProgress reports whether an upload is being read, how far (0 to
// 1), and whether it is still decoding the file (rather than shrinking
// the picture).
func (a *App) UploadProgress() (active bool, progress float64, decoding bool) {
	j := a.upload
	if j == nil || j.finished {
		return false, 0, false
	}
	return true, j.u.Progress(), j.u.Decoding()
}

// uploadJob runs an input.Upload in the scheduler and applies its result.
type uploadJob struct {
	a        *App
	u        *input.Upload
	done     func(error)
	finished bool
	reduce   *photoCopies // the copies, once the picture is read
}

func (j *uploadJob) Step() bool {
	if j.reduce == nil {
		if j.u.Step() {
			j.reduce = newPhotoCopies(j.u)
		}
		return false
	}
	if !j.reduce.Step() {
		return false
	}
	j.finished = true
	err := j.a.useUpload(j.u, j.reduce)
	if j.done != nil {
		j.done(err)
	}
	return true
}

// useUpload makes a finished upload's picture the input, with r's
// copies.
func (a *App) useUpload(u *input.Upload, r *photoCopies) error {
	g, err := u.Result()
	if err != nil {
		return err
	}
	a.uploadPix = input.Centre(g)
	a.setPhoto(r.small.Result(), r.full.Result(), "")
	a.State.Input = Input{Kind: InputUpload}
	a.drawing = false
	a.dirty = true
	a.touch()
	return nil
}
