//go:build js && wasm

package main

import (
	"errors"
	"syscall/js"

	"cnnviz/core/explorer"
)

// The page's build (tag site) does not carry the robust model: its file
// (explorer.RobustFile, 0.8 MB) is fetched the first time the attack
// view, a link or a JS call asks for the model, so that a first visit
// does not download it.

// errRobustPending is the error of a request that names the robust model
// while its file is still downloading; the JS API answers such a call
// again once the model is there (see settle).
var errRobustPending = errors.New("the robust model is still downloading")

// robust returns the robust model when it is selectable or can be made so
// at once; otherwise it starts the download and returns errRobustPending.
func (g *game) robust() (*explorer.Model, error) {
	if m, err := g.robust0(); m != nil || err != nil {
		return m, err
	}
	g.whenRobust(nil)
	return nil, errRobustPending
}

// modelNamed returns the selectable model called name, or nil when there
// is none. Naming the robust model starts its download if need be, with
// errRobustPending until it has arrived: every JS call that takes a model
// by name finds it through here.
func (g *game) modelNamed(name string) (*explorer.Model, error) {
	if name == explorer.RobustName {
		return g.robust()
	}
	return g.app.Model(name), nil
}

// needsRobust returns errRobustPending, and starts the download, when s
// names the robust model and it has yet to arrive.
func (g *game) needsRobust(s explorer.State) error {
	if s.Model != explorer.RobustName {
		return nil
	}
	_, err := g.robust()
	if errors.Is(err, errRobustPending) {
		return err
	}
	return nil
}

// whenRobust calls use (if not nil) in an Update once the robust model is
// selectable, or with the reason it cannot be, starting its download if
// none is under way. The top bar says what is happening.
func (g *game) whenRobust(use func(error)) {
	if m, err := g.robust0(); m != nil || err != nil {
		if use != nil {
			g.post(func() { use(err) })
		}
		return
	}
	if !g.robustDownload.wait(use) {
		return
	}
	g.say("downloading the robust model…")
	go func() {
		b, err := fetchFile(explorer.RobustFile)
		g.post(func() {
			if err == nil {
				_, err = g.app.AddRobustFile(b)
			}
			if err != nil {
				err = errors.New("could not load the robust model: " + err.Error())
				showError(err.Error())
			} else {
				g.say("robust model loaded")
			}
			g.robustDownload.finish(err)
		})
	}()
}

// applyLink restores the state of the URL fragment h, showing what it
// got wrong; a link to the robust model is applied once the model has
// arrived.
func (g *game) applyLink(h string) {
	g.hashWritten = h
	s, err := explorer.DecodeHash(h)
	apply := func() {
		if err2 := g.app.Apply(s); err == nil {
			err = err2
		}
		if err != nil {
			showError(err.Error())
		}
	}
	if g.needsRobust(s) != nil {
		// Should the download fail, Apply says so and keeps the rest.
		g.whenRobust(func(error) {
			if g.hashWritten == h {
				apply()
			}
		})
		return
	}
	apply()
}

// robust0 is robust without starting a download: the model, or an error
// other than a pending download, or neither.
func (g *game) robust0() (*explorer.Model, error) {
	if m := g.app.Model(explorer.RobustName); m != nil {
		return m, nil
	}
	if explorer.RobustEmbedded() {
		return g.app.AddRobust()
	}
	return nil, nil
}

// fetchFile returns the bytes of a file of the site, through
// window.cnnvizFetch (which answers from the page itself in the
// single-file copy). It must run on its own goroutine.
func fetchFile(path string) ([]byte, error) {
	v, err := fetchJS(path)
	if err != nil {
		return nil, err
	}
	return bytesOf(v), nil
}

// fetchJS is fetchFile that leaves the bytes in JavaScript (a Uint8Array).
func fetchJS(path string) (js.Value, error) {
	f, err := cnnvizFetch()
	if err != nil {
		return js.Undefined(), err
	}
	return await(f.Invoke(path))
}

// cnnvizFetch returns the loader's window.cnnvizFetch.
func cnnvizFetch() (js.Value, error) {
	f := js.Global().Get("cnnvizFetch")
	if f.Type() != js.TypeFunction {
		return js.Undefined(), errors.New("the page has no cnnvizFetch")
	}
	return f, nil
}

// settle turns the result of the API function name, called with args,
// into its promise; a call that waits for the robust model or the test set
// is made again once it has arrived, and rejects if it cannot.
func settle(g *game, name string, args []js.Value, v any, err error, ok func(any) js.Value) js.Value {
	var when func(func(error))
	switch {
	case errors.Is(err, errRobustPending):
		when = g.whenRobust
	case isTestPending(err):
		when = g.whenTest
	case err != nil:
		return reject("cnnviz." + name + ": " + err.Error())
	default:
		return ok(v)
	}
	again := make([]any, len(args))
	for i, a := range args {
		again[i] = a
	}
	var executor js.Func
	executor = js.FuncOf(func(_ js.Value, p []js.Value) any {
		executor.Release()
		resolve, rejectP := p[0], p[1]
		when(func(err error) {
			if err != nil {
				rejectP.Invoke(js.Global().Get("Error").New("cnnviz." + name + ": " + err.Error()))
				return
			}
			// Called from a microtask, like any call from the page's
			// JavaScript, not from inside this Update.
			var call js.Func
			call = js.FuncOf(func(js.Value, []js.Value) any {
				call.Release()
				return js.Global().Get("cnnviz").Get(name).Call("apply", js.Null(), again)
			})
			resolve.Invoke(js.Global().Get("Promise").Call("resolve").Call("then", call))
		})
		return nil
	})
	return js.Global().Get("Promise").New(executor)
}
