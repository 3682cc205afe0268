package child

import (
	"errors"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// exitWatch waits for a process that is not the test's child to exit: a pidfd, readable once
// the process has exited. It is opened while the test knows the process runs, so a later wait
// cannot be fooled by the pid's reuse.
type exitWatch struct {
	fd   int
	gone bool // exited and reaped before the watch began
}

func watchExit(t *testing.T, pid int) *exitWatch {
	t.Helper()
	fd, err := unix.PidfdOpen(pid, 0)
	if errors.Is(err, unix.ESRCH) {
		return &exitWatch{fd: -1, gone: true}
	}
	if err != nil {
		t.Fatalf("pidfd_open %d: %v", pid, err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	return &exitWatch{fd: fd}
}

// wait returns once the process has exited, failing the test after waitTimeout.
func (w *exitWatch) wait(t *testing.T, what string) {
	t.Helper()
	if w.gone {
		return
	}
	deadline := time.Now().Add(waitTimeout)
	for {
		ms := int(time.Until(deadline) / time.Millisecond)
		if ms <= 0 {
			t.Fatalf("timed out waiting for %s", what)
		}
		n, err := unix.Poll([]unix.PollFd{{Fd: int32(w.fd), Events: unix.POLLIN}}, ms)
		switch {
		case errors.Is(err, unix.EINTR): // a signal to the test process; wait on
		case err != nil:
			t.Fatalf("poll pidfd: %v", err)
		case n > 0:
			return
		}
	}
}
