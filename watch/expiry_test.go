package watch

import (
	"sync"
	"testing"
	"time"
)

// fakeClock keeps a wall clock and a monotonic clock apart, so a test can put the laptop to
// sleep: the wall clock jumps while the monotonic clock, and the timers on it, stand still.
type fakeClock struct {
	mu     sync.Mutex
	wall   time.Time
	mono   time.Duration
	timers []*fakeTimer
	waits  []time.Duration // every duration a timer was asked for
}

type fakeTimer struct {
	due     time.Duration
	f       func()
	stopped bool
}

func (t *fakeTimer) Stop() bool {
	was := !t.stopped
	t.stopped = true
	return was
}

func newFakeClock() *fakeClock {
	return &fakeClock{wall: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.wall
}

func (c *fakeClock) AfterFunc(d time.Duration, f func()) stopper {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{due: c.mono + d, f: f}
	c.timers = append(c.timers, t)
	c.waits = append(c.waits, d)
	return t
}

// advance lets d pass on both clocks, running due timers in order at their due times.
func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	end := c.mono + d
	c.mu.Unlock()
	for range 10000 {
		c.mu.Lock()
		var next *fakeTimer
		for _, t := range c.timers {
			if !t.stopped && t.due <= end && (next == nil || t.due < next.due) {
				next = t
			}
		}
		if next == nil {
			c.wall = c.wall.Add(end - c.mono)
			c.mono = end
			c.mu.Unlock()
			return
		}
		c.wall = c.wall.Add(next.due - c.mono)
		c.mono = next.due
		next.stopped = true
		c.mu.Unlock()
		next.f() // outside the lock: it calls back into Now and AfterFunc
	}
	panic("fake clock: timers keep rescheduling at the same instant")
}

// sleep moves only the wall clock, as a suspended machine does.
func (c *fakeClock) sleep(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.wall = c.wall.Add(d)
}

func fired(d *Deadline) bool {
	select {
	case <-d.C():
		return true
	default:
		return false
	}
}

func TestDeadlineFiresWhenWallClockPasses(t *testing.T) {
	c := newFakeClock()
	at := c.Now().Add(10 * time.Minute)
	d := newDeadline(at, time.Minute, c)

	c.advance(10*time.Minute - time.Second)
	if fired(d) {
		t.Fatal("fired early")
	}
	c.advance(time.Second)
	select {
	case got := <-d.C():
		if got.Before(at) {
			t.Fatalf("fired at %v, before %v", got, at)
		}
	default:
		t.Fatal("did not fire at the deadline")
	}
	for _, w := range c.waits {
		if w > time.Minute {
			t.Fatalf("slept %v, more than maxSleep", w)
		}
	}
	if len(c.waits) != 10 {
		t.Errorf("woke %d times for 10 minutes at 1 minute each, want 10", len(c.waits))
	}
}

func TestDeadlineSurvivesSleep(t *testing.T) {
	c := newFakeClock()
	d := newDeadline(c.Now().Add(time.Hour), time.Minute, c)

	c.advance(5 * time.Minute)
	c.sleep(2 * time.Hour) // lid closed: the monotonic clock stands still
	if fired(d) {
		t.Fatal("fired while asleep")
	}
	// After resume the next wake-up is at most maxSleep away on the monotonic clock.
	c.advance(time.Minute)
	if !fired(d) {
		t.Fatal("did not fire within maxSleep of waking up")
	}
}

func TestDeadlineReset(t *testing.T) {
	c := newFakeClock()
	start := c.Now()
	d := newDeadline(start.Add(10*time.Minute), time.Minute, c)

	c.advance(5 * time.Minute)
	d.Reset(start.Add(20 * time.Minute))
	c.advance(10 * time.Minute)
	if fired(d) {
		t.Fatal("fired at the old time after Reset moved it later")
	}
	c.advance(5 * time.Minute)
	if !fired(d) {
		t.Fatal("did not fire at the new time")
	}

	d.Reset(c.Now().Add(30 * time.Second))
	c.advance(30 * time.Second)
	if !fired(d) {
		t.Fatal("did not fire after Reset to an earlier, shorter deadline")
	}

	// A firing nobody received belongs to the old deadline and must not leak into the new one.
	d.Reset(c.Now().Add(-time.Second))
	d.Reset(c.Now().Add(time.Hour))
	if fired(d) {
		t.Fatal("stale firing survived Reset")
	}
}

func TestDeadlineInThePastFiresAtOnce(t *testing.T) {
	c := newFakeClock()
	d := newDeadline(c.Now().Add(-time.Minute), time.Minute, c)
	if !fired(d) {
		t.Fatal("a past deadline did not fire at once")
	}
}

func TestDeadlineStop(t *testing.T) {
	c := newFakeClock()
	d := newDeadline(c.Now().Add(2*time.Minute), time.Minute, c)
	c.advance(time.Minute)
	d.Stop()
	c.advance(time.Hour)
	if fired(d) {
		t.Fatal("fired after Stop")
	}
	for _, tm := range c.timers {
		if !tm.stopped {
			t.Fatal("a timer is still pending after Stop")
		}
	}

	d.Reset(c.Now().Add(time.Minute))
	c.advance(time.Minute)
	if !fired(d) {
		t.Fatal("Reset after Stop did not start it again")
	}
}

func TestDeadlineRealClock(t *testing.T) {
	d := NewDeadline(time.Now().Add(20*time.Millisecond), 5*time.Millisecond)
	defer d.Stop()
	select {
	case <-d.C():
	case <-time.After(patience):
		t.Fatal("real-clock deadline did not fire")
	}
}
