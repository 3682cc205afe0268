//go:build unix && !linux

package child

import (
	"os"
	"syscall"
)

// processGone reports whether pid no longer exists. An unreaped zombie still
// counts as existing here; init reaps orphans promptly on these systems.
func processGone(pid int) bool {
	return syscall.Kill(pid, 0) == syscall.ESRCH
}

// stopOwnThread stops the process with sig.
func stopOwnThread(sig syscall.Signal) error {
	return syscall.Kill(os.Getpid(), sig)
}
