//go:build unix

package main

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/awsrun/awsrun/internal/testutil"
)

const rotateConfig = "[profile rot]\ncredential_process = $TESTBIN __credproc__ rotate 3\nregion = eu-west-1\n" +
	"[profile same]\ncredential_process = $TESTBIN __credproc__ same 3\nregion = eu-west-1\n"

// records reads the fake child's start records: one line per start.
func records(path string) [][]string {
	data, _ := os.ReadFile(path)
	var out [][]string
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if l != "" {
			out = append(out, strings.Fields(l))
		}
	}
	return out
}

// startEnvMode runs awsrun --inject env with a recording child and returns a function that
// waits until the child has been started n times (or fails the test at the deadline).
func startEnvMode(t *testing.T, profile string, extra ...string) (rec, logFile string, cmd func() *result, waitStarts func(n int)) {
	t.Helper()
	h := home(t, rotateConfig)
	rec, logFile = filepath.Join(h, "starts"), filepath.Join(h, "awsrun.log")
	args := append([]string{"-p", profile, "--inject", "env", "--log-level", "debug", "--log-file", logFile}, extra...)
	args = append(args, "--", os.Args[0], "__child__", "record", rec)
	c := awsrunCmd(t, h, nil, args...)
	var errb bytes.Buffer
	c.Stderr = &errb
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { c.Wait(); close(done) }()
	t.Cleanup(func() {
		c.Process.Kill()
		<-done
	})
	waitStarts = func(n int) {
		t.Helper()
		err := testutil.WaitFile(rec, 60*time.Second, done, func([]byte) bool { return len(records(rec)) >= n })
		switch {
		case errors.Is(err, testutil.ErrStopped):
			t.Fatalf("awsrun exited after %d starts: %s", len(records(rec)), errb.String())
		case err != nil:
			t.Fatalf("only %d starts: %v", len(records(rec)), err)
		}
	}
	cmd = func() *result {
		c.Process.Signal(syscall.SIGTERM)
		<-done
		ws := c.ProcessState.Sys().(syscall.WaitStatus)
		return &result{code: ws.ExitStatus(), signal: signalOf(ws), stderr: errb.String()}
	}
	return rec, logFile, cmd, waitStarts
}

func signalOf(ws syscall.WaitStatus) syscall.Signal {
	if ws.Signaled() {
		return ws.Signal()
	}
	return 0
}

func TestEnvModeRestartsWithFreshCredentials(t *testing.T) {
	t.Parallel()
	rec, logFile, stop, waitStarts := startEnvMode(t, "rot")
	waitStarts(4)
	stop()
	starts := records(rec)
	keys, pids := map[string]bool{}, map[string]bool{}
	for _, r := range starts {
		if len(r) < 3 || !strings.HasPrefix(r[1], "ASIAROT") {
			t.Fatalf("child did not get env credentials: %q", r)
		}
		if _, err := time.Parse(time.RFC3339, r[2]); err != nil || !strings.HasSuffix(r[2], "Z") {
			t.Errorf("AWS_CREDENTIAL_EXPIRATION %q is not RFC 3339 UTC", r[2])
		}
		keys[r[1]], pids[r[0]] = true, true
	}
	if len(keys) != len(starts) || len(pids) != len(starts) {
		t.Errorf("each restart should be a new process with a new key: %v", starts)
	}
	log, _ := os.ReadFile(logFile)
	if n := bytes.Count(log, []byte("restarting the command with new credentials")); n < 3 {
		t.Errorf("log shows %d restarts:\n%s", n, log)
	}
	for _, r := range starts {
		if bytes.Contains(log, []byte(r[1])) {
			t.Errorf("log contains an unredacted access key id")
		}
	}
	if !regexp.MustCompile(`old_key=ASIA\.\.\.\d{4} old_expires=\S+Z new_key=ASIA\.\.\.\d{4} new_expires=\S+Z restarts=\d`).Match(log) {
		t.Errorf("restart log line lacks reason/keys/expiries:\n%s", log)
	}
}

func TestEnvModeNoRestartWhenCredentialsUnchanged(t *testing.T) {
	t.Parallel()
	rec, logFile, stop, waitStarts := startEnvMode(t, "same")
	waitStarts(1)
	// Wait for two renewals that returned the same key, then check nothing restarted.
	if err := testutil.WaitFile(logFile, 30*time.Second, nil, func(log []byte) bool {
		return bytes.Count(log, []byte("credentials unchanged; no restart")) >= 2
	}); err != nil {
		log, _ := os.ReadFile(logFile)
		t.Fatalf("no unchanged renewals logged (%v):\n%s", err, log)
	}
	stop()
	if n := len(records(rec)); n != 1 {
		t.Errorf("child started %d times, want 1", n)
	}
}

func TestEnvModeStopTimeoutEscalatesToSIGKILL(t *testing.T) {
	t.Parallel()
	h := home(t, rotateConfig)
	rec, logFile := filepath.Join(h, "starts"), filepath.Join(h, "awsrun.log")
	c := awsrunCmd(t, h, nil, "-p", "rot", "--inject", "env", "--stop-timeout", "300ms", "--log-level", "debug", "--log-file", logFile,
		"--", os.Args[0], "__child__", "record", rec, "stubborn")
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		// The stubborn child ignores the SIGTERM awsrun forwards; kill awsrun and check the
		// kernel's parent-death signal took the child with it. Each child's exit is watched
		// (a pidfd, on Linux) from before the kill where it can be, so a recycled pid cannot
		// stand in for it; a child started meanwhile is watched after.
		watches := map[int]*testutil.ExitWatch{}
		watch := func() {
			for _, r := range records(rec) {
				pid, _ := strconv.Atoi(r[0])
				if _, ok := watches[pid]; ok || pid <= 0 {
					continue
				}
				w, err := testutil.WatchExit(pid)
				if errors.Is(err, errors.ErrUnsupported) {
					w = nil // not on this OS: only the kills below
				} else if err != nil {
					t.Errorf("watch child %d: %v", pid, err)
				}
				watches[pid] = w
			}
		}
		watch()
		c.Process.Kill()
		c.Wait()
		watch()
		for pid, w := range watches {
			if w == nil {
				syscall.Kill(pid, syscall.SIGKILL) // never leave one behind, whatever the OS
				continue
			}
			if err := w.Wait(10 * time.Second); err != nil {
				t.Errorf("child %d outlived awsrun's SIGKILL: %v", pid, err)
				syscall.Kill(pid, syscall.SIGKILL)
			}
			w.Close()
		}
	}()
	if err := testutil.WaitFile(rec, 60*time.Second, nil, func([]byte) bool { return len(records(rec)) >= 2 }); err != nil {
		t.Fatalf("no restart: %v", err)
	}
	log, _ := os.ReadFile(logFile)
	if !bytes.Contains(log, []byte(`msg="child stopped for restart" code=137`)) {
		t.Errorf("a child ignoring SIGTERM was not SIGKILLed:\n%s", log)
	}
}

func TestEnvModeSplayStaysWithinBound(t *testing.T) {
	t.Parallel()
	_, logFile, stop, waitStarts := startEnvMode(t, "rot", "--restart-splay", "400ms")
	waitStarts(3)
	stop()
	log, _ := os.ReadFile(logFile)
	sc := bufio.NewScanner(bytes.NewReader(log))
	re := regexp.MustCompile(`msg="waiting before restart" splay=(\S+)`)
	seen := 0
	for sc.Scan() {
		m := re.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		d, err := time.ParseDuration(m[1])
		if err != nil || d < 0 || d > 400*time.Millisecond {
			t.Errorf("splay %s outside [0, 400ms]", m[1])
		}
		seen++
	}
	if seen < 2 {
		t.Errorf("saw %d splay waits:\n%s", seen, log)
	}
}

func TestEnvModeExitCodePassThrough(t *testing.T) {
	t.Parallel()
	h := home(t, rotateConfig)
	for _, n := range []int{0, 1, 42} {
		r := runAwsrun(t, h, nil, "-p", "rot", "--inject", "env", "--", os.Args[0], "__child__", "exit", itoa(n))
		if r.signal != 0 || r.code != n {
			t.Errorf("child exit %d: awsrun exit %d signal %v: %s", n, r.code, r.signal, r.stderr)
		}
	}
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL} {
		r := runAwsrun(t, h, nil, "-p", "rot", "--inject", "env", "--", os.Args[0], "__child__", "kill", itoa(int(sig)))
		if r.signal != sig {
			t.Errorf("child died of %v: awsrun exit %d signal %v", sig, r.code, r.signal)
		}
	}
}
