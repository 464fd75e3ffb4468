// Command bundle writes the cnnviz site as one self-contained HTML file that
// works when opened from disk (file://), with no server and no network:
//
//	go run ./cmd/bundle -root . -out dist/cnnviz-standalone.html
//
// It reads root/index.html, puts the style sheets and scripts it links to
// inline, and adds the program (web/cnnviz.wasm), the MNIST test set
// (web/data/t10k-*) and any models/*.safetensors as base64 text in
// <script type="application/octet-stream" data-path="..."> blocks placed
// before the first script. web/loader.js reads those blocks in place of
// downloading the files. A file that is not gzipped already is gzipped when
// that makes it at least a tenth smaller, and its block says data-gzip="1".
//
// Run ./build.sh first, so that web/cnnviz.wasm and web/data exist.
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"flag"
	"fmt"
	"html"
	"log"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// dataFiles are the files, relative to the root, that the bundle carries as
// data. Each must exist.
var dataFiles = []string{
	"web/cnnviz.wasm",
	"web/data/t10k-images-idx3-ubyte",
	"web/data/t10k-labels-idx1-ubyte",
}

// optionalData are glob patterns, relative to the root, of more data files
// that the bundle carries if they exist.
var optionalData = []string{
	"models/*.safetensors",
}

var (
	styleLink = regexp.MustCompile(`<link rel="stylesheet" href="([^"]+)">`)
	scriptTag = regexp.MustCompile(`<script src="([^"]+)"></script>`)
)

func main() {
	root := flag.String("root", ".", "folder of the site (the repository root)")
	out := flag.String("out", "dist/cnnviz-standalone.html", "file to write")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("bundle: ")

	page, err := bundle(*root)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(*out), 0o755); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, page, 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("bundle: wrote %s (%.1f MB)\n", *out, float64(len(page))/1e6)
}

// bundle returns the standalone page built from the site under root.
func bundle(root string) ([]byte, error) {
	index, err := os.ReadFile(filepath.Join(root, "index.html"))
	if err != nil {
		return nil, err
	}
	page := string(index)

	// Inline the style sheets and the scripts.
	var inlineErr error
	inline := func(re *regexp.Regexp, tag, closing string) {
		page = re.ReplaceAllStringFunc(page, func(m string) string {
			name := re.FindStringSubmatch(m)[1]
			text, err := readText(root, name, closing)
			if err != nil && inlineErr == nil {
				inlineErr = err
			}
			return "<" + tag + ">\n" + text + "\n</" + tag + ">"
		})
	}
	firstScript := scriptTag.FindStringIndex(page)
	if firstScript == nil {
		return nil, fmt.Errorf("index.html has no <script src=...> tag")
	}
	before, after := page[:firstScript[0]], page[firstScript[0]:]

	var blocks strings.Builder
	files, err := bundledFiles(root)
	if err != nil {
		return nil, err
	}
	for _, name := range files {
		block, err := dataBlock(root, name)
		if err != nil {
			return nil, err
		}
		blocks.WriteString(block)
	}
	page = before + blocks.String() + after

	inline(styleLink, "style", "</style")
	inline(scriptTag, "script", "</script")
	if inlineErr != nil {
		return nil, inlineErr
	}
	return []byte(page), nil
}

// bundledFiles lists the data files to carry, in a stable order.
func bundledFiles(root string) ([]string, error) {
	files := append([]string(nil), dataFiles...)
	for _, pattern := range optionalData {
		matches, err := filepath.Glob(filepath.Join(root, filepath.FromSlash(pattern)))
		if err != nil {
			return nil, err
		}
		var names []string
		for _, m := range matches {
			rel, err := filepath.Rel(root, m)
			if err != nil {
				return nil, err
			}
			names = append(names, filepath.ToSlash(rel))
		}
		sort.Strings(names)
		files = append(files, names...)
	}
	return files, nil
}

// readText returns a text file of the site for inlining. It refuses a file
// that contains closing (such as "</script") or "<!--", because either would
// end or confuse the inline element.
func readText(root, name, closing string) (string, error) {
	if strings.Contains(name, ":") || strings.HasPrefix(name, "/") {
		return "", fmt.Errorf("index.html links to %s, which is not a file of the site", name)
	}
	b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(name)))
	if err != nil {
		return "", err
	}
	lower := strings.ToLower(string(b))
	for _, bad := range []string{closing, "<!--"} {
		if strings.Contains(lower, bad) {
			return "", fmt.Errorf("%s contains %q and cannot be inlined", name, bad)
		}
	}
	return strings.TrimRight(string(b), "\n"), nil
}

// dataBlock returns the inline block that carries the file name of the site.
func dataBlock(root, name string) (string, error) {
	b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(name)))
	if err != nil {
		return "", err
	}
	gz := ""
	if !isGzip(b) {
		if z, err := gzipBytes(b); err != nil {
			return "", err
		} else if len(z) < len(b)-len(b)/10 {
			b, gz = z, ` data-gzip="1"`
		}
	}
	return fmt.Sprintf("<script type=\"application/octet-stream\" data-path=\"%s\"%s>%s</script>\n",
		html.EscapeString(name), gz, base64.StdEncoding.EncodeToString(b)), nil
}

func isGzip(b []byte) bool {
	return len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b
}

func gzipBytes(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	w, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(b); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
