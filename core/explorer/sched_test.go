package explorer

import (
	"testing"
	"time"
)

// counter is a stepper that is done after n steps and advances a fake
// clock by cost per step.
type counter struct {
	n, steps int
	cost     time.Duration
	clock    *time.Time
}

func (c *counter) Step() bool {
	c.steps++
	*c.clock = c.clock.Add(c.cost)
	return c.steps >= c.n
}

func TestSchedulerBudget(t *testing.T) {
	now := time.Unix(0, 0)
	sc := &Scheduler{Now: func() time.Time { return now }}
	a := &counter{n: 100, cost: time.Millisecond, clock: &now}
	b := &counter{n: 3, cost: time.Millisecond, clock: &now}
	sc.Start("a", a)
	sc.Start("b", b)
	tests := []struct {
		budget         time.Duration
		steps          int
		aSteps, bSteps int
		running        int
	}{
		{5 * time.Millisecond, 5, 3, 2, 2}, // round-robin a b a b a
		{2 * time.Millisecond, 2, 4, 3, 1}, // b finishes and leaves
		{0, 1, 5, 3, 1},                    // a zero budget still makes a step
		{time.Hour, 95, 100, 3, 0},         // a runs to the end
		{time.Hour, 0, 100, 3, 0},          // nothing left
	}
	for i, tt := range tests {
		if got := sc.Tick(tt.budget); got != tt.steps {
			t.Errorf("tick %d: Tick(%v) = %d steps, want %d", i, tt.budget, got, tt.steps)
		}
		if a.steps != tt.aSteps || b.steps != tt.bSteps || sc.Len() != tt.running {
			t.Errorf("tick %d: a %d steps, b %d steps, %d running; want %d, %d, %d",
				i, a.steps, b.steps, sc.Len(), tt.aSteps, tt.bSteps, tt.running)
		}
	}
}

func TestSchedulerReplaceAndStop(t *testing.T) {
	now := time.Unix(0, 0)
	sc := &Scheduler{Now: func() time.Time { return now }}
	old := &counter{n: 10, cost: time.Millisecond, clock: &now}
	sc.Start("job", old)
	sc.Tick(0)
	fresh := &counter{n: 10, cost: time.Millisecond, clock: &now}
	sc.Start("job", fresh)
	sc.Tick(3 * time.Millisecond)
	if old.steps != 1 || fresh.steps != 3 {
		t.Errorf("after replacing: old %d steps, fresh %d; want 1 and 3", old.steps, fresh.steps)
	}
	if !sc.RunningPrefix("jo") || sc.RunningPrefix("job2") {
		t.Errorf("RunningPrefix(jo) = %v, RunningPrefix(job2) = %v; want true, false", sc.RunningPrefix("jo"), sc.RunningPrefix("job2"))
	}
	if !sc.Running("job") || sc.Len() != 1 {
		t.Errorf("Running(job) = %v, Len = %d; want true, 1", sc.Running("job"), sc.Len())
	}
	sc.Stop("job")
	if sc.Running("job") || sc.Tick(time.Second) != 0 {
		t.Errorf("a stopped job still runs")
	}
}

func TestBudget(t *testing.T) {
	const ms = time.Millisecond
	frame := 16667 * time.Microsecond
	tests := []struct {
		name      string
		intervals []time.Duration
		want      func(got time.Duration) bool
		wantText  string
	}{
		{"on-time frames raise it to Max", rep(frame, 200), func(d time.Duration) bool { return d == frame*4/5 }, "Max"},
		{"one late frame is forgiven", append(rep(frame, 10), 40*ms), func(d time.Duration) bool { return d == 6*ms+10*(frame/64) }, "6 ms + 10 steps, the late frame adding none"},
		{"two late frames halve it", append(rep(frame, 10), 40*ms, 40*ms), func(d time.Duration) bool { return d == (6*ms+10*(frame/64))/2 }, "half of 6 ms + 10 steps"},
		{"late frames keep it at Min", rep(100*ms, 50), func(d time.Duration) bool { return d == ms }, "Min"},
		{"jitter within a quarter counts as on time", rep(frame*5/4, 3), func(d time.Duration) bool { return d == 6*ms+3*(frame/64) }, "6 ms + 3 steps"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := NewBudget(frame, 6*ms)
			var got time.Duration
			for _, iv := range tt.intervals {
				got = b.Frame(iv)
				if got < b.Min || got > b.Max {
					t.Fatalf("budget %v outside [%v, %v]", got, b.Min, b.Max)
				}
			}
			if !tt.want(got) || got != b.Current() {
				t.Errorf("budget after %d frames = %v (Current %v), want %s", len(tt.intervals), got, b.Current(), tt.wantText)
			}
		})
	}
}

func rep(d time.Duration, n int) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = d
	}
	return out
}

// TestSchedulerPredictsSteps checks that Tick does not start a step that
// its stepper's past steps say would overrun the budget.
func TestSchedulerPredictsSteps(t *testing.T) {
	now := time.Unix(0, 0)
	sc := &Scheduler{Now: func() time.Time { return now }}
	slow := &counter{n: 100, cost: 4 * time.Millisecond, clock: &now}
	sc.Start("slow", slow)
	tests := []struct {
		budget time.Duration
		steps  int
	}{
		{time.Millisecond, 1},      // the first step is always made
		{10 * time.Millisecond, 2}, // 4 + 4 fit, a third would end at 12
		{7 * time.Millisecond, 1},  // 4 fits, a second would end at 8
		{0, 1},                     // a zero budget still makes a step
		{16 * time.Millisecond, 4}, // exactly four
	}
	for i, tt := range tests {
		if got := sc.Tick(tt.budget); got != tt.steps {
			t.Errorf("tick %d: Tick(%v) with 4 ms steps = %d steps, want %d", i, tt.budget, got, tt.steps)
		}
	}
}
