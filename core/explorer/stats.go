package explorer

import (
	"fmt"
	"strconv"

	"cnnviz/core/featuremaps"
	"cnnviz/core/nn"
	"cnnviz/core/render"
)

// LayerStats are the statistics of one layer's outputs
// (featuremaps.Stats).
type LayerStats = featuremaps.Stats

// Sample sizes of the stats view.
const (
	DefaultStatsSample = 1000
	MaxStatsSample     = 10000
)

// StatsOptions are the options of the stats view, kept in the link as
// o.sample.
type StatsOptions struct {
	Sample int // test images summarized, 1..MaxStatsSample
}

// DefaultStatsOptions returns the options of a fresh page.
func DefaultStatsOptions() StatsOptions { return StatsOptions{Sample: DefaultStatsSample} }

// ParseStatsOptions reads the options of s and returns an error when
// o.sample is not a whole number in 1..MaxStatsSample.
func ParseStatsOptions(s State) (StatsOptions, error) {
	v := s.Option("sample", "")
	if v == "" {
		return DefaultStatsOptions(), nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > MaxStatsSample {
		return DefaultStatsOptions(), fmt.Errorf("sample size %q is not a whole number in 1..%d", v, MaxStatsSample)
	}
	return StatsOptions{Sample: n}, nil
}

// StatsOptionsOf reads the options as the view does: a sample size that
// does not parse or is below 1 is the default, one above the limit is the
// limit.
func StatsOptionsOf(s State) StatsOptions {
	n, err := strconv.Atoi(s.Option("sample", ""))
	if err != nil || n < 1 {
		return DefaultStatsOptions()
	}
	return StatsOptions{Sample: min(n, MaxStatsSample)}
}

// Store writes o into s's options, the default left out of links.
func (o StatsOptions) Store(s *State) {
	s.SetOption("sample", ifNot(strconv.Itoa(o.Sample), strconv.Itoa(DefaultStatsSample)))
}

// AfterReLU reports whether output i of m follows a ReLU, so that its
// sparsity means something: a ReLU, and pooling or flattening after one.
func AfterReLU(m *Model, i int) bool {
	for j := i; j >= 0; j = m.Net.Spec.Prev(j) {
		switch m.Net.Spec.Layers[j].Kind {
		case nn.KindReLU:
			return true
		case nn.KindConv2D, nn.KindDense:
			return false
		}
	}
	return false
}

// StatsView is the view-model of the stats view: the statistics of the
// current input and the sample pass over the test set, which it starts on
// the app's scheduler (job "stats-sample").
type StatsView struct {
	job *StatsJob
	key string

	cur    []LayerStats
	curKey string
}

// Current returns the statistics of the current input (CurrentStats),
// computed once per input and model.
func (v *StatsView) Current(a *App) []LayerStats {
	key := fmt.Sprintf("%d %s %p", a.Version, a.State.Model, a.Current().Net)
	if key != v.curKey || len(v.cur) != len(a.Acts) {
		v.cur, v.curKey = CurrentStats(a.Current(), a.Acts), key
	}
	return v.cur
}

// Update starts the sample pass when the model, the sample size or the
// seed changed. It returns an error only if the sample cannot be drawn.
func (v *StatsView) Update(a *App) error {
	if a.needTest() != nil {
		return nil // until it arrives
	}
	n := StatsOptionsOf(a.State).Sample
	key := fmt.Sprintf("%s %p %d %d", a.State.Model, a.Current().Net, n, a.State.Seed)
	if key == v.key {
		return nil
	}
	idx, err := TestSample(a.Test, n, a.State.Seed)
	if err != nil {
		return err
	}
	v.job, v.key = NewStatsJob(a.Current(), a.Test, idx), key
	a.Sched.Start("stats-sample", v.job)
	return nil
}

// Sample returns the statistics of the sample so far and its progress.
func (v *StatsView) Sample() (st []LayerStats, done, total int) {
	if v.job == nil {
		return nil, 0, 0
	}
	done, total = v.job.Progress()
	return v.job.Stats(), done, total
}

// StatsChart is what the chart of sparsity against depth plots: one point
// per layer after a ReLU, at X = its layer index, named Names.
type StatsChart struct {
	Series []render.Series
	X      []float64
	Names  []string
}

// DepthChart returns the chart of the sparsity and blank channels of the
// layers after a ReLU, for the current input (cur) and, once the sample
// has a batch (done > 0) and covers every layer, over the sample (smp).
func DepthChart(m *Model, cur, smp []LayerStats, done int) StatsChart {
	var c StatsChart
	var sp, bl, ssp, sbl []float64
	for i, s := range cur {
		if !AfterReLU(m, i) {
			continue
		}
		c.X = append(c.X, float64(i))
		c.Names = append(c.Names, s.Name)
		sp, bl = append(sp, s.Sparsity), append(bl, s.Blank)
		if i < len(smp) {
			ssp, sbl = append(ssp, smp[i].Sparsity), append(sbl, smp[i].Blank)
		}
	}
	c.Series = []render.Series{
		{Label: "sparsity", X: c.X, Y: sp, Color: render.Categorical[0]},
		{Label: "blank", X: c.X, Y: bl, Color: render.Categorical[1]},
	}
	if len(ssp) == len(c.X) && done > 0 {
		c.Series = append(c.Series, render.Series{Label: "sample sparsity", X: c.X, Y: ssp, Color: render.Categorical[2]},
			render.Series{Label: "sample blank", X: c.X, Y: sbl, Color: render.Categorical[3]})
	}
	return c
}
