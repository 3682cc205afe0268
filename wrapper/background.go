package wrapper

import (
	"context"
	"time"

	"golang.org/x/sync/errgroup"
)

// settleDelay is how long the child runs before awsrun sets up what only a child that keeps
// running needs: the registry entry (for `awsrun status` and `awsrun export` in other
// processes, never for the child) and the watch of ~/.aws (a new login or an edited profile;
// renewals do not depend on it). A command that is done sooner (a script step, one
// `aws sts get-caller-identity`) then costs awsrun neither the set-up nor its undoing: the
// kernel takes milliseconds to release an inotify instance, even at exit.
const settleDelay = 5 * time.Millisecond

// background is the run's work beside the child, one goroutine each in one errgroup: the
// registry entry, the file watch, the credential lifecycle, the SSO session warnings, and the
// report of a panic in a goroutine no errgroup owns. Each returns as soon as ctx ends (when the
// child has been reaped), so the way out waits for none of them; only a registry entry being
// written at that very moment is finished, so that close can remove it.
func (s *session) background(pub *statePublisher) func(context.Context) error {
	log := s.log
	return func(ctx context.Context) error {
		s.mu.Lock()
		s.bgCtx = ctx
		s.mu.Unlock()
		g, gctx := errgroup.WithContext(ctx)
		g.Go(guard(log, func() error {
			if settled(gctx) {
				pub.register()
			}
			return nil
		}))
		g.Go(guard(log, func() error {
			if !settled(gctx) {
				return nil
			}
			w := s.startWatch()
			s.catchUp(gctx)
			return s.watchLoop(gctx, w)
		}))
		g.Go(guard(log, func() error { return s.lc.Run(gctx) }))
		g.Go(guard(log, func() error { s.startWarnings(gctx); return nil }))
		g.Go(func() error { return s.waitInternal(gctx) }) // a panic in a refresh's own goroutine
		return g.Wait()
	}
}

// settled waits settleDelay; false when ctx ended first (the child is gone).
func settled(ctx context.Context) bool {
	t := time.NewTimer(settleDelay)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
