// Package tensor holds dense float32 N-d arrays and the numeric kernels the
// rest of cnnviz is built on: matrix multiplication, im2col/col2im,
// convolution, pooling and reductions.
//
// The kernels work on plain slices with explicit sizes, so that a faster
// implementation (blocked, SIMD) can replace a slower one without touching
// the autograd and layer code above. Nothing here keeps state or builds a
// graph.
//
// Shapes follow PyTorch: images are [N, C, H, W], convolution weights are
// [OutC, InC, KH, KW] and dense weights are [Out, In]. Misuse (wrong sizes,
// short slices) is a programming error and panics with the shapes in the
// message.
package tensor
