//go:build !js

package mnist

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// mnistDir returns Dir(), skipping the test only if there is no go command.
func mnistDir(t *testing.T) string {
	t.Helper()
	dir, err := Dir()
	if errors.Is(err, exec.ErrNotFound) {
		t.Skipf("Dir() error = %v", err)
	}
	if err != nil {
		t.Fatalf("Dir() error = %v", err)
	}
	return dir
}

func TestLoadTest(t *testing.T) {
	s, err := Load(mnistDir(t), "test")
	if err != nil {
		t.Fatalf("Load(test) error = %v", err)
	}
	if s.Count != 10000 || s.Rows != 28 || s.Cols != 28 || len(s.Images) != 10000*784 || len(s.Labels) != 10000 {
		t.Fatalf("Load(test) = %d images of %dx%d (%d bytes, %d labels), want 10000 of 28x28",
			s.Count, s.Rows, s.Cols, len(s.Images), len(s.Labels))
	}
	var hist [10]int
	for _, l := range s.Labels {
		hist[l]++
	}
	if want := [10]int{980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009}; hist != want {
		t.Errorf("Load(test) label histogram = %v, want %v", hist, want)
	}
}

func TestLoadTrain(t *testing.T) {
	if testing.Short() {
		t.Skip("reads the 47 MB training set")
	}
	s, err := Load(mnistDir(t), "train")
	if err != nil {
		t.Fatalf("Load(train) error = %v", err)
	}
	if s.Count != 60000 || s.Rows != 28 || s.Cols != 28 {
		t.Fatalf("Load(train) = %d images of %dx%d, want 60000 of 28x28", s.Count, s.Rows, s.Cols)
	}
	if got, want := s.Labels[:5], []uint8{5, 0, 4, 1, 9}; string(got) != string(want) {
		t.Errorf("Load(train) first labels = %v, want %v", got, want)
	}
	// The training images' mean intensity is the well-known 0.1307.
	sum := 0
	for _, p := range s.Images {
		sum += int(p)
	}
	if mean := float64(sum) / float64(len(s.Images)) / 255; mean < 0.13065 || mean > 0.13075 {
		t.Errorf("Load(train) mean pixel = %.5f, want 0.1307", mean)
	}
}

func TestDirFromEnvironment(t *testing.T) {
	t.Setenv("CNNVIZ_MNIST_DIR", "/some/where")
	if got, err := Dir(); got != "/some/where" || err != nil {
		t.Errorf("Dir() = %q, %v, want %q, nil", got, err, "/some/where")
	}
}

func TestLoadRawFiles(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "t10k-images-idx3-ubyte"), smallImages, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "t10k-labels-idx1-ubyte.gz"), gz(t, smallLabels), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Load(dir, "test")
	if err != nil || s.Count != 3 {
		t.Fatalf("Load(raw test files) = %v, %v, want 3 images", s, err)
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "train-images-idx3-ubyte.gz"), gz(t, smallImages), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "train-labels-idx1-ubyte.gz"), gz(t, smallLabels[:9]), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		which string
		want  string
	}{
		{"valid", `unknown set "valid", want "train" or "test"`},
		{"test", "t10k-images-idx3-ubyte: no such file or directory"},
		{"train", "labels: data is 1 bytes, want 3 for dimensions [3] (train set in " + dir + ")"},
	}
	for _, tt := range tests {
		t.Run(tt.which, func(t *testing.T) {
			_, err := Load(dir, tt.which)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Load(dir, %q) error = %v, want containing %q", tt.which, err, tt.want)
			}
		})
	}
}
