//go:build unix

package child

import (
	"fmt"
	"os"
	"syscall"
)

// handle is how a started process is addressed: its pid, and on Linux a pidfd, which names
// this process and no other even once its pid has been reaped and reused.
type handle struct {
	pid   int
	pidfd int // -1 when the kernel gave none
}

// signal sends sig to the process alone. A process that has already exited is no error.
func (h *handle) signal(sig os.Signal) error {
	s, ok := sig.(syscall.Signal)
	if !ok {
		return fmt.Errorf("signal pid %d: unsupported signal %v", h.pid, sig)
	}
	var err error
	if h.pidfd >= 0 {
		err = pidfdSignal(h.pidfd, s)
	} else {
		err = syscall.Kill(h.pid, s)
	}
	if err != nil && err != syscall.ESRCH {
		return fmt.Errorf("signal pid %d: %w", h.pid, err)
	}
	return nil
}

// release closes the pidfd once the process has been reaped.
func (h *handle) release() {
	if h.pidfd >= 0 {
		_ = syscall.Close(h.pidfd)
		h.pidfd = -1
	}
}
