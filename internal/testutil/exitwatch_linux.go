package testutil

import (
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// ExitWatch waits for a process that is not the caller's child to exit, through a pidfd that
// becomes readable once it has. Open it while the process is known to run, so the wait cannot
// be fooled by the pid's reuse.
type ExitWatch struct {
	pid  int
	fd   int
	gone bool // exited and reaped before the watch began
}

// WatchExit opens a pidfd for pid; a pid with no process behind it counts as exited already.
func WatchExit(pid int) (*ExitWatch, error) {
	fd, err := unix.PidfdOpen(pid, 0)
	if errors.Is(err, unix.ESRCH) {
		return &ExitWatch{pid: pid, fd: -1, gone: true}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("pidfd_open %d: %w", pid, err)
	}
	return &ExitWatch{pid: pid, fd: fd}, nil
}

// Wait returns nil once the process has exited (a zombie nobody reaped counts), or an error
// when limit passes first.
func (w *ExitWatch) Wait(limit time.Duration) error {
	if w.gone {
		return nil
	}
	deadline := time.Now().Add(limit)
	for {
		ms := int(time.Until(deadline).Milliseconds())
		if ms <= 0 {
			return fmt.Errorf("process %d still running after %v", w.pid, limit)
		}
		n, err := unix.Poll([]unix.PollFd{{Fd: int32(w.fd), Events: unix.POLLIN}}, ms)
		switch {
		case errors.Is(err, unix.EINTR): // a signal to the test process; wait on
		case err != nil:
			return fmt.Errorf("poll pidfd of %d: %w", w.pid, err)
		case n > 0:
			return nil
		}
	}
}

// Close releases the pidfd.
func (w *ExitWatch) Close() error {
	if w.fd < 0 {
		return nil
	}
	err := unix.Close(w.fd)
	w.fd = -1
	return err
}
