//go:build unix

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The test binary also plays a credential_process that talks on its standard error:
// `__stderrproc__ DIR N` writes "stderr-mark-<call>" there and prints new credentials living N
// seconds on each call (counted in DIR).
func init() {
	if len(os.Args) > 3 && os.Args[1] == "__stderrproc__" {
		counter := filepath.Join(os.Args[2], "calls")
		b, _ := os.ReadFile(counter)
		n, _ := strconv.Atoi(string(b))
		os.WriteFile(counter, []byte(strconv.Itoa(n+1)), 0o600)
		life, _ := strconv.Atoi(os.Args[3])
		fmt.Fprintf(os.Stderr, "stderr-mark-%d\n", n)
		exp := time.Now().Add(time.Duration(life) * time.Second).UTC().Format(time.RFC3339)
		fmt.Printf(`{"Version":1,"AccessKeyId":"ASIASTDERR%010d","SecretAccessKey":"s","SessionToken":"t","Expiration":%q}`, n, exp)
		syscall.Exit(0)
	}
}

// TestProcessStderrKeptOffTheCommandsTerminal: a credential_process's standard error reaches
// the terminal while awsrun starts (it may ask for a security key touch), but not once the
// command runs: a renewal must not write into the command's screen (Claude Code's TUI). The
// log says once where to see it, without the bytes.
func TestProcessStderrKeptOffTheCommandsTerminal(t *testing.T) {
	_, sup, logPath := superviseProcessProfile(t, "noisy", "__stderrproc__ $HOME 6")
	waitLog(t, sup, logPath, "a renewal with the process's stderr noted", "not shown there or here")
	logText, _ := os.ReadFile(logPath)
	stderr := sup.stderr.String()
	if !strings.Contains(stderr, "stderr-mark-0") {
		t.Errorf("the process's stderr at start did not reach the terminal:\n%s", stderr)
	}
	if strings.Contains(stderr, "stderr-mark-1") {
		t.Errorf("the process's stderr at a renewal reached the command's terminal:\n%s", stderr)
	}
	if strings.Contains(string(logText), "stderr-mark") {
		t.Errorf("the log quotes the process's stderr:\n%s", logText)
	}
	if n := strings.Count(string(logText), "not shown there or here"); n != 1 {
		t.Errorf("the log says %d times where the output went, want once:\n%s", n, logText)
	}
	if !strings.Contains(string(logText), "awsrun export --profile noisy") {
		t.Errorf("the log does not say how to see the output:\n%s", logText)
	}
}
