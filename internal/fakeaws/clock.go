package fakeaws

import (
	"sync"
	"time"
)

// Clock is a settable time source for Options.Now, so tests can move past an
// expiry instantly instead of sleeping.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a Clock stopped at t; start it near time.Now so clients,
// which sign with the real clock, stay inside the 5-minute SigV4 window.
func NewClock(t time.Time) *Clock {
	return &Clock{t: t}
}

// Now reports the clock's current time; pass it as Options.Now.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d and returns the new time, which is how
// tests make issued credentials and tokens expire.
func (c *Clock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return c.t
}

// Set jumps the clock to t, for tests that need an absolute instant.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}
