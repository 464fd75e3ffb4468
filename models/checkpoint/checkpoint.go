// Package checkpoint saves a training session of core/train to a file and
// resumes it from one.
//
// A checkpoint is a model file (see package models) with more in it: the
// optimizer's buffers as tensors named "optimizer.BUFFER.PARAM" (BUFFER is
// "velocity" for SGD, "m" and "v" for Adam), Adam's step count under the
// metadata key "optimizer.t", and the training options and step count as
// JSON under the metadata key "training". models.Load opens a checkpoint as
// a plain model; Resume continues training from it bit for bit.
package checkpoint

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"cnnviz/core/nn"
	"cnnviz/core/train"
	"cnnviz/models"
	"cnnviz/models/mnist"
	"cnnviz/models/safetensors"
)

// MetaKey is the metadata key of a checkpoint's training state.
const MetaKey = "training"

// adamStepKey is the metadata key of Adam's step count.
const adamStepKey = "optimizer.t"

// meta is what a checkpoint records besides weights and optimizer buffers.
type meta struct {
	Options train.Options `json:"options"`
	Step    int           `json:"step"`
}

// Save returns the checkpoint of t: the weights after its last completed
// step, the optimizer's buffers, the options and the step count. Images of
// an unfinished batch are not saved: Resume redoes them, with the same
// result.
func Save(t *train.Trainer) ([]byte, error) {
	params := t.Model.Params()
	m, err := json.Marshal(meta{Options: t.Opts, Step: t.Steps()})
	if err != nil {
		return nil, err
	}
	f := &safetensors.File{Metadata: map[string]string{
		models.ArchitectureKey: string(t.Model.Spec.JSON()),
		MetaKey:                string(m),
	}}
	for _, p := range params {
		f.Tensors = append(f.Tensors, safetensors.Tensor{Name: p.Name, Shape: p.Var.Value.Shape, Data: p.Var.Value.Data})
	}
	add := func(buf string, data [][]float32) {
		for i, d := range data {
			f.Tensors = append(f.Tensors, safetensors.Tensor{Name: models.OptimizerPrefix + buf + "." + params[i].Name, Shape: []int{len(d)}, Data: d})
		}
	}
	switch o := t.Optimizer().(type) {
	case *nn.SGD:
		add("velocity", o.Velocity)
	case *nn.Adam:
		add("m", o.M)
		add("v", o.V)
		f.Metadata[adamStepKey] = strconv.Itoa(o.T)
	}
	return safetensors.Encode(f)
}

// Resume rebuilds a trainer from a checkpoint, to go on training on data
// and validating on val. Errors say what is wrong with the file in user
// words first, then the details.
func Resume(b []byte, data, val *mnist.Set) (*train.Trainer, error) {
	m, err := models.Load(b)
	if err != nil {
		return nil, err
	}
	f, err := safetensors.Decode(b)
	if err != nil {
		return nil, err // models.Load has decoded it already
	}
	raw, ok := f.Metadata[MetaKey]
	if !ok {
		return nil, fmt.Errorf("this is a model file, not a training checkpoint: it has no %q metadata", MetaKey)
	}
	var mt meta
	if err := json.Unmarshal([]byte(raw), &mt); err != nil {
		return nil, fmt.Errorf("this training checkpoint is damaged: its training metadata is not valid JSON: %v", err)
	}
	if mt.Step < 0 {
		return nil, fmt.Errorf("this training checkpoint is damaged: its step count %d is negative", mt.Step)
	}
	t, err := train.New(m, data, val, mt.Options)
	if err != nil {
		return nil, fmt.Errorf("this training checkpoint cannot be resumed: %v", err)
	}
	t.SetSteps(mt.Step)
	params := m.Params()
	read := func(buf string) ([][]float32, error) {
		out := make([][]float32, len(params))
		for i, p := range params {
			name := models.OptimizerPrefix + buf + "." + p.Name
			tn, ok := f.Tensor(name)
			if !ok {
				if mt.Step == 0 {
					return nil, nil // no step taken: no buffers yet
				}
				return nil, fmt.Errorf("this training checkpoint is incomplete: it lacks the optimizer tensor %q", name)
			}
			if len(tn.Data) != p.Var.Value.Size() {
				return nil, fmt.Errorf("this training checkpoint is damaged: optimizer tensor %q has %d values, want %d", name, len(tn.Data), p.Var.Value.Size())
			}
			out[i] = tn.Data
		}
		return out, nil
	}
	known := map[string]bool{}
	switch o := t.Optimizer().(type) {
	case *nn.SGD:
		known["velocity"] = true
		if o.Velocity, err = read("velocity"); err != nil {
			return nil, err
		}
	case *nn.Adam:
		known["m"], known["v"] = true, true
		if o.M, err = read("m"); err != nil {
			return nil, err
		}
		if o.V, err = read("v"); err != nil {
			return nil, err
		}
		if mt.Step > 0 {
			s := f.Metadata[adamStepKey]
			if o.T, err = strconv.Atoi(s); err != nil || o.T < 0 {
				return nil, fmt.Errorf("this training checkpoint is damaged: its %s %q is not a step count", adamStepKey, s)
			}
		}
	}
	for _, tn := range f.Tensors {
		rest, ok := strings.CutPrefix(tn.Name, models.OptimizerPrefix)
		if !ok {
			continue
		}
		if buf, _, _ := strings.Cut(rest, "."); !known[buf] {
			return nil, fmt.Errorf("this training checkpoint does not match its optimizer %s: it has the tensor %q", t.Opts.Optimizer, tn.Name)
		}
	}
	return t, nil
}
