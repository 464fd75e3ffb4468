package input

import (
	"errors"
	"image"
	"io"
)

// StepBytes is the number of bytes of the file that one Upload.Step lets
// the image decoder read. For a 4000×4000 photo under WebAssembly (node on
// the project's machine) a step's median was 1 to 3 ms; the first steps
// are slower (the decoder allocates the whole picture, 64 MB for a PNG,
// and V8 compiles the decoder), and a picture that compresses very well
// (a flat background) decodes more pixels per byte, so its steps take
// longer.
const StepBytes = 16 << 10

// Upload reads an uploaded PNG or JPEG into an ink image as a stepper, so
// that a large picture does not freeze the page: each Step decodes the next
// StepBytes bytes of the file, and once the file is decoded, Steps shrink
// it as Shrink does. The result is exactly Decode's.
//
// The standard library decodes a whole image in one call; Upload runs that
// call on a goroutine of its own and feeds it the file through a reader
// that hands over control at every StepBytes bytes, so only one of the two
// runs at a time, in WebAssembly's single thread too.
type Upload struct {
	dec    decoding
	shrink *Shrink
	err    error
	done   bool
}

// NewUpload checks the header of an uploaded file (see Config) and returns
// the stepper that reads it. Errors say what is wrong with the file.
func NewUpload(b []byte) (*Upload, error) {
	_, name, err := Config(b)
	if err != nil {
		return nil, err
	}
	return &Upload{dec: decoding{b: b, name: name}}, nil
}

// Step does the next bounded piece of work and reports whether the upload
// is read (or has failed: see Result).
func (u *Upload) Step() (done bool) {
	switch {
	case u.done:
	case u.shrink != nil:
		u.done = u.shrink.Step()
	case u.dec.step():
		if u.err = u.dec.err; u.err != nil {
			u.done = true
			break
		}
		u.shrink = NewShrink(u.dec.img)
		u.dec.img = nil
	}
	return u.done
}

// Progress returns the fraction of the work done, 0 to 1: decoding counts
// for the first 80 %, shrinking for the rest.
func (u *Upload) Progress() float64 {
	switch {
	case u.done:
		return 1
	case u.shrink != nil:
		return 0.8 + 0.2*u.shrink.Progress()
	}
	return 0.8 * float64(u.dec.pos) / float64(len(u.dec.b))
}

// Decoding reports whether the upload is still decoding the file (rather
// than shrinking the picture), for a message such as "decoding…".
func (u *Upload) Decoding() bool { return !u.done && u.shrink == nil }

// Result returns the ink image once Step has reported done, or why the
// file could not be read; nil and nil before.
func (u *Upload) Result() (*Gray, error) {
	if !u.done {
		return nil, nil
	}
	if u.err != nil {
		return nil, u.err
	}
	return u.shrink.Result(), nil
}

// Stop abandons an upload that is under way (another file was chosen) and
// releases its goroutine. Step must not be called after Stop.
func (u *Upload) Stop() {
	u.dec.stop()
	if !u.done {
		u.done, u.err = true, errStopped
	}
}

var errStopped = errors.New("the upload was abandoned")

// decoding runs image.Decode on a goroutine that reads the file through
// itself, StepBytes at a time, and waits between steps.
type decoding struct {
	b      []byte
	name   string // "PNG" or "JPEG", for messages
	pos    int    // bytes read by the decoder
	allow  int    // bytes it may read before it hands back control
	resume chan int
	yield  chan struct{}
	done   chan struct{}
	img    image.Image
	err    error

	started, finished bool
}

// Read is the decoder's side: it hands control back to step whenever the
// step's bytes are used up, and waits for the next step.
func (d *decoding) Read(p []byte) (int, error) {
	if d.pos >= len(d.b) {
		return 0, io.EOF
	}
	if d.allow == 0 {
		d.yield <- struct{}{}
		n, ok := <-d.resume
		if !ok {
			return 0, errStopped
		}
		d.allow = n
	}
	n := copy(p[:min(len(p), d.allow)], d.b[d.pos:])
	d.pos += n
	d.allow -= n
	return n, nil
}

// step lets the decoder read StepBytes more bytes and waits until it has,
// or has finished; it reports whether it has finished.
func (d *decoding) step() bool {
	if d.finished {
		return true
	}
	if !d.started {
		d.started = true
		d.allow = StepBytes
		d.resume, d.yield, d.done = make(chan int), make(chan struct{}), make(chan struct{})
		go func() {
			img, _, err := image.Decode(d)
			if err != nil {
				d.err = decodeError(d.b, d.name, err)
			}
			d.img = img
			close(d.done)
		}()
	} else {
		d.resume <- StepBytes
	}
	select {
	case <-d.yield:
		return false
	case <-d.done:
		d.finished = true
		return true
	}
}

// stop ends a decoder that is waiting for its next step.
func (d *decoding) stop() {
	if d.started && !d.finished {
		close(d.resume)
		<-d.done
		d.finished = true
	}
}
