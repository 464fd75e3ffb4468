//go:build browser

package web

import (
	"compress/zlib"
	"encoding/base64"
	"io"
)

func zlibWriter(w io.Writer) (*zlib.Writer, error) {
	return zlib.NewWriterLevel(w, zlib.BestCompression)
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
