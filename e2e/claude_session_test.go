//go:build linux

package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/awsrun/awsrun/internal/fakeaws"
	"github.com/awsrun/awsrun/internal/testutil"
)

// claudeSession is one long-lived Claude Code process in print mode with stream-json input:
// each ask is one more user turn of the same session, so Claude Code's own credential cache
// and reload logic (awsCredentialExport, awsAuthRefresh) are under test, not a fresh start.
type claudeSession struct {
	t      *testing.T
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	events chan map[string]any
	stderr testutil.LockedBuffer
	done   chan struct{}
}

func startClaudeSession(t *testing.T, w *world, dir, bin string, argv []string, extraEnv ...string) *claudeSession {
	t.Helper()
	s := &claudeSession{t: t, events: make(chan map[string]any, 64), done: make(chan struct{})}
	argv = append(argv, bin, "-p", "--input-format", "stream-json", "--output-format", "stream-json", "--verbose")
	s.cmd = exec.Command(argv[0], argv[1:]...)
	s.cmd.Dir = dir
	s.cmd.Env = append(append([]string{}, w.env...), extraEnv...)
	var err error
	if s.stdin, err = s.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s.cmd.Stderr = &s.stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(s.events)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(nil, 4<<20)
		for sc.Scan() {
			var ev map[string]any
			if json.Unmarshal(sc.Bytes(), &ev) == nil {
				s.events <- ev
			}
		}
	}()
	go func() { s.cmd.Wait(); close(s.done) }()
	t.Cleanup(func() {
		s.stdin.Close()
		select {
		case <-s.done:
		case <-time.After(30 * time.Second):
			s.cmd.Process.Kill()
			<-s.done
		}
	})
	return s
}

// ask sends one user turn and returns the text of the turn's result, failing t if Claude
// Code reports an error or gives no result within limit.
func (s *claudeSession) ask(question string, limit time.Duration) string {
	s.t.Helper()
	msg, _ := json.Marshal(map[string]any{"type": "user", "message": map[string]any{"role": "user", "content": question}})
	if _, err := s.stdin.Write(append(msg, '\n')); err != nil {
		s.t.Fatalf("send %q: %v; stderr:\n%s", question, err, s.stderr.String())
	}
	deadline := time.After(limit)
	for {
		select {
		case ev, ok := <-s.events:
			if !ok {
				s.t.Fatalf("Claude Code ended before answering %q; stderr:\n%s", question, s.stderr.String())
			}
			if ev["type"] != "result" {
				continue
			}
			if ev["is_error"] == true || ev["subtype"] != "success" {
				s.t.Fatalf("Claude Code's turn failed: %v", ev["result"])
			}
			res, _ := ev["result"].(string)
			return res
		case <-deadline:
			s.t.Fatalf("no answer to %q within %v; stderr:\n%s", question, limit, s.stderr.String())
		}
	}
}

// keyExpiry is when the credential with access key id expires at the fake.
func keyExpiry(t *testing.T, fake *fakeaws.Server, id string) time.Time {
	t.Helper()
	for _, c := range fake.Issued() {
		if c.AccessKeyID == id {
			return c.Expiration
		}
	}
	t.Fatalf("key %s was not issued by the fake", id)
	return time.Time{}
}

// waitUntilExpired waits for the fake's clock (the real one here) to pass expiry, the
// condition the next turn is about. The moment is known, so the wait is a timer to it; the
// timer runs on the monotonic clock and the fake reads the wall clock, so should the wall
// clock have been set back meanwhile the timer is set again for what remains, within one
// deadline.
func waitUntilExpired(t *testing.T, expiry time.Time) {
	t.Helper()
	deadline := time.NewTimer(time.Minute)
	defer deadline.Stop()
	for !time.Now().After(expiry) {
		at := time.NewTimer(time.Until(expiry) + time.Millisecond)
		select {
		case <-at.C:
		case <-deadline.C:
			at.Stop()
			t.Fatalf("credential expiry %v did not pass within a minute (now %v)", expiry, time.Now())
		}
	}
}

// TestClaudeCodeCredentialExportAcrossRotations: Claude Code started without awsrun, with
// docs/claude-code.md's awsCredentialExport (`awsrun export --profile sso --format claude`),
// answers every turn of one session although the credentials of each earlier turn have expired
// before the next: at least five rotations, every answer the fake's reply.
func TestClaudeCodeCredentialExportAcrossRotations(t *testing.T) {
	bin := claudeBin(t)
	t.Parallel()
	w, dir := newClaudeWorld(t, 4*time.Second, map[string]any{
		"awsCredentialExport": awsrunBin + " export --profile sso --format claude",
	})
	s := startClaudeSession(t, w, dir, bin, nil)
	var keys []string
	for turn := 0; turn <= rotations; turn++ {
		if turn > 0 {
			waitUntilExpired(t, keyExpiry(t, w.fake, keys[len(keys)-1]))
		}
		if got := s.ask(fmt.Sprintf("%s (turn %d)", claudeQuestion, turn), 90*time.Second); got != fakeaws.BedrockReply {
			t.Fatalf("turn %d answered %q, want %q", turn, got, fakeaws.BedrockReply)
		}
		all := bedrockKeys(w.fake)
		keys = append(keys, all[len(all)-1])
	}
	if distinct(keys) != rotations+1 {
		t.Errorf("turns signed with %d distinct keys, want %d (one per rotation)", distinct(keys), rotations+1)
	}
	exports := w.fake.Calls("GetRoleCredentials")
	if exports < rotations+1 {
		t.Errorf("%d GetRoleCredentials: awsrun export was not run for each rotation", exports)
	}
	t.Logf("one Claude Code session, awsCredentialExport = awsrun export: %d turns, all answered %q, %d distinct keys (%d rotations), %d exports (GetRoleCredentials); Bedrock said ExpiredTokenException %d times before Claude Code re-ran the export",
		len(keys), fakeaws.BedrockReply, distinct(keys), distinct(keys)-1, exports, w.fake.Errors("ExpiredTokenException"))
}

// TestClaudeCodeAuthRefreshRenewsSSOLogin: the SSO login behind the profile has ended, so
// `awsrun export` fails; Claude Code then runs awsAuthRefresh (docs/claude-code.md: `aws sso
// login --profile dev`, here a stand-in that writes the token cache a completed login would
// write, because the real one waits for a browser), and the next export hands it working
// credentials.
func TestClaudeCodeAuthRefreshRenewsSSOLogin(t *testing.T) {
	bin := claudeBin(t)
	t.Parallel()
	w, dir := newClaudeWorld(t, time.Hour, nil)
	cache := filepath.Join(w.home, ".aws", "sso", "cache")
	tok := fakeaws.CachedToken{StartURL: fakeaws.DefaultStartURL, Region: "us-east-1", AccessToken: "ended-session-token",
		ExpiresAt: time.Now().Add(-time.Minute)}
	if _, err := fakeaws.WriteSSOTokenCache(cache, fakeaws.WorldSSOSession, tok); err != nil {
		t.Fatal(err)
	}
	fresh := t.TempDir()
	tok.AccessToken, tok.ExpiresAt = "renewed-session-token", time.Now().Add(8*time.Hour)
	w.fake.AddSSOAccessToken(tok.AccessToken, tok.ExpiresAt)
	if _, err := fakeaws.WriteSSOTokenCache(fresh, fakeaws.WorldSSOSession, tok); err != nil {
		t.Fatal(err)
	}
	marker := filepath.Join(w.home, "auth-refresh-ran")
	login := filepath.Join(w.home, "sso-login.sh")
	write(t, login, fmt.Sprintf("#!/bin/sh\n# stands in for: aws sso login --profile sso\necho ran >> %q\ncp %q/*.json %q/\necho 'Successfully logged into Start URL: %s'\n",
		marker, fresh, cache, fakeaws.DefaultStartURL))
	if err := os.Chmod(login, 0o700); err != nil {
		t.Fatal(err)
	}
	seedClaudeHome(t, w.home, dir, map[string]any{
		"awsCredentialExport": awsrunBin + " export --profile sso --format claude",
		"awsAuthRefresh":      login,
	})

	s := startClaudeSession(t, w, dir, bin, nil)
	if got := s.ask(claudeQuestion, 90*time.Second); got != fakeaws.BedrockReply {
		t.Fatalf("answered %q, want %q", got, fakeaws.BedrockReply)
	}
	ran, _ := os.ReadFile(marker)
	if n := strings.Count(string(ran), "ran"); n != 1 {
		t.Errorf("awsAuthRefresh ran %d times, want once", n)
	}
	if w.fake.Calls("GetRoleCredentials") == 0 {
		t.Errorf("no GetRoleCredentials after the login")
	}
	t.Logf("ended SSO session: awsAuthRefresh ran %d time(s), then awsrun export gave credentials; answer %q", strings.Count(string(ran), "ran"), fakeaws.BedrockReply)
}

// TestClaudeCodeSessionAcrossRotationsUnderAwsrun is the headline promise on one long-lived
// Claude Code process: under `awsrun -p sso --`, every turn of one session, each asked after
// the credentials of the turn before have expired, is answered, across five rotations, and
// Bedrock never sees an expired key (with awsCredentialExport it sees one per expiry).
func TestClaudeCodeSessionAcrossRotationsUnderAwsrun(t *testing.T) {
	bin := claudeBin(t)
	t.Parallel()
	w, dir := newClaudeWorld(t, 6*time.Second, nil)
	s := startClaudeSession(t, w, dir, bin, []string{awsrunBin, "-p", "sso", "--"})
	var keys []string
	for turn := 0; turn <= rotations; turn++ {
		if turn > 0 {
			waitUntilExpired(t, keyExpiry(t, w.fake, keys[len(keys)-1]))
		}
		if got := s.ask(fmt.Sprintf("%s (turn %d)", claudeQuestion, turn), 90*time.Second); got != fakeaws.BedrockReply {
			t.Fatalf("turn %d answered %q, want %q", turn, got, fakeaws.BedrockReply)
		}
		all := bedrockKeys(w.fake)
		keys = append(keys, all[len(all)-1])
	}
	if distinct(keys) != rotations+1 {
		t.Errorf("turns signed with %d distinct keys, want %d", distinct(keys), rotations+1)
	}
	if n := w.fake.Errors("ExpiredTokenException"); n != 0 {
		t.Errorf("Bedrock answered ExpiredTokenException %d times", n)
	}
	t.Logf("one Claude Code session under awsrun: %d turns, all answered %q, %d distinct keys (%d rotations), 0 ExpiredTokenException",
		len(keys), fakeaws.BedrockReply, distinct(keys), distinct(keys)-1)
}
