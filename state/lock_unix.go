//go:build unix

package state

import (
	"errors"
	"os"
	"syscall"
)

// lockFile takes the exclusive lock a supervisor holds for its whole life; the kernel drops it
// when the process dies, however it dies, which is what makes stale entries detectable.
func lockFile(f *os.File) error {
	return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
}

// heldByOther tries the lock without waiting: held means a live supervisor owns it. When the
// lock is free the caller now holds it (until f is closed).
func heldByOther(f *os.File, _ string) (bool, error) {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return true, nil
	}
	return false, err
}
