// Package pca computes principal component analysis (Pearson 1901, Hotelling
// 1933) as a stepper, so that reducing thousands of high-dimensional points
// never blocks the browser's single thread.
//
// PCA finds the orthogonal directions along which centred data varies most:
// the eigenvectors of the covariance matrix C = XᵀX/(n−1) of the centred
// n×d data X, ordered by eigenvalue (the variance along that direction).
// Projecting onto the first k of them (the scores) keeps as much variance as
// any k-dimensional linear map can. t-SNE uses it twice: to reduce inputs to
// 50 dimensions before the neighbour search, and to place the initial 2-D
// layout.
//
// The work is split into phases, each done in bounded slices by Step:
//
//  1. the mean, one row at a time;
//  2. the upper triangle of C, accumulated a few rows at a time (d²/2
//     multiply-adds per row);
//  3. the eigenvectors: for d <= DirectMaxDim a single dense symmetric
//     eigendecomposition (gonum mat.EigenSym); for larger d, subspace
//     iteration on C (Rutishauser 1969; see also Halko, Martinsson & Tropp
//     2011): Z ← orth(C·Q) with k+10 columns, C·Q computed a few rows per
//     Step and the orthonormalization by gonum's QR, followed by a
//     Rayleigh–Ritz step (gonum EigenSym of the small projected matrix),
//     until the top-k Ritz values settle to Tol (at most 100 passes);
//  4. the scores, a few rows at a time.
//
// Each component's sign is fixed so that its largest-magnitude coordinate is
// positive, which makes the result deterministic.
package pca
