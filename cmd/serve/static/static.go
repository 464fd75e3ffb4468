// Package static serves a folder as a static web site the way common static
// hosts do with precompressed files: when a request for name accepts an
// encoding and the folder holds name.br (Brotli) or name.gz (gzip) no older
// than name, that file is sent with Content-Encoding, the Content-Type of
// name, and Vary: Accept-Encoding. Otherwise name itself is sent. Range and
// HEAD requests, conditional requests and directory index pages work as in
// net/http's FileServer; a range counts in the bytes that are sent.
//
// cmd/serve and the browser tests (web/harness_test.go) both serve the site
// through Handler.
package static

import (
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
)

// An encoding is a precompressed form of a file: its Content-Encoding token
// and the suffix of its file name.
type encoding struct {
	token, suffix string
}

// encodings are tried in this order: Brotli is the smaller.
var encodings = []encoding{
	{"br", ".br"},
	{"gzip", ".gz"},
}

// Handler returns a handler that serves the files of root. .wasm files get
// the MIME type application/wasm, which WebAssembly streaming compilation
// requires.
func Handler(root http.FileSystem) http.Handler {
	return &handler{root: root, files: http.FileServer(root)}
}

type handler struct {
	root  http.FileSystem
	files http.Handler
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Path
	if !strings.HasPrefix(name, "/") {
		name = "/" + name
	}
	name = path.Clean(name)
	ctype := contentType(name)
	if ctype != "" {
		w.Header().Set("Content-Type", ctype)
	}
	if (r.Method == http.MethodGet || r.Method == http.MethodHead) && !strings.HasSuffix(r.URL.Path, "/") {
		if h.serveEncoded(w, r, name) {
			return
		}
	}
	h.files.ServeHTTP(w, r)
}

// serveEncoded sends a precompressed copy of name if one fits the request,
// and reports whether it did. It sets Vary whenever name has a
// precompressed copy, so that caches keep the forms apart.
func (h *handler) serveEncoded(w http.ResponseWriter, r *http.Request, name string) bool {
	orig, err := h.stat(name)
	if err != nil || orig.IsDir() {
		return false
	}
	accepted := acceptedEncodings(r.Header.Get("Accept-Encoding"))
	varies := false
	for _, e := range encodings {
		f, err := h.root.Open(name + e.suffix)
		if err != nil {
			continue
		}
		fi, err := f.Stat()
		// A copy older than the file is stale (the file was rebuilt
		// and not compressed again): it is not used.
		if err != nil || !fi.Mode().IsRegular() || fi.ModTime().Before(orig.ModTime()) {
			f.Close()
			continue
		}
		varies = true
		if !accepted[e.token] {
			f.Close()
			continue
		}
		defer f.Close()
		hd := w.Header()
		hd.Add("Vary", "Accept-Encoding")
		if hd.Get("Content-Type") == "" {
			// Without it, ServeContent would sniff the compressed bytes.
			hd.Set("Content-Type", "application/octet-stream")
		}
		// ServeContent leaves Content-Length out when it finds a
		// Content-Encoding, so the encoding is added only as the
		// headers go out.
		http.ServeContent(&encodedWriter{ResponseWriter: w, token: e.token}, r, name, fi.ModTime(), f)
		return true
	}
	if varies {
		w.Header().Add("Vary", "Accept-Encoding")
	}
	return false
}

// encodedWriter adds Content-Encoding to a successful response.
type encodedWriter struct {
	http.ResponseWriter
	token       string
	wroteHeader bool
}

func (w *encodedWriter) WriteHeader(code int) {
	if !w.wroteHeader && (code == http.StatusOK || code == http.StatusPartialContent) {
		w.Header().Set("Content-Encoding", w.token)
	}
	w.wroteHeader = true
	w.ResponseWriter.WriteHeader(code)
}

func (w *encodedWriter) Write(b []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

func (h *handler) stat(name string) (fs.FileInfo, error) {
	f, err := h.root.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.Stat()
}

// contentType returns the MIME type of a file by its name, or "" when the
// name does not tell.
func contentType(name string) string {
	ext := path.Ext(name)
	if ext == ".wasm" {
		return "application/wasm"
	}
	if ext == "" {
		return ""
	}
	return mime.TypeByExtension(ext)
}

// acceptedEncodings returns the content codings that an Accept-Encoding
// header accepts (RFC 9110, section 12.5.3): those listed with a weight
// above zero, and, through "*", those of encodings it does not list.
func acceptedEncodings(header string) map[string]bool {
	listed := map[string]bool{}
	accepted := map[string]bool{}
	star := false
	for _, item := range strings.Split(header, ",") {
		token, params, _ := strings.Cut(item, ";")
		token = strings.ToLower(strings.TrimSpace(token))
		if token == "" {
			continue
		}
		ok := weight(params) > 0
		if token == "*" {
			star = ok
			continue
		}
		listed[token] = true
		if ok {
			accepted[token] = true
		}
	}
	if star {
		for _, e := range encodings {
			if !listed[e.token] {
				accepted[e.token] = true
			}
		}
	}
	return accepted
}

// weight returns the q value in the parameters of an Accept-Encoding
// item: 1 when there is none, 0 when it cannot be read.
func weight(params string) float64 {
	for _, p := range strings.Split(params, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "q") {
			continue
		}
		q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || q < 0 {
			return 0
		}
		return q
	}
	return 1
}
