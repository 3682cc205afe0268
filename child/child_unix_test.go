//go:build unix

package child

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// readPid reads a "pid N" line.
func readPid(t *testing.T, out *lines) int {
	t.Helper()
	line, ok := out.next(t)
	pid, err := strconv.Atoi(strings.TrimPrefix(line, "pid "))
	if !ok || err != nil || pid <= 0 {
		t.Fatalf("got %q, want a pid line", line)
	}
	return pid
}

func TestSignalDeath(t *testing.T) {
	t.Run("SIGTERM", func(t *testing.T) {
		p, out := startHelper(t, Options{}, "block")
		out.expect(t, "ready")
		if err := p.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		st := waitDone(t, p)
		if !st.Signaled || st.Signal != syscall.SIGTERM || st.ExitCode() != 143 {
			t.Fatalf("status %+v (exit code %d), want death by SIGTERM, 143", st, st.ExitCode())
		}
	})
	t.Run("SIGKILL", func(t *testing.T) {
		p, _ := startHelper(t, Options{}, "kill-self")
		st := waitDone(t, p)
		if !st.Signaled || st.Signal != syscall.SIGKILL || st.ExitCode() != 137 {
			t.Fatalf("status %+v (exit code %d), want death by SIGKILL, 137", st, st.ExitCode())
		}
	})
}

func TestStartNotExecutable(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "not-executable")
	if err := os.WriteFile(file, []byte("#!/bin/sh\nexit 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path, reason string
		is           error
	}{
		{file, "permission denied", fs.ErrPermission},
		{dir, "is a directory", syscall.EISDIR},
	} {
		t.Run(tc.reason, func(t *testing.T) {
			p, err := New(Options{Command: tc.path})
			if err != nil {
				t.Fatal(err)
			}
			err = p.Start()
			var se *StartError
			if !errors.As(err, &se) || se.NotFound || se.ExitCode() != 126 || !errors.Is(err, tc.is) {
				t.Fatalf("Start = %v, want a StartError with exit code 126 wrapping %v", err, tc.is)
			}
			if want := fmt.Sprintf("start %q: %s", tc.path, tc.reason); err.Error() != want {
				t.Fatalf("message %q, want %q", err, want)
			}
			if st := waitDone(t, p); st.ExitCode() != 126 {
				t.Fatalf("status %+v", st)
			}
		})
	}
}

func TestStartMissingPathMessage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing")
	p, err := New(Options{Command: path})
	if err != nil {
		t.Fatal(err)
	}
	err = p.Start()
	if want := fmt.Sprintf("start %q: no such file or directory", path); err == nil || err.Error() != want {
		t.Fatalf("Start = %v, want %q", err, want)
	}
}

func TestNilEnvIsEmpty(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	p, err := New(Options{Command: "env", Stdout: w})
	if err != nil {
		t.Fatal(err)
	}
	err = p.Start()
	_ = w.Close()
	if err != nil {
		t.Skip("no env command:", err)
	}
	out := newLines(r)
	defer out.close()
	if line, ok := out.next(t); ok {
		t.Fatalf("child with nil Env printed %q, want nothing", line)
	}
	if st := waitDone(t, p); st != (Status{}) {
		t.Fatalf("status %+v", st)
	}
}

func TestStopTrapped(t *testing.T) {
	// The hour-long timeout would turn a missed SIGTERM into a test timeout
	// rather than a pass.
	p, out := startHelper(t, Options{KillTimeout: time.Hour}, "trap", "3")
	out.expect(t, "ready")
	if st := stopWithin(t, p); st != (Status{Code: 3}) {
		t.Fatalf("Stop = %+v, want a clean exit with code 3", st)
	}
}

func TestStopEscalatesToKill(t *testing.T) {
	p, out := startHelper(t, Options{KillTimeout: 200 * time.Millisecond}, "ignore")
	out.expect(t, "ready")
	st := stopWithin(t, p)
	if !st.Signaled || st.Signal != syscall.SIGKILL || st.ExitCode() != 137 {
		t.Fatalf("Stop = %+v, want death by SIGKILL", st)
	}
	select {
	case <-p.Done():
	default:
		t.Fatal("Done not closed when Stop returned")
	}
}

func TestStopCustomSignal(t *testing.T) {
	p, out := startHelper(t, Options{StopSignal: syscall.SIGUSR1, KillTimeout: time.Hour}, "usr1")
	out.expect(t, "ready")
	if st := stopWithin(t, p); st != (Status{}) {
		t.Fatalf("Stop = %+v, want exit code 0", st)
	}
	out.expect(t, fmt.Sprintf("got %d", syscall.SIGUSR1))
}

func TestStopConcurrent(t *testing.T) {
	p, out := startHelper(t, Options{KillTimeout: 200 * time.Millisecond}, "ignore")
	out.expect(t, "ready")
	var wg sync.WaitGroup
	results := make([]Status, 8)
	for i := range results {
		wg.Go(func() { results[i] = p.Stop() })
	}
	wg.Wait()
	for i, st := range results {
		if !st.Signaled || st.Signal != syscall.SIGKILL {
			t.Fatalf("Stop #%d = %+v, want death by SIGKILL", i, st)
		}
	}
}

func TestSignalForwarding(t *testing.T) {
	p, out := startHelper(t, Options{}, "usr1")
	out.expect(t, "ready")
	if err := p.Signal(syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	out.expect(t, fmt.Sprintf("got %d", syscall.SIGUSR1))
	if st := waitDone(t, p); st != (Status{}) {
		t.Fatalf("status %+v", st)
	}
	if err := p.Signal(syscall.SIGUSR1); err != nil {
		t.Fatalf("Signal after exit = %v, want nil", err)
	}
}

func TestKillGroup(t *testing.T) {
	p, out := startHelper(t, Options{Setpgid: true, KillGroup: true, KillTimeout: time.Hour}, "group")
	gpid := readPid(t, out)
	exited := watchExit(t, gpid)
	if processGone(gpid) {
		t.Fatalf("grandchild %d not running", gpid)
	}
	st := stopWithin(t, p)
	if !st.Signaled || st.Signal != syscall.SIGTERM {
		t.Fatalf("Stop = %+v, want death by SIGTERM", st)
	}
	exited.wait(t, "grandchild to die with its group")
}

func TestStopWithoutKillGroupSparesGroup(t *testing.T) {
	p, out := startHelper(t, Options{Setpgid: true, KillTimeout: time.Hour}, "group")
	gpid := readPid(t, out)
	t.Cleanup(func() { _ = syscall.Kill(gpid, syscall.SIGKILL) })
	if st := stopWithin(t, p); !st.Signaled || st.Signal != syscall.SIGTERM {
		t.Fatalf("Stop = %+v, want death by SIGTERM", st)
	}
	if processGone(gpid) {
		t.Fatal("grandchild died although KillGroup was off")
	}
}

func TestJobControl(t *testing.T) {
	var calls atomic.Int32
	stops := make(chan syscall.Signal, 1)
	onStop := func(sig syscall.Signal) {
		calls.Add(1)
		select {
		case stops <- sig:
		default:
		}
	}
	// Its own group keeps the child out of an orphaned process group, in
	// which the kernel would discard its SIGTSTP instead of stopping it.
	p, out := startHelper(t, Options{JobControl: true, OnStop: onStop, Setpgid: true}, "tstp")
	out.expect(t, "stopping")
	select {
	case sig := <-stops:
		if sig != syscall.SIGTSTP {
			t.Fatalf("OnStop(%v), want SIGTSTP", sig)
		}
	case <-time.After(waitTimeout):
		t.Fatal("OnStop not called")
	}
	out.expect(t, "continued")
	if st := waitDone(t, p); st != (Status{Code: 7}) {
		t.Fatalf("status %+v, want exit code 7", st)
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("OnStop called %d times, want 1", n)
	}
}
