//go:build linux

package e2e

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/awsrun/awsrun/internal/fakeaws"
	"github.com/awsrun/awsrun/internal/testutil"
)

// proc is awsrun started with pipes, for tests that drive its child line by line: the child
// reads requests from awsrun's stdin (which it inherits) and answers on its stdout.
type proc struct {
	t      *testing.T
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan string
	stderr testutil.LockedBuffer
	done   chan struct{} // closed when awsrun has exited; state then holds how
	state  *os.ProcessState
	fake   *fakeaws.Server // the world's, whose changes waitFor waits on
}

func (w *world) startProc(argv []string, extraEnv ...string) *proc {
	t := w.t
	t.Helper()
	p := &proc{t: t, lines: make(chan string, 256), done: make(chan struct{}), fake: w.fake}
	p.cmd = exec.Command(argv[0], argv[1:]...)
	p.cmd.Env = append(append([]string{}, w.env...), extraEnv...)
	var err error
	if p.stdin, err = p.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stderr = &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		close(p.lines)
	}()
	go func() {
		p.cmd.Wait()
		p.state = p.cmd.ProcessState
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// line returns the child's next output line, failing the test after limit.
func (p *proc) line(what string, limit time.Duration) string {
	p.t.Helper()
	select {
	case l, ok := <-p.lines:
		if !ok {
			p.t.Fatalf("output ended before %s; stderr:\n%s", what, p.stderr.String())
		}
		return l
	case <-time.After(limit):
		p.t.Fatalf("timed out waiting for %s; stderr:\n%s", what, p.stderr.String())
	}
	return ""
}

// ask sends the child one request line and returns its answer.
func (p *proc) ask(what string) string {
	p.t.Helper()
	if _, err := io.WriteString(p.stdin, "go\n"); err != nil {
		p.t.Fatalf("ask for %s: %v", what, err)
	}
	return p.line(what, 60*time.Second)
}

// wait waits for awsrun to exit and reports how.
func (p *proc) wait(limit time.Duration) *os.ProcessState {
	p.t.Helper()
	select {
	case <-p.done:
		return p.state
	case <-time.After(limit):
		p.t.Fatalf("awsrun did not exit; stderr:\n%s", p.stderr.String())
	}
	return nil
}

// onDemand are real clients that make one GetCallerIdentity per line on stdin, with one
// long-lived client (so their own credential caches are under test) or, for the CLI, a new
// process per line. They print "ready" first, then "ok" or "FAIL ..." per line.
func onDemand(t *testing.T) map[string][]string {
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Dir(file)
	return map[string][]string{
		"js":     {"node", filepath.Join(dir, "js", "sts-on-demand.mjs")},
		"boto3":  {"python3", filepath.Join(dir, "testdata", "boto3-on-demand.py")},
		"awscli": {"sh", filepath.Join(dir, "testdata", "cli-on-demand.sh")},
	}
}

// descendants lists the processes below pid, deepest last, from /proc (Linux).
func descendants(pid int) []int {
	parent := map[int]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// "pid (comm) state ppid ...": comm may hold spaces and parentheses.
		rest := string(stat[bytes.LastIndexByte(stat, ')')+1:])
		f := strings.Fields(rest)
		if len(f) < 2 {
			continue
		}
		if pp, err := strconv.Atoi(f[1]); err == nil {
			parent[n] = pp
		}
	}
	var out []int
	frontier := []int{pid}
	for len(frontier) > 0 {
		var next []int
		for c, pp := range parent {
			for _, f := range frontier {
				if pp == f {
					next = append(next, c)
				}
			}
		}
		out = append(out, next...)
		frontier = next
	}
	return out
}

func signalAll(pids []int, sig syscall.Signal) {
	for _, pid := range pids {
		syscall.Kill(pid, sig)
	}
}

// waitFor waits until cond holds, failing the test if awsrun exits first or limit passes. cond
// may read the fake's state and awsrun's --log-file: it is checked once, then again each time
// the fake records a change or the log file changes.
func (p *proc) waitFor(what string, limit time.Duration, cond func() bool) {
	p.t.Helper()
	logChanged := func() <-chan struct{} { return nil } // no --log-file: never
	var log *testutil.FileWatch
	if path := logFileArg(p.cmd.Args); path != "" {
		var err error
		if log, err = testutil.WatchFile(path); err != nil {
			p.t.Fatalf("waiting for %s: %v", what, err)
		}
		defer log.Close()
		logChanged = log.Changed
	}
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	for {
		// Taken before the check, so no change after it is missed.
		faked, logged := p.fake.Changed(), logChanged()
		if cond() {
			return
		}
		select {
		case <-p.done:
			p.t.Fatalf("awsrun exited (%v) before %s; stderr:\n%s", p.state, what, p.stderr.String())
		case <-deadline.C:
			p.t.Fatalf("timed out after %v waiting for %s; stderr:\n%s", limit, what, p.stderr.String())
		case <-faked:
		case <-logged:
			if err := log.Err(); err != nil {
				p.t.Fatalf("waiting for %s: %v", what, err)
			}
		}
	}
}

// logFileArg is the --log-file awsrun was given in argv, or "".
func logFileArg(argv []string) string {
	for i, a := range argv {
		switch {
		case a == "--":
			return ""
		case a == "--log-file" && i+1 < len(argv):
			return argv[i+1]
		case strings.HasPrefix(a, "--log-file="):
			return strings.TrimPrefix(a, "--log-file=")
		}
	}
	return ""
}
