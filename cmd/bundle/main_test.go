package main

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const testIndex = `<!doctype html>
<html>
<head>
<link rel="stylesheet" href="web/style.css">
</head>
<body>
<script src="web/wasm_exec.js"></script>
<script src="web/loader.js"></script>
</body>
</html>
`

// writeSite writes a small fake site under a temporary folder and returns
// the folder and the data files it holds.
func writeSite(t *testing.T, files map[string][]byte) string {
	t.Helper()
	root := t.TempDir()
	for name, body := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func gzipped(t *testing.T, b []byte) []byte {
	t.Helper()
	z, err := gzipBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	return z
}

func baseSite(t *testing.T) map[string][]byte {
	rng := rand.New(rand.NewPCG(1, 2))
	noise := make([]byte, 4096) // does not compress
	for i := range noise {
		noise[i] = byte(rng.IntN(256))
	}
	return map[string][]byte{
		"index.html":                      []byte(testIndex),
		"web/style.css":                   []byte("body { margin: 0 }\n"),
		"web/wasm_exec.js":                []byte("var Go = function () {};\n"),
		"web/loader.js":                   []byte("console.log('$1 ${x}');\n"),
		"web/cnnviz.wasm":                 append([]byte("\x00asm\x01\x00\x00\x00"), bytes.Repeat([]byte{1, 2, 3, 4}, 1000)...),
		"web/data/t10k-images-idx3-ubyte": bytes.Repeat([]byte{0, 0, 0, 9}, 1000), // plain IDX compresses
		"web/data/t10k-labels-idx1-ubyte": gzipped(t, []byte("labels")),           // gzipped already
		"models/b.safetensors":            noise,
		"models/a.safetensors":            []byte("small"),
	}
}

var blockRE = regexp.MustCompile(`<script type="application/octet-stream" data-path="([^"]+)"( data-gzip="1")?>([^<]*)</script>`)

func TestBundle(t *testing.T) {
	files := baseSite(t)
	root := writeSite(t, files)
	out, err := bundle(root)
	if err != nil {
		t.Fatal(err)
	}
	page := string(out)

	for _, ref := range []string{`href="web/`, `src="web/`, `src=`} {
		if strings.Contains(page, ref) {
			t.Errorf("bundle still refers to a file: %s", ref)
		}
	}
	for _, want := range []string{"<style>\nbody { margin: 0 }\n</style>", "var Go = function () {};", "console.log('$1 ${x}');"} {
		if !strings.Contains(page, want) {
			t.Errorf("bundle lacks %q", want)
		}
	}

	var order []string
	for _, m := range blockRE.FindAllStringSubmatch(page, -1) {
		name, gz, text := m[1], m[2] != "", m[3]
		order = append(order, name)
		b, err := base64.StdEncoding.DecodeString(text)
		if err != nil {
			t.Fatalf("block %s: %v", name, err)
		}
		if gz {
			r, err := gzip.NewReader(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("block %s: %v", name, err)
			}
			if b, err = io.ReadAll(r); err != nil {
				t.Fatalf("block %s: %v", name, err)
			}
		}
		if !bytes.Equal(b, files[name]) {
			t.Errorf("block %s holds %d bytes that differ from the file's %d", name, len(b), len(files[name]))
		}
		wantGzip := name == "web/cnnviz.wasm" || name == "web/data/t10k-images-idx3-ubyte"
		if gz != wantGzip {
			t.Errorf("block %s: gzipped = %v, want %v", name, gz, wantGzip)
		}
	}
	wantOrder := "web/cnnviz.wasm web/data/t10k-images-idx3-ubyte web/data/t10k-labels-idx1-ubyte models/a.safetensors models/b.safetensors"
	if got := strings.Join(order, " "); got != wantOrder {
		t.Errorf("blocks = %s, want %s", got, wantOrder)
	}
	if strings.Index(page, "data-path=") > strings.Index(page, "var Go") {
		t.Errorf("data blocks come after the scripts that read them")
	}
}

func TestBundleErrors(t *testing.T) {
	tests := []struct {
		name    string
		change  func(files map[string][]byte)
		wantErr string
	}{
		{"no wasm", func(f map[string][]byte) { delete(f, "web/cnnviz.wasm") }, "cnnviz.wasm"},
		{"no test images", func(f map[string][]byte) { delete(f, "web/data/t10k-images-idx3-ubyte") }, "t10k-images"},
		{"missing script", func(f map[string][]byte) { delete(f, "web/loader.js") }, "loader.js"},
		{"closing tag in script", func(f map[string][]byte) { f["web/loader.js"] = []byte("s = '</SCRIPT>'") }, "</script"},
		{"comment in style", func(f map[string][]byte) { f["web/style.css"] = []byte("<!-- x -->") }, "<!--"},
		{"no scripts", func(f map[string][]byte) { f["index.html"] = []byte("<html></html>") }, "no <script"},
		{"foreign script", func(f map[string][]byte) {
			f["index.html"] = []byte(strings.Replace(testIndex, "web/loader.js", "https://example.com/x.js", 1))
		}, "not a file of the site"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := baseSite(t)
			tt.change(files)
			_, err := bundle(writeSite(t, files))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("bundle() error = %v, want one mentioning %q", err, tt.wantErr)
			}
		})
	}
}
