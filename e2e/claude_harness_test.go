//go:build linux

package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/awsrun/awsrun/internal/fakeaws"
	"github.com/awsrun/awsrun/internal/testutil"
)

// Claude Code as a child: the real `claude` from npm (e2e/claude, installed by `make deps`),
// on Bedrock, with every request it makes going to the fake AWS on 127.0.0.1.

// claudeModel and claudeSmallModel pin the models Claude Code asks Bedrock for, so its
// requests do not depend on which defaults a release picks (2.1.332 asks for
// us.anthropic.claude-opus-5-5 and probes sonnet 4.5 and haiku 4.5 at start).
const (
	claudeModel      = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
	claudeSmallModel = "us.anthropic.claude-haiku-4-5-20251001-v1:0"
)

// claudeBin returns the Claude Code binary `make deps` installed. A missing binary fails
// the test: CI must run these. AWSRUN_E2E_CLAUDE=skip (set on purpose, e.g. on a machine
// without the npm registry) is the only way to skip them.
func claudeBin(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end")
	}
	if os.Getenv("AWSRUN_E2E_CLAUDE") == "skip" {
		t.Skip("AWSRUN_E2E_CLAUDE=skip: Claude Code tests skipped on request")
	}
	_, file, _, _ := runtime.Caller(0)
	bin := filepath.Join(filepath.Dir(file), "claude", "node_modules", "@anthropic-ai", "claude-code", "bin", "claude.exe")
	if fi, err := os.Stat(bin); err != nil || fi.Mode()&0o111 == 0 || fi.Size() < 1<<20 {
		t.Fatalf("Claude Code is not installed at %s (run `make deps`; set AWSRUN_E2E_CLAUDE=skip to skip these tests on purpose)", bin)
	}
	return bin
}

// claudeEnv is what Claude Code needs, beyond the world's environment, to run on Bedrock
// against the fake and nowhere else: the Bedrock base URL (runtime and control plane, one
// host here), a region, pinned models, and everything that would phone home switched off.
func claudeEnv(fake *fakeaws.Server) []string {
	return []string{
		"CLAUDE_CODE_USE_BEDROCK=1",
		"ANTHROPIC_BEDROCK_BASE_URL=" + fake.URL(),
		"AWS_REGION=us-east-1",
		"ANTHROPIC_MODEL=" + claudeModel,
		"ANTHROPIC_SMALL_FAST_MODEL=" + claudeSmallModel,
		"ANTHROPIC_DEFAULT_HAIKU_MODEL=" + claudeSmallModel,
		"ANTHROPIC_DEFAULT_SONNET_MODEL=" + claudeModel,
		"ANTHROPIC_DEFAULT_OPUS_MODEL=" + claudeModel,
		"DISABLE_TELEMETRY=1",
		"DISABLE_AUTOUPDATER=1",
		"DISABLE_ERROR_REPORTING=1",
		"DISABLE_BUG_COMMAND=1",
		"CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1",
		"CLAUDE_CODE_DISABLE_TERMINAL_TITLE=1",
		"CLAUDE_CODE_IDE_SKIP_AUTO_INSTALL=1",
		"CLAUDE_CODE_DISABLE_OFFICIAL_MARKETPLACE_AUTOINSTALL=1",
		"TERM=xterm-256color",
	}
}

// seedClaudeHome writes what a user who has run Claude Code before has in HOME, so no
// first-run screen (theme, onboarding, folder trust) stands between the test and the
// prompt: ~/.claude.json with onboarding done and dir trusted, and ~/.claude/settings.json.
// settings is merged into the settings file (e.g. awsCredentialExport).
func seedClaudeHome(t *testing.T, home, dir string, settings map[string]any) {
	t.Helper()
	state := map[string]any{
		"hasCompletedOnboarding":        true,
		"lastOnboardingVersion":         "2.1.332",
		"theme":                         "dark",
		"numStartups":                   5,
		"autoUpdates":                   false,
		"bypassPermissionsModeAccepted": true,
		"hasSeenTasksHint":              true,
		"projects": map[string]any{
			dir: map[string]any{"hasTrustDialogAccepted": true, "hasCompletedProjectOnboarding": true,
				"allowedTools": []string{}},
		},
	}
	b, _ := json.Marshal(state)
	write(t, filepath.Join(home, ".claude.json"), string(b))
	if err := os.MkdirAll(filepath.Join(home, ".claude"), 0o700); err != nil {
		t.Fatal(err)
	}
	s := map[string]any{"env": map[string]string{"CLAUDE_CODE_USE_BEDROCK": "1"}}
	for k, v := range settings {
		s[k] = v
	}
	b, _ = json.Marshal(s)
	write(t, filepath.Join(home, ".claude", "settings.json"), string(b))
}

// newClaudeWorld is newWorld with a Claude Code user's HOME and a project directory (the
// working directory to run it in), and the Claude environment added to w.env.
func newClaudeWorld(t *testing.T, lifetime time.Duration, settings map[string]any) (*world, string) {
	t.Helper()
	w := newWorld(t, lifetime)
	w.t = t
	dir := filepath.Join(w.home, "project")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	seedClaudeHome(t, w.home, dir, settings)
	w.env = append(w.env, claudeEnv(w.fake)...)
	return w, dir
}

// bedrockKeys lists, in order, the access key of every Bedrock model call the fake answered
// with success: which credential each of Claude Code's answers was signed with.
func bedrockKeys(fake *fakeaws.Server) []string {
	var keys []string
	for _, r := range fake.Requests() {
		if (r.Op == fakeaws.OpInvokeModelWithResponseStream || r.Op == fakeaws.OpInvokeModel) && r.Code == "" {
			keys = append(keys, r.AccessKeyID)
		}
	}
	return keys
}

// claudeLoopRun is a running print-mode loop (testdata/claude-print-loop.sh), under awsrun or
// not; its output can be read while it runs.
type claudeLoopRun struct {
	t        *testing.T
	cmd      *exec.Cmd
	fake     *fakeaws.Server // the world's fake, whose changes wake waitFor
	out      testutil.LockedBuffer
	stopFile string
	done     chan error
}

// startClaudeLoop runs argv (which ends in the loop script) in w with extraEnv added.
func (w *world) startClaudeLoop(argv []string, extraEnv ...string) *claudeLoopRun {
	t := w.t
	t.Helper()
	r := &claudeLoopRun{t: t, fake: w.fake, stopFile: filepath.Join(t.TempDir(), "stop"), done: make(chan error, 1)}
	r.cmd = exec.Command(argv[0], argv[1:]...)
	r.cmd.Env = append(append(append([]string{}, w.env...), "STOP_FILE="+r.stopFile, "LOOP_SECONDS=150"), extraEnv...)
	r.cmd.Stdout, r.cmd.Stderr = &r.out, &r.out
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { r.done <- r.cmd.Wait() }()
	t.Cleanup(func() {
		select {
		case err := <-r.done:
			r.done <- err
		default:
			r.cmd.Process.Kill()
			<-r.done
		}
	})
	return r
}

// stop asks the loop to finish after the call in flight and waits for it.
func (r *claudeLoopRun) stop() error {
	r.t.Helper()
	os.WriteFile(r.stopFile, nil, 0o600)
	select {
	case err := <-r.done:
		r.done <- err
		return err
	case <-time.After(90 * time.Second):
		r.t.Fatalf("loop did not stop; output:\n%s", r.out.String())
		return nil
	}
}

// waitFor waits until cond holds, failing t if the loop ends first or limit passes. cond may
// read the fake's state and the loop's output: it is checked once, then again each time the
// fake records a change or the loop writes.
func (r *claudeLoopRun) waitFor(what string, limit time.Duration, cond func() bool) {
	r.t.Helper()
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	for {
		// Taken before the check, so no change after it is missed.
		faked, wrote := r.fake.Changed(), r.out.Changed()
		if cond() {
			return
		}
		select {
		case err := <-r.done:
			r.done <- err
			if cond() { // the loop's last output may be what cond waited for
				return
			}
			r.t.Fatalf("loop ended (%v) before %s; output:\n%s", err, what, r.out.String())
		case <-deadline.C:
			r.t.Fatalf("timed out after %v waiting for %s; output:\n%s", limit, what, r.out.String())
		case <-faked:
		case <-wrote:
		}
	}
}
