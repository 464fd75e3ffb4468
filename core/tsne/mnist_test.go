//go:build !js

package tsne_test

import (
	"testing"

	ag "cnnviz/core/autograd"
	"cnnviz/core/nn"
	"cnnviz/core/tensor"
	"cnnviz/core/tsne"
	"cnnviz/models"
	"cnnviz/models/mnist"
)

// TestMNISTEmbedding embeds 2,000 MNIST test images twice: by the trained
// network's last hidden layer ("gap", 64-D) and by raw pixels (784-D, PCA to
// 50 first). The learned features must separate the digits better: 1-NN
// accuracy of the 2-D embedding >= 95% for "gap" and lower for pixels.
func TestMNISTEmbedding(t *testing.T) {
	if testing.Short() {
		t.Skip("embeds 2,000 images twice")
	}
	m, err := models.Builtin("mnist")
	if err != nil {
		t.Skipf("trained model not available: %v", err)
	}
	set, err := mnist.LoadDefault("test")
	if err != nil {
		t.Fatal(err)
	}
	const n, batch = 2000, 250
	gap := m.Index("gap")
	if gap < 0 {
		t.Fatal(`model has no layer "gap"`)
	}
	dim := m.OutShape(gap)[0]
	pixels := make([]float32, 0, n*784)
	feats := make([]float32, 0, n*dim)
	labels := make([]int, n)
	for i := 0; i < n; i++ {
		pixels = append(pixels, set.Float(i, nil)...)
		labels[i] = int(set.Labels[i])
	}
	correct := 0
	for b := 0; b < n; b += batch {
		x := tensor.FromSlice(pixels[b*784:(b+batch)*784], batch, 1, 28, 28)
		logits := m.Forward(ag.Constant(x), func(i int, _ nn.Layer, out *ag.Var) {
			if i == gap {
				feats = append(feats, out.Value.Data...)
			}
		}).Value.Data
		for r := 0; r < batch; r++ {
			row := logits[r*10 : r*10+10]
			best := 0
			for c, v := range row {
				if v > row[best] {
					best = c
				}
			}
			if best == labels[b+r] {
				correct++
			}
		}
	}
	acc := float64(correct) / n
	t.Logf("model accuracy on these %d images: %.4f", n, acc)
	if acc < 0.97 {
		t.Skipf("models.Builtin(\"mnist\") classifies only %.4f of the images correctly: not the trained model yet", acc)
	}
	if len(feats) != n*dim {
		t.Fatalf("captured %d gap values, want %d", len(feats), n*dim)
	}
	embed := func(x []float32, d int) float64 {
		opt := tsne.DefaultOptions()
		opt.Seed = 1
		y := tsne.Embed(x, n, d, opt)
		return tsne.OneNNAccuracy(y, 2, labels)
	}
	gapAcc, pixAcc := embed(feats, dim), embed(pixels, 784)
	t.Logf("1-NN accuracy of the t-SNE embedding: gap features %.4f, raw pixels %.4f", gapAcc, pixAcc)
	t.Logf("1-NN accuracy in the original space: gap features %.4f, raw pixels %.4f",
		tsne.OneNNAccuracy(feats, dim, labels), tsne.OneNNAccuracy(pixels, 784, labels))
	if gapAcc < 0.95 {
		t.Errorf("1-NN accuracy of the gap-feature embedding = %.4f, want >= 0.95", gapAcc)
	}
	if pixAcc >= gapAcc {
		t.Errorf("1-NN accuracy of the pixel embedding = %.4f, want < gap features' %.4f", pixAcc, gapAcc)
	}
}
