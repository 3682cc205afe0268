package watch

import (
	"sync"
	"time"
)

// DefaultMaxSleep is how long a Deadline sleeps at most when NewDeadline is given no bound.
const DefaultMaxSleep = time.Minute

// Deadline fires once the wall clock has reached a given time, even across laptop sleep.
//
// A plain time.Timer counts on the monotonic clock, which stops while the machine sleeps: a
// timer set for "expiry minus 20 minutes" before a one-hour nap fires an hour late, long after
// the credentials expired. Deadline therefore never sleeps longer than maxSleep at a time and
// compares the wall clock on every wake-up, so it fires at most maxSleep after a resume.
type Deadline struct {
	c        chan time.Time
	maxSleep time.Duration
	clock    clock

	mu    sync.Mutex
	at    time.Time
	timer stopper // nil when nothing is pending
	gen   uint64  // invalidates callbacks of timers that were stopped or replaced
}

// clock is what Deadline needs from time, so tests can move the wall clock without the
// monotonic one, the way a sleeping laptop does.
type clock interface {
	Now() time.Time
	AfterFunc(d time.Duration, f func()) stopper
}

type stopper interface{ Stop() bool }

type realClock struct{}

// Now strips the monotonic reading so that comparisons use the wall clock.
func (realClock) Now() time.Time { return time.Now().Round(0) }

func (realClock) AfterFunc(d time.Duration, f func()) stopper { return time.AfterFunc(d, f) }

// NewDeadline returns a Deadline that fires when the wall clock reaches at, waking at least
// every maxSleep to check (DefaultMaxSleep if maxSleep <= 0). If at has passed already, C has a
// value at once.
func NewDeadline(at time.Time, maxSleep time.Duration) *Deadline {
	return newDeadline(at, maxSleep, realClock{})
}

func newDeadline(at time.Time, maxSleep time.Duration, c clock) *Deadline {
	if maxSleep <= 0 {
		maxSleep = DefaultMaxSleep
	}
	d := &Deadline{c: make(chan time.Time, 1), maxSleep: maxSleep, clock: c}
	d.Reset(at)
	return d
}

// C delivers the wall-clock time at which the Deadline fired, once per Reset. The channel is
// the same for the Deadline's whole life.
func (d *Deadline) C() <-chan time.Time { return d.c }

// Reset makes the Deadline fire at the new time instead. A firing for the previous time that
// has not been received yet is discarded.
func (d *Deadline) Reset(at time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.stopLocked()
	d.at = at.Round(0)
	d.armLocked()
}

// Stop cancels the Deadline and discards a firing not received yet. Reset starts it again.
func (d *Deadline) Stop() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.stopLocked()
}

func (d *Deadline) stopLocked() {
	d.gen++
	if d.timer != nil {
		d.timer.Stop()
		d.timer = nil
	}
	select {
	case <-d.c:
	default:
	}
}

func (d *Deadline) armLocked() {
	now := d.clock.Now()
	if !now.Before(d.at) {
		select {
		case d.c <- now:
		default:
		}
		return
	}
	gen := d.gen
	d.timer = d.clock.AfterFunc(min(d.at.Sub(now), d.maxSleep), func() { d.wake(gen) })
}

func (d *Deadline) wake(gen uint64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	// The timer may have fired just as Reset or Stop replaced it.
	if gen != d.gen {
		return
	}
	d.timer = nil
	d.armLocked()
}
