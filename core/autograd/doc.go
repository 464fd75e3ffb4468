// Package autograd is cnnviz's reverse-mode automatic differentiation.
//
// A Var holds a value and, after Backward, the gradient of a chosen scalar
// with respect to it. Every op computes its result and, right beside it,
// defines the closure that pushes the result's gradient back to its
// operands. Backward orders the graph topologically and runs those closures
// in reverse; gradients accumulate, so parameters are zeroed between steps.
//
// Gradients reach every Var that requires one: parameters, the input (when
// it was made with New) and every intermediate result computed from them.
// That is what visualizations need: d(logit)/d(input) for saliency and
// d(logit)/d(feature map) for Grad-CAM come from one Backward.
//
// The numeric work is delegated to package tensor; ops here only check
// shapes, allocate results and wire up the graph. Shape misuse panics with
// the shapes in the message.
package autograd
