package explorer

import (
	"strings"
	"time"
)

// Stepper is a long computation cut into bounded slices: each Step does a
// little work (a few milliseconds) and reports whether the whole is done.
// Its progress and partial results can be read between steps.
type Stepper interface {
	Step() (done bool)
}

// Scheduler runs named steppers inside a time budget per frame.
type Scheduler struct {
	// Now is the clock; nil means time.Now. Tests replace it.
	Now  func() time.Time
	jobs []job
	next int // round-robin position
}

type job struct {
	name string
	s    Stepper
	// took is a running average of the job's Step durations.
	took time.Duration
}

func (sc *Scheduler) now() time.Time {
	if sc.Now != nil {
		return sc.Now()
	}
	return time.Now()
}

// Start adds a stepper under name, replacing (and so cancelling) any
// stepper already running under that name.
func (sc *Scheduler) Start(name string, s Stepper) {
	for i := range sc.jobs {
		if sc.jobs[i].name == name {
			sc.jobs[i] = job{name: name, s: s}
			return
		}
	}
	sc.jobs = append(sc.jobs, job{name: name, s: s})
}

// Stop removes the stepper running under name, if any.
func (sc *Scheduler) Stop(name string) {
	for i := range sc.jobs {
		if sc.jobs[i].name == name {
			sc.jobs = append(sc.jobs[:i], sc.jobs[i+1:]...)
			return
		}
	}
}

// Running reports whether a stepper runs under name.
func (sc *Scheduler) Running(name string) bool {
	for _, j := range sc.jobs {
		if j.name == name {
			return true
		}
	}
	return false
}

// RunningPrefix reports whether a stepper runs under a name that starts
// with prefix.
func (sc *Scheduler) RunningPrefix(prefix string) bool {
	for _, j := range sc.jobs {
		if strings.HasPrefix(j.name, prefix) {
			return true
		}
	}
	return false
}

// Len returns the number of running steppers.
func (sc *Scheduler) Len() int { return len(sc.jobs) }

// Tick calls Step on the running steppers in turn, round-robin, until the
// budget is spent or none is left, and removes those that are done. A step
// is not started when the stepper's steps so far have taken longer, on
// average, than what is left of the budget; but Tick always makes at least
// one step when a stepper runs, so that work advances even with a zero
// budget. It returns the number of steps made.
func (sc *Scheduler) Tick(budget time.Duration) int {
	start := sc.now()
	steps := 0
	for len(sc.jobs) > 0 {
		if sc.next >= len(sc.jobs) {
			sc.next = 0
		}
		j := sc.jobs[sc.next]
		if steps > 0 && sc.now().Sub(start)+j.took > budget {
			break
		}
		t0 := sc.now()
		done := j.s.Step()
		took := sc.now().Sub(t0)
		steps++
		// The step may have started or stopped jobs: find j again.
		for i := range sc.jobs {
			if sc.jobs[i].name == j.name && sc.jobs[i].s == j.s {
				if j.took == 0 {
					sc.jobs[i].took = took
				} else {
					sc.jobs[i].took = (3*j.took + took) / 4
				}
				if done {
					sc.jobs = append(sc.jobs[:i], sc.jobs[i+1:]...)
					sc.next = i
				} else {
					sc.next = i + 1
				}
				break
			}
		}
	}
	return steps
}

// Budget chooses how much of each frame the steppers get, so that the
// page keeps its frame rate while the work goes as fast as it can.
//
// A fixed budget is wrong both ways: on a fast machine the page idles
// between frames while an atlas or a t-SNE run could go faster, and on a
// slow one (software WebGL, a busy tablet) the budget plus drawing
// overruns the frame and the page stutters. Budget measures the time from
// one frame to the next and adjusts like a congestion window: while the
// frames keep their interval (Target, with some slack) it adds Step; when
// a frame runs late it halves. The budget stays within [Min, Max].
type Budget struct {
	Min, Max time.Duration // bounds of the budget
	Target   time.Duration // the frame interval to keep, e.g. 1/60 s
	Step     time.Duration // added per frame that kept Target

	cur  time.Duration
	late int // consecutive late frames
}

// NewBudget returns a Budget for a page aiming at the given frame
// interval, starting at start.
func NewBudget(target, start time.Duration) *Budget {
	return &Budget{Min: time.Millisecond, Max: target * 4 / 5, Target: target, Step: target / 64, cur: start}
}

// Current returns the budget for the coming frame.
func (b *Budget) Current() time.Duration {
	return min(max(b.cur, b.Min), b.Max)
}

// Frame records the interval since the previous frame, of a frame in
// which the steppers were busy, and returns the budget for the next one.
// Intervals up to Target×1.25 count as on time (display clocks jitter);
// one late frame is forgiven, since a single frame can be slow for
// reasons of its own (a garbage collection, a redraw of the whole page),
// and from the second in a row the budget halves.
func (b *Budget) Frame(interval time.Duration) time.Duration {
	b.cur = b.Current()
	if interval <= b.Target*5/4 {
		b.late = 0
		b.cur += b.Step
	} else {
		b.late++
		if b.late >= 2 {
			b.cur /= 2
		}
	}
	return b.Current()
}
