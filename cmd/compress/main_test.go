package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
)

func TestCompress(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "app.wasm")
	orig := []byte(strings.Repeat("\x00asm cnnviz program bytes ", 2000))
	if err := os.WriteFile(name, orig, 0o644); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(name, old, old); err != nil {
		t.Fatal(err)
	}
	written, err := compress(name, 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(written) != 2 {
		t.Fatalf("compress wrote %q, want a .gz and a .br file", written)
	}
	for _, tt := range []struct {
		suffix string
		reader func(io.Reader) (io.Reader, error)
	}{
		{".gz", func(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) }},
		{".br", func(r io.Reader) (io.Reader, error) { return brotli.NewReader(r), nil }},
	} {
		b, err := os.ReadFile(name + tt.suffix)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) >= len(orig)/10 {
			t.Errorf("%s: %d bytes for %d repetitive ones, want under a tenth", tt.suffix, len(b), len(orig))
		}
		r, err := tt.reader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		if err != nil || !bytes.Equal(got, orig) {
			t.Errorf("%s decodes to %d bytes (error %v), want the %d of the file", tt.suffix, len(got), err, len(orig))
		}
	}

	// Up-to-date copies are left alone; a copy older than its file is
	// written again.
	if written, err := compress(name, 5); err != nil || len(written) != 0 {
		t.Errorf("second run wrote %q (error %v), want nothing", written, err)
	}
	stale := old.Add(-time.Hour)
	if err := os.Chtimes(name+".gz", stale, stale); err != nil {
		t.Fatal(err)
	}
	if written, err := compress(name, 5); err != nil || len(written) != 1 || !strings.HasPrefix(written[0], name+".gz:") {
		t.Errorf("after the .gz went stale, wrote %q (error %v), want only the .gz", written, err)
	}
	// A negative quality writes no .br file.
	other := filepath.Join(dir, "other.js")
	if err := os.WriteFile(other, orig, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := compress(other, -1); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(other + ".br"); !os.IsNotExist(err) {
		t.Errorf("quality -1 wrote %s.br (stat error %v), want none", other, err)
	}
	// No temporary files remain.
	tmps, _ := filepath.Glob(filepath.Join(dir, "*.tmp"))
	if len(tmps) != 0 {
		t.Errorf("temporary files left: %q", tmps)
	}
}

func TestCompressBadInput(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		name, want string
	}{
		{filepath.Join(dir, "missing.wasm"), "no such file"},
		{dir, "is not a file"},
	} {
		if _, err := compress(tt.name, 5); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("compress(%s) error = %v, want one saying %q", tt.name, err, tt.want)
		}
	}
}
