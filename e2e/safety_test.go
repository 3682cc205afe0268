//go:build linux

package e2e

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestNothingLeftBehind ends awsrun by every way it can end and checks what it leaves: no file,
// directory or socket of its own in TMPDIR or XDG_RUNTIME_DIR, no listening port, the user's
// ~/.aws/config and ~/.aws/credentials byte for byte as they were (and never rewritten), and
// no secret in its log, its stderr, or the command lines `ps` shows. The child is a real
// client that has fetched and used credentials, so there are secrets to leak.
func TestNothingLeftBehind(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	t.Parallel()
	type ending struct {
		name    string
		profile string
		inject  string
		client  string
		// end makes awsrun exit; it returns what the exit must look like.
		end  func(t *testing.T, p *proc) (code int, sig syscall.Signal)
		argv func(client []string) []string
	}
	closeStdin := func(t *testing.T, p *proc) (int, syscall.Signal) { p.stdin.Close(); return 0, 0 }
	signal := func(sig syscall.Signal) func(*testing.T, *proc) (int, syscall.Signal) {
		return func(t *testing.T, p *proc) (int, syscall.Signal) {
			p.cmd.Process.Signal(sig)
			if ignoredAtStart(t, sig) {
				// awsrun inherits the disposition this test runs with (nohup ignores SIGHUP): it
				// forwards the signal, the child dies of it, and awsrun, which cannot die of a
				// signal it was started ignoring, exits 128+N as the README says.
				return 128 + int(sig), 0
			}
			return -1, sig // the child dies of it and awsrun re-raises it
		}
	}
	killChild := func(t *testing.T, p *proc) (int, syscall.Signal) {
		kids := descendants(p.cmd.Process.Pid)
		if len(kids) == 0 {
			t.Fatal("no child to kill")
		}
		syscall.Kill(kids[0], syscall.SIGKILL)
		return -1, syscall.SIGKILL
	}
	// awsrun panics while the child runs (a test hook, built with -tags awsrun_testhooks): the
	// next credential refresh after the test creates the arm file panics in awsrun.
	const panicEnding = "awsrun-panic-recovered"
	// The child answered a call just before (p.ask below), so one was running. Whether one runs
	// at this very moment is not asked: in env mode the child is restarted at every renewal,
	// every few seconds here, and the check could land between two of them.
	panicAwsrun := func(t *testing.T, p *proc) (int, syscall.Signal) {
		var arm string
		for _, kv := range p.cmd.Env {
			if v, ok := strings.CutPrefix(kv, "AWSRUN_TEST_PANIC_ARM="); ok {
				arm = v
			}
		}
		if err := os.WriteFile(arm, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		return 70, 0 // EX_SOFTWARE
	}
	plain := func(client []string) []string { return client }
	exit3 := func(client []string) []string {
		return []string{"sh", "-c", `"$@"; exit 3`, "sh", client[0], client[1]}
	}
	endings := []ending{
		{"child-exits-0", "sso", "endpoint", "js", closeStdin, plain},
		{"child-exits-3", "role", "endpoint", "boto3", func(t *testing.T, p *proc) (int, syscall.Signal) {
			p.stdin.Close()
			return 3, 0
		}, exit3},
		{"sigterm", "sso", "endpoint", "boto3", signal(syscall.SIGTERM), plain},
		{"sigint", "role", "endpoint", "js", signal(syscall.SIGINT), plain},
		{"sighup", "static", "endpoint", "js", signal(syscall.SIGHUP), plain},
		{"child-sigkilled", "sso", "endpoint", "js", killChild, plain},
		{"env-mode-child-exits", "role", "env", "boto3", closeStdin, plain},
		{"env-mode-sigterm", "sso", "env", "js", signal(syscall.SIGTERM), plain},
		{panicEnding, "sso", "endpoint", "js", panicAwsrun, plain},
		{panicEnding + "-env-mode", "sso", "env", "js", panicAwsrun, plain},
	}
	var wg sync.WaitGroup
	for _, e := range endings {
		wg.Go(func() {
			t.Run(e.name, func(t *testing.T) {
				bin, lifetime := awsrunBin, time.Hour
				xdg := t.TempDir()
				extraEnv := []string{"XDG_RUNTIME_DIR=" + xdg}
				if strings.HasPrefix(e.name, panicEnding) {
					// Renewals every few seconds; the first one after arming panics.
					bin, lifetime = awsrunTestHooksBin(t), 4*time.Second
					extraEnv = append(extraEnv, "AWSRUN_TEST_PANIC=refresh", "AWSRUN_TEST_PANIC_ARM="+filepath.Join(t.TempDir(), "arm"))
				}
				w := newWorld(t, lifetime)
				logDir := t.TempDir()
				logPath := filepath.Join(logDir, "awsrun.log")
				before := snapshot(t, w.home, xdg)
				userFiles := fingerprint(t, filepath.Join(w.home, ".aws", "config"), filepath.Join(w.home, ".aws", "credentials"))

				argv := append([]string{bin, "-p", e.profile, "--inject", e.inject, "--log-level", "debug",
					"--log-file", logPath, "--"}, e.argv(onDemand(t)[e.client])...)
				p := w.startProc(argv, extraEnv...)
				if l := p.line("ready", 30*time.Second); l != "ready" {
					t.Fatalf("child said %q", l)
				}
				if got := p.ask("a call"); got != "ok" {
					t.Fatalf("child call: %s", got)
				}
				port := endpointPort(t, p)
				kids := descendants(p.cmd.Process.Pid)
				if e.inject == "endpoint" && snapshotDiff(before, snapshot(t, w.home, xdg)) == "" {
					t.Fatal("awsrun's private files are not where this test looks for leftovers")
				}
				ps := commandLines(t, append([]int{p.cmd.Process.Pid}, descendants(p.cmd.Process.Pid)...))

				code, sig := e.end(t, p)
				st := p.wait(30 * time.Second)
				ws := st.Sys().(syscall.WaitStatus)
				switch {
				case sig != 0 && (!ws.Signaled() || ws.Signal() != sig):
					t.Errorf("awsrun ended %v, want death by %v", st, sig)
				case sig == 0 && st.ExitCode() != code:
					t.Errorf("awsrun ended %v, want exit %d", st, code)
				}

				for _, pid := range kids {
					if alive(pid) {
						t.Errorf("process %d (awsrun's child or its descendant) still runs after awsrun exited", pid)
					}
				}
				after := snapshot(t, w.home, xdg)
				// The per-user registry directory (state.Dir) is shared by every awsrun of the
				// user and may stay; what awsrun put in it may not.
				for _, dir := range []string{filepath.Join(xdg, "awsrun"), filepath.Join(w.home, fmt.Sprintf("awsrun-%d", os.Geteuid()))} {
					if after[dir] == fs.ModeDir.String() {
						delete(after, dir)
					}
				}
				if diff := snapshotDiff(before, after); diff != "" {
					t.Errorf("left behind or changed:\n%s", diff)
				}
				if got := fingerprint(t, filepath.Join(w.home, ".aws", "config"), filepath.Join(w.home, ".aws", "credentials")); got != userFiles {
					t.Errorf("~/.aws/config or credentials changed:\nbefore %s\nafter  %s", userFiles, got)
				}
				if port != "" {
					if c, err := net.DialTimeout("tcp4", "127.0.0.1:"+port, 2*time.Second); err == nil {
						c.Close()
						t.Errorf("the endpoint port %s still accepts connections", port)
					}
				}
				logText, _ := os.ReadFile(logPath)
				for what, text := range map[string][]byte{"log": logText, "stderr": []byte(p.stderr.String()), "ps": []byte(ps)} {
					if leak := secretIn(w, text); leak != "" {
						t.Errorf("awsrun's %s holds %s", what, leak)
					}
				}
				if len(logText) == 0 {
					t.Error("empty log: nothing was scanned")
				}
				if strings.HasPrefix(e.name, panicEnding) {
					for _, want := range []string{`msg="awsrun: internal error: test panic at refresh`, "stack="} {
						if !strings.Contains(string(logText), want) {
							t.Errorf("log lacks %q:\n%s", want, logText)
						}
					}
					if stderr := p.stderr.String(); !strings.Contains(stderr, "awsrun: error: internal error: test panic at refresh") ||
						!strings.Contains(stderr, "awsrun: try: this is a bug in awsrun") {
						t.Errorf("stderr lacks the error and what to do:\n%s", stderr)
					}
				}
			})
		})
	}
	wg.Wait()
}

// ignoredAtStart reports whether this test process ignores sig (SigIgn in /proc/self/status):
// the disposition awsrun, started from here, inherits.
func ignoredAtStart(t *testing.T, sig syscall.Signal) bool {
	t.Helper()
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "SigIgn:"); ok {
			mask, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			if err != nil {
				t.Fatalf("SigIgn %q: %v", v, err)
			}
			return mask&(1<<(uint(sig)-1)) != 0
		}
	}
	t.Fatal("/proc/self/status has no SigIgn line")
	return false
}

// endpointPort is the port of awsrun's endpoint, read from the child's environment ("" in env
// mode).
func endpointPort(t *testing.T, p *proc) string {
	t.Helper()
	for _, pid := range descendants(p.cmd.Process.Pid) {
		env, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
		if err != nil {
			continue
		}
		for _, kv := range bytes.Split(env, []byte{0}) {
			if v, ok := bytes.CutPrefix(kv, []byte("AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:")); ok {
				port, _, _ := strings.Cut(string(v), "/")
				return port
			}
		}
	}
	return ""
}

// commandLines is what `ps -o args` shows for the processes.
func commandLines(t *testing.T, pids []int) string {
	t.Helper()
	var b strings.Builder
	for _, pid := range pids {
		cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if err != nil {
			continue
		}
		b.Write(bytes.ReplaceAll(cmdline, []byte{0}, []byte{' '}))
		b.WriteByte('\n')
	}
	if b.Len() == 0 {
		t.Fatal("no command lines read")
	}
	return b.String()
}

// snapshot maps every path under the roots to its type, size and content hash.
func snapshot(t *testing.T, roots ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, root := range roots {
		filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil // a file that vanished while walking is no leftover
			}
			info, err := d.Info()
			if err != nil {
				return nil
			}
			desc := info.Mode().Type().String()
			if info.Mode().IsRegular() {
				data, _ := os.ReadFile(path)
				desc = fmt.Sprintf("file %x", sha256.Sum256(data))
			}
			out[path] = desc
			return nil
		})
	}
	return out
}

func snapshotDiff(before, after map[string]string) string {
	var lines []string
	for p, d := range after {
		if b, ok := before[p]; !ok {
			lines = append(lines, "new "+d+" "+p)
		} else if b != d {
			lines = append(lines, "changed "+p)
		}
	}
	for p := range before {
		if _, ok := after[p]; !ok {
			lines = append(lines, "removed "+p)
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// fingerprint is the files' content hash and modification time: byte-identical and never
// rewritten, not even with the same bytes.
func fingerprint(t *testing.T, paths ...string) string {
	t.Helper()
	var b strings.Builder
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		fi, _ := os.Stat(p)
		fmt.Fprintf(&b, "%s %x %s %v; ", filepath.Base(p), sha256.Sum256(data), fi.ModTime().Format(time.RFC3339Nano), fi.Mode())
	}
	return b.String()
}

// TestKilledAwsrunLeavesNoOrphan: SIGKILL is the one ending awsrun cannot clean up after (its
// private directory and registry entry stay until the next login clears XDG_RUNTIME_DIR), but
// its child must not run on without a credential source: the kernel sends it SIGKILL (parent-death signal).
func TestKilledAwsrunLeavesNoOrphan(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	t.Parallel()
	w := newWorld(t, time.Hour)
	xdg := t.TempDir()
	before := snapshot(t, w.home, xdg)
	p := w.startProc(append([]string{awsrunBin, "-p", "role", "--"}, onDemand(t)["boto3"]...), "XDG_RUNTIME_DIR="+xdg)
	if l := p.line("ready", 30*time.Second); l != "ready" {
		t.Fatalf("child said %q", l)
	}
	kids := descendants(p.cmd.Process.Pid)
	if len(kids) == 0 {
		t.Fatal("no child")
	}
	// A pidfd for the child, taken while it runs: readable once it has exited.
	exited, err := unix.PidfdOpen(kids[0], 0)
	if err != nil {
		t.Fatalf("pidfd of child %d: %v", kids[0], err)
	}
	defer unix.Close(exited)
	p.cmd.Process.Kill()
	p.wait(30 * time.Second)
	if !pidfdExits(t, exited, 30*time.Second) {
		t.Fatalf("child %d still running after awsrun was killed", kids[0])
	}
	if diff := snapshotDiff(before, snapshot(t, w.home, xdg)); diff != "" {
		t.Logf("left behind after SIGKILL (expected, nothing can clean up):\n%s", diff)
	}
}

// pidfdExits waits up to limit for the process behind a pidfd to exit, and reports whether it did.
func pidfdExits(t *testing.T, fd int, limit time.Duration) bool {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		ms := int(time.Until(deadline) / time.Millisecond)
		if ms <= 0 {
			return false
		}
		n, err := unix.Poll([]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}, ms)
		switch {
		case errors.Is(err, unix.EINTR): // a signal to the test process; wait on
		case err != nil:
			t.Fatalf("poll pidfd: %v", err)
		case n > 0:
			return true
		}
	}
}

// alive reports a process that exists and is not a zombie.
func alive(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	return len(f) > 0 && f[0] != "Z"
}
