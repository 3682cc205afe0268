package wrapper

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/awsrun/awsrun/internal/fakeaws"
	"github.com/awsrun/awsrun/watch"
)

// loginCacheWriter writes `aws login` token caches for one session: the same DPoP key and
// identity token (one login) until newLogin makes another.
type loginCacheWriter struct {
	t      *testing.T
	path   string
	keyPEM string
	idTok  string
	n      int
}

func (w *loginCacheWriter) newLogin() {
	w.t.Helper()
	_, pemKey, err := fakeaws.NewDPoPKey()
	if err != nil {
		w.t.Fatal(err)
	}
	w.n++
	w.keyPEM, w.idTok = pemKey, "eyJhbGciOiJub25lIn0.e30.login"+string(rune('a'+w.n))
}

// data is a cache whose access credentials are keyID.
func (w *loginCacheWriter) data(keyID string) []byte {
	w.t.Helper()
	b, err := fakeaws.MarshalLoginCache(fakeaws.CachedLogin{AccessKeyID: keyID, SecretAccessKey: "secret", SessionToken: "token",
		AccountID: "123456789012", ExpiresAt: time.Now().Add(time.Hour), RefreshToken: "aoarREFRESH", ClientID: fakeaws.LoginClientID,
		IdentityToken: w.idTok, DPoPKey: w.keyPEM})
	if err != nil {
		w.t.Fatal(err)
	}
	return b
}

func (w *loginCacheWriter) write(keyID string) {
	w.t.Helper()
	if err := fakeaws.WriteLoginCache(w.path, w.data(keyID)); err != nil {
		w.t.Fatal(err)
	}
}

// TestLoginTokenChangeReaction: a write of the `aws login` cache renews at once only when it
// holds credentials awsrun is not serving: awsrun's own write-back (the key it serves) and a
// rewrite of what it saw last change nothing; a new login renews (logged as one), another
// process's renewal of the same login renews (logged as that), and a torn write is read again
// until whole. A write of an SSO cache is not this profile's and changes nothing.
func TestLoginTokenChangeReaction(t *testing.T) {
	dir := t.TempDir()
	w := &loginCacheWriter{t: t, path: filepath.Join(dir, "login", "cache", "abc.json")}
	w.newLogin()
	up := &fakeUpstream{lifetime: time.Hour, now: time.Now}
	log, read := skewLog()
	s := &session{log: log, cfg: Config{Profile: "console-role"}}
	s.lc = newLifecycle(up, time.Minute, log)
	ctx := context.Background()
	served := func() string { return s.lc.current().creds.AccessKeyID }

	w.write("ASIASTAGED")
	s.token.kind, s.token.path, s.token.loginProfile = watch.KindLoginToken, w.path, "console"
	if v, err := readTokenCache(s.tokenCache()); err != nil {
		t.Fatal(err)
	} else {
		s.token.fp, s.token.loginKey = v.fingerprint, v.accessKeyID
	}
	if _, err := s.lc.refresh(ctx); err != nil {
		t.Fatal(err)
	}
	calls := func() int32 { return up.calls.Load() }
	if calls() != 1 {
		t.Fatalf("%d upstream calls at start", calls())
	}

	// awsrun's own write-back: the cache holds the key being served.
	w.write(served())
	s.tokenChanged(ctx, watch.KindLoginToken)
	if calls() != 1 {
		t.Fatalf("own write-back renewed: %d upstream calls; log:\n%s", calls(), read())
	}
	// The same cache written again (another rename of the same content).
	s.tokenChanged(ctx, watch.KindLoginToken)
	// An event of the other kind is not this profile's cache.
	s.tokenChanged(ctx, watch.KindSSOToken)
	if calls() != 1 {
		t.Fatalf("a rewrite or an SSO event renewed: %d upstream calls", calls())
	}

	// A new `aws login` in another terminal.
	w.newLogin()
	w.write("ASIANEWLOGIN")
	s.tokenChanged(ctx, watch.KindLoginToken)
	if calls() != 2 || !strings.Contains(read(), "new aws login found") {
		t.Fatalf("a new login: %d upstream calls (want 2); log:\n%s", calls(), read())
	}

	// Another process renews the same login and writes its credentials back.
	w.write("ASIAOTHERPROC")
	s.tokenChanged(ctx, watch.KindLoginToken)
	if calls() != 3 || !strings.Contains(read(), "another process renewed the aws login credentials") {
		t.Fatalf("another process's renewal: %d upstream calls (want 3); log:\n%s", calls(), read())
	}

	// A torn write: half the file, the reaction starts, then the rest.
	w.newLogin()
	whole := w.data("ASIATORN")
	if err := os.WriteFile(w.path, whole[:len(whole)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.tokenChanged(ctx, watch.KindLoginToken)
	}()
	if err := os.WriteFile(w.path, whole, 0o600); err != nil {
		t.Fatal(err)
	}
	<-done // tokenChanged's retries are bounded (tornReadAttempts)
	if calls() != 4 {
		t.Fatalf("a torn write of a new login: %d upstream calls (want 4); log:\n%s", calls(), read())
	}
	for _, secret := range []string{"aoarREFRESH", "EC PRIVATE KEY", "ASIATORN"} {
		if strings.Contains(read(), secret) {
			t.Errorf("log holds %q", secret)
		}
	}
}

// TestLoginArgvAndWordingForLoginProfiles: an `aws login` profile (here a role whose source is
// the login profile) logs in with `aws login --profile <the login profile>` and names its session
// so; --login-command still wins; SSO profiles keep `aws sso login`.
func TestLoginArgvAndWordingForLoginProfiles(t *testing.T) {
	s := &session{cfg: Config{Profile: "console-role"}, token: tokenState{kind: watch.KindLoginToken, path: "/x.json", loginProfile: "console"}}
	if got := strings.Join(s.loginArgv(), " "); got != "aws login --profile console" || s.sessionName() != "aws login session" {
		t.Errorf("login profile: argv %q, session %q", got, s.sessionName())
	}
	s.cfg.LoginCommand = []string{"my-login", "x"}
	if got := strings.Join(s.loginArgv(), " "); got != "my-login x" {
		t.Errorf("--login-command: argv %q", got)
	}
	sso := &session{cfg: Config{Profile: "dev"}, token: tokenState{kind: watch.KindSSOToken, path: "/y.json"}}
	if got := strings.Join(sso.loginArgv(), " "); got != "aws sso login --profile dev" || sso.sessionName() != "SSO session" {
		t.Errorf("SSO profile: argv %q, session %q", got, sso.sessionName())
	}
}

// writingUpstream is a role whose source is an `aws login`: each renewal renews the source,
// which writes the login cache (as awsrun's login provider does), and serves a role key.
type writingUpstream struct {
	w     *loginCacheWriter
	calls int
}

func (u *writingUpstream) Retrieve(context.Context) (aws.Credentials, error) {
	u.calls++
	u.w.write(fmt.Sprintf("ASIASOURCE%d", u.calls))
	return aws.Credentials{AccessKeyID: fmt.Sprintf("ASIAROLE%d", u.calls), SecretAccessKey: "s", SessionToken: "t",
		CanExpire: true, Expires: time.Now().Add(time.Hour)}, nil
}

// TestLoginOwnWriteBackIgnoredForARole: for a role on an `aws login` profile the cache holds the
// source's key, never the one served; awsrun's own renewal writes it, and the write's event
// must not renew again (that would renew the source again, write again: a loop).
func TestLoginOwnWriteBackIgnoredForARole(t *testing.T) {
	w := &loginCacheWriter{t: t, path: filepath.Join(t.TempDir(), "abc.json")}
	w.newLogin()
	w.write("ASIASTAGED")
	up := &writingUpstream{w: w}
	log, read := skewLog()
	s := &session{log: log, cfg: Config{Profile: "console-role"}}
	s.lc = newLifecycle(up, time.Minute, log)
	s.lc.onChange = func(_, _ *snapshot) { s.noteLoginCache() } // as newSession wires it
	s.token.kind, s.token.path, s.token.loginProfile = watch.KindLoginToken, w.path, "console"
	v, err := readTokenCache(s.tokenCache())
	if err != nil {
		t.Fatal(err)
	}
	s.token.fp, s.token.loginKey = v.fingerprint, v.accessKeyID
	ctx := context.Background()
	for i := 1; i <= 3; i++ {
		if _, err := s.lc.refresh(ctx); err != nil {
			t.Fatal(err)
		}
		s.tokenChanged(ctx, watch.KindLoginToken) // the event of the renewal's own write
		if up.calls != i {
			t.Fatalf("renewal %d: %d upstream calls, the own write-back renewed again; log:\n%s", i, up.calls, read())
		}
	}
}
