package actmax

import (
	"fmt"

	"cnnviz/core/nn"
	"cnnviz/core/tensor"
)

// Atlas maximizes the mean of every channel of one layer in turn, as a
// stepper: each Step is one ascent step of the channel in progress, so a
// page can show the finished channels, and the current one growing, while
// the rest wait.
type Atlas struct {
	model    *nn.Sequential
	opt      Options
	channels int
	cur      int
	run      *Run
	results  []Result
}

// NewAtlas prepares an atlas of layer. opt applies to every channel (the
// same seed for each, so channels differ only by what they respond to);
// its Objective is replaced by the channel mean of layer with
// opt.Objective.Negate kept.
func NewAtlas(m *nn.Sequential, layer string, opt Options) (*Atlas, error) {
	i := m.Index(layer)
	if i < 0 {
		return nil, fmt.Errorf("actmax: model %s has no layer %q", m.Spec.Name, layer)
	}
	opt.Objective = Objective{Kind: ChannelMean, Layer: layer, Negate: opt.Objective.Negate}
	a := &Atlas{model: m, opt: opt, channels: m.OutShape(i)[0]}
	a.results = make([]Result, a.channels)
	if err := a.start(); err != nil {
		return nil, err
	}
	return a, nil
}

// start begins the current channel.
func (a *Atlas) start() error {
	o := a.opt
	o.Objective.Channel = a.cur
	r, err := New(a.model, o)
	a.run = r
	return err
}

// Step does one ascent step of the channel in progress and reports whether
// every channel is finished.
func (a *Atlas) Step() (done bool) {
	if a.cur >= a.channels {
		return true
	}
	if a.run.Step() {
		a.results[a.cur] = a.run.Result()
		a.cur++
		if a.cur < a.channels {
			if err := a.start(); err != nil {
				panic(err) // the same options passed for channel 0
			}
		}
	}
	return a.cur >= a.channels
}

// Channels is the number of channels of the layer.
func (a *Atlas) Channels() int { return a.channels }

// Channel is the channel in progress (Channels when all are done).
func (a *Atlas) Channel() int { return a.cur }

// Done reports whether every channel is finished.
func (a *Atlas) Done() bool { return a.cur >= a.channels }

// Image returns channel c's image [C, H, W]: the final one for finished
// channels, the current one for the channel in progress, nil for channels
// not started. It panics when c is out of range.
func (a *Atlas) Image(c int) *tensor.Tensor {
	switch {
	case c < 0 || c >= a.channels:
		panic(fmt.Sprintf("actmax: Atlas.Image(%d) of %d channels", c, a.channels))
	case c < a.cur:
		return a.results[c].Image
	case c == a.cur:
		return a.run.Image()
	}
	return nil
}

// Result returns channel c's result once it is finished (ok false before).
func (a *Atlas) Result(c int) (r Result, ok bool) {
	if c < 0 || c >= a.cur {
		return Result{}, false
	}
	return a.results[c], true
}
