package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/awsrun/awsrun/internal/fakeaws"
)

// stageNewLogin does what `aws login` in another terminal does for the console session, minus
// the browser: a new session registered with the fake (new DPoP key, new refresh token) and its
// cache rendered, not yet written to HOME; the caller writes it as the test needs.
func stageNewLogin(t *testing.T, w *world) (*fakeaws.StagedLogin, []byte) {
	t.Helper()
	st, err := w.fake.StageLogin(t.TempDir(), fakeaws.LoginOptions{Session: consoleARN, AccessExpiry: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	return st, mustReadFile(t, st.Path)
}

// writeTorn rewrites path in place in two parts, as a writer without a rename does: a reader in
// between sees cut-off JSON.
func writeTorn(t *testing.T, path string, data []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(data[:len(data)/2]); err != nil {
		t.Fatal(err)
	}
	f.Sync()
	if _, err := f.Write(data[len(data)/2:]); err != nil {
		t.Fatal(err)
	}
}

// childEnv is the environment of awsrun's child as the supervised child published it, for
// running a real client against awsrun's endpoint as that child would.
func (s *supervised) childEnv(w *world) []string {
	empty := filepath.Join(w.home, "empty-credentials")
	os.WriteFile(empty, nil, 0o600)
	return append(append([]string{}, w.env...),
		"AWS_CONTAINER_CREDENTIALS_FULL_URI="+s.url, "AWS_CONTAINER_AUTHORIZATION_TOKEN="+s.token,
		"AWS_CONFIG_FILE="+s.conf, "AWS_SHARED_CREDENTIALS_FILE="+empty)
}

// TestLoginSessionEndsAndNewLoginIsServed: the `aws login` session ends while the child runs:
// awsrun logs the warning naming `aws login --profile console`, keeps serving what is valid,
// then the endpoint answers 503 with that command. A new `aws login` written to the cache
// (atomically by rename, or torn: in place, in two parts) is picked up through the watch without
// a request in between: the 503 clears, the endpoint serves the new login's cached key as it is
// (no call to the sign-in service), and the AWS CLI run as the child would acts with it.
func TestLoginSessionEndsAndNewLoginIsServed(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	for _, style := range []string{"atomic", "torn"} {
		t.Run(style, func(t *testing.T) {
			t.Parallel()
			w, st := newLoginWorld(t, 4*time.Second)
			s := w.startSupervised(t, "console")
			if code, _ := s.get(); code != 200 {
				t.Fatalf("endpoint not serving at start: %d", code)
			}
			w.fake.EndLoginSession(consoleARN)
			var msg string
			eventually(t, "a 503 that says what to run", 30*time.Second, s.done, func() bool {
				var code int
				code, msg = s.get()
				return code == 503 && strings.Contains(msg, "; run: ")
			})
			if !strings.Contains(msg, "aws login session") || !strings.Contains(msg, "run: aws login --profile console") {
				t.Errorf("503 does not say what to run: %q", msg)
			}
			log := s.logText()
			if !strings.Contains(log, "the aws login session has ended") || !strings.Contains(log, `run="aws login --profile console"`) {
				t.Errorf("log does not tell the user what to run:\n%s", log)
			}
			if strings.Contains(log, "SSO") {
				t.Errorf("log speaks of SSO for an aws login profile:\n%s", log)
			}

			fresh, data := stageNewLogin(t, w)
			before := len(s.logText())
			if style == "atomic" {
				if err := fakeaws.WriteLoginCache(st.Path, data); err != nil {
					t.Fatal(err)
				}
			} else {
				writeTorn(t, st.Path, data)
			}
			written := time.Now()
			// No request in between: the endpoint would otherwise renew on demand by itself. The
			// watch reads the new login whole (also when torn) and renews with it, unless the
			// renewal awsrun retries since the session ended found it a moment earlier.
			how := ""
			eventually(t, "the watch to react to the new login", 30*time.Second, s.done, func() bool {
				l := s.logText()[before:]
				if i := strings.Index(l, "new aws login found"); i >= 0 && strings.Contains(l[i:], "credentials refreshed") {
					how = "the watch"
				} else if strings.Contains(l, "holds the credentials being served; nothing to do\" new_login=true") {
					how = "a retry, the watch then found it served"
				}
				return how != ""
			})
			t.Logf("%s login: served %v after the cache write (%s)", style, time.Since(written).Round(time.Millisecond), how)
			if n := strings.Count(s.logText(), "new aws login found"); n > 1 {
				t.Errorf("the new login was reacted to %d times", n)
			}
			code, key := s.get()
			if code != 200 || key != fresh.Credential.AccessKeyID {
				t.Fatalf("after the login the endpoint answers %d with %.4s..., want 200 with the new login's cached key %.4s...", code, key, fresh.Credential.AccessKeyID)
			}

			cli := exec.Command("aws", "sts", "get-caller-identity", "--output", "text", "--query", "Arn")
			cli.Env = s.childEnv(w)
			out, err := cli.CombinedOutput()
			if err != nil || strings.TrimSpace(string(out)) != consoleARN {
				t.Fatalf("the AWS CLI through awsrun: %v: %s", err, out)
			}
			if keys := w.fake.CallerKeys(); len(keys) == 0 || keys[len(keys)-1] != fresh.Credential.AccessKeyID {
				t.Errorf("the AWS CLI did not sign with the new login's key")
			}
		})
	}
}

// standInAws puts an `aws` first on PATH that records its arguments in the returned file and
// writes a fresh login cache to path (by rename, as the CLI does), and returns the environment
// for awsrun with it, the login lock under HOME.
func standInAws(t *testing.T, w *world, path string) (env []string, argvLog string) {
	t.Helper()
	_, data := stageNewLogin(t, w)
	fresh := filepath.Join(w.home, "fresh-login.json")
	write(t, fresh, string(data))
	bin := filepath.Join(w.home, "bin")
	if err := os.Mkdir(bin, 0o700); err != nil {
		t.Fatal(err)
	}
	argvLog = filepath.Join(w.home, "aws-argv")
	write(t, filepath.Join(bin, "aws"), fmt.Sprintf("#!/bin/sh\necho \"$*\" >> %q\ncp %q %q.tmp-login && mv %q.tmp-login %q\n",
		argvLog, fresh, path, path, path))
	if err := os.Chmod(filepath.Join(bin, "aws"), 0o700); err != nil {
		t.Fatal(err)
	}
	env = []string{"XDG_RUNTIME_DIR=" + w.home}
	for _, kv := range w.env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			kv = "PATH=" + bin + string(os.PathListSeparator) + v
		}
		env = append(env, kv)
	}
	return env, argvLog
}

// TestLoginAutoRunsAwsLoginOnce: five awsrun processes start at once for an `aws login` profile
// whose session has ended, with --login auto and no --login-command: `aws login --profile console`
// (a stand-in `aws` first on PATH that records its arguments and writes a fresh cache, as the
// real one does) runs exactly once; the other four find its cache when they get the login lock,
// and all five serve the new login.
func TestLoginAutoRunsAwsLoginOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	t.Parallel()
	w, st := newLoginWorld(t, time.Hour)
	w.fake.EndLoginSession(consoleARN)
	env, argvLog := standInAws(t, w, st.Path)
	var wg sync.WaitGroup
	results := make([]string, 5)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(awsrunBin, "-p", "console", "--login", "auto", "--notify=false", "--log-level", "info", "--",
				"sh", "-c", `curl -sf -H "Authorization: $AWS_CONTAINER_AUTHORIZATION_TOKEN" "$AWS_CONTAINER_CREDENTIALS_FULL_URI"`)
			cmd.Env = env
			out, err := cmd.CombinedOutput()
			if err != nil {
				results[i] = fmt.Sprintf("awsrun %d: %v: %s", i, err, out)
			} else if !strings.Contains(string(out), `"AccessKeyId"`) {
				results[i] = fmt.Sprintf("awsrun %d: the child got no credentials: %s", i, out)
			}
		}()
	}
	wg.Wait()
	for _, r := range results {
		if r != "" {
			t.Error(r)
		}
	}
	got, _ := os.ReadFile(argvLog)
	if string(got) != "login --profile console\n" {
		t.Errorf("the stand-in aws ran with %q, want `login --profile console` exactly once", got)
	}
}

// TestLoginAutoWhileRunningRunsAwsLoginOnce: five awsrun processes serve one `aws login`
// profile with --login auto when its session ends under them: `aws login --profile console`
// runs once (in the background, its output to the log), the other four take the login lock
// after it and find its new cache, and all five serve the new login's key again.
func TestLoginAutoWhileRunningRunsAwsLoginOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	t.Parallel()
	w, st := newLoginWorld(t, 4*time.Second)
	env, argvLog := standInAws(t, w, st.Path)
	lw := *w
	lw.env = env
	var runs []*supervised
	for i := range 5 {
		s := lw.startSupervisedAs(t, fmt.Sprintf("console-%d", i), "console", "--login", "auto")
		if code, _ := s.get(); code != 200 {
			t.Fatalf("awsrun %d not serving at start: %d", i, code)
		}
		runs = append(runs, s)
	}
	// This ends the session the stand-in's login registered too; its cached credentials stay
	// valid for an hour, longer than the test needs them.
	w.fake.EndLoginSession(consoleARN)
	tok, err := fakeaws.ReadLoginCache(filepath.Join(w.home, "fresh-login.json"))
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range runs {
		eventually(t, fmt.Sprintf("awsrun %d to serve the new login", i), 60*time.Second, s.done, func() bool {
			code, key := s.get()
			return code == 200 && key == tok.AccessKeyID
		})
	}
	got, _ := os.ReadFile(argvLog)
	if string(got) != "login --profile console\n" {
		t.Errorf("the stand-in aws ran with %q, want `login --profile console` exactly once", got)
	}
	ran := 0
	for _, s := range runs {
		if strings.Contains(s.logText(), `msg="aws login session ended; running the login command" command="aws login --profile console"`) {
			ran++
		}
	}
	if ran != 1 {
		t.Errorf("%d awsrun processes ran the login, want 1", ran)
	}
}
