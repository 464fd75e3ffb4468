// Package explorer holds the application state of cnnviz, independent of
// any user interface: which model, input, view, layer, channel, method and
// class are selected, the current input image and the model's outputs for
// it, and the slow jobs (steppers) that run a little on every frame.
//
// The browser shell (package main under wasm/) draws what an App holds and
// turns clicks, keys and touches into calls of its methods; everything here
// builds and tests natively.
//
// Three parts:
//
//   - State is what a link reproduces. EncodeHash and DecodeHash turn it
//     into the URL fragment ("#model=mnist&view=layers&in=t42") and back;
//     drawn strokes travel in the fragment quantized to a 256×256 grid and
//     base64-encoded, so a drawing survives a shared link.
//   - App owns the models (shipped and loaded), the MNIST test set, the
//     input (a test image, a drawing, an upload) preprocessed as MNIST was
//     (package input), and the forward pass of every layer for it.
//   - Scheduler runs Steppers, types whose Step does a bounded slice of a
//     long computation, inside a per-frame time budget (Tick): the page
//     runs Go on one thread with no preemption, so a long loop would freeze
//     it. The scan for misclassified test images is such a stepper.
//
// The package also holds the computations behind the JavaScript API
// (Predict, Activations, InputGradient, Bench), so that the browser tests
// can compare the page's answers with the same code run natively.
package explorer
