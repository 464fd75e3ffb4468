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
	if !sc.Running("job") || sc.Len() != 1 {
		t.Errorf("Running(job) = %v, Len = %d; want true, 1", sc.Running("job"), sc.Len())
	}
	sc.Stop("job")
	if sc.Running("job") || sc.Tick(time.Second) != 0 {
		t.Errorf("a stopped job still runs")
	}
}
