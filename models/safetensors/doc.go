// Package safetensors reads and writes weight files in the safetensors format,
// restricted to little-endian float32 (dtype "F32") and half-precision
// (dtype "F16", widened to float32 when read) tensors.
//
// A file is an 8-byte little-endian uint64 header length N, then N bytes of
// JSON header, then the raw data buffer. The header maps each tensor name to
//
//	{"dtype": "F32", "shape": [d0, d1, ...], "data_offsets": [begin, end]}
//
// with offsets relative to the start of the data buffer, plus an optional
// "__metadata__" entry mapping strings to strings (cnnviz stores the model
// architecture there).
//
// Decode treats its input as untrusted: it checks the header length, the JSON
// structure, duplicate keys, every dtype, shape and byte range, and requires
// the tensors to cover the data buffer contiguously, as the reference
// implementation does. It returns a *FormatError that first says in user
// words what is wrong with the file (empty, cut short, not a safetensors
// file, damaged), then names the first problem and the tensor it concerns;
// it never panics, and allocates no more than the input's
// size justifies. Encode writes deterministic bytes in the reference layout,
// and Decode(Encode(f)) reproduces f bit for bit (for F16 tensors, when
// their values are halves).
package safetensors
