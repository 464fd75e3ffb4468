package models

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestEmbedded(t *testing.T) {
	for _, tc := range []struct {
		name string
		want bool
	}{
		{"mnist", true},
		{"convnetjs", true},
		{"tinyvgg", true},
		{Robust, true}, // every build but the page's (tag site)
		{"resnet", false},
		{"../models", false},
	} {
		if got := Embedded(tc.name); got != tc.want {
			t.Errorf("Embedded(%q) = %v, want %v", tc.name, got, tc.want)
		}
	}
	if _, err := Builtin("resnet"); err == nil || errors.Is(err, ErrNotEmbedded) {
		t.Errorf("Builtin(resnet) = %v, want an error that is not ErrNotEmbedded", err)
	}
}

// TestRobustFile checks that RobustFile, the path the page fetches the
// robust model from, names the file that other builds embed.
func TestRobustFile(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", filepath.FromSlash(RobustFile)))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, robustFile) {
		t.Fatalf("%s (%d bytes) is not the embedded robust model (%d bytes)", RobustFile, len(b), len(robustFile))
	}
	m, err := Load(b)
	if err != nil {
		t.Fatal(err)
	}
	if m.Spec.Name != RobustArchitecture {
		t.Errorf("%s holds a %q network, want %q", RobustFile, m.Spec.Name, RobustArchitecture)
	}
}
