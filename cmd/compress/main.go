// Command compress writes precompressed copies of the site's large files,
// as static hosts serve them: for each file named on the command line,
// file.gz (gzip, best compression) and file.br (Brotli) beside it.
//
//	go run ./cmd/compress web/cnnviz.wasm web/cnnviz-scalar.wasm
//
// A copy that is already newer than its file is left alone. cmd/serve (and
// any host that serves precompressed files) sends a copy to a browser that
// accepts its encoding.
package main

import (
	"compress/gzip"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"

	"github.com/andybalholm/brotli"
)

func main() {
	quality := flag.Int("br", 9, "Brotli quality, 0 to 11 (11 compresses best and slowest); -1 writes no .br files")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("compress: ")
	if *quality > brotli.BestCompression {
		log.Fatalf("-br %d is above %d, the highest quality", *quality, brotli.BestCompression)
	}
	for _, name := range flag.Args() {
		written, err := compress(name, *quality)
		if err != nil {
			log.Fatal(err)
		}
		for _, w := range written {
			fmt.Println(w)
		}
	}
}

// compress writes name.gz and, unless quality is negative, name.br, each
// unless it is newer than name already. It returns a line for each file
// it wrote: its name and its size beside the original's.
func compress(name string, quality int) ([]string, error) {
	src, err := os.Stat(name)
	if err != nil {
		return nil, err
	}
	if !src.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a file", name)
	}
	type form struct {
		suffix string
		writer func(io.Writer) (io.WriteCloser, error)
	}
	forms := []form{{".gz", func(w io.Writer) (io.WriteCloser, error) {
		return gzip.NewWriterLevel(w, gzip.BestCompression)
	}}}
	if quality >= 0 {
		forms = append(forms, form{".br", func(w io.Writer) (io.WriteCloser, error) {
			// A 16 MB window lets Brotli find repeats anywhere in a
			// large program.
			return brotli.NewWriterOptions(w, brotli.WriterOptions{Quality: quality, LGWin: 24}), nil
		}})
	}
	var written []string
	for _, f := range forms {
		out := name + f.suffix
		if fi, err := os.Stat(out); err == nil && fi.ModTime().After(src.ModTime()) {
			continue
		}
		n, err := write(name, out, f.writer)
		if err != nil {
			return written, err
		}
		written = append(written, fmt.Sprintf("%s: %d bytes (%.0f%% of %d)", out, n, 100*float64(n)/float64(src.Size()), src.Size()))
	}
	return written, nil
}

// write compresses the file src into the file dst through a writer that
// newWriter makes, by way of a temporary file, so that a server never sees
// half a copy. It returns the size of dst.
func write(src, dst string, newWriter func(io.Writer) (io.WriteCloser, error)) (int64, error) {
	in, err := os.Open(src)
	if err != nil {
		return 0, err
	}
	defer in.Close()
	tmp, err := os.CreateTemp(filepath.Dir(dst), filepath.Base(dst)+".*.tmp")
	if err != nil {
		return 0, err
	}
	defer os.Remove(tmp.Name()) // fails harmlessly after the rename
	zw, err := newWriter(tmp)
	if err != nil {
		tmp.Close()
		return 0, err
	}
	_, err = io.Copy(zw, in)
	if cerr := zw.Close(); err == nil {
		err = cerr
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, fmt.Errorf("compressing %s: %v", src, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return 0, err
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return 0, err
	}
	fi, err := os.Stat(dst)
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}
