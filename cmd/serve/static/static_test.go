package static

import (
	"bytes"
	"compress/gzip"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
)

// site writes a small site into a temporary folder: a program with both
// precompressed copies, a style sheet with a gzip copy only, a script whose
// gzip copy is stale, and a page without copies. It returns the folder and
// the program's bytes.
func site(t *testing.T) (string, []byte) {
	t.Helper()
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(1, 2))
	// Compressible but not trivially: random bytes from a small alphabet.
	prog := []byte("\x00asm\x01\x00\x00\x00")
	for range 20000 {
		prog = append(prog, "abcdefgh"[rng.IntN(8)])
	}
	write := func(name string, b []byte, mod time.Time) {
		t.Helper()
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mod, mod); err != nil {
			t.Fatal(err)
		}
	}
	built := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	later := built.Add(time.Minute)
	write("index.html", []byte("<!doctype html><title>t</title>"), built)
	write("web/app.wasm", prog, built)
	write("web/app.wasm.gz", gzipped(t, prog), later)
	write("web/app.wasm.br", brotlied(t, prog), later)
	css := []byte(strings.Repeat("body{color:red}\n", 100))
	write("web/style.css", css, built)
	write("web/style.css.gz", gzipped(t, css), built)
	js := []byte(strings.Repeat("var x = 1;\n", 100))
	write("web/old.js", js, later)
	write("web/old.js.gz", gzipped(t, []byte("stale")), built)
	return dir, prog
}

func gzipped(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func brotlied(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	bw := brotli.NewWriter(&buf)
	bw.Write(b)
	if err := bw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// decode undoes a Content-Encoding.
func decode(t *testing.T, encoding string, b []byte) []byte {
	t.Helper()
	var r io.Reader
	switch encoding {
	case "":
		return b
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("gzip body: %v", err)
		}
		r = zr
	case "br":
		r = brotli.NewReader(bytes.NewReader(b))
	default:
		t.Fatalf("unknown Content-Encoding %q", encoding)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("%s body: %v", encoding, err)
	}
	return out
}

// get sends a request with the given Accept-Encoding (and Range, if not
// empty) through a client that leaves the body as sent.
func get(t *testing.T, method, url, accept, rng string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if accept != "" {
		req.Header.Set("Accept-Encoding", accept)
	}
	if rng != "" {
		req.Header.Set("Range", rng)
	}
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func TestHandlerNegotiates(t *testing.T) {
	dir, prog := site(t)
	srv := httptest.NewServer(Handler(http.Dir(dir)))
	defer srv.Close()
	css, _ := os.ReadFile(filepath.Join(dir, "web/style.css"))
	js, _ := os.ReadFile(filepath.Join(dir, "web/old.js"))
	index, _ := os.ReadFile(filepath.Join(dir, "index.html"))

	tests := []struct {
		name, path, accept string
		wantEncoding       string
		wantType           string
		wantVary           bool
		want               []byte
	}{
		{"gzip", "/web/app.wasm", "gzip", "gzip", "application/wasm", true, prog},
		{"br preferred", "/web/app.wasm", "gzip, deflate, br, zstd", "br", "application/wasm", true, prog},
		{"br only", "/web/app.wasm", "br", "br", "application/wasm", true, prog},
		{"nothing accepted", "/web/app.wasm", "", "", "application/wasm", true, prog},
		{"identity", "/web/app.wasm", "identity", "", "application/wasm", true, prog},
		{"refused by weight", "/web/app.wasm", "gzip;q=0, br;q=0", "", "application/wasm", true, prog},
		{"weights", "/web/app.wasm", "br;q=0, gzip;q=0.5", "gzip", "application/wasm", true, prog},
		{"star", "/web/app.wasm", "*", "br", "application/wasm", true, prog},
		{"star without br", "/web/app.wasm", "br;q=0, *", "gzip", "application/wasm", true, prog},
		{"upper case", "/web/app.wasm", "GZIP", "gzip", "application/wasm", true, prog},
		{"gzip copy only", "/web/style.css", "br, gzip", "gzip", "text/css; charset=utf-8", true, css},
		{"no gzip copy for br", "/web/style.css", "br", "", "text/css; charset=utf-8", true, css},
		{"stale copy", "/web/old.js", "gzip", "", "text/javascript; charset=utf-8", false, js},
		{"no copies", "/", "gzip, br", "", "text/html; charset=utf-8", false, index},
		{"the copy itself", "/web/app.wasm.gz", "gzip, br", "", "", false, gzipped(t, prog)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := get(t, http.MethodGet, srv.URL+tt.path, tt.accept, "")
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: status %d, want 200", tt.path, resp.StatusCode)
			}
			if got := resp.Header.Get("Content-Encoding"); got != tt.wantEncoding {
				t.Errorf("GET %s (Accept-Encoding %q): Content-Encoding %q, want %q", tt.path, tt.accept, got, tt.wantEncoding)
			}
			if got := resp.Header.Get("Content-Type"); tt.wantType != "" && got != tt.wantType {
				t.Errorf("GET %s: Content-Type %q, want %q", tt.path, got, tt.wantType)
			}
			if got := resp.Header.Get("Vary") == "Accept-Encoding"; got != tt.wantVary {
				t.Errorf("GET %s: Vary %q, want Accept-Encoding: %v", tt.path, resp.Header.Get("Vary"), tt.wantVary)
			}
			if got, want := resp.Header.Get("Content-Length"), strconv.Itoa(len(body)); got != want {
				t.Errorf("GET %s: Content-Length %s, want %s", tt.path, got, want)
			}
			got := decode(t, resp.Header.Get("Content-Encoding"), body)
			if !bytes.Equal(got, tt.want) {
				t.Errorf("GET %s: decoded body has %d bytes, differs from the file's %d", tt.path, len(got), len(tt.want))
			}
			if tt.wantEncoding != "" && len(body) >= len(tt.want) {
				t.Errorf("GET %s: sent %d bytes for a %d-byte file, want fewer", tt.path, len(body), len(tt.want))
			}
		})
	}
}

func TestHandlerRangeAndHead(t *testing.T) {
	dir, prog := site(t)
	srv := httptest.NewServer(Handler(http.Dir(dir)))
	defer srv.Close()
	gz, _ := os.ReadFile(filepath.Join(dir, "web/app.wasm.gz"))

	// A range counts in the bytes sent: those of the gzip copy.
	resp, body := get(t, http.MethodGet, srv.URL+"/web/app.wasm", "gzip", "bytes=10-29")
	if resp.StatusCode != http.StatusPartialContent {
		t.Fatalf("range: status %d, want 206", resp.StatusCode)
	}
	if got, want := resp.Header.Get("Content-Range"), "bytes 10-29/"+strconv.Itoa(len(gz)); got != want {
		t.Errorf("range: Content-Range %q, want %q", got, want)
	}
	if !bytes.Equal(body, gz[10:30]) || resp.Header.Get("Content-Encoding") != "gzip" {
		t.Errorf("range: body %x (encoding %q), want %x (gzip)", body, resp.Header.Get("Content-Encoding"), gz[10:30])
	}
	// Without gzip, the range is in the file itself.
	resp, body = get(t, http.MethodGet, srv.URL+"/web/app.wasm", "", "bytes=0-3")
	if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(body, prog[:4]) {
		t.Errorf("plain range: status %d, body %q, want 206 and %q", resp.StatusCode, body, prog[:4])
	}
	// A range past the end.
	resp, _ = get(t, http.MethodGet, srv.URL+"/web/app.wasm", "gzip", "bytes="+strconv.Itoa(len(gz)+5)+"-")
	if resp.StatusCode != http.StatusRequestedRangeNotSatisfiable {
		t.Errorf("range past the end: status %d, want 416", resp.StatusCode)
	}

	var lastModified string
	for _, tt := range []struct {
		accept, wantEncoding string
		wantLength           int
	}{
		{"gzip", "gzip", len(gz)},
		{"", "", len(prog)},
	} {
		resp, body := get(t, http.MethodHead, srv.URL+"/web/app.wasm", tt.accept, "")
		if resp.StatusCode != http.StatusOK || len(body) != 0 {
			t.Errorf("HEAD (Accept-Encoding %q): status %d with %d body bytes, want 200 and none", tt.accept, resp.StatusCode, len(body))
		}
		if got := resp.Header.Get("Content-Encoding"); got != tt.wantEncoding {
			t.Errorf("HEAD (Accept-Encoding %q): Content-Encoding %q, want %q", tt.accept, got, tt.wantEncoding)
		}
		if got, want := resp.Header.Get("Content-Length"), strconv.Itoa(tt.wantLength); got != want {
			t.Errorf("HEAD (Accept-Encoding %q): Content-Length %s, want %s", tt.accept, got, want)
		}
		if tt.wantEncoding == "gzip" {
			lastModified = resp.Header.Get("Last-Modified")
		}
	}

	// A conditional request with the copy's time is answered 304.
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/web/app.wasm", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	req.Header.Set("If-Modified-Since", lastModified)
	r2, err := (&http.Client{Transport: &http.Transport{DisableCompression: true}}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r2.Body.Close()
	if r2.StatusCode != http.StatusNotModified {
		t.Errorf("If-Modified-Since: status %d, want 304", r2.StatusCode)
	}
}

func TestHandlerMissing(t *testing.T) {
	dir, _ := site(t)
	srv := httptest.NewServer(Handler(http.Dir(dir)))
	defer srv.Close()
	for _, p := range []string{"/web/missing.wasm", "/web/missing.js", "/../index.html.gz"} {
		resp, _ := get(t, http.MethodGet, srv.URL+p, "gzip, br", "")
		if resp.StatusCode != http.StatusNotFound || resp.Header.Get("Content-Encoding") != "" {
			t.Errorf("GET %s: status %d, Content-Encoding %q, want 404 without encoding", p, resp.StatusCode, resp.Header.Get("Content-Encoding"))
		}
	}
	// A POST is not served from a copy.
	resp, err := http.Post(srv.URL+"/web/app.wasm", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Content-Encoding") != "" {
		t.Errorf("POST: Content-Encoding %q, want none", resp.Header.Get("Content-Encoding"))
	}
}

func TestAcceptedEncodings(t *testing.T) {
	tests := []struct {
		header string
		want   []string
	}{
		{"", nil},
		{"gzip", []string{"gzip"}},
		{"gzip, deflate, br", []string{"br", "deflate", "gzip"}},
		{" br ; q=0.8 , gzip;q=0", []string{"br"}},
		{"br;q=bad", nil},
		{"*", []string{"br", "gzip"}},
		{"*;q=0", nil},
		{"gzip;q=0, *", []string{"br"}},
		{"identity;q=1, *;q=0", []string{"identity"}},
	}
	for _, tt := range tests {
		got := acceptedEncodings(tt.header)
		var names []string
		for _, e := range []string{"br", "deflate", "gzip", "identity"} {
			if got[e] {
				names = append(names, e)
			}
		}
		if !reflect.DeepEqual(names, tt.want) {
			t.Errorf("acceptedEncodings(%q) = %v, want %v", tt.header, names, tt.want)
		}
	}
}
