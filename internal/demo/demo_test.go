package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// buildAWSRun builds the awsrun binary under test into a temp dir.
func buildAWSRun(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "awsrun")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/awsrun/awsrun/cmd/awsrun").CombinedOutput()
	if err != nil {
		t.Fatalf("build awsrun: %v\n%s", err, out)
	}
	return bin
}

// fullKeyID matches an unredacted temporary access key id.
var fullKeyID = regexp.MustCompile(`ASIA[A-Z0-9]{16}`)

// TestDemo runs the demo shortened, as CI would, with a freshly built awsrun and the real AWS CLI.
func TestDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the AWS CLI for about half a minute")
	}
	bin := buildAWSRun(t)
	tmp := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var out bytes.Buffer
	err := run(ctx, config{awsrun: bin, lifetime: 5 * time.Second, duration: 12 * time.Second, tempRoot: tmp}, &out)
	text := out.String()
	if err != nil {
		t.Fatalf("demo failed: %v\n%s", err, text)
	}
	for _, want := range []string{"rotated: ASIA...", "ExpiredToken", "Result: PASS"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	if !regexp.MustCompile(`with awsrun: [1-9]\d* calls, [1-9]\d* rotations, 0 failures`).MatchString(text) {
		t.Errorf("part 1 summary does not show calls, rotations and no failure:\n%s", text)
	}
	if !regexp.MustCompile(`without awsrun: \d+ calls, [1-9]\d* failures, [1-9]\d* of them ExpiredToken`).MatchString(text) {
		t.Errorf("part 2 summary does not show ExpiredToken failures:\n%s", text)
	}
	if k := fullKeyID.FindString(text); k != "" {
		t.Errorf("output shows an unredacted key id (%s...):\n%s", k[:8], text)
	}
	assertCleanedUp(t, tmp)
	t.Logf("demo output:\n%s", text)
}

// TestDemoInterrupted is Ctrl+C in the middle of part 1: run returns promptly with
// context.Canceled, its children are stopped and the temp HOME is gone.
func TestDemoInterrupted(t *testing.T) {
	if testing.Short() {
		t.Skip("runs awsrun and the AWS CLI")
	}
	bin := buildAWSRun(t)
	tmp := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := &cancelOnWrite{match: "call  2", cancel: cancel}
	begun := time.Now()
	err := run(ctx, config{awsrun: bin, lifetime: 5 * time.Second, duration: 5 * time.Minute, tempRoot: tmp}, w)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("run returned %v, want context.Canceled\n%s", err, w.String())
	}
	if took := time.Since(begun); took > 90*time.Second {
		t.Errorf("run took %s to give up after the interrupt", took)
	}
	assertCleanedUp(t, tmp)
}

// assertCleanedUp checks the temp HOME is removed and, on Linux, that no process the demo
// started is still running (each ran in the temp HOME, so it shows in /proc/PID/cwd).
func assertCleanedUp(t *testing.T, tmp string) {
	t.Helper()
	entries, err := os.ReadDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("left behind in the temp root: %s", e.Name())
	}
	if runtime.GOOS != "linux" {
		return
	}
	procs, _ := filepath.Glob("/proc/[0-9]*/cwd")
	for _, p := range procs {
		if cwd, err := os.Readlink(p); err == nil && strings.HasPrefix(cwd, tmp) {
			cmdline, _ := os.ReadFile(filepath.Join(filepath.Dir(p), "cmdline"))
			t.Errorf("process %s still runs in the demo's HOME: %s", filepath.Base(filepath.Dir(p)),
				strings.ReplaceAll(string(cmdline), "\x00", " "))
		}
	}
}

// cancelOnWrite is the demo's stdout that presses Ctrl+C once match has been printed.
type cancelOnWrite struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	match  string
	cancel context.CancelFunc
}

func (c *cancelOnWrite) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.buf.Write(p)
	if strings.Contains(c.buf.String(), c.match) {
		c.cancel()
	}
	return len(p), nil
}

func (c *cancelOnWrite) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.String()
}

func TestParseCLIError(t *testing.T) {
	code, msg := parseCLIError("\nAn error occurred (ExpiredToken) when calling the GetCallerIdentity operation: " +
		"The security token included in the request is expired\n")
	if code != "ExpiredToken" || msg != "The security token included in the request is expired" {
		t.Errorf("got %q %q", code, msg)
	}
	if code, msg := parseCLIError("Unable to locate credentials. You can configure credentials by running \"aws configure\".\n"); code != "" || !strings.HasPrefix(msg, "Unable to locate credentials") {
		t.Errorf("got %q %q", code, msg)
	}
}

func TestRedactAndLeft(t *testing.T) {
	if got := redact("ASIAABCDEFGHIJKLWXYZ"); got != "ASIA...WXYZ" {
		t.Errorf("redact: %s", got)
	}
	if got := redact("short"); got != "****" {
		t.Errorf("redact short: %s", got)
	}
	for d, want := range map[time.Duration]string{
		19*time.Second + 950*time.Millisecond: "19.9s left",
		300 * time.Millisecond:                "0.3s left",
		0:                                     "expired 0.0s ago",
		-2*time.Second - 10*time.Millisecond:  "expired 2.1s ago",
	} {
		if got := describeLeft(d); got != want {
			t.Errorf("describeLeft(%s) = %q, want %q", d, got, want)
		}
	}
}
