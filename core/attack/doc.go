// Package attack finds adversarial examples: small changes to an image
// that change a network's prediction, and images from noise that the
// network classifies with confidence.
//
//   - FGSM (Goodfellow, Shlens and Szegedy 2015): one step of size Eps
//     along the sign of the loss gradient.
//   - PGD (Madry et al. 2018): many such steps of size Alpha, each
//     projected back into the L∞ or L2 ball of radius Eps around the
//     image and into the [0,1] box, optionally from a seeded random start.
//   - DeepFool (Moosavi-Dezfooli, Fawzi and Frossard 2016): moves to the
//     nearest class boundary of the network's local linearization, again
//     and again, until the label changes; the result has a small L2 norm.
//   - OnePixel (Su, Vargas and Sakurai 2019): a black-box attack that
//     changes one pixel, searched by differential evolution with forward
//     passes only.
//   - Fooling (Nguyen, Yosinski and Clune 2015): gradient ascent on a
//     target class's log-probability from seeded noise, with no ball.
//
// FGSM, PGD and fooling images step through core/inputopt, the optimizer
// that activation maximization uses too: the only difference between a
// class model and a targeted attack is the ball the engine projects into.
//
// Every method is a stepper (Run.Step does a bounded amount of work, one
// forward and backward pass or a few forward passes) so that a page can
// run it within its frame budget. Curve measures accuracy against
// attacks of growing radius over a set of images, also as a stepper.
// Networks run through nn.Plan, which allocates nothing per step.
package attack
