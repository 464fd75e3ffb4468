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
	r := newPhotoReduce(u)
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

// newPhotoReduce returns the stepper that shrinks a read upload's
// picture, or one with nothing to do when it failed.
func newPhotoReduce(u *input.Upload) *input.Reduce {
	img := u.Image()
	if img == nil {
		img = image.NewRGBA(image.Rect(0, 0, 1, 1))
	}
	return input.NewReduce(img, photoSide)
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
	reduce   *input.Reduce // the colour copy, once the picture is read
}

func (j *uploadJob) Step() bool {
	if j.reduce == nil {
		if j.u.Step() {
			j.reduce = newPhotoReduce(j.u)
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

// useUpload makes a finished upload's picture the input, with r's result
// as its colour copy.
func (a *App) useUpload(u *input.Upload, r *input.Reduce) error {
	g, err := u.Result()
	if err != nil {
		return err
	}
	a.uploadPix = input.Centre(g)
	a.setPhoto(r.Result(), "")
	a.State.Input = Input{Kind: InputUpload}
	a.drawing = false
	a.dirty = true
	a.touch()
	return nil
}
