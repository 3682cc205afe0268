// Package wallclock waits for a time of day rather than for a duration.
//
// Go's timers run on the monotonic clock, which stops while a laptop sleeps: a one-hour timer
// armed before a two-hour suspend fires an hour after the lid opens, long after the credentials
// it was meant to renew have expired. A Timer here fires when the wall clock reaches its time,
// also when that happens during a suspend or through a clock change.
package wallclock

import (
	"sync"
	"time"
)

// Timer fires once, by sending on C, when the wall clock reaches the time it was armed for.
// C may also fire early (on a clock change, or where the platform needs a periodic re-check):
// the receiver re-reads the clock and arms a new Timer when it is not yet time.
type Timer struct {
	C    <-chan struct{}
	stop func()
}

// Stop releases the timer; C does not fire after Stop returns. Safe to call more than once and
// on a nil *Timer.
func (t *Timer) Stop() {
	if t != nil && t.stop != nil {
		t.stop()
	}
}

// Until arms a timer for at.
func Until(at time.Time) *Timer {
	if !at.After(time.Now()) {
		c := make(chan struct{}, 1)
		c <- struct{}{}
		return &Timer{C: c}
	}
	return until(at)
}

// capped is the fallback: a monotonic timer capped so the wall clock is re-read at least once
// a minute. A receiver woken early re-arms; that bounds the lateness after a suspend to a minute.
func capped(at time.Time) *Timer {
	t := time.NewTimer(min(time.Until(at), MaxNap))
	c := make(chan struct{}, 1)
	done := make(chan struct{})
	var once sync.Once
	go func() {
		select {
		case <-t.C:
			c <- struct{}{}
		case <-done:
		}
	}()
	return &Timer{C: c, stop: func() {
		once.Do(func() {
			t.Stop()
			close(done)
		})
	}}
}
