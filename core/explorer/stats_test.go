package explorer

import (
	"slices"
	"strings"
	"testing"
)

func TestStatsOptions(t *testing.T) {
	for _, o := range []StatsOptions{DefaultStatsOptions(), {Sample: 1}, {Sample: 100}, {Sample: MaxStatsSample}} {
		got, err := ParseStatsOptions(roundTrip(t, o.Store))
		if err != nil || got != o {
			t.Errorf("ParseStatsOptions(round trip of %+v) = %+v, %v", o, got, err)
		}
	}
	for _, tc := range []struct {
		val     string
		lenient int
	}{{"0", DefaultStatsSample}, {"many", DefaultStatsSample}, {"10001", MaxStatsSample}, {"-5", DefaultStatsSample}} {
		s := Default()
		s.SetOption("sample", tc.val)
		if _, err := ParseStatsOptions(s); err == nil || !strings.Contains(err.Error(), `sample size "`+tc.val+`"`) {
			t.Errorf("ParseStatsOptions(sample=%s) = %v, want an error naming it", tc.val, err)
		}
		if got := StatsOptionsOf(s).Sample; got != tc.lenient {
			t.Errorf("StatsOptionsOf(sample=%s).Sample = %d, want %d", tc.val, got, tc.lenient)
		}
	}
}

func TestDepthChart(t *testing.T) {
	a := newApp(t)
	a.Refresh()
	m := a.Current()
	var after []string
	for i, l := range m.Net.Spec.Layers {
		if AfterReLU(m, i) {
			after = append(after, l.Name)
		}
	}
	if want := []string{"relu1", "pool1", "relu2", "pool2", "relu3", "relu4", "gap"}; !slices.Equal(after, want) {
		t.Fatalf("layers AfterReLU in mnist = %v, want %v", after, want)
	}
	cur := CurrentStats(m, a.Acts)
	c := DepthChart(m, cur, nil, 0)
	if !slices.Equal(c.Names, after) || len(c.Series) != 2 {
		t.Fatalf("DepthChart without a sample: names %v, %d series; want %v, 2", c.Names, len(c.Series), after)
	}
	for i, x := range c.X {
		s := cur[int(x)]
		if s.Name != c.Names[i] || c.Series[0].Y[i] != s.Sparsity || c.Series[1].Y[i] != s.Blank {
			t.Errorf("DepthChart point %d (x %v): %s %v %v, want %s %v %v", i, x, c.Names[i], c.Series[0].Y[i], c.Series[1].Y[i], s.Name, s.Sparsity, s.Blank)
		}
	}

	a.SetTestSet(fakeSet(40, 5))
	a.SetOption("sample", "20")
	var v StatsView
	if err := v.Update(a); err != nil || !a.Sched.Running("stats-sample") {
		t.Fatalf("StatsView.Update = %v, running %v", err, a.Sched.Running("stats-sample"))
	}
	for a.Sched.Len() > 0 {
		a.Sched.Tick(0)
	}
	smp, done, total := v.Sample()
	if done != 20 || total != 20 || len(smp) != len(cur) {
		t.Fatalf("Sample() = %d stats, %d of %d, want %d, 20 of 20", len(smp), done, total, len(cur))
	}
	c = DepthChart(m, cur, smp, done)
	if len(c.Series) != 4 || c.Series[2].Y[0] != smp[int(c.X[0])].Sparsity {
		t.Errorf("DepthChart with a sample: %d series, want 4 with the sample's sparsity", len(c.Series))
	}
	if got := v.Current(a); !slices.EqualFunc(got, cur, func(x, y LayerStats) bool { return x.Name == y.Name && x.Mean == y.Mean && x.Sparsity == y.Sparsity }) {
		t.Errorf("StatsView.Current differs from CurrentStats")
	}
	if err := v.Update(a); err != nil || a.Sched.Len() != 0 {
		t.Errorf("Update with nothing changed restarted the pass")
	}
	a.SetOption("sample", "30")
	if v.Update(a); !a.Sched.Running("stats-sample") {
		t.Errorf("Update after a sample-size change did not start a pass")
	}
}
