//go:build !js

package explorer

import (
	"bytes"
	"encoding/binary"
	"flag"
	"os"
	"testing"

	"cnnviz/models/mnist"
)

var updateSample = flag.Bool("update", false, "rewrite the built-in sample files from the MNIST test set")

// idx returns an IDX file of unsigned bytes: magic, dimensions, data.
func idx(magic uint32, dims []int, data []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, magic)
	for _, d := range dims {
		binary.Write(&b, binary.BigEndian, uint32(d))
	}
	b.Write(data)
	return b.Bytes()
}

// TestSampleIsTestSetStart checks that the built-in sample holds exactly
// the first SampleCount images and labels of the MNIST test set.
func TestSampleIsTestSetStart(t *testing.T) {
	test, err := mnist.LoadDefault("test")
	if err != nil {
		t.Skipf("MNIST not available: %v", err)
	}
	n := SampleCount * test.Rows * test.Cols
	if *updateSample {
		images := idx(0x803, []int{SampleCount, test.Rows, test.Cols}, test.Images[:n])
		labels := idx(0x801, []int{SampleCount}, test.Labels[:SampleCount])
		if err := os.WriteFile("sample-images-idx3-ubyte", images, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile("sample-labels-idx1-ubyte", labels, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Skip("rewrote the sample files; run again without -update")
	}
	s, err := Sample()
	if err != nil {
		t.Fatal(err)
	}
	if s.Count != SampleCount || s.Rows != test.Rows || s.Cols != test.Cols {
		t.Fatalf("Sample() is %d images of %d×%d, want %d of %d×%d", s.Count, s.Rows, s.Cols, SampleCount, test.Rows, test.Cols)
	}
	if !bytes.Equal(s.Images, test.Images[:n]) || !bytes.Equal(s.Labels, test.Labels[:SampleCount]) {
		t.Errorf("Sample() differs from the first %d test images; labels %v, want %v", SampleCount, s.Labels, test.Labels[:SampleCount])
	}
}
