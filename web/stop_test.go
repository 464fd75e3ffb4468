//go:build browser

package web

import (
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// stopper is a Go program that panics: at once, or, with the URL hash
// #late, after it told the loader that it started.
const stopper = `//go:build js && wasm

package main

import (
	"syscall/js"
	"time"
)

func main() {
	if js.Global().Get("location").Get("hash").String() == "#late" {
		js.Global().Set("cnnviz", js.Global().Get("Object").New())
		js.Global().Call("cnnvizStarted")
		time.Sleep(300 * time.Millisecond)
		panic("boom: late panic")
	}
	panic("boom: early panic")
}
`

// stopperSite builds a copy of the page whose program is stopper, serves
// it, and returns its URL.
func stopperSite(t *testing.T) string {
	t.Helper()
	src, site := t.TempDir(), t.TempDir()
	files := map[string]string{
		filepath.Join(src, "go.mod"):  "module stopper\n\ngo 1.21\n",
		filepath.Join(src, "main.go"): stopper,
	}
	for _, name := range []string{"index.html", "web/loader.js", "web/wasm_exec.js", "web/style.css"} {
		b, err := os.ReadFile(filepath.Join(repoRoot, filepath.FromSlash(name)))
		if err != nil {
			t.Fatal(err)
		}
		files[filepath.Join(site, filepath.FromSlash(name))] = string(b)
	}
	for name, body := range files {
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("go", "build", "-o", filepath.Join(site, "web", "cnnviz.wasm"), ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the stopper program: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: siteHandler(site)}}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestProgramStops(t *testing.T) {
	site := stopperSite(t)
	tests := []struct {
		hash        string
		wantReady   string // prefix of the outcome of cnnvizReady
		wantMessage string
		wantPanic   string
	}{
		{"", "rejected: cnnviz stopped while starting", "cnnviz stopped while starting", "panic: boom: early panic"},
		{"#late", "ready", "cnnviz stopped:", "panic: boom: late panic"},
	}
	for _, tt := range tests {
		t.Run("hash="+tt.hash, func(t *testing.T) {
			ctx := newTab(t)
			navigate(t, ctx, site+"/"+tt.hash)
			outcome := evalJS[string](t, ctx, `window.cnnvizReady.then(() => "ready", e => "rejected: " + e.message)`)
			if !strings.HasPrefix(outcome, tt.wantReady) {
				t.Errorf("cnnvizReady: %q, want %q...", outcome, tt.wantReady)
			}
			text := evalJS[string](t, ctx, `(async () => {
				const fatal = document.getElementById("cnnviz-fatal");
				for (let i = 0; i < 100 && fatal.hidden; i++) await new Promise(r => setTimeout(r, 50));
				return document.body.innerText;
			})()`)
			for _, want := range []string{tt.wantMessage, tt.wantPanic} {
				if !strings.Contains(text, want) {
					t.Errorf("page text = %q, want it to contain %q", text, want)
				}
			}
			screenshot(t, ctx, "stopped"+strings.TrimPrefix(tt.hash, "#"))
		})
	}
}
