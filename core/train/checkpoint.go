package train

import (
	"encoding/json"
	"fmt"
	"strings"

	"cnnviz/core/nn"
	"cnnviz/models"
	"cnnviz/models/mnist"
	"cnnviz/models/safetensors"
)

// MetaKey is the metadata key of a checkpoint's training state.
const MetaKey = "training"

// Checkpoint returns a model file with the weights after the last completed
// step, plus the optimizer's buffers (tensors named
// "optimizer.NAME.PARAM") and the options and step count (metadata key
// "training"). models.Load opens it as a plain model; Resume continues
// training from it. Images of an unfinished batch are not saved: Resume
// redoes them, with the same result.
func (t *Trainer) Checkpoint() ([]byte, error) {
	params := t.Model.Params()
	f := &safetensors.File{Metadata: map[string]string{
		models.ArchitectureKey: string(t.Model.Spec.JSON()),
		MetaKey:                t.meta(),
	}}
	for _, p := range params {
		f.Tensors = append(f.Tensors, safetensors.Tensor{Name: p.Name, Shape: p.Var.Value.Shape, Data: p.Var.Value.Data})
	}
	add := func(buf string, data [][]float32) {
		for i, d := range data {
			f.Tensors = append(f.Tensors, safetensors.Tensor{Name: "optimizer." + buf + "." + params[i].Name, Shape: []int{len(d)}, Data: d})
		}
	}
	switch o := t.opt.(type) {
	case *nn.SGD:
		add("velocity", o.Velocity)
	case *nn.Adam:
		add("m", o.M)
		add("v", o.V)
		f.Metadata["optimizer.t"] = fmt.Sprint(o.T)
	}
	return safetensors.Encode(f)
}

// Resume rebuilds a trainer from a checkpoint, on the same data.
func Resume(b []byte, data, val *mnist.Set) (*Trainer, error) {
	m, err := models.Load(b)
	if err != nil {
		return nil, err
	}
	f, err := safetensors.Decode(b)
	if err != nil {
		return nil, err
	}
	raw, ok := f.Metadata[MetaKey]
	if !ok {
		return nil, fmt.Errorf("the file is a model, not a training checkpoint: it has no %q metadata", MetaKey)
	}
	var meta trainingMeta
	if err := json.Unmarshal([]byte(raw), &meta); err != nil {
		return nil, fmt.Errorf("checkpoint training metadata is not valid JSON: %v", err)
	}
	if meta.Step < 0 {
		return nil, fmt.Errorf("checkpoint step %d is negative", meta.Step)
	}
	t, err := New(m, data, val, meta.Options)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %v", err)
	}
	t.step = meta.Step
	t.Examples = meta.Step * t.Opts.Batch
	params := m.Params()
	read := func(buf string) ([][]float32, error) {
		out := make([][]float32, len(params))
		for i, p := range params {
			name := "optimizer." + buf + "." + p.Name
			tn, ok := f.Tensor(name)
			if !ok {
				if meta.Step == 0 {
					return nil, nil // no step taken: no buffers yet
				}
				return nil, fmt.Errorf("checkpoint lacks %q", name)
			}
			if len(tn.Data) != p.Var.Value.Size() {
				return nil, fmt.Errorf("checkpoint %q has %d values, want %d", name, len(tn.Data), p.Var.Value.Size())
			}
			out[i] = tn.Data
		}
		return out, nil
	}
	switch o := t.opt.(type) {
	case *nn.SGD:
		if o.Velocity, err = read("velocity"); err != nil {
			return nil, err
		}
	case *nn.Adam:
		if o.M, err = read("m"); err != nil {
			return nil, err
		}
		if o.V, err = read("v"); err != nil {
			return nil, err
		}
		if _, err := fmt.Sscan(f.Metadata["optimizer.t"], &o.T); err != nil && meta.Step > 0 {
			return nil, fmt.Errorf("checkpoint optimizer.t %q is not a number", f.Metadata["optimizer.t"])
		}
	}
	for _, tn := range f.Tensors {
		if strings.HasPrefix(tn.Name, "optimizer.") && !strings.HasPrefix(tn.Name, "optimizer.velocity.") &&
			!strings.HasPrefix(tn.Name, "optimizer.m.") && !strings.HasPrefix(tn.Name, "optimizer.v.") {
			return nil, fmt.Errorf("checkpoint has unknown optimizer tensor %q", tn.Name)
		}
	}
	return t, nil
}
