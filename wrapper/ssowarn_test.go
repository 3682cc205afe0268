package wrapper

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/awsrun/awsrun/wallclock"
)

func TestWarnPlan(t *testing.T) {
	end := time.Date(2026, 1, 1, 18, 0, 0, 0, time.UTC)
	leads := []time.Duration{5 * time.Minute, 30 * time.Minute}
	fired := map[time.Duration]bool{}
	due, next := warnPlan(end, end.Add(-2*time.Hour), leads, fired)
	if due != 0 || !next.Equal(end.Add(-30*time.Minute)) {
		t.Fatalf("2h before: due %v next %v", due, next)
	}
	due, next = warnPlan(end, end.Add(-30*time.Minute), leads, fired)
	if due != 30*time.Minute || !next.Equal(end.Add(-5*time.Minute)) {
		t.Fatalf("at 30m: due %v next %v", due, next)
	}
	due, _ = warnPlan(end, end.Add(-29*time.Minute), leads, fired)
	if due != 0 {
		t.Fatalf("30m warning fired twice")
	}
	// Starting with 4 minutes left: one warning, not two.
	fresh := map[time.Duration]bool{}
	due, next = warnPlan(end, end.Add(-4*time.Minute), leads, fresh)
	if due == 0 || !next.IsZero() {
		t.Fatalf("4m left: due %v next %v", due, next)
	}
	if d, _ := warnPlan(end, end.Add(-3*time.Minute), leads, fresh); d != 0 {
		t.Fatalf("warned again")
	}
}

// fakeClock2 hands out timers the test fires by moving time.
type stepClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []stepWaiter
	asked   chan time.Duration
}

type stepWaiter struct {
	at time.Time
	ch chan struct{}
}

func (c *stepClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *stepClock) Until(at time.Time) (<-chan struct{}, func()) {
	c.mu.Lock()
	ch := make(chan struct{}, 1)
	c.waiters = append(c.waiters, stepWaiter{at, ch})
	d := at.Sub(c.now)
	c.mu.Unlock()
	c.asked <- d
	return ch, func() {}
}

// clock is the stepped clock as warnLoop takes it.
func (c *stepClock) clock() clock {
	return clock{now: c.Now, until: func(at time.Time) *wallclock.Timer {
		ch, _ := c.Until(at)
		return &wallclock.Timer{C: ch}
	}}
}

// advance moves time and fires due timers.
func (c *stepClock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	keep := c.waiters[:0]
	for _, w := range c.waiters {
		if !w.at.After(c.now) {
			w.ch <- struct{}{}
		} else {
			keep = append(keep, w)
		}
	}
	c.waiters = keep
	c.mu.Unlock()
}

func TestWarnLoopFiresAtConfiguredLeadsWithFakeClock(t *testing.T) {
	var buf bytes.Buffer
	var mu sync.Mutex
	log := slog.New(slog.NewTextHandler(lockedBuf{&buf, &mu}, nil))
	start := time.Date(2026, 1, 1, 17, 0, 0, 0, time.UTC)
	end := start.Add(45 * time.Minute)
	clk := &stepClock{now: start, asked: make(chan time.Duration, 100)}
	s := &session{cfg: Config{Profile: "dev", WarnBefore: []time.Duration{30 * time.Minute, 5 * time.Minute}}, log: log}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); s.warnLoop(ctx, clk.clock(), func() time.Time { return end }, nil) }()
	warnings := func() int {
		mu.Lock()
		defer mu.Unlock()
		return strings.Count(buf.String(), "ends in")
	}
	step := func() time.Duration {
		select {
		case d := <-clk.asked:
			return d
		case <-time.After(10 * time.Second):
			t.Fatal("warn loop did not wait")
			return 0
		}
	}
	// 45m left: it waits for the wall clock to reach 30m before the end, in one wait (the
	// wall-clock timer needs no periodic re-read), and warns only then.
	if d := step(); d != 15*time.Minute {
		t.Fatalf("waits %v, want the 15m to the first lead", d)
	}
	clk.advance(15*time.Minute - time.Second)
	if warnings() != 0 {
		t.Fatal("warned early")
	}
	clk.advance(time.Second)
	step()
	if warnings() != 1 || !strings.Contains(buf.String(), "ends in 30m0s") {
		t.Fatalf("no 30m warning at the lead:\n%s", buf.String())
	}
	clk.advance(25 * time.Minute)
	step()
	if warnings() != 2 || !strings.Contains(buf.String(), "ends in 5m0s") {
		t.Fatalf("no 5m warning at the lead:\n%s", buf.String())
	}
	cancel()
	<-done
}

type lockedBuf struct {
	b  *bytes.Buffer
	mu *sync.Mutex
}

func (l lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
