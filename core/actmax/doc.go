// Package actmax is activation maximization: it shows what a unit, a
// filter or a class of a trained network responds to by synthesizing the
// input that makes it largest.
//
// Start from seeded noise (or a given picture), run the network, take the
// gradient of a chosen scalar with respect to the input, move the input
// a little uphill, repeat. The scalar, the Objective, is the mean of one
// channel of a layer (what a filter looks for anywhere), a single unit
// (what one neuron looks for in its receptive field), a class logit (class
// model visualization, Simonyan, Vedaldi and Zisserman 2013), a direction
// (a weighted mix of a layer's channel means), or deep dream (the mean
// squared activation of a whole layer, starting from a picture, which
// amplifies what the layer already sees; Mordvintsev, Olah and Tyka 2015).
// Negate shows what a filter hates instead.
//
// Left alone, gradient ascent finds high-frequency patterns that excite a
// unit without looking like anything. Olah, Mordvintsev and Schubert 2017
// ("Feature Visualization", Distill) survey the remedies, and each is an
// option here with a strength, off by default but for one:
//
//   - a Fourier parameterization: the image is sigmoid(F(scale ⊙ X)), with
//     X learned complex coefficients, F the inverse real 2-D DFT and scale
//     = 1/max(f, 1/size)^decay, so low frequencies move faster than high
//     ones (the optimizer then sees roughly decorrelated parameters);
//   - decorrelated colours, for 3-channel inputs (on by default): the
//     parameters of a pixel are mixed into red, green and blue by a
//     square root of the colour covariance of photos (PhotoColourSqrt,
//     estimated with ColourCovariance and ColourSqrt) and squashed by a
//     sigmoid, so that brightness and colour contrast are learned
//     separately, as Lucid does;
//   - penalties: L2 (mean x²) and total variation (smoothed mean gradient
//     magnitude), subtracted from the objective;
//   - blurring every few steps;
//   - transformation robustness: random jitter, scale and rotation each
//     step, after padding, so only patterns that survive being moved are
//     kept;
//   - progressive upscaling: optimize a small image (bilinearly upscaled
//     into the network), then continue at larger sizes.
//
// Pixels live in 0..1 (the models' input range). The plain pixel
// parameterization clamps them after each step (projected gradient
// ascent); the Fourier and decorrelated ones squash with a sigmoid, whose
// gradient x(1−x) the chain rule includes, as it includes the transpose
// of the colour mix and the adjoint of the Fourier synthesis (gonum's
// FFTs). The transforms are one bilinear
// resampling whose exact adjoint carries the gradient back; the
// network's part of the gradient comes from autograd, reading the layer
// through the Sequential observer on a frozen copy of the layers up to
// the objective's layer (weights as constants, true ReLU gradients, and
// only the filters the objective uses).
//
// Run is the stepper: New, then Step until done, each Step one forward
// and one backward pass; Image, Objective and Snapshots show progress.
// Maximize runs to completion. Atlas maximizes every channel of a layer
// in turn. GIF and PNG turn snapshots into files. Adam (Kingma and Ba
// 2015) is the default optimizer; deep dream uses gradient steps
// normalized by the mean gradient magnitude. All randomness comes from
// Options.Seed: the same options give the same image, bit for bit.
package actmax
