//go:build js && wasm

package main

import (
	"fmt"
	"syscall/js"
	"time"

	"cnnviz/core/explorer"
)

// The files of the MNIST training set, fetched through window.cnnvizFetch.
const (
	trainImagesPath = "web/data/train-images-idx3-ubyte.gz"
	trainLabelsPath = "web/data/train-labels-idx1-ubyte.gz"
	trainImagesSize = 9912422 // bytes, for the progress message
	checkpointID    = "cnnviz-checkpoint"
	editorID        = "cnnviz-architecture"
)

// trainData is the loading state of the training set, shared by the view
// and the API; the set itself, or why it failed, goes to the session.
var trainData struct {
	started bool
	stage   string    // what is being done now
	since   time.Time // when the stage began
}

// theSession is the page's training session; session creates it.
var theSession *explorer.Training

// trainSlice is the time the training stepper may take per frame: with
// about 4 ms to draw, frames stay near 60 per second on a quiet machine
// and well above 30 on a busy one.
const trainSlice = 10 * time.Millisecond

// trainDrawMs is the smoothed time the view takes to draw, for trainState.
var trainDrawMs float64

// session returns the training session of g, creating it on first use.
func session(g *game) *explorer.Training {
	if theSession == nil {
		theSession = explorer.NewTraining(g.app)
		theSession.Slice = trainSlice
		theSession.OnStop = func(err error) {
			if err != nil {
				showError(err.Error())
			}
		}
	}
	return theSession
}

// loadTrainingSet starts fetching the training set once; the result lands
// in trainData and in the session.
func loadTrainingSet(g *game) {
	g.whenTest(nil) // validation runs on the test set
	if trainData.started {
		return
	}
	trainData.started = true
	stage := func(s string) { trainData.stage, trainData.since = s, time.Now() }
	stage(fmt.Sprintf("downloading the MNIST training images (%.1f MB)", float64(trainImagesSize)/1e6))
	go func() {
		img, err := fetchUnzipped(trainImagesPath)
		if err == nil {
			g.post(func() { stage("downloading the training labels") })
			var lab []byte
			lab, err = fetchUnzipped(trainLabelsPath)
			if err == nil {
				g.post(func() {
					stage("unpacking 60 000 images")
					// Parse after this frame has been drawn, so the message shows.
					g.post(func() {
						trainData.stage = ""
						if session(g).LoadData(img, lab) == nil {
							markTiming("trainSet")
						}
					})
				})
				return
			}
		}
		g.post(func() {
			trainData.stage = ""
			if js.Global().Get("location").Get("protocol").String() == "file:" {
				session(g).DataErr = fmt.Errorf("training needs the 60 000 MNIST training images (10 MB), which this standalone file does not carry; open the cnnviz site (./build.sh serve) to train (%v)", err)
			} else {
				session(g).DataErr = fmt.Errorf("could not load the MNIST training set: %v", err)
			}
		})
	}()
}

// fetchUnzipped fetches a file of the site through window.cnnvizFetch and,
// when it is gzipped and the browser has a DecompressionStream, unpacks it
// there: the browser does that off the page's thread, where the Go
// decompressor would block the frame loop for seconds. Otherwise the
// gzipped bytes are returned, and mnist.Parse unpacks them.
func fetchUnzipped(path string) ([]byte, error) {
	v, err := fetchJS(path)
	if err != nil {
		return nil, err
	}
	ds := js.Global().Get("DecompressionStream")
	if ds.Type() == js.TypeFunction && v.Get("length").Int() > 2 && v.Index(0).Int() == 0x1f && v.Index(1).Int() == 0x8b {
		stream := js.Global().Get("Blob").New([]any{v}).Call("stream").Call("pipeThrough", ds.New("gzip"))
		if raw, err := await(js.Global().Get("Response").New(stream).Call("arrayBuffer")); err == nil {
			return bytesOf(raw), nil
		}
	}
	return bytesOf(v), nil
}
