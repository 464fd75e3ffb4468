// Package input turns what a user gives the page into what an MNIST model
// expects: a [1, 28, 28] tensor of ink values in 0..1.
//
// MNIST digits were made by scaling each handwritten digit to fit a 20×20
// box (keeping its aspect ratio, with anti-aliasing) and placing it in a
// 28×28 image so that its centre of mass sits at the centre. A drawing or
// an uploaded picture that skips these steps looks unlike anything the
// model saw in training and gets poor predictions, so Centre repeats them
// for every input. Strokes rasterizes a drawing with a thick anti-aliased
// pen; Decode reads an uploaded PNG or JPEG after checking its size.
// Colour prepares a photo for a colour model: a centre crop, resized by
// area averaging to [3, H, W].
//
// A large upload is slow to read, so the page can take it in parts: Config
// checks the header at once (the size, before anything is allocated),
// DecodeImage decodes the pixels in one call of the standard library (the
// only part that cannot be split), and Shrink is a stepper that turns the
// decoded picture into an ink image of at most MaxSide pixels a side,
// reading StepPixels pixels per Step and reporting its Progress.
package input
