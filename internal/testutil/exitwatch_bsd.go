//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package testutil

import (
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// ExitWatch waits for a process that is not the caller's child to exit, through a kqueue with
// the process's NOTE_EXIT registered. Open it while the process is known to run, so the wait
// cannot be fooled by the pid's reuse.
type ExitWatch struct {
	pid  int
	kq   int
	gone bool // exited before the watch began
}

// WatchExit registers pid's exit with a new kqueue; a pid with no process behind it counts as
// exited already.
func WatchExit(pid int) (*ExitWatch, error) {
	kq, err := unix.Kqueue()
	if err != nil {
		return nil, fmt.Errorf("kqueue: %w", err)
	}
	var ev unix.Kevent_t
	unix.SetKevent(&ev, pid, unix.EVFILT_PROC, unix.EV_ADD|unix.EV_ONESHOT)
	ev.Fflags = unix.NOTE_EXIT
	if _, err := unix.Kevent(kq, []unix.Kevent_t{ev}, nil, nil); errors.Is(err, unix.ESRCH) {
		return &ExitWatch{pid: pid, kq: kq, gone: true}, nil
	} else if err != nil {
		unix.Close(kq)
		return nil, fmt.Errorf("kevent NOTE_EXIT %d: %w", pid, err)
	}
	return &ExitWatch{pid: pid, kq: kq}, nil
}

// Wait returns nil once the process has exited, or an error when limit passes first.
func (w *ExitWatch) Wait(limit time.Duration) error {
	if w.gone {
		return nil
	}
	deadline := time.Now().Add(limit)
	events := make([]unix.Kevent_t, 1)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return fmt.Errorf("process %d still running after %v", w.pid, limit)
		}
		ts := unix.NsecToTimespec(int64(left))
		n, err := unix.Kevent(w.kq, nil, events, &ts)
		switch {
		case errors.Is(err, unix.EINTR): // a signal to the test process; wait on
		case err != nil:
			return fmt.Errorf("kevent: %w", err)
		case n > 0:
			w.gone = true // the event was one-shot: later Waits must not block
			return nil
		}
	}
}

// Close releases the kqueue.
func (w *ExitWatch) Close() error {
	if w.kq < 0 {
		return nil
	}
	err := unix.Close(w.kq)
	w.kq = -1
	return err
}
