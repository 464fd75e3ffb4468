// Package metrics measures how good an attribution map is, with numbers a
// class can compare across methods. None of these proves that a map is
// "right"; each tests one property that a faithful explanation should have.
//
//   - Deletion and insertion curves (Petsiuk et al. 2018, "RISE"): remove
//     the pixels the map ranks highest first (replace them by a baseline,
//     black or blurred) and watch the class probability fall; or start from
//     the baseline and insert them. A faithful map gives a fast fall (small
//     deletion AUC) and a fast rise (large insertion AUC).
//   - Average drop and increase in confidence (Chattopadhyay et al. 2018):
//     keep only what the map highlights (the image times the map scaled to
//     [0, 1]) and compare the class probability with the full image's.
//   - Localization on synthetic MNIST scenes: digits placed at seeded
//     random positions on a larger canvas, optionally with clutter
//     (fragments of other digits). The pointing game (Zhang et al. 2016)
//     asks whether the map's maximum falls inside the digit's box; energy
//     inside the box (Wang et al. 2020) is the share of the map's positive
//     mass there.
//   - The sanity check of Adebayo et al. (2018): randomize the model's
//     weights layer by layer from the top and measure how similar the map
//     stays to the original (Spearman rank correlation, Pearson
//     correlation and a single-window SSIM). A method whose map does not
//     change when the model is destroyed explains the input, not the model.
//
// Every metric that needs many forward passes is a stepper: Step() does a
// bounded slice of work (a batch of images, or one map), partial results
// can be read between Steps, and a plain function runs it to completion.
// Probabilities are softmax probabilities of the target class.
package metrics
