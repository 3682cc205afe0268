//go:build unix && !linux

package child

import "syscall"

// processGone reports whether pid no longer exists. An unreaped zombie still
// counts as existing here; init reaps orphans promptly on these systems.
func processGone(pid int) bool {
	return syscall.Kill(pid, 0) == syscall.ESRCH
}
