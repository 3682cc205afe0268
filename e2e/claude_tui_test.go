//go:build linux

package e2e

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/awsrun/awsrun/internal/fakeaws"
	"github.com/awsrun/awsrun/internal/testutil"
)

// The screen texts of Claude Code 2.1.332 the TUI tests wait for.
const (
	tuiPrompt     = "? for shortcuts"            // the status line under the input box
	tuiCtrlCHint  = "Press Ctrl-C again to exit" // after one Ctrl-C
	tuiSuspended  = "Claude Code is suspended. Run `fg` to bring it back."
	tuiBedrock    = "Amazon Bedrock" // the header names the provider
	tuiHeldBackRe = `awsrun: \d+ warnings? (was|were) held back while the command ran`
)

// rule matches a horizontal rule of exactly n box-drawing characters: Claude Code draws its
// input box as wide as the terminal.
func rule(n int) *regexp.Regexp {
	return regexp.MustCompile(`(?:^|[^─])─{` + strconv.Itoa(n) + `}(?:[^─]|$)`)
}

// children lists the child processes of pid, from the parent field of every /proc/N/stat
// (a Go program's children may hang off any of its threads).
func children(pid int) []int {
	var out []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if len(f) > 1 && f[1] == strconv.Itoa(pid) {
			out = append(out, n)
		}
	}
	return out
}

// ask types a question into Claude Code's input box, sends it once the box shows it (typed
// keys, not a paste), and waits for the fake's answer.
func (tm *term) ask(question string) {
	tm.t.Helper()
	tm.setMark()
	tm.typeKeys(question)
	tm.waitText(question, 30*time.Second)
	tm.setMark()
	tm.typeKeys("\r")
	tm.waitText(fakeaws.BedrockReply, 60*time.Second)
}

// quitWithCtrlC presses Ctrl-C, checks Claude Code's hint, and presses it again to quit; pid
// is the process whose exit shows it quit. A second press that arrives after Claude Code's
// double-press window only shows the hint again, so it is repeated (at most three times) until
// Claude Code exits. afterHint, when not nil, runs once the first hint shows.
func (tm *term) quitWithCtrlC(pid int, afterHint func()) {
	tm.t.Helper()
	exited := exitOf(tm.t, pid, 3*time.Minute)
	tm.setMark()
	tm.typeKeys("\x03")
	tm.waitText(tuiCtrlCHint, 30*time.Second)
	if afterHint != nil {
		afterHint()
	}
	for i := 0; i < 3; i++ {
		tm.setMark()
		tm.typeKeys("\x03")
		s, err := tm.waitOr(15*time.Second, exited, func(s string) bool { return hasText(s, tuiCtrlCHint) })
		switch {
		case errors.Is(err, errStopped):
			return
		case err != nil:
			// The terminal closes as the process exits, a moment before its exit is reported.
			select {
			case <-exited:
				return
			case <-time.After(15 * time.Second):
			}
			tm.t.Fatalf("Claude Code neither quit nor showed the hint again on Ctrl-C: %v; terminal:\n%q", err, tail(s, 2000))
		}
	}
	select {
	case <-exited:
		return
	default:
	}
	tm.t.Fatalf("Claude Code did not quit on Ctrl-C Ctrl-C; terminal:\n%q", tail(tm.since(), 2000))
}

// exitOf returns a channel closed when pid exits, which must be running now (so its pid cannot
// have been reused); the watch gives up after limit and the channel then stays open.
func exitOf(t *testing.T, pid int, limit time.Duration) <-chan struct{} {
	t.Helper()
	w, err := testutil.WatchExit(pid)
	if err != nil {
		t.Fatalf("watch process %d: %v", pid, err)
	}
	ch := make(chan struct{})
	go func() {
		defer w.Close()
		if w.Wait(limit) == nil {
			close(ch)
		}
	}()
	return ch
}

// TestClaudeCodeTUI runs the full-screen Claude Code in a pseudo-terminal, first alone and then
// as `awsrun -p sso -- claude`: under awsrun the prompt renders, a question gets the fake's
// answer, a window resize reaches Claude Code (it redraws at the new width), Ctrl-C shows the
// same hint and a second one quits with the same exit status as without awsrun, and awsrun
// writes nothing to the terminal while Claude Code runs, although a renewal fails and the SSO
// session is about to end meanwhile (the warning goes to the desktop notifier; the log is held
// back until Claude Code has exited).
func TestClaudeCodeTUI(t *testing.T) {
	bin := claudeBin(t)
	t.Parallel()
	w, dir := newClaudeWorld(t, claudeLifetime, nil)

	// Without awsrun: the reference for Ctrl-C and the exit status.
	ref := assumeRole(t, w)
	alone := openTerm(t, []string{bin}, dir, append(append([]string{}, w.env...),
		"AWS_ACCESS_KEY_ID="+ref.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+ref.SecretAccessKey, "AWS_SESSION_TOKEN="+ref.SessionToken), 30, 100)
	alone.waitText(tuiPrompt, 60*time.Second)
	alone.quitWithCtrlC(alone.cmd.Process.Pid, nil)
	wantStatus, _ := alone.exit(30 * time.Second)

	// The SSO session ends in 100 s and awsrun warns 90 s ahead, so the warning falls while
	// Claude Code runs; notify-send is a stand-in that records what it was asked to show.
	tok := fakeaws.CachedToken{StartURL: fakeaws.DefaultStartURL, Region: "us-east-1", AccessToken: "ending-session-token",
		ExpiresAt: time.Now().Add(100 * time.Second).Truncate(time.Second)}
	w.fake.AddSSOAccessToken(tok.AccessToken, tok.ExpiresAt)
	if _, err := fakeaws.WriteSSOTokenCache(filepath.Join(w.home, ".aws", "sso", "cache"), fakeaws.WorldSSOSession, tok); err != nil {
		t.Fatal(err)
	}
	stubs := t.TempDir()
	notified := filepath.Join(w.home, "notified")
	write(t, filepath.Join(stubs, "notify-send"), "#!/bin/sh\nprintf '%s\\n' \"$*\" >> "+strconv.Quote(notified)+"\n")
	if err := os.Chmod(filepath.Join(stubs, "notify-send"), 0o700); err != nil {
		t.Fatal(err)
	}
	env := append([]string{}, w.env...)
	for i, e := range env {
		if strings.HasPrefix(e, "PATH=") {
			env[i] = "PATH=" + stubs + ":" + strings.TrimPrefix(e, "PATH=")
		}
	}

	tm := openTerm(t, []string{awsrunBin, "-p", "sso", "--warn-before", "90s", "--", bin}, dir, env, 30, 100)
	screen := tm.waitText(tuiPrompt, 60*time.Second)
	if !hasText(screen, tuiBedrock) || !rule(100).MatchString(screen) {
		t.Errorf("first screen lacks the Bedrock header or a 100-column input box:\n%q", tail(screen, 2000))
	}
	tm.ask(claudeQuestion)

	// Resize: the kernel signals the terminal's foreground group, Claude Code redraws.
	tm.setMark()
	tm.resize(30, 60)
	tm.waitFor("a redraw 60 columns wide", 30*time.Second, func(s string) bool { return rule(60).MatchString(s) })

	// A renewal that fails, and the SSO session-end warning, while Claude Code owns the screen.
	w.fake.SetFault("GetRoleCredentials", fakeaws.Fault{Kind: fakeaws.FaultServerError})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := w.fake.WaitFor(ctx, func(f *fakeaws.Server) bool { return f.Faulted("GetRoleCredentials") > 0 }); err != nil {
		t.Fatalf("waiting for a failed renewal: %v", err)
	}
	if err := testutil.WaitFile(notified, 60*time.Second, tm.done, func(b []byte) bool { return len(b) > 0 }); err != nil {
		t.Fatalf("waiting for the SSO session-end notification (awsrun's notify-send): %v", err)
	}
	w.fake.ClearFault("GetRoleCredentials")
	tm.ask(claudeQuestion + " (after the failed renewal)")

	running := plain(tm.raw())
	for _, s := range []string{"awsrun", "refresh failed", "SSO session", "aws sso login"} {
		if strings.Contains(running, s) {
			t.Errorf("the terminal shows %q while Claude Code runs:\n%q", s, tail(running, 3000))
		}
	}

	claude := children(tm.cmd.Process.Pid)
	if len(claude) != 1 {
		t.Fatalf("awsrun has children %v, want Claude Code alone", claude)
	}
	tm.quitWithCtrlC(claude[0], func() {
		if !alive(tm.cmd.Process.Pid) || !alive(claude[0]) {
			t.Fatalf("one Ctrl-C ended awsrun (%v) or Claude Code (%v); without awsrun it only shows the hint",
				alive(tm.cmd.Process.Pid), alive(claude[0]))
		}
	})
	got, err := tm.exit(30 * time.Second)
	if err != nil || got != wantStatus {
		t.Errorf("awsrun exited %d (%v), Claude Code alone %d", got, err, wantStatus)
	}
	// awsrun has exited; what it wrote last may still be on its way through the pty.
	heldBack := regexp.MustCompile(tuiHeldBackRe)
	tm.waitFor("awsrun's held-back note after Claude Code exited", 30*time.Second, heldBack.MatchString)
	note, _ := os.ReadFile(notified)
	t.Logf("TUI under awsrun: prompt, answer %q twice, redraw at 60 columns, Ctrl-C hint, exit %d (alone: %d); %d failed renewals and the notification %q while nothing of awsrun reached the terminal",
		fakeaws.BedrockReply, got, wantStatus, w.fake.Faulted("GetRoleCredentials"), strings.TrimSpace(string(note)))
}

// TestClaudeCodeTUIJobControl: from an interactive bash on a terminal, Ctrl-Z suspends Claude
// Code and awsrun with it (bash reports the job stopped, both processes are stopped), `fg`
// resumes both (Claude Code redraws and answers again), and quitting Claude Code ends the job
// with its exit status as bash sees it.
func TestClaudeCodeTUIJobControl(t *testing.T) {
	bin := claudeBin(t)
	t.Parallel()
	w, dir := newClaudeWorld(t, claudeLifetime, nil)
	tm := openTerm(t, []string{"bash", "--norc", "--noprofile", "-i"}, dir, append(append([]string{}, w.env...), "PS1=$ "), 30, 100)
	tm.waitText("$ ", 30*time.Second)
	tm.setMark()
	tm.typeKeys(awsrunBin + " -p sso -- " + bin + "\r")
	tm.waitText(tuiPrompt, 60*time.Second)
	var awsrun, claude int
	if c := children(tm.cmd.Process.Pid); len(c) == 1 {
		awsrun = c[0]
	}
	if c := children(awsrun); len(c) == 1 {
		claude = c[0]
	}
	if awsrun == 0 || claude == 0 {
		t.Fatalf("process tree: bash %d -> awsrun %d -> claude %d", tm.cmd.Process.Pid, awsrun, claude)
	}
	tm.ask(claudeQuestion)

	tm.setMark()
	tm.typeKeys("\x1a")
	tm.waitText(tuiSuspended, 30*time.Second)
	// bash reports the job stopped once awsrun has stopped. The terminal's SIGTSTP reaches both
	// processes; Claude Code first restores the terminal, then stops itself, so on a busy machine
	// it may still be on its way when bash prints the line. Both must be stopped, and stay so
	// until fg.
	tm.waitText("Stopped", 30*time.Second)
	eventually(t, "Claude Code stopped", 30*time.Second, nil, func() bool { return procState(claude) == "T" })
	if procState(awsrun) != "T" || procState(claude) != "T" {
		t.Fatalf("bash reports the job stopped, but awsrun is in state %q and Claude Code in %q, want both T",
			procState(awsrun), procState(claude))
	}

	tm.setMark()
	tm.typeKeys("fg\r")
	tm.waitText(tuiPrompt, 30*time.Second)
	if procState(awsrun) == "T" || procState(claude) == "T" {
		t.Errorf("after fg: awsrun %s, Claude Code %s", procState(awsrun), procState(claude))
	}
	tm.ask(claudeQuestion + " (after fg)")

	tm.quitWithCtrlC(awsrun, nil)
	tm.setMark()
	tm.typeKeys("echo status=$?\r")
	tm.waitText("status=0", 30*time.Second)
	tm.typeKeys("exit\r")
	if code, err := tm.exit(30 * time.Second); err != nil || code != 0 {
		t.Errorf("bash exited %d (%v)", code, err)
	}
	t.Logf("job control: Ctrl-Z stopped awsrun and Claude Code, fg resumed both and Claude Code answered %q again, the job ended with status 0", fakeaws.BedrockReply)
}
