package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/awsrun/awsrun/internal/fakeaws"
	"github.com/awsrun/awsrun/internal/testutil"
)

// supervised is awsrun running a child that only publishes its endpoint and waits.
type supervised struct {
	cmd              *exec.Cmd
	url, token, conf string
	log              string
	done             chan struct{}
}

// startSupervised runs `awsrun -p profile -- sh -c 'write endpoint; sleep'` and waits until
// the child has written its endpoint details.
func (w *world) startSupervised(t testing.TB, profile string, extra ...string) *supervised {
	t.Helper()
	return w.startSupervisedAs(t, profile, profile, extra...)
}

// startSupervisedAs is startSupervised for one of several awsrun processes of one profile in
// one world: name keeps their files apart.
func (w *world) startSupervisedAs(t testing.TB, name, profile string, extra ...string) *supervised {
	t.Helper()
	out := filepath.Join(w.home, "endpoint-"+name)
	s := &supervised{log: filepath.Join(w.home, "awsrun-"+name+".log"), done: make(chan struct{})}
	args := append([]string{"-p", profile, "--log-level", "debug", "--log-file", s.log, "--notify=false"}, extra...)
	args = append(args, "--", "sh", "-c",
		`printf '%s\n%s\n%s\n' "$AWS_CONTAINER_CREDENTIALS_FULL_URI" "$AWS_CONTAINER_AUTHORIZATION_TOKEN" "$AWS_CONFIG_FILE" > "$0.tmp" && mv "$0.tmp" "$0"; exec sleep 300`, out)
	s.cmd = exec.Command(awsrunBin, args...)
	s.cmd.Env = w.env
	var stderr bytes.Buffer
	s.cmd.Stderr = &stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.cmd.Wait(); close(s.done) }()
	t.Cleanup(func() {
		s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.done:
		case <-time.After(10 * time.Second):
			s.cmd.Process.Kill()
		}
	})
	waitFile(t, "the child to publish its endpoint", out, 30*time.Second, s.done, func(data []byte) bool {
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		if len(lines) != 3 {
			return false
		}
		s.url, s.token, s.conf = lines[0], lines[1], lines[2]
		return true
	})
	return s
}

// get asks the endpoint once, as a child's SDK would.
func (s *supervised) get() (int, string) {
	req, _ := http.NewRequest("GET", s.url, nil)
	req.Header.Set("Authorization", s.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	var body struct{ AccessKeyId, Message, message string }
	json.NewDecoder(resp.Body).Decode(&body)
	if resp.StatusCode == 200 {
		return 200, body.AccessKeyId
	}
	return resp.StatusCode, body.Message + body.message
}

func (s *supervised) logText() string {
	b, _ := os.ReadFile(s.log)
	return string(b)
}

// waitFile waits until cond holds for a file another process writes, on the file's own change
// events (testutil.WaitFile); it fails the test at the deadline or if stop closes first.
func waitFile(t testing.TB, what, path string, limit time.Duration, stop <-chan struct{}, cond func(data []byte) bool) {
	t.Helper()
	switch err := testutil.WaitFile(path, limit, stop, cond); {
	case errors.Is(err, testutil.ErrStopped):
		t.Fatalf("process ended while waiting for %s", what)
	case err != nil:
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

// waitFake waits until cond, a condition of the fake's state, holds: it checks once, then again
// each time the fake records a change; it fails the test at the deadline or if stop closes first.
func waitFake(t testing.TB, w *world, what string, limit time.Duration, stop <-chan struct{}, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	for {
		changed := w.fake.Changed() // before the check, so no change after it is missed
		if cond() {
			return
		}
		select {
		case <-stop:
			t.Fatalf("process ended while waiting for %s", what)
		case <-deadline.C:
			t.Fatalf("timed out after %v waiting for %s", limit, what)
		case <-changed:
		}
	}
}

// eventually polls cond every 10ms until it holds; it fails the test at the deadline or if
// stop closes first. Tests wait on the thing itself (waitFile, waitFake); the benchmark, which
// measures how soon a condition holds, keeps this poll.
func eventually(t testing.TB, what string, limit time.Duration, stop <-chan struct{}, cond func() bool) {
	t.Helper()
	deadline := time.After(limit)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-stop:
			t.Fatalf("process ended while waiting for %s", what)
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		case <-tick.C:
		}
	}
}

// TestSSOLoginRecoversEndpoint: the SSO session ends while the child runs (the endpoint answers
// 503 with the command to run), then a login in another terminal writes a new token, atomically
// or torn in place like older CLIs do; awsrun notices through the watch and serves again.
func TestSSOLoginRecoversEndpoint(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	for _, style := range []string{"atomic", "torn"} {
		t.Run(style, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, 4*time.Second)
			s := w.startSupervised(t, "sso")
			if code, _ := s.get(); code != 200 {
				t.Fatalf("endpoint not serving at start: %d", code)
			}
			w.fake.AddSSOAccessToken(ssoToken, time.Now().Add(-time.Minute)) // the session ends
			// awsrun serves what it holds until that expires. Its first renewal refused by the
			// fake is the last credential it could have got; once that has expired, the endpoint
			// has nothing left to serve and must say what to run. The expiry is a moment, so a
			// timer to it is the wait on the thing itself.
			deadline := time.Now().Add(30 * time.Second)
			waitFake(t, w, "a renewal with the ended session", time.Until(deadline), s.done, func() bool {
				return w.fake.Errors("UnauthorizedException") > 0
			})
			issued := w.fake.Issued()
			held := issued[len(issued)-1]
			if held.Expiration.After(deadline) {
				t.Fatalf("awsrun holds %s, valid past the test's deadline", held)
			}
			expired := time.NewTimer(time.Until(held.Expiration))
			select {
			case <-expired.C:
			case <-s.done:
				t.Fatal("awsrun exited while its credentials ran out")
			}
			code, msg := s.get()
			if code != 503 {
				t.Fatalf("endpoint answered %d (%s) after the last credential awsrun could get expired at %s, want 503",
					code, msg, held.Expiration.Format(time.RFC3339))
			}
			if !strings.Contains(msg, "aws sso login --profile sso") {
				t.Errorf("503 does not say what to run: %q", msg)
			}
			if !strings.Contains(s.logText(), "run=\"aws sso login --profile sso\"") {
				t.Errorf("log does not tell the user what to run:\n%s", s.logText())
			}

			newToken := "fresh-login-token-" + style
			w.fake.AddSSOAccessToken(newToken, time.Now().Add(8*time.Hour))
			cache := filepath.Join(w.home, ".aws", "sso", "cache")
			tok := fakeaws.CachedToken{StartURL: "https://corp.awsapps.com/start", Region: "us-east-1", AccessToken: newToken, ExpiresAt: time.Now().Add(8 * time.Hour)}
			written := time.Now()
			if style == "atomic" {
				if _, err := fakeaws.WriteSSOTokenCache(cache, "corp", tok); err != nil {
					t.Fatal(err)
				}
			} else {
				path := fakeaws.SSOTokenCachePath(cache, "corp")
				full := fmt.Sprintf(`{"startUrl":"https://corp.awsapps.com/start","region":"us-east-1","accessToken":%q,"expiresAt":%q}`, newToken, tok.ExpiresAt.UTC().Format("2006-01-02T15:04:05Z"))
				f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0o600)
				if err != nil {
					t.Fatal(err)
				}
				f.WriteString(full[:len(full)/2]) // a reader now sees torn JSON
				f.Sync()
				f.WriteString(full[len(full)/2:])
				f.Close()
			}
			// No request in between: the endpoint would otherwise renew on demand by itself.
			waitFile(t, "the watch to renew", s.log, 30*time.Second, s.done, func(data []byte) bool {
				log := string(data)
				return strings.Count(log, "new SSO token found") == 1 &&
					strings.Contains(log[strings.Index(log, "new SSO token found"):], "credentials refreshed")
			})
			t.Logf("%s login: renewed %v after the token write", style, time.Since(written).Round(time.Millisecond))
			if code, _ := s.get(); code != 200 {
				t.Errorf("endpoint still failing after the login: %d", code)
			}
		})
	}
}

// TestEditedProfileReachesChildConfig: editing the profile's region rewrites the child's
// generated config; a broken edit is reported with file and line and changes nothing.
func TestEditedProfileReachesChildConfig(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	t.Parallel()
	w := newWorld(t, time.Hour)
	s := w.startSupervised(t, "sso")
	if data, _ := os.ReadFile(s.conf); !strings.Contains(string(data), "region = us-east-1") {
		t.Fatalf("child config at start:\n%s", data)
	}
	cfgPath := filepath.Join(w.home, ".aws", "config")
	orig, _ := os.ReadFile(cfgPath)
	broken := strings.Replace(string(orig), "[profile role]", "[profile role", 1)
	write(t, cfgPath, broken)
	waitFile(t, "a parse warning", s.log, 30*time.Second, s.done, func(log []byte) bool {
		return bytes.Contains(log, []byte("config file does not parse"))
	})
	if !strings.Contains(s.logText(), "line=") {
		t.Errorf("parse warning lacks the line:\n%s", s.logText())
	}
	if code, _ := s.get(); code != 200 {
		t.Errorf("a broken edit stopped the endpoint: %d", code)
	}
	edited := strings.Replace(string(orig), "sso_role_name = Developer\nregion = us-east-1", "sso_role_name = Developer\nregion = eu-central-1", 1)
	tmp := cfgPath + ".new"
	write(t, tmp, edited)
	if err := os.Rename(tmp, cfgPath); err != nil {
		t.Fatal(err)
	}
	waitFile(t, "the new region in the child's config", s.conf, 30*time.Second, s.done, func(data []byte) bool {
		return bytes.Contains(data, []byte("region = eu-central-1"))
	})
}

// TestConcurrentAutoLoginRunsOnce: five awsrun processes start with an ended SSO session and
// --login auto; the login command runs exactly once and all five get credentials.
func TestConcurrentAutoLoginRunsOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	t.Parallel()
	w := newWorld(t, time.Hour)
	cache := filepath.Join(w.home, ".aws", "sso", "cache")
	if _, err := fakeaws.WriteSSOTokenCache(cache, "corp", fakeaws.CachedToken{
		StartURL: "https://corp.awsapps.com/start", Region: "us-east-1", AccessToken: "ended", ExpiresAt: time.Now().Add(-time.Hour),
	}); err != nil {
		t.Fatal(err)
	}
	w.fake.AddSSOAccessToken("after-login", time.Now().Add(8*time.Hour))
	counter := filepath.Join(w.home, "logins")
	newCache := fmt.Sprintf(`{"startUrl":"https://corp.awsapps.com/start","region":"us-east-1","accessToken":"after-login","expiresAt":%q}`,
		time.Now().Add(8*time.Hour).UTC().Format("2006-01-02T15:04:05Z"))
	script := filepath.Join(w.home, "fake-sso-login.sh")
	write(t, script, fmt.Sprintf("#!/bin/sh\necho login >> %q\nprintf '%%s' '%s' > %q.tmp && mv %q.tmp %q\n",
		counter, newCache, fakeaws.SSOTokenCachePath(cache, "corp"), fakeaws.SSOTokenCachePath(cache, "corp"), fakeaws.SSOTokenCachePath(cache, "corp")))
	env := append(append([]string{}, w.env...), "XDG_RUNTIME_DIR="+w.home)
	var wg sync.WaitGroup
	results := make([]string, 5)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(awsrunBin, "-p", "sso", "--login", "auto", "--login-command", "sh "+script, "--notify=false", "--", "true")
			cmd.Env = env
			out, err := cmd.CombinedOutput()
			if err != nil {
				results[i] = fmt.Sprintf("awsrun %d: %v: %s", i, err, out)
			}
		}()
	}
	wg.Wait()
	for _, r := range results {
		if r != "" {
			t.Error(r)
		}
	}
	data, _ := os.ReadFile(counter)
	if n := strings.Count(string(data), "login"); n != 1 {
		t.Errorf("login command ran %d times, want exactly 1", n)
	}
}
