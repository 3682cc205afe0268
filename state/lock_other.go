//go:build !unix

package state

import (
	"os"
	"strconv"
	"strings"
)

// lockFile is a no-op where flock does not exist; liveness falls back to the pid.
func lockFile(*os.File) error { return nil }

// heldByOther asks whether the pid in the entry's id still runs. A reused pid can make a dead
// entry look alive here; unix systems use the lock instead.
func heldByOther(_ *os.File, id string) (bool, error) {
	pidStr, _, _ := strings.Cut(id, "-")
	pid, err := strconv.Atoi(pidStr)
	if err != nil {
		return false, nil
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return false, nil
	}
	p.Release()
	return true, nil
}
