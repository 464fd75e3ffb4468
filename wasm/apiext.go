//go:build js && wasm

package main

import (
	"fmt"
	"syscall/js"

	"cnnviz/core/explorer"
)

// apiFunc is a window.cnnviz function added by a view's own file: it checks
// its arguments and returns a value for the promise, or an error that
// rejects it.
type apiFunc func(g *game, args []js.Value) (any, error)

// apiFuncs holds the functions that files add from their init with
// addAPI; installAPI defines them next to its own.
var apiFuncs = map[string]apiFunc{}

// addAPI registers a window.cnnviz function. It panics on a duplicate
// name, a programming error.
func addAPI(name string, f apiFunc) {
	if _, dup := apiFuncs[name]; dup {
		panic("cnnviz: API function " + name + " defined twice")
	}
	apiFuncs[name] = f
}

// later is what an apiFunc returns for slow work: a stepper that the frame
// loop runs within its budget, like any other, and a function that turns
// its finished state into the promise's value. The page keeps drawing
// while the call runs.
type later struct {
	Stepper explorer.Stepper
	Result  func() (any, error)
}

// stepperJob resolves or rejects a promise when its stepper is done. It
// is the one stepper of the shell, and a generic one: the work itself is
// an explorer stepper (an embedding, a training call, an optimization),
// and stepperJob only hands its result to JavaScript. Views start their
// explorer steppers on the App's scheduler directly.
type stepperJob struct {
	s               explorer.Stepper
	result          func() (any, error)
	resolve, reject js.Value
}

func (j *stepperJob) Step() (done bool) {
	defer func() {
		if r := recover(); r != nil {
			j.reject.Invoke(js.Global().Get("Error").New(fmt.Sprintf("internal error: %v", r)))
			done = true
		}
	}()
	if !j.s.Step() {
		return false
	}
	v, err := j.result()
	if err != nil {
		j.reject.Invoke(js.Global().Get("Error").New(err.Error()))
	} else {
		j.resolve.Invoke(v)
	}
	return true
}

// apiCalls numbers the stepper jobs of API calls so that concurrent calls
// do not replace each other in the scheduler.
var apiCalls int

// promiseFor starts l on g's scheduler and returns a promise of its result.
func promiseFor(g *game, name string, l later) js.Value {
	var executor js.Func
	executor = js.FuncOf(func(_ js.Value, a []js.Value) any {
		apiCalls++
		g.app.Sched.Start(fmt.Sprintf("api:%s:%d", name, apiCalls), &stepperJob{s: l.Stepper, result: l.Result, resolve: a[0], reject: a[1]})
		executor.Release()
		return nil
	})
	return js.Global().Get("Promise").New(executor)
}
