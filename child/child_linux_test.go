package child

import (
	"bytes"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// procState returns the state letter of pid from /proc, or "" if there is
// no such process.
func procState(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ""
	}
	// The state follows the command name, which may itself contain spaces
	// and parentheses.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return ""
	}
	fields := strings.Fields(string(b[i+1:]))
	if len(fields) == 0 {
		return ""
	}
	return fields[0]
}

// waitStopped waits until pid, a child of the test process, is stopped, failing the test at
// the deadline. The kernel tells a parent of each stop of its children with SIGCHLD; the stop
// report itself belongs to the package's reaper (a waitid here would race it for the report),
// so the state is read again from /proc on each SIGCHLD.
func waitStopped(t *testing.T, what string, pid int) {
	t.Helper()
	sigchld := make(chan os.Signal, 1)
	signal.Notify(sigchld, syscall.SIGCHLD) // before the first look, so no stop after it is missed
	defer signal.Stop(sigchld)
	deadline := time.NewTimer(waitTimeout)
	defer deadline.Stop()
	for procState(pid) != "T" {
		select {
		case <-sigchld: // some child changed state: perhaps this one
		case <-deadline.C:
			t.Fatalf("timed out waiting for %s (state %q)", what, procState(pid))
		}
	}
}

// processGone reports whether pid is dead. A zombie counts as dead: an
// orphan is reaped by init, or by nobody in some containers.
func processGone(pid int) bool {
	if syscall.Kill(pid, 0) == syscall.ESRCH {
		return true
	}
	switch procState(pid) {
	case "", "Z", "X":
		return true
	}
	return false
}

// stopOwnThread stops the process with sig, sent to the calling thread: sent
// to the process, the signal may be taken by another thread while this one
// runs on, so that the process sometimes exits before it stops.
func stopOwnThread(sig syscall.Signal) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	return syscall.Tgkill(os.Getpid(), syscall.Gettid(), sig)
}

func TestPdeathsig(t *testing.T) {
	p, out := startHelper(t, Options{}, "pdeathsig-middle")
	gpid := readPid(t, out)
	exited := watchExit(t, gpid)
	confirmed := false
	t.Cleanup(func() {
		if !confirmed {
			_ = syscall.Kill(gpid, syscall.SIGKILL)
		}
	})
	if processGone(gpid) {
		t.Fatalf("grandchild %d not running", gpid)
	}
	if err := p.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if st := waitDone(t, p); !st.Signaled || st.Signal != syscall.SIGKILL {
		t.Fatalf("middle status %+v, want death by SIGKILL", st)
	}
	exited.wait(t, "grandchild to get its parent-death signal")
	confirmed = true
}

// TestJobControlDefault runs the default OnStop in a middle process: when
// its child stops itself, the middle must stop itself, and once continued
// it must continue the child.
func TestJobControlDefault(t *testing.T) {
	p, out := startHelper(t, Options{Setpgid: true}, "jobcontrol-middle")
	// The middle's "pid" line and the child's "stopping" line race.
	gpid := 0
	for i := 0; i < 2; i++ {
		line, ok := out.next(t)
		switch {
		case !ok:
			t.Fatal("EOF before the child stopped")
		case line == "stopping":
		default:
			var err error
			if gpid, err = strconv.Atoi(strings.TrimPrefix(line, "pid ")); err != nil {
				t.Fatalf("got %q, want a pid line", line)
			}
		}
	}
	waitStopped(t, "middle process to stop itself", p.Pid())
	// The child may only be continued once the middle has been: continuing
	// it first would leave it running while the shell owns the terminal.
	if st := procState(gpid); st != "T" {
		t.Fatalf("child state %q while the middle is stopped, want T", st)
	}
	if err := p.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	out.expect(t, "continued")
	if st := waitDone(t, p); st != (Status{Code: 7}) {
		t.Fatalf("middle status %+v, want the child's exit code 7", st)
	}
}

// TestStopContinuesStoppedChild checks that Stop also reaches a child that
// is stopped (a stopped process only acts on SIGTERM once continued), and
// that without JobControl a self-stopped child is left alone.
func TestStopContinuesStoppedChild(t *testing.T) {
	var calls atomic.Int32
	o := Options{Setpgid: true, KillTimeout: time.Hour, OnStop: func(syscall.Signal) { calls.Add(1) }}
	p, out := startHelper(t, o, "tstp", "trap")
	out.expect(t, "stopping")
	waitStopped(t, "child to stop itself", p.Pid())
	if st := stopWithin(t, p); st != (Status{Code: 3}) {
		t.Fatalf("Stop = %+v, want exit code 3 from the SIGTERM trap", st)
	}
	if n := calls.Load(); n != 0 {
		t.Fatalf("OnStop called %d times without JobControl", n)
	}
}

// TestPidfdNamesTheProcess: a started process is signalled through the pidfd its clone gave,
// which is closed once the process is reaped; without one (an old kernel), by pid, the same.
func TestPidfdNamesTheProcess(t *testing.T) {
	p, out := startHelper(t, Options{}, "usr1")
	out.expect(t, "ready")
	p.mu.Lock()
	fd := p.proc.pidfd
	p.mu.Unlock()
	if fd < 0 {
		t.Fatal("no pidfd from clone on Linux")
	}
	if err := p.Signal(syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	out.expect(t, fmt.Sprintf("got %d", syscall.SIGUSR1))
	waitDone(t, p)
	p.mu.Lock()
	released := p.proc.pidfd
	p.mu.Unlock()
	if released != -1 {
		t.Errorf("pidfd %d kept after the reap", released)
	}

	q, qout := startHelper(t, Options{}, "usr1")
	qout.expect(t, "ready")
	q.mu.Lock()
	q.proc.release() // as if the kernel had given none
	q.mu.Unlock()
	if err := q.Signal(syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	qout.expect(t, fmt.Sprintf("got %d", syscall.SIGUSR1))
	if st := waitDone(t, q); st != (Status{}) {
		t.Fatalf("status %+v", st)
	}
	if err := q.Signal(syscall.SIGUSR1); err != nil {
		t.Errorf("Signal after exit = %v, want nil", err)
	}
}
