// Package train trains a network on MNIST inside the page, as a stepper.
//
// One call of Trainer.Step does a bounded amount of work: a chunk of a few
// images forward and backward (their gradients add up until the batch is
// complete, then the optimizer steps), or a chunk of a validation pass. The
// page calls Step within its frame budget, so training never freezes it,
// and every view can show the current weights between calls.
//
// Everything follows from the seed: the order of the images in each epoch,
// the augmentation shifts and the initial weights. The same seed and
// options give the same loss curve bit for bit, however the steps fall
// into frames. A loss that becomes NaN, infinite or above MaxLoss (a
// learning rate far too high) stops training with an error that says so.
//
// The same loop trains the shipped models natively (models/train), with a
// cosine learning-rate decay (Options.CosineSteps). The checkpoint format,
// which saves a trainer's weights, optimizer state and step count so that
// training resumes exactly where it stopped, lives in models/checkpoint;
// Optimizer and SetSteps are what it needs from a Trainer.
package train
