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
	_, data := stageNewLogin(t, w)
	fresh := filepath.Join(w.home, "fresh-login.json")
	write(t, fresh, string(data))
	bin := filepath.Join(w.home, "bin")
	if err := os.Mkdir(bin, 0o700); err != nil {
		t.Fatal(err)
	}
	argvLog := filepath.Join(w.home, "aws-argv")
	write(t, filepath.Join(bin, "aws"), fmt.Sprintf("#!/bin/sh\necho \"$*\" >> %q\ncp %q %q.tmp-login && mv %q.tmp-login %q\n",
		argvLog, fresh, st.Path, st.Path, st.Path))
	if err := os.Chmod(filepath.Join(bin, "aws"), 0o700); err != nil {
		t.Fatal(err)
	}
	env := []string{"XDG_RUNTIME_DIR=" + w.home}
	for _, kv := range w.env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			kv = "PATH=" + bin + string(os.PathListSeparator) + v
		}
		env = append(env, kv)
	}
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
