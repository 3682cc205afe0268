//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/awsrun/awsrun/cmd/awsrun/internal/early"
	"github.com/awsrun/awsrun/internal/testutil"
)

// blockingProc is a profile whose credential_process says it started through the FIFO marker,
// then waits until the test opens marker+".fifo" for writing: awsrun is held in its start-up,
// before the child runs, for as long as the test needs.
func blockingProc(t *testing.T) (h, marker string) {
	t.Helper()
	dir := t.TempDir()
	marker = filepath.Join(dir, "started")
	for _, fifo := range []string{marker, marker + ".fifo"} {
		if err := syscall.Mkfifo(fifo, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	h = home(t, "[profile block]\ncredential_process = $TESTBIN __credproc__ block "+marker+"\nregion = eu-west-1\n")
	return h, marker
}

// waitStarted waits for the credential_process to say it started and returns its pid.
func waitStarted(t *testing.T, marker string) int {
	t.Helper()
	pid := make(chan int, 1)
	go func() {
		// Opening a FIFO to read waits for its writer: the credential_process.
		b, _ := os.ReadFile(marker)
		n, _ := strconv.Atoi(string(b))
		pid <- n
	}()
	select {
	case n := <-pid:
		if n == 0 {
			t.Fatal("the credential_process said nothing")
		}
		return n
	case <-time.After(30 * time.Second):
		// Unblock the reader before failing.
		if f, err := os.OpenFile(marker, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
		t.Fatal("the credential_process never started")
		return 0
	}
}

// release lets the blocked credential_process answer.
func release(t *testing.T, marker string) {
	t.Helper()
	f, err := os.OpenFile(marker+".fifo", os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
}

// TestSignalDuringStartup: the forwarded signals are registered while awsrun starts (off the
// start's critical path), but until the child runs a signal still does what it did before:
// SIGTERM, SIGINT and SIGHUP end awsrun (it dies of them, the command never starts, and the
// private directory made so far is gone); SIGUSR1, which a Go program that has not asked for
// it ignores, changes nothing, and so does a signal awsrun was started with ignored (SIGHUP
// under nohup, SIGINT in a shell's background job): awsrun inherits this test's dispositions.
func TestSignalDuringStartup(t *testing.T) {
	for _, c := range []struct {
		sig  syscall.Signal
		dies bool
	}{{syscall.SIGTERM, true}, {syscall.SIGINT, true}, {syscall.SIGHUP, true}, {syscall.SIGUSR1, false}} {
		t.Run(c.sig.String(), func(t *testing.T) {
			// The test binary's own intake saw what it was started with (signal.Ignored no
			// longer tells once the signal is registered); awsrun inherits the same.
			dies := c.dies && !early.IgnoredAtStart(c.sig)
			h, marker := blockingProc(t)
			ran := filepath.Join(h, "child-ran")
			cmd := awsrunCmd(t, h, nil, "--log-level", "debug", "-p", "block", "--", "sh", "-c", "touch "+ran)
			errb := &testutil.LockedBuffer{}
			cmd.Stderr = errb
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			proc := waitStarted(t, marker)
			defer syscall.Kill(proc, syscall.SIGKILL)
			if err := cmd.Process.Signal(c.sig); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			if !dies {
				// Delivery is asynchronous: release the start only once awsrun has dealt with
				// the signal, or it may reach the command instead.
				deadline := time.After(30 * time.Second)
				for {
					changed := errb.Changed() // before the check, so no write after it is missed
					if strings.Contains(errb.String(), "signal before the command started") {
						break
					}
					select {
					case <-changed:
					case <-deadline:
						t.Fatalf("awsrun never logged the signal; stderr:\n%s", errb.String())
					}
				}
				release(t, marker)
			}
			select {
			case <-done:
			case <-time.After(30 * time.Second):
				if dies {
					release(t, marker)
				}
				<-done
				t.Fatalf("awsrun did not end; stderr:\n%s", errb.String())
			}
			ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
			_, statErr := os.Stat(ran)
			if dies {
				if !ws.Signaled() || ws.Signal() != c.sig {
					t.Errorf("awsrun ended with %v, want death by %v; stderr:\n%s", ws, c.sig, errb.String())
				}
				if statErr == nil {
					t.Error("the command ran")
				}
				// The private directory (TMPDIR is h) was made beside the resolution; dying
				// of the signal removes it first.
				if left, _ := filepath.Glob(filepath.Join(h, "awsrun-*")); len(left) > 0 {
					t.Errorf("left behind: %v", left)
				}
				return
			}
			if ws.Signaled() || ws.ExitStatus() != 0 || statErr != nil {
				t.Errorf("awsrun ended with %v (command ran: %v), want the command run and exit 0; stderr:\n%s", ws, statErr == nil, errb.String())
			}
		})
	}
}

// TestIgnoredHangupDuringStartupStaysIgnored: under nohup (SIGHUP ignored) a hangup during the
// start-up changes nothing: the command runs and its status is awsrun's.
func TestIgnoredHangupDuringStartupStaysIgnored(t *testing.T) {
	h, marker := blockingProc(t)
	cmd := awsrunCmd(t, h, nil, "-p", "block", "--", "sh", "-c", "exit 3")
	// The shell ignores SIGHUP and execs awsrun (the test binary), which inherits that.
	cmd.Args = []string{"sh", "-c", `trap "" HUP; exec "$0"`, cmd.Path}
	cmd.Path = "/bin/sh"
	var errb strings.Builder
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	proc := waitStarted(t, marker)
	defer syscall.Kill(proc, syscall.SIGKILL)
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	release(t, marker)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("awsrun did not finish; stderr:\n%s", errb.String())
	}
	if ws := cmd.ProcessState.Sys().(syscall.WaitStatus); ws.Signaled() || ws.ExitStatus() != 3 {
		t.Errorf("awsrun ended with %v, want the command's exit 3; stderr:\n%s", ws, errb.String())
	}
}
