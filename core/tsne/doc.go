// Package tsne embeds high-dimensional points in the plane with t-SNE,
// t-distributed stochastic neighbour embedding (van der Maaten & Hinton
// 2008), as a stepper that can be animated in a browser tab without ever
// blocking it.
//
// # The method
//
// t-SNE turns distances into probabilities twice and moves 2-D points until
// the two sets of probabilities agree.
//
// In the input space, point i picks neighbour j with probability
// p_j|i ∝ exp(−β_i·|x_i − x_j|²). The precision β_i is found per point by
// binary search (with Newton steps) so that the entropy of p_·|i equals
// log(Perplexity): the perplexity is the effective number of neighbours,
// and the search makes dense and sparse regions count the same. The
// symmetric P has p_ij = (p_j|i + p_i|j)/(2n) and sums to 1.
//
// In the plane, q_ij = w_ij/Z with the heavy-tailed Student-t kernel
// w_ij = 1/(1+|y_i − y_j|²) and Z = Σ_{k≠l} w_kl. The positions y minimize
// KL(P‖Q) = Σ p_ij log(p_ij/q_ij) by gradient descent, with gradient
//
//	∂KL/∂y_i = 4 Σ_j (p_ij − q_ij)·w_ij·(y_i − y_j)
//	         = 4 (Σ_j p_ij·w_ij·(y_i − y_j) − (1/Z)·Σ_j w_ij²·(y_i − y_j)),
//
// an attraction along the edges of P and a repulsion between all pairs.
// The optimizer is the usual one: momentum 0.5 then 0.8, per-coordinate
// gains (delta-bar-delta, Jacobs 1988: +0.2 when the gradient's sign
// disagrees with the last update, ×0.8 otherwise, at least 0.01), and P
// multiplied by EarlyExaggeration for the first ExaggerationIters
// iterations so that clusters form before they spread. The automatic
// learning rate max(n/EarlyExaggeration/4, 50) follows scikit-learn (Belkina
// et al. 2019; Linderman & Steinerberger 2019), whose gradient, like this
// one, includes the factor 4. Initialization is PCA scaled so the first
// coordinate has standard deviation 1e-4, as in openTSNE (Poličar, Stražar
// & Zupan 2019; Kobak & Linderman 2021), or seeded Gaussian noise.
//
// # Exact and Barnes–Hut
//
// With Theta = 0 everything is exact: P over all pairs and the O(n²)
// gradient, each pair visited once. This suits a few thousand points.
//
// With Theta > 0 (0.5 in DefaultOptions) the method is van der Maaten's
// Barnes–Hut t-SNE (2014): P is sparse, built only over each point's
// k = 3·Perplexity nearest neighbours found with a vantage-point tree
// (Yianilos 1993, see KNN), and the repulsion comes from a quadtree over
// the embedding, rebuilt each iteration, where a cell whose side is below
// θ times its distance to the point is replaced by its centre of mass
// (Barnes & Hut 1986). The Barnes–Hut Z is an estimate, so KL() is too.
// Inputs with more than PCADims (50) features are first reduced by PCA
// (package cnnviz/core/pca).
//
// The interpolation-and-FFT method of FIt-SNE (Linderman et al. 2019) was
// tried for the repulsion and dropped: at the grid sizes affordable under
// WebAssembly it was slower than Barnes–Hut with gonum's FFT and its
// repulsion error, y_i·φ2 − φ3 being a difference of large terms, reached
// several percent.
//
// # Stepping
//
// Go's js/wasm has one thread, so all work is cut into slices: Step does at
// most Options.Budget work units (a unit is weighted to be roughly a
// nanosecond of native work) and then returns; it only overruns by the one
// item it is in the middle of. The items, in order, are:
//
//   - PCA (when d > PCADims): a row of the mean, covariance or projection,
//     a block of the subspace iteration (see package pca);
//   - initialization: a PCA to 2 components of the input when it was not
//     reduced already;
//   - Theta = 0: one row of distances and its perplexity calibration, then
//     the symmetrization (n² units);
//   - Theta > 0: one range of the vantage-point tree build or one
//     neighbour query, one point's calibration, one row of the
//     symmetrization;
//   - each iteration: the quadtree build (about 3·n·depth units), then one
//     point's forces (Barnes–Hut) or one row of pairs (exact), then the
//     update (n points).
//
// A Step therefore returns within its budget plus one item; the tests
// count the units of every Step against that bound. Progress is readable
// between Steps: Phase, Iteration, Positions and KL. Run and Embed are the
// plain run-to-completion forms and give bit-identical results, because the
// order of every floating-point operation is the same however the work is
// sliced.
//
// # Measuring an embedding
//
// NeighborPreservation (how many of each point's k nearest input-space
// neighbours stay among its k nearest in the embedding) and OneNNAccuracy
// (leave-one-out 1-nearest-neighbour classification) score an embedding;
// both also accept raw high-dimensional data, for comparing layers.
// Package synth generates small teaching data sets.
package tsne
