package nn

import (
	"strings"
	"testing"
)

func TestParseTextConvnetjs(t *testing.T) {
	src := `# the ConvNetJS MNIST demo
name convnetjs
input 1x28x28
conv 8 5x5 pad 2
relu
maxpool 2x2
conv 16 5x5 pad 2
relu
maxpool 3x3 stride 3
flatten
dense 10 as fc
`
	got, err := ParseText(src)
	if err != nil {
		t.Fatal(err)
	}
	want := convnetjs()
	want.Layers[5].Stride = [2]int{3, 3} // written out explicitly above
	if string(got.JSON()) != string(want.JSON()) {
		t.Fatalf("ParseText =\n%s\nwant\n%s", got.JSON(), want.JSON())
	}
	// Text and ParseText round-trip.
	again, err := ParseText(got.Text())
	if err != nil {
		t.Fatal(err)
	}
	if string(again.JSON()) != string(got.JSON()) {
		t.Fatalf("round trip:\n%s\n%s", again.JSON(), got.JSON())
	}
}

func TestParseTextErrors(t *testing.T) {
	tests := []struct{ src, want string }{
		{"conv 8 3x3\n", "no input line"},
		{"input 1x28\n", `line 1 ("input 1x28"): size "1x28": want 3 numbers`},
		{"input 1x28x28\nconv eight 3x3\n", `line 2 ("conv eight 3x3"): filters "eight" is not a number`},
		{"input 1x28x28\nsoftmax\n", `unknown layer "softmax"`},
		{"input 1x28x28\nconv 8 3x3 dilation 2\ngap\ndense 10\n", `unknown option "dilation"`},
		{"input 1x28x28\nconv 8 3x3 pad\n", `"pad" needs a value`},
		{"input 1x28x28\nrelu 3\n", "relu takes no arguments"},
		{"input 1x28x28\nconv 8 3x3\ndense 10\n", "dense needs a flat input"},
		{"input 1x28x28\nconv 8 31x31\ngap\ndense 10\n", "larger than the padded input"},
		{"input 1x28x28\nconv 8 3x3\n", "the last layer must give one score per class"},
	}
	for _, tc := range tests {
		_, err := ParseText(tc.src)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseText(%q) error = %v, want containing %q", tc.src, err, tc.want)
		}
	}
}
