//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package child

import (
	"errors"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// exitWatch waits for a process that is not the test's child to exit: a kqueue with the
// process's NOTE_EXIT registered while the test knows the process runs.
type exitWatch struct {
	kq   int
	gone bool // exited before the watch began
}

func watchExit(t *testing.T, pid int) *exitWatch {
	t.Helper()
	kq, err := unix.Kqueue()
	if err != nil {
		t.Fatalf("kqueue: %v", err)
	}
	t.Cleanup(func() { unix.Close(kq) })
	var ev unix.Kevent_t
	unix.SetKevent(&ev, pid, unix.EVFILT_PROC, unix.EV_ADD|unix.EV_ONESHOT)
	ev.Fflags = unix.NOTE_EXIT
	if _, err := unix.Kevent(kq, []unix.Kevent_t{ev}, nil, nil); errors.Is(err, unix.ESRCH) {
		return &exitWatch{kq: kq, gone: true}
	} else if err != nil {
		t.Fatalf("kevent NOTE_EXIT %d: %v", pid, err)
	}
	return &exitWatch{kq: kq}
}

// wait returns once the process has exited, failing the test after waitTimeout.
func (w *exitWatch) wait(t *testing.T, what string) {
	t.Helper()
	if w.gone {
		return
	}
	deadline := time.Now().Add(waitTimeout)
	events := make([]unix.Kevent_t, 1)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			t.Fatalf("timed out waiting for %s", what)
		}
		ts := unix.NsecToTimespec(int64(left))
		n, err := unix.Kevent(w.kq, nil, events, &ts)
		switch {
		case errors.Is(err, unix.EINTR): // a signal to the test process; wait on
		case err != nil:
			t.Fatalf("kevent: %v", err)
		case n > 0:
			return
		}
	}
}
