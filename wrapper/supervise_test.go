//go:build unix

package wrapper

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"
)

// TestSuperviseDoesNotWaitForBackgroundOnTheWayOut: once the child has been reaped, supervise
// returns its exit without waiting for background work that is still busy (a registry entry or
// a watch being set up when the child ended): awsrun exits as soon as the child is done.
func TestSuperviseDoesNotWaitForBackgroundOnTheWayOut(t *testing.T) {
	cfg, _ := superviseWorld(t, slog.New(slog.DiscardHandler), "sh", "-c", "exit 3")
	release := make(chan struct{})
	finished := make(chan struct{})
	background := func(ctx context.Context) error {
		defer close(finished)
		<-ctx.Done()
		<-release // busy beyond the child's end
		return nil
	}
	type result struct {
		exit Exit
		err  error
	}
	done := make(chan result, 1)
	go func() {
		e, err := supervise(context.Background(), cfg, runOnce(os.Environ()), background, nil)
		done <- result{e, err}
	}()
	select {
	case r := <-done:
		if r.err != nil || r.exit.Code != 3 {
			t.Errorf("supervise = %+v, %v; want exit code 3", r.exit, r.err)
		}
	case <-time.After(20 * time.Second):
		close(release)
		t.Fatal("supervise waited for background work after the child had exited")
	}
	close(release)
	select {
	case <-finished:
	case <-time.After(20 * time.Second):
		t.Fatal("background work did not end after its context was cancelled")
	}
}
