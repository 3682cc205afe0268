//go:build linux

package e2e

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/awsrun/awsrun/internal/fakeaws"
)

// claudeQuestion is what the print-mode loops ask; the fake answers every question with
// fakeaws.BedrockReply.
const claudeQuestion = "Which credentials did you use?"

// claudeLifetime is how long the fake's credentials live in the Claude Code tests: a
// print-mode call (a 400 MB binary starting, then three Bedrock calls) must fit in the third
// of it that awsrun leaves between renewal and expiry, also on a busy machine.
const claudeLifetime = 9 * time.Second

func claudeLoop() []string {
	_, file, _, _ := runtime.Caller(0)
	return []string{"sh", filepath.Join(filepath.Dir(file), "testdata", "claude-print-loop.sh")}
}

func claudeLoopEnv(bin, dir string) []string {
	return []string{"CLAUDE_BIN=" + bin, "CLAUDE_DIR=" + dir, "CLAUDE_QUESTION=" + claudeQuestion}
}

// checkAnswers fails t unless every call of a print-mode loop answered the fake's reply and
// the summary says 0 failures; it returns the number of answers and of calls cut short by an
// env-mode restart (allowed only when cutOK).
func checkAnswers(t *testing.T, out string, cutOK bool) (calls, cut int) {
	t.Helper()
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		switch {
		case cutOK && (strings.HasPrefix(l, "cut ") || l == "Terminated"):
			// dash reports the killed call's status ("Terminated") on the loop's stderr.
			if l != "Terminated" {
				cut++
			}
		case strings.HasPrefix(l, "ok "):
			calls++
			if got := strings.TrimSpace(strings.TrimPrefix(l, "ok ")); got != fakeaws.BedrockReply {
				t.Errorf("answer %q, want the fake's reply %q", got, fakeaws.BedrockReply)
			}
		case strings.HasPrefix(l, "calls="):
			if !strings.HasSuffix(l, " failures=0") {
				t.Errorf("loop summary %q", l)
			}
		default:
			t.Errorf("unexpected line %q", l)
		}
	}
	return calls, cut
}

// TestClaudeCodePrintModeAcrossRotations: Claude Code itself, `claude -p` called over and over
// under one awsrun, keeps answering across at least five credential rotations with 0 failures,
// through awsrun's endpoint (default) and with --inject env (awsrun restarts the loop before
// the credentials lapse). Rotations are counted by the fake: distinct access keys that signed
// a successful Bedrock model call.
func TestClaudeCodePrintModeAcrossRotations(t *testing.T) {
	bin := claudeBin(t)
	for _, mode := range []string{"endpoint", "env"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			w, dir := newClaudeWorld(t, claudeLifetime, nil)
			logFile := filepath.Join(w.home, "awsrun.log")
			argv := []string{awsrunBin, "-p", "sso", "--log-level", "info", "--log-file", logFile}
			if mode == "env" {
				argv = append(argv, "--inject", "env", "--stop-timeout", "20s")
			}
			argv = append(append(argv, "--"), claudeLoop()...)
			r := w.startClaudeLoop(argv, claudeLoopEnv(bin, dir)...)
			r.waitFor(fmt.Sprintf("%d rotations", rotations), 150*time.Second, func() bool {
				return distinct(bedrockKeys(w.fake)) >= rotations+1
			})
			if err := r.stop(); err != nil {
				t.Fatalf("awsrun/claude loop failed: %v\n%s", err, r.out.String())
			}
			out := r.out.String()
			calls, cut := checkAnswers(t, out, mode == "env")
			for _, code := range []string{"ExpiredTokenException", "UnrecognizedClientException", "InvalidSignatureException"} {
				if n := w.fake.Errors(code); n != 0 {
					t.Errorf("fake Bedrock answered %s %d times", code, n)
				}
			}
			log, _ := os.ReadFile(logFile)
			restarts := bytes.Count(log, []byte("restarting the command with new credentials"))
			if mode == "env" && restarts < rotations {
				t.Errorf("log shows %d restarts, want >= %d", restarts, rotations)
			}
			keys := bedrockKeys(w.fake)
			t.Logf("claude -p via awsrun (%s mode, profile sso): %d calls, %d answers %q, %d Bedrock model calls signed with %d distinct keys (%d rotations), %d restarts (%d calls in flight cut by them), 0 failures",
				mode, calls, calls, fakeaws.BedrockReply, len(keys), distinct(keys), distinct(keys)-1, restarts, cut)
		})
	}
}

// TestClaudeCodeNegativeControlEnvCredentialsExpire proves the rotation test can fail: the same
// loop given one set of credentials in its environment, without awsrun, fails with Claude
// Code's expired-credentials error once they lapse. This is the bug awsrun exists for.
func TestClaudeCodeNegativeControlEnvCredentialsExpire(t *testing.T) {
	bin := claudeBin(t)
	t.Parallel()
	w, dir := newClaudeWorld(t, 4*time.Second, nil)
	first := assumeRole(t, w)
	env := append(claudeLoopEnv(bin, dir),
		"AWS_ACCESS_KEY_ID="+first.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+first.SecretAccessKey,
		"AWS_SESSION_TOKEN="+first.SessionToken,
		// Claude Code retries a 403 ten times with backoff (over two minutes, the same expired
		// keys each time) before it gives up; one retry shows the same failure sooner.
		"CLAUDE_CODE_MAX_RETRIES=1")
	r := w.startClaudeLoop(claudeLoop(), env...)
	r.waitFor("a failed call after ExpiredTokenException", 90*time.Second, func() bool {
		return w.fake.Errors("ExpiredTokenException") > 0 && strings.Contains(r.out.String(), "FAIL ")
	})
	err := r.stop()
	out := r.out.String()
	if err == nil {
		t.Errorf("loop exited 0 although its credentials expired:\n%s", out)
	}
	var fail string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "FAIL ") {
			fail = l
			break
		}
	}
	if !strings.Contains(fail, "The security token included in the request is expired") {
		t.Errorf("Claude Code's failure does not show the expiry: %q", fail)
	}
	t.Logf("without awsrun: %d Bedrock answers before expiry, then: %s (fake: %d ExpiredTokenException)",
		strings.Count(out, "\nok ")+btoi(strings.HasPrefix(out, "ok ")), fail, w.fake.Errors("ExpiredTokenException"))
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
