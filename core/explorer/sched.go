package explorer

import "time"

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
			sc.jobs[i].s = s
			return
		}
	}
	sc.jobs = append(sc.jobs, job{name, s})
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

// Len returns the number of running steppers.
func (sc *Scheduler) Len() int { return len(sc.jobs) }

// Tick calls Step on the running steppers in turn, round-robin, until the
// budget is spent or none is left, and removes those that are done. It
// always makes at least one step when a stepper runs, so that work
// advances even with a zero budget. It returns the number of steps made.
func (sc *Scheduler) Tick(budget time.Duration) int {
	start := sc.now()
	steps := 0
	for len(sc.jobs) > 0 {
		if steps > 0 && sc.now().Sub(start) >= budget {
			break
		}
		if sc.next >= len(sc.jobs) {
			sc.next = 0
		}
		j := sc.jobs[sc.next]
		done := j.s.Step()
		steps++
		// The step may have started or stopped jobs: find j again.
		for i := range sc.jobs {
			if sc.jobs[i].name == j.name && sc.jobs[i].s == j.s {
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
