package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

func TestHandlerContentType(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"index.html":    "<!doctype html><title>t</title>",
		"web/app.wasm":  "\x00asm\x01\x00\x00\x00",
		"web/style.css": "body{}",
	}
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(newHandler(dir))
	defer srv.Close()

	tests := []struct {
		path       string
		wantStatus int
		wantType   string
	}{
		{"/", http.StatusOK, "text/html; charset=utf-8"},
		{"/web/app.wasm", http.StatusOK, "application/wasm"},
		{"/web/style.css", http.StatusOK, "text/css; charset=utf-8"},
		{"/web/missing.js", http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, err := http.Get(srv.URL + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("GET %s: status %d, want %d", tt.path, resp.StatusCode, tt.wantStatus)
			}
			if got := resp.Header.Get("Content-Type"); tt.wantType != "" && got != tt.wantType {
				t.Errorf("GET %s: Content-Type %q, want %q", tt.path, got, tt.wantType)
			}
		})
	}
}
