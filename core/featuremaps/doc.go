// Package featuremaps computes what the feature-map view shows, as plain
// numbers: every layer's output for one input, statistics of those outputs,
// the receptive field of a unit, the images that excite a channel most, and
// the arithmetic of one convolution output, tap by tap.
//
// A convolutional network turns an image into a stack of feature maps: layer
// l's output is a [C, H, W] tensor, one H×W map per channel (filter), and each
// value ("unit") depends only on a window of the input, its receptive field.
// Looking at these maps, and at the inputs that make a channel respond most,
// is the oldest way to see what a network has learned (Zeiler and Fergus 2014,
// "Visualizing and Understanding Convolutional Networks"; Girshick et al. 2014
// cropped the top-scoring receptive fields in the same way).
//
//   - Capture runs one forward pass with the network's observer hook and
//     returns every layer's output with its name, kind and shape.
//   - Stats (Summarize, LayerStats, the Accumulator and the StatsRun stepper)
//     gives per layer the range, mean and standard deviation, the sparsity
//     (fraction of exact zeros, which ReLU networks are known to produce;
//     Glorot, Bordes and Bengio 2011, "Deep Sparse Rectifier Neural
//     Networks"), the fraction of channels that are entirely zero for an input
//     ("blank filters"), and over a sample of inputs the dead units and
//     channels that are zero for every input.
//   - ReceptiveField walks the layer specs back from a unit to the input and
//     returns the input rectangle that can influence it, using the usual
//     arithmetic of kernel, stride and padding (Araujo, Norris and Sim 2019,
//     "Computing Receptive Fields of Convolutional Neural Networks", Distill):
//     a window [a, b] of outputs of a layer with kernel k, stride s and pad p
//     reads inputs [a·s − p, b·s − p + k − 1], clipped to the input. Global
//     pooling and dense layers read everything.
//   - TopImages (and the TopSearch stepper) finds, per channel, the k images
//     of a set whose maximum activation in that channel is largest, with the
//     position of the maximum, so that the view can crop its receptive field.
//   - Conv spells out one convolution output: the input patch, the kernel,
//     their elementwise products, the sum, the bias and the value after the
//     ReLU that follows.
//
// Everything here runs natively and under js/wasm; the slow loops over many
// images are steppers (Step does a bounded batch of forward passes) beside
// plain functions that run to completion.
package featuremaps
