package fakeaws

import (
	"context"
	"fmt"
	"sync"
)

// changes tells waiters that the server's record moved on: a request recorded, a call or
// error counted, a credential or SSO token issued, a fault hit. It closes the channel handed
// out last and forgets it, so each waiter gets one wake-up per change after it asked and the
// server pays nothing while nobody waits. The zero value is ready to use.
type changes struct {
	mu sync.Mutex
	ch chan struct{}
}

// next returns a channel closed at the next change.
func (c *changes) next() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ch == nil {
		c.ch = make(chan struct{})
	}
	return c.ch
}

// signal wakes everyone waiting on next; callers update the state first, so a waiter woken
// (or one asking after this) sees the change.
func (c *changes) signal() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ch != nil {
		close(c.ch)
		c.ch = nil
	}
}

// Changed returns a channel that is closed the next time the server's record changes: a
// request recorded (Requests, Calls, Errors, CallerKeys), a credential or SSO token issued
// (Issued, IssuedSSOTokens) or a fault hit (Faulted). Take the channel before checking a
// condition and wait on it after, and no change in between is missed; for a wait that also
// watches other things (a process exiting, a file) in one select.
func (s *Server) Changed() <-chan struct{} {
	return s.changes.next()
}

// WaitFor blocks until cond holds, checking it once now and again after each change of the
// server's record, so a test waits on the fake itself rather than polling it. cond runs
// without the server's locks held and may call any of its methods. WaitFor gives up when ctx
// ends, with an error wrapping context.Cause(ctx) so the caller's deadline says why.
func (s *Server) WaitFor(ctx context.Context, cond func(*Server) bool) error {
	for {
		changed := s.Changed()
		if cond(s) {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			// The change that would have satisfied cond may have come with the deadline.
			if cond(s) {
				return nil
			}
			return fmt.Errorf("fakeaws: condition not met: %w", context.Cause(ctx))
		}
	}
}
