//go:build js && wasm

package main

import (
	"errors"
	"syscall/js"
	"time"

	"cnnviz/core/explorer"
)

// The page shows its first predictions on the built-in sample of the
// first test images and downloads the MNIST test set (1.3 MB) only when
// something needs it: a browsing button, a test image beyond the sample,
// a view or a JS call that works on the whole set (the app says so with
// TestRequested), or cnnviz.ready(). A visitor who draws digits, or looks
// at the sample, never downloads it.

// The files of the MNIST test set, fetched through window.cnnvizFetch.
const (
	testImagesPath = "web/data/t10k-images-idx3-ubyte"
	testLabelsPath = "web/data/t10k-labels-idx1-ubyte"
)

// testRetry is how long after a failed download of the test set a view
// that keeps needing it waits before the page tries again; a press or a
// JS call tries at once.
const testRetry = 5 * time.Second

// whenTest calls use (if not nil) in an Update once the test set is
// there, or with the reason it could not come, starting its download if
// none is under way. The top bar says that it is downloading.
func (g *game) whenTest(use func(error)) {
	if g.app.Test != nil {
		if use != nil {
			g.post(func() { use(nil) })
		}
		return
	}
	if !g.testDownload.wait(use) {
		return
	}
	go func() {
		img, lab, err := fetchTestSet()
		g.post(func() {
			if err == nil {
				err = g.app.LoadTestSet(img, lab)
				if err != nil {
					err = errors.New("the MNIST test set is damaged: " + err.Error())
				}
			} else {
				err = errors.New("could not load the MNIST test set: " + err.Error())
			}
			if err != nil {
				g.testFailed = time.Now()
				showError(err.Error())
			} else {
				markTiming("testSet")
			}
			g.testDownload.finish(err)
		})
	}()
}

// browse runs a browsing action (Next, Prev, Random, a class). One that
// needs the test set while it downloads runs again once the set has
// arrived, unless another came after it, so that a press is not lost;
// meanwhile the top bar says that the test set is downloading.
func (g *game) browse(act func() error) {
	g.browses++
	err := act()
	if !isTestPending(err) {
		g.try(err)
		return
	}
	n := g.browses
	g.whenTest(func(err error) {
		if err == nil && n == g.browses {
			g.try(act())
		}
	})
}

// fetchTestSet downloads both files of the test set at once. It must run
// on its own goroutine.
func fetchTestSet() (images, labels []byte, err error) {
	f, err := cnnvizFetch()
	if err != nil {
		return nil, nil, err
	}
	both, err := await(js.Global().Get("Promise").Call("all", []any{f.Invoke(testImagesPath), f.Invoke(testLabelsPath)}))
	if err != nil {
		return nil, nil, err
	}
	return bytesOf(both.Index(0)), bytesOf(both.Index(1)), nil
}

// isTestPending reports whether err says that the test set, now asked
// for, is still on its way: settle answers such a JS call once it is
// there.
func isTestPending(err error) bool { return errors.Is(err, explorer.ErrTestLoading) }

// fetchWait is a download of a file of the site that several callers may
// wait for.
type fetchWait struct {
	waiters []func(error)
	active  bool // under way
}

// wait queues use (if not nil) to be called when the download ends, and
// reports whether the caller must start it: none is under way.
func (d *fetchWait) wait(use func(error)) (start bool) {
	if use != nil {
		d.waiters = append(d.waiters, use)
	}
	if d.active {
		return false
	}
	d.active = true
	return true
}

// finish ends the download with err and calls its waiters.
func (d *fetchWait) finish(err error) {
	d.active = false
	waiters := d.waiters
	d.waiters = nil
	for _, f := range waiters {
		f(err)
	}
}
