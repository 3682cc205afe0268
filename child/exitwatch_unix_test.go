//go:build unix

package child

import (
	"errors"
	"testing"

	"github.com/awsrun/awsrun/internal/testutil"
)

// exitWatch waits for a process that is not the test's child to exit (testutil.ExitWatch: a
// pidfd or kqueue). It is opened while the test knows the process runs, so a later wait cannot
// be fooled by the pid's reuse.
type exitWatch struct{ w *testutil.ExitWatch }

func watchExit(t *testing.T, pid int) exitWatch {
	t.Helper()
	w, err := testutil.WatchExit(pid)
	if errors.Is(err, errors.ErrUnsupported) {
		t.Skipf("no way to watch the exit of pid %d on this system", pid)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return exitWatch{w}
}

// wait returns once the process has exited, failing the test after waitTimeout.
func (e exitWatch) wait(t *testing.T, what string) {
	t.Helper()
	if err := e.w.Wait(waitTimeout); err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}
