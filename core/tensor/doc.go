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
//
// # How the kernels are built
//
// Almost all the arithmetic of a CNN is matrix multiplication (GEMM).
// Convolution becomes one by "im2col" (Chellapilla, Puri and Simard, 2006):
// every window of the input is copied into a column of a matrix, and the
// weights, one row per output channel, multiply that matrix. The backward
// pass is two more GEMMs, one for the weight gradient and one, followed by
// col2im (the adjoint of im2col), for the input gradient.
//
// Gemm follows the design of fast BLAS libraries (Goto and van de Geijn,
// 2008): both operands are copied ("packed") into small panels laid out in
// the order a micro-kernel reads them, and the micro-kernel keeps a small
// tile of the result in registers while it walks the shared dimension.
// Packing also absorbs transposes and zero-fills ragged edges, so the
// micro-kernel only sees full tiles.
//
// Three builds pick their kernels in one place each (gemm_native.go,
// gemm_wasm.go, gemm_simd_wasm.go):
//
//   - native (the trainer, the tests): gonum's Sgemm, with assembly loops;
//   - WebAssembly without GOEXPERIMENT=simd: gemmPortable, a 4×4 scalar
//     micro-kernel. It is the reference the others are tested against;
//   - WebAssembly with GOEXPERIMENT=simd (Go 1.27's simd/archsimd, 128-bit
//     WebAssembly SIMD; what the site ships): a 4×8 micro-kernel on
//     Float32x4 vectors, about three times the scalar speed.
//
// Convolution has one entry point for everything above it (autograd's
// Conv2D and nn.Plan alike): ConvForward and ConvBackward. They take the
// caller's scratch (ConvScratch values), or borrow it from a sync.Pool
// when given nil, so repeated calls on the same shapes do not allocate.
// ConvForward fuses the bias and an optional ReLU into the convolution.
// With WebAssembly SIMD a stride-1 convolution is a direct convolution:
// the 4×8 tile reads the input straight from a zero-padded copy of the
// image instead of an im2col matrix ("implicit GEMM", as in cuDNN,
// Chetlur et al., 2014), starts from the bias and is stored once, with
// the shipped models' 3×3 and 5×5 kernels unrolled; the input gradient is
// the same kernel applied to the output gradient with flipped weights.
// Other builds and strides use im2col and GEMM. In Go's WebAssembly every
// loop iteration and every branch jumps through the function's dispatch
// table, so cutting iterations (unrolling, tiles that overlap at a row's
// end instead of ragged ones, SIMD over sixteen values) pays more there
// than it would natively.
//
// The other kernels that work in the caller's memory and never allocate
// (workspace.go: GemmTo, ReLU, ReLUBackward, Dot, Axpy) serve nn.Plan,
// which owns every buffer of a network; Gemm itself borrows its packing
// buffers from the pool. Softmax, LogSoftmax and CrossEntropyRows are the
// classifier's output and loss on plain rows of logits.
package tensor
