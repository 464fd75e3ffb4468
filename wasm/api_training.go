//go:build js && wasm

package main

import (
	"fmt"
	"math"
	"syscall/js"

	"cnnviz/core/explorer"
)

func init() {
	addAPI("train", apiTrain)
	addAPI("trainState", func(g *game, _ []js.Value) (any, error) { return trainState(g), nil })
	addAPI("trainFile", apiTrainFile)
	addAPI("trainResume", func(g *game, args []js.Value) (any, error) {
		if len(args) != 1 {
			return nil, fmt.Errorf("takes the bytes of a checkpoint file")
		}
		b, err := bytesArg(args[0], "bytes")
		if err != nil {
			return nil, err
		}
		if session(g).Data == nil {
			return nil, fmt.Errorf("the training images are not loaded yet (see trainState)")
		}
		if err := resumeFrom(g, b); err != nil {
			return nil, err
		}
		return trainState(g), nil
	})
	addAPI("trainArchitecture", func(g *game, args []js.Value) (any, error) {
		if len(args) != 1 || args[0].Type() != js.TypeString {
			return nil, fmt.Errorf("takes the architecture as text, one layer per line")
		}
		return setArchitecture(g, args[0].String())
	})
}

// setArchitecture checks a layer list and makes it the session's next
// architecture.
func setArchitecture(g *game, text string) (any, error) {
	spec, err := explorer.ParseArchitecture(text)
	if err != nil {
		return nil, err
	}
	session(g).Text = text
	return map[string]any{"name": spec.Name, "text": spec.Text()}, nil
}

// trainState describes the session for tests and scripts.
func trainState(g *game) map[string]any {
	s := session(g)
	out := map[string]any{"loaded": s.Data != nil, "loading": trainData.stage, "running": s.Running,
		"architecture": s.Text, "viewDrawMs": trainDrawMs}
	if s.DataErr != nil {
		out["loadError"] = s.DataErr.Error()
	}
	if t := s.T; t != nil {
		out["steps"] = t.Steps()
		out["examples"] = t.Examples
		if n := len(t.Losses); n > 0 {
			out["loss"] = t.Losses[n-1]
		}
		if acc := s.LastAccuracy(); !math.IsNaN(acc) {
			out["accuracy"] = acc
		}
		if err := t.Err(); err != nil {
			out["error"] = err.Error()
		}
		out["model"] = t.Model.Spec.Name
	}
	if n := len(s.Rate); n > 0 {
		rate := make([]any, n)
		for i, r := range s.Rate {
			rate[i] = r
		}
		out["examplesPerSecond"] = rate
	}
	return out
}

// apiTrain implements cnnviz.train({model, architecture, steps, batch, lr,
// optimizer, momentum, weightDecay, augment, seed, chunk, valEvery,
// valSize}): it resets the page's training session with these settings,
// trains for steps optimizer steps (as the Run button would, so every view
// shows the network as it learns), validates, and resolves to {loss,
// accuracy, losses, validation, steps, examples, ms, examplesPerSecond}.
// A diverging loss rejects the promise with the trainer's message.
func apiTrain(g *game, args []js.Value) (any, error) {
	if len(args) != 1 || args[0].Type() != js.TypeObject {
		return nil, fmt.Errorf("takes one object, such as {model: \"convnetjs\", steps: 100, seed: 1}")
	}
	o := args[0]
	s := session(g)
	text := s.Text
	if v := o.Get("model"); !v.IsUndefined() {
		if v.Type() != js.TypeString {
			return nil, fmt.Errorf("model must be an architecture name (%v), got %s", explorer.TrainArchitectures(), describe(v))
		}
		if explorer.ArchitectureText(v.String()) == "" {
			return nil, fmt.Errorf("unknown architecture %q: want one of %v", v.String(), explorer.TrainArchitectures())
		}
		text = explorer.ArchitectureText(v.String())
	}
	if v := o.Get("architecture"); !v.IsUndefined() {
		if v.Type() != js.TypeString {
			return nil, fmt.Errorf("architecture must be text, one layer per line")
		}
		text = v.String()
	}
	if _, err := explorer.ParseArchitecture(text); err != nil {
		return nil, err
	}
	v := o.Get("steps")
	if v.IsUndefined() {
		return nil, fmt.Errorf("steps is required")
	}
	steps, err := intArg(v, "steps", 1, 1000000)
	if err != nil {
		return nil, err
	}
	opts := s.TrainCallOptions()
	if v := o.Get("optimizer"); !v.IsUndefined() {
		opts.Optimizer = v.String()
	}
	num := func(key string, dst *float64) error {
		v := o.Get(key)
		if v.IsUndefined() {
			return nil
		}
		if v.Type() != js.TypeNumber {
			return fmt.Errorf("%s must be a number, got %s", key, describe(v))
		}
		*dst = v.Float()
		return nil
	}
	integer := func(key string, dst *int, lo, hi int) error {
		v := o.Get(key)
		if v.IsUndefined() {
			return nil
		}
		n, err := intArg(v, key, lo, hi)
		*dst = n
		return err
	}
	seed := int(opts.Seed)
	for _, e := range []error{num("lr", &opts.LR), num("momentum", &opts.Momentum), num("weightDecay", &opts.WeightDecay),
		integer("batch", &opts.Batch, 1, 1024), integer("chunk", &opts.Chunk, 1, 1024), integer("seed", &seed, 0, math.MaxInt32),
		integer("valEvery", &opts.ValEvery, 1, 1000000), integer("valSize", &opts.ValSize, 1, 10000)} {
		if e != nil {
			return nil, e
		}
	}
	opts.Seed = uint64(seed)
	if v := o.Get("augment"); !v.IsUndefined() {
		opts.Augment = v.Truthy()
	}
	call, err := s.Call(text, opts, steps)
	if err != nil {
		return nil, err
	}
	loadTrainingSet(g)
	return later{Stepper: call, Result: func() (any, error) {
		r, err := call.Result()
		if err != nil {
			return nil, err
		}
		losses := make([]any, len(r.Losses))
		for i, l := range r.Losses {
			losses[i] = l
		}
		val := make([]any, len(r.Validation))
		for i, p := range r.Validation {
			val[i] = map[string]any{"step": p.Step, "accuracy": p.Accuracy}
		}
		ms := float64(r.Took.Microseconds()) / 1000
		return map[string]any{"loss": r.Loss, "accuracy": r.Accuracy, "losses": losses, "validation": val,
			"steps": r.Steps, "examples": r.Examples, "ms": ms, "examplesPerSecond": float64(r.Examples) / (ms / 1000)}, nil
	}}, nil
}

// apiTrainFile implements cnnviz.trainFile("model" | "checkpoint"): the
// bytes (Uint8Array) that the Save buttons download.
func apiTrainFile(g *game, args []js.Value) (any, error) {
	if len(args) != 1 || args[0].Type() != js.TypeString {
		return nil, fmt.Errorf("takes \"model\" or \"checkpoint\"")
	}
	s := session(g)
	var b []byte
	var err error
	switch args[0].String() {
	case "model":
		b, err = s.ModelFile()
	case "checkpoint":
		b, err = s.Checkpoint()
	default:
		return nil, fmt.Errorf("unknown file %q: want \"model\" or \"checkpoint\"", args[0].String())
	}
	if err != nil {
		return nil, err
	}
	arr := js.Global().Get("Uint8Array").New(len(b))
	js.CopyBytesToJS(arr, b)
	return arr, nil
}
