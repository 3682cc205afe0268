package e2e

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/awsrun/awsrun/creds"
	"github.com/awsrun/awsrun/internal/fakeaws"
)

// consoleARN is the identity `aws login` signed in as in the login tests.
const consoleARN = "arn:aws:iam::123456789012:user/console-user"

// newLoginWorld is newWorld plus an `aws login` done before awsrun starts: the console
// profiles, a login token cache whose access credentials have already expired (so the first
// credentials come from the sign-in service), and awsrun's SDK pointed at the fake sign-in
// service.
func newLoginWorld(t *testing.T, lifetime time.Duration) (*world, *fakeaws.StagedLogin) {
	t.Helper()
	fake := fakeaws.New(fakeaws.Options{Lifetime: lifetime})
	if err := fake.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fake.Close() })
	home := t.TempDir()
	staged, err := fakeaws.StageWorld(home, fake, fakeaws.WorldOptions{AccessKeyID: userKey, SecretAccessKey: userSecret, SSOToken: ssoToken, ExtraConfig: fakeaws.LoginConfig(consoleARN)})
	if err != nil {
		t.Fatal(err)
	}
	st, err := fake.StageLogin(filepath.Join(home, ".aws", "login", "cache"), fakeaws.LoginOptions{Session: consoleARN, AccessExpiry: time.Now().Add(-time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	return &world{t: t, fake: fake, home: home, env: append(staged.Env, fake.SigninEndpointEnv()...)}, st
}

// TestLoginRotationWithRealClients: real clients as the child of `awsrun -p console` (and of a
// role whose source_profile is the login profile), the cached access credentials expired at
// start: the first credentials come through the sign-in service, at least five rotations
// follow, no call fails, and every call acts as the login identity (or the role assumed from it).
func TestLoginRotationWithRealClients(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	cs := clients(t)
	for _, c := range []struct{ profile, client, inject string }{
		{"console", "awscli", "endpoint"}, {"console", "js", "endpoint"}, {"console-role", "js", "endpoint"},
		{"console", "awscli", "env"},
	} {
		t.Run(c.profile+"/"+c.client+"/"+c.inject, func(t *testing.T) {
			t.Parallel()
			w, st := newLoginWorld(t, 6*time.Second)
			logFile := filepath.Join(w.home, "awsrun.log")
			argv := append([]string{awsrunBin, "-p", c.profile, "--inject", c.inject, "--stop-timeout", "2s", "--log-level", "debug", "--log-file", logFile, "--"}, cs[c.client].argv...)
			out := w.runRotations(t, argv)
			if strings.Contains(out, "FAIL") || !strings.Contains(out, "failures=0") {
				t.Errorf("client saw failures:\n%s", out)
			}
			if n := w.fake.Errors("ExpiredToken"); n != 0 {
				t.Errorf("fake AWS answered ExpiredToken %d times", n)
			}

			// Who signed each call: the credential the fake issued for its key.
			issued := map[string]fakeaws.Credential{}
			for _, cred := range w.fake.Issued() {
				issued[cred.AccessKeyID] = cred
			}
			if issued[st.Credential.AccessKeyID].Op != "CreateOAuth2Token" {
				t.Fatal("the staged login credential is not on record")
			}
			for _, key := range w.fake.CallerKeys() {
				cred, ok := issued[key]
				switch {
				case !ok:
					t.Errorf("a call signed with unknown key %s", key[:4])
				case key == st.Credential.AccessKeyID:
					t.Error("a call used the expired cached credential")
				case c.profile == "console" && (cred.Op != "CreateOAuth2Token" || cred.ARN != consoleARN):
					t.Errorf("a call as %s (%s), want the login identity %s", cred.ARN, cred.Op, consoleARN)
				case c.profile == "console-role" && (cred.Op != "AssumeRole" || issued[cred.CallerKeyID].Op != "CreateOAuth2Token"):
					t.Errorf("a call as %s, assumed with %s, want a role assumed with login credentials", cred.ARN, issued[cred.CallerKeyID].Op)
				}
			}
			if n := w.fake.Calls("CreateOAuth2Token"); n < 1 || w.fake.Errors("InvalidGrantException")+w.fake.Errors("ValidationException") != 0 {
				t.Errorf("%d sign-in calls, %d refused", n, w.fake.Errors("InvalidGrantException")+w.fake.Errors("ValidationException"))
			}
			if c.profile == "console" && w.fake.Calls("CreateOAuth2Token") < rotations+1 {
				t.Errorf("%d sign-in calls for %d rotations", w.fake.Calls("CreateOAuth2Token"), rotations)
			}

			// The user's cache holds the newest credentials and the rotated refresh token (the AWS
			// CLI in another terminal keeps working), written whole: 0600, no temporary file left.
			tok, err := creds.ReadLoginToken(st.Path)
			if err != nil {
				t.Fatalf("cache after the run: %v", err)
			}
			if last := lastLoginCredential(w.fake); tok.AccessKeyID != last {
				t.Errorf("cache holds %s, the last sign-in credential is %s", tok.AccessKeyID[:4], last[:4])
			}
			entries, _ := os.ReadDir(filepath.Dir(st.Path))
			if fi, err := os.Stat(st.Path); err != nil || fi.Mode().Perm() != 0o600 || len(entries) != 1 {
				t.Errorf("cache dir: %d entries, mode %v (%v)", len(entries), fi.Mode(), err)
			}
			log, _ := os.ReadFile(logFile)
			cache, _ := fakeaws.ReadLoginCache(st.Path)
			for _, secret := range []string{cache.RefreshToken, cache.DPoPKey, cache.SecretAccessKey} {
				if bytes.Contains(log, []byte(secret)) {
					t.Error("awsrun's log contains login cache secrets")
				}
			}
			t.Logf("%s via %s (%s): %d calls, %d distinct keys used, %d sign-in renewals, 0 failures; %s",
				c.client, c.profile, c.inject, strings.Count(out, "\nok ")+1, distinct(w.fake.CallerKeys()), w.fake.Calls("CreateOAuth2Token"), endpointStats(log))
		})
	}
}

// lastLoginCredential is the key id of the newest credential the sign-in service issued.
func lastLoginCredential(fake *fakeaws.Server) string {
	last := ""
	for _, c := range fake.Issued() {
		if c.Op == "CreateOAuth2Token" {
			last = c.AccessKeyID
		}
	}
	return last
}

// TestLoginSessionEndedAtStart: the session has ended before awsrun starts: awsrun exits 77 with
// the command that fixes it, and leaves the cache as it was.
func TestLoginSessionEndedAtStart(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	t.Parallel()
	w, st := newLoginWorld(t, time.Minute)
	w.fake.EndLoginSession("")
	before, _ := os.ReadFile(st.Path)
	cmd := exec.Command(awsrunBin, "-p", "console", "--", "true")
	cmd.Env = w.env
	out, err := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != 77 || err == nil {
		t.Fatalf("exit %d, want 77:\n%s", code, out)
	}
	if !strings.Contains(string(out), "awsrun: try: aws login --profile console") || !strings.Contains(string(out), "aws login session") {
		t.Errorf("stderr does not say what to run:\n%s", out)
	}
	t.Logf("%s", out)
	if after, _ := os.ReadFile(st.Path); !bytes.Equal(before, after) {
		t.Error("the cache was rewritten")
	}
}

// TestLoginBadCacheAtStart: a cache that is not JSON, lacks the refresh token, or holds a DPoP
// key that does not parse: exit 77, the file named, `aws login --profile console`, nothing
// written to it, nothing asked of AWS.
func TestLoginBadCacheAtStart(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	for name, spoil := range map[string]func(fakeaws.CachedLogin, []byte) []byte{
		"not-json":         func(_ fakeaws.CachedLogin, b []byte) []byte { return b[:len(b)/3] },
		"no-refresh-token": func(c fakeaws.CachedLogin, b []byte) []byte { return bytes.Replace(b, []byte(c.RefreshToken), nil, 1) },
		"bad-dpop-key": func(c fakeaws.CachedLogin, _ []byte) []byte {
			c.DPoPKey = "not a key"
			b, _ := fakeaws.MarshalLoginCache(c)
			return b
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			w, st := newLoginWorld(t, time.Minute)
			c, err := fakeaws.ReadLoginCache(st.Path)
			if err != nil {
				t.Fatal(err)
			}
			spoilt := spoil(c, mustReadFile(t, st.Path))
			write(t, st.Path, string(spoilt))
			cmd := exec.Command(awsrunBin, "-p", "console", "--", "true")
			cmd.Env = w.env
			out, _ := cmd.CombinedOutput()
			if code := cmd.ProcessState.ExitCode(); code != 77 {
				t.Fatalf("exit %d, want 77:\n%s", code, out)
			}
			if !strings.Contains(string(out), st.Path) || !strings.Contains(string(out), "awsrun: try: aws login --profile console") {
				t.Errorf("stderr does not name the file and the fix:\n%s", out)
			}
			t.Logf("%s", out)
			if !bytes.Equal(mustReadFile(t, st.Path), spoilt) || w.fake.Calls("CreateOAuth2Token") != 0 {
				t.Errorf("cache rewritten or AWS asked (%d sign-in calls)", w.fake.Calls("CreateOAuth2Token"))
			}
		})
	}
}

func mustReadFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestLoginExport: `awsrun export` resolves an `aws login` profile whose cached credentials have
// expired, as a tool without login_session support would get them.
func TestLoginExport(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	t.Parallel()
	w, st := newLoginWorld(t, time.Hour)
	cmd := exec.Command(awsrunBin, "export", "-p", "console", "--format", "json")
	cmd.Env = w.env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("export: %v\n%s", err, stderr.String())
	}
	var got struct{ AccessKeyId, Expiration, Profile string }
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("export output: %v", err)
	}
	if got.AccessKeyId != lastLoginCredential(w.fake) || got.AccessKeyId == st.Credential.AccessKeyID || got.Profile != "console" {
		t.Errorf("exported %s for %q, want the sign-in service's newest credential", got.AccessKeyId, got.Profile)
	}
	if tok, err := creds.ReadLoginToken(st.Path); err != nil || tok.AccessKeyID != got.AccessKeyId {
		t.Errorf("cache after export: %v", err)
	}
}
