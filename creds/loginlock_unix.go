//go:build unix

package creds

import (
	"context"
	"os"
	"syscall"
)

// lockDir takes an exclusive flock on dir itself (no lock file is left in the user's cache),
// waiting until it is free or ctx ends. The returned func releases it.
func lockDir(ctx context.Context, dir string) (func(), error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	got := make(chan error, 1)
	go func() { got <- flockRetry(int(f.Fd())) }()
	select {
	case err := <-got:
		if err != nil {
			f.Close()
			return nil, err
		}
		return func() { f.Close() }, nil // closing the descriptor releases the lock
	case <-ctx.Done():
		// The waiter still holds f: when it gets the lock, closing f gives it back.
		go func() {
			<-got
			f.Close()
		}()
		return nil, ctx.Err()
	}
}

// flockRetry waits for the lock, restarting after signals that interrupt the wait.
func flockRetry(fd int) error {
	var err error
	for range 100 {
		if err = syscall.Flock(fd, syscall.LOCK_EX); err != syscall.EINTR {
			return err
		}
	}
	return err
}
