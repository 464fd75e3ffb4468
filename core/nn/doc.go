// Package nn builds convolutional networks from layers: Conv2D, ReLU,
// MaxPool2D, AvgPool2D, GlobalAvgPool, Flatten and Dense, stacked in a
// Sequential whose every layer has a name.
//
// Sequential.Forward calls an Observer with each layer's output, the idea
// of PyTorch's register_forward_hook: feature-map views, layer statistics,
// Grad-CAM and t-SNE read the network through it. Outputs are autograd Vars,
// so one Backward gives gradients with respect to the input and to any
// layer's output as well as the parameters.
//
// A Spec describes an architecture as plain data (it travels as JSON in a
// model file); Build checks it and creates the layers with seeded
// initial weights. Params lists every trainable tensor by name, and SGD and
// Adam update them.
//
// A Plan is the fast path for a fixed network and batch size: NewPlan
// allocates every activation, gradient and scratch buffer once, and
// Forward (logits, with every layer's output readable), InputGradient
// (saliency, activation maximization) and Backward (parameter gradients
// for SGD and Adam) then run without building a graph and without
// allocating, which in the page's single WebAssembly thread also means no
// garbage-collector pauses. It fuses each convolution with its bias and a
// following ReLU (one pass writes both outputs) and reads the weights and
// ReLU rules when it runs, so training in place and rule switches need no
// new Plan. Its results equal Sequential.Forward and autograd's up to the
// order of float32 additions. Each layer kind carries its Plan passes
// beside its autograd Forward (layers.go), and both run the same tensor
// kernels, so a new kind of layer is added in one place.
package nn
