// Package attribution computes attribution maps: for one input image and one
// class, how much each region of the image (or each unit of a layer) pushed
// the network towards that class. It holds the numbers only; rendering them
// in colour is another package's job.
//
// # Two families
//
// Class activation maps (CAMs) work on a convolutional layer's output
// A [C, H, W] (a conv, ReLU or pooling layer, chosen by index; LayerIndex
// resolves a name) and return a map [H, W] at that layer's resolution,
// usually Σ_c w_c·A_c for per-channel weights w_c that each method finds its
// own way:
//
//   - CAM (Zhou et al. 2016): the dense weights of a model that ends in
//     global average pooling and one dense layer.
//   - Grad-CAM (Selvaraju et al. 2017): the spatial mean of the gradient of
//     the class logit with respect to A_c.
//   - Grad-CAM++ (Chattopadhay et al. 2018), XGrad-CAM (Fu et al. 2020):
//     other weightings of the same gradient.
//   - HiResCAM (Draelos and Carin 2020) and LayerCAM (Jiang et al. 2021):
//     elementwise gradient × activation instead of one weight per channel.
//   - Eigen-CAM (Muhammad and Yeasin 2020): the first principal component
//     of the activations; no class, no gradient.
//   - Score-CAM (Wang et al. 2020) and Ablation-CAM (Desai and Ramaswamy
//     2020): weights from extra forward passes with the input masked by
//     each channel, or with each channel zeroed. These are steppers.
//
// Upsample brings a CAM to the input size for overlays.
//
// Gradient methods return [C, H, W] at the input's resolution: vanilla
// saliency (Simonyan et al. 2014), gradient × input, guided
// backpropagation (Springenberg et al. 2015), deconvnet (Zeiler and Fergus
// 2014), guided Grad-CAM, and the steppers integrated gradients
// (Sundararajan et al. 2017), SmoothGrad (Smilkov et al. 2017) and
// occlusion sensitivity (Zeiler and Fergus 2014).
//
// # Raw numbers
//
// Every method returns RAW float32 values: signed and unnormalized, without
// the ReLU that most CAM papers apply last. Post applies ReLU, absolute
// value and normalization (none, min-max, max-abs) as separate display
// options, so an "honest mode" can show the signed values that the method
// really produced. No method returns NaN or ±Inf: constant inputs,
// all-zero gradients and single-channel layers give finite (often all-zero)
// maps.
//
// The target of every class-specific method is the class LOGIT (the score
// before softmax), as in the Grad-CAM paper; Score-CAM and the metrics use
// the softmax probability, as their papers do.
//
// # How gradients are taken
//
// Methods read the model's weights through a view that holds them as
// constants (they never touch the model's parameter gradients, and guided
// backpropagation sets the ReLU rule on the view, not on the model). The
// gradient with respect to a layer's output comes from running the bottom of
// the network without a graph, making that output a leaf and rerunning the
// top with ForwardFrom: one Backward then fills exactly the gradient needed.
//
// # Steppers
//
// Methods that need many passes (Score-CAM, Ablation-CAM, integrated
// gradients, SmoothGrad, occlusion) are steppers: New... returns a value
// whose Step() does a bounded amount of work (Batch images through one
// batched pass) and reports whether it is done; Progress and the partial
// result can be read between Steps. A plain function of the same name runs
// one to completion. A stepper reads the model's weights as it runs: do not
// train the model until it is done.
//
// The metrics (deletion and insertion curves, average drop, pointing game,
// sanity checks) live in package metrics below this one.
package attribution
