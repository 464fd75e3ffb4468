// Package render turns numbers into pictures: pure functions from slices of
// float32 or float64 to *image.RGBA, using only the standard library, so that
// every view of the app draws the same pixels natively, in tests and in the
// browser. The wasm shell only uploads what these functions return.
//
// The pieces are:
//
//   - Colormaps (Colormap.At maps t in [0, 1] to a colour): Viridis, the
//     perceptually uniform sequential map of van der Walt and Smith (2015,
//     matplotlib), built here from 11 of its published control points with
//     linear interpolation in sRGB; Diverging, a blue-white-red map for signed
//     values (ColorBrewer's RdBu, Brewer 2002, reversed so that red is
//     positive), white exactly at the centre; and Grey. Categorical holds ten
//     distinct colours for class labels (the Tableau 10 palette).
//   - Scales (Scale) map a value to t: min/max for non-negative data and
//     symmetric max-abs scaling for signed data, so that 0 stays white on a
//     diverging map. Fit and PerChannel build them per layer, per channel, or
//     over several layers at once (a global scale).
//   - Renderers: Heatmap (one map, nearest-neighbour upscaling by an integer
//     cell), Grid (many small maps with a gap, one scale per tile or shared),
//     ColorBar (with tick labels in a built-in 5×7 bitmap font, so real values
//     appear), Overlay (an attribution map upsampled, nearest or bilinear, and
//     alpha-blended over a grey input), Bars (class probabilities), Histogram,
//     LineChart (small curves such as loss or sparsity against depth) and
//     Scatter (t-SNE embeddings, a disc per point coloured by label).
//
// Every renderer is deterministic: the golden tests in this package compare
// their output pixel by pixel with PNG files in testdata/ (regenerate them
// with go test ./core/render -update after checking the change by eye).
package render
