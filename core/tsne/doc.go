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
// # Exact, Barnes–Hut and FFT
//
// Options.Method picks how the gradient is computed. The automatic choice
// (Method "") keeps the historical meaning of Theta: Theta = 0 is exact;
// otherwise Barnes–Hut below AutoFFTPoints points and the FFT method from
// there, the sizes where each is faster under WebAssembly.
//
// "exact": P over all pairs and the O(n²) gradient, each pair visited
// once. This suits a few thousand points.
//
// "bh" (Theta = 0.5 in DefaultOptions) is van der Maaten's Barnes–Hut
// t-SNE (2014): P is sparse, built only over each point's k = 3·Perplexity
// nearest neighbours found with a vantage-point tree (Yianilos 1993, see
// KNN) or, from BlockKNNPoints points, by a blocked brute-force search
// whose distances come from a float32 matrix product and are then made
// exact (the same neighbours, bit for bit), and the repulsion comes from a quadtree over the embedding, rebuilt
// each iteration, where a cell whose side is below θ times its distance to
// the point is replaced by its centre of mass (Barnes & Hut 1986). The
// Barnes–Hut Z is an estimate, so KL() is too. Inputs with more than
// PCADims (50) features are first reduced by PCA (package cnnviz/core/pca).
//
// "fft" has the same sparse P and exact attraction, and computes the
// repulsion and Z by interpolation on a regular grid and FFT convolution,
// the method of FIt-SNE (Linderman, Rachh, Hoskins, Steinerberger & Kluger
// 2019). Each iteration:
//
//  1. A grid of nodes with spacing h covers the bounding box of the
//     embedding (with margins). h is 0.35 while the box is between 64 and
//     128 nodes wide; smaller boxes get 64 nodes, larger ones at most 128
//     (plus up to 25% kept from an earlier grid), so the spacing then grows
//     with the extent. h moves on a ladder of ratio 2^(1/8), and a grid is
//     kept while the points fit, so the kernels below are transformed
//     again only every few percent of growth.
//  2. Each point spreads a unit charge to the 4×4 nodes nearest to it with
//     the weights of Lagrange interpolation (products of 1-D cubic Lagrange
//     weights in x and y).
//  3. The node potentials φ(g_a) = Σ_b K(g_a − g_b)·c_b are a discrete 2-D
//     convolution: the n_x×n_y grid is zero-padded to 2n_x×2n_y, the
//     kernel sampled at all node offsets is laid out circulantly, and the
//     convolution is a product of spectra (real FFTs along x, complex FFTs
//     along y, gonum's dsp/fourier). Lengths are products of 2, 3 and 5.
//  4. Each point reads its force back from the potentials of its 16 nodes
//     with the same weights.
//
// This package convolves with the difference kernels themselves,
// K_x(d) = d_x/(1+|d|²)² and K_y(d) = d_y/(1+|d|²)², whose sums are the
// repulsion Σ_j w_ij²·(y_i − y_j) directly. The paper instead convolves
// the kernel 1/(1+|d|²)² with the charges 1, y_x, y_y and forms
// y_i·φ_1 − φ_y; with the difference kernels there is no such subtraction
// of large terms (an earlier trial here lost several percent to it), one
// charge spectrum serves all kernels, and three transforms replace eight.
// Z = Σ_{i≠j} w_ij is cᵀ·K·c with K(d) = 1/(1+|d|²), read from the charge
// spectrum by Parseval's identity without an inverse transform, minus each
// point's interpolated interaction with itself. The stencils are centred
// on the point rather than fixed per interval as in the paper: at equal
// grid size the error is smaller.
//
// The error comes from the grid: the kernels vary on a scale of one unit,
// so it depends on h. On random clustered layouts of 2,000 points
// (TestFFTRepulsionApproachesExact) the repulsion is within 2e-4 of the
// exact one below h = 0.15, 0.5% at h = 0.35, 2.7% at h = 0.45 and about
// 40% at h = 1.2, and Z within 1e-4 until h = 0.45. Real t-SNE layouts
// are denser: a 10,000-point run with an extent of 100 (h = 0.83 at the
// 128-node cap) has about 6% repulsion error, against 1.4% for Barnes–Hut
// with θ = 0.5. The cap is what keeps an iteration under 50 ms in the
// browser; long runs that spread wider lose accuracy.
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
//   - Theta > 0: one distance of the vantage-point tree build or of a
//     neighbour query (both resume where they stopped), or, for the
//     blocked search, one row of its preparation, one chunk of a block's
//     matrix product, one row's choice of candidates and one exact
//     distance; one point's
//     calibration, one row of the symmetrization (which keeps only the
//     upper triangle of P: each symmetric pair is stored and visited once);
//   - each iteration: the quadtree build (about 3·n·depth units), then one
//     point's repulsion (Barnes–Hut) or one row of pairs (exact), one row
//     of the sparse attraction, one row of the KL when Options.KLEvery asks
//     for it, then the update (n points);
//   - with the FFT method, the grid choice (n points), one point's
//     spreading, one 1-D transform of a row or column of the grid (the
//     kernels' transforms too, when the grid changed), one point's forces.
//
// A Step therefore returns within its budget plus one item; the tests
// count the units of every Step against that bound, and at 10,000 points
// no item exceeds twice the default budget (TestStepsStayNearBudget_10000). Progress is readable
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
