package creds

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/awsrun/awsrun/internal/fakeaws"
)

const consoleARN = "arn:aws:iam::123456789012:user/console-user"

var loginConfig = fakeaws.LoginConfig(consoleARN)

type loginWorld struct {
	fake  *fakeaws.Server
	files *Files
	cfg   string
	creds string
	cache string // the login cache directory
	st    *fakeaws.StagedLogin
}

// newLoginWorld stages a HOME with the console (login_session) and console-role profiles and a
// login cache whose access credentials end at accessExpiry, and points the SDK at the fake.
func newLoginWorld(t *testing.T, accessExpiry time.Time) *loginWorld {
	t.Helper()
	fake := fakeaws.New(fakeaws.Options{Lifetime: 30 * time.Second})
	if err := fake.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fake.Close() })
	w, err := fakeaws.StageWorld(t.TempDir(), fake, fakeaws.WorldOptions{KeyProfiles: []string{}, ExtraConfig: loginConfig})
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range append(w.Env, fake.SigninEndpointEnv()...) {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	t.Setenv("AWS_LOGIN_CACHE_DIRECTORY", "")
	dir := LoginCacheDir(w.Home, os.Getenv)
	st, err := fake.StageLogin(dir, fakeaws.LoginOptions{Session: consoleARN, AccessExpiry: accessExpiry})
	if err != nil {
		t.Fatal(err)
	}
	files, err := LoadFiles(w.ConfigFile, w.CredentialsFile)
	if err != nil {
		t.Fatal(err)
	}
	return &loginWorld{fake: fake, files: files, cfg: w.ConfigFile, creds: w.CredentialsFile, cache: dir, st: st}
}

func (w *loginWorld) open(t *testing.T, profile string) *Source {
	t.Helper()
	src, err := Open(context.Background(), w.files, Options{Profile: profile, ConfigFile: w.cfg, CredentialsFile: w.creds})
	if err != nil {
		t.Fatalf("open %s: %v", profile, err)
	}
	return src
}

func (w *loginWorld) identity(t *testing.T, c aws.Credentials) string {
	t.Helper()
	client := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(w.fake.URL()), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken)})
	out, err := client.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity with %s: %v", c.AccessKeyID, err)
	}
	return aws.ToString(out.Arn)
}

// onlyCacheFile asserts the cache directory holds the one token file, mode 0600: no temporary
// copy is left behind.
func (w *loginWorld) onlyCacheFile(t *testing.T) {
	t.Helper()
	entries, err := os.ReadDir(w.cache)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != filepath.Base(w.st.Path) {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Fatalf("cache dir holds %v, want only %s", names, filepath.Base(w.st.Path))
	}
	if fi, err := os.Stat(w.st.Path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("cache file: %v mode %v", err, fi.Mode())
	}
}

func TestLoginProfileKind(t *testing.T) {
	f := writeFiles(t, loginConfig, "")
	p, err := f.Lookup("console")
	if err != nil {
		t.Fatal(err)
	}
	if p.Kind() != "login" || p.LoginSession() != consoleARN {
		t.Errorf("kind %q session %q", p.Kind(), p.LoginSession())
	}
	if want := filepath.Join("/h", ".aws", "login", "cache"); LoginCacheDir("/h", func(string) string { return "" }) != want {
		t.Errorf("cache dir %s", LoginCacheDir("/h", func(string) string { return "" }))
	}
	if d := LoginCacheDir("/h", func(k string) string { return map[string]string{"AWS_LOGIN_CACHE_DIRECTORY": "/c"}[k] }); d != "/c" {
		t.Errorf("AWS_LOGIN_CACHE_DIRECTORY ignored: %s", d)
	}
	// sha256 of the session, lowercase hex, as the AWS CLI names the file.
	if got := LoginTokenPath("/c", consoleARN); got != fakeaws.LoginTokenCachePath("/c", consoleARN) || !strings.HasSuffix(got, ".json") {
		t.Errorf("token path %s", got)
	}
}

// The cached access credentials have expired at start: the first Retrieve goes through the
// sign-in service; every later one renews again (awsrun renews ahead of expiry, which the SDK's
// provider alone would not), writes the cache back atomically with the rotated refresh token,
// and acts as the login identity.
func TestLoginProfileResolvesAndRenews(t *testing.T) {
	w := newLoginWorld(t, time.Now().Add(-time.Minute))
	src := w.open(t, "console")
	if src.LoginTokenPath() != w.st.Path {
		t.Errorf("LoginTokenPath %q, want %q", src.LoginTokenPath(), w.st.Path)
	}
	first, err := ReadLoginToken(w.st.Path)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{w.st.Credential.AccessKeyID: true}
	for round := 1; round <= 5; round++ {
		c, err := src.Retrieve(context.Background())
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if n := w.fake.Calls("CreateOAuth2Token"); n != round {
			t.Fatalf("round %d: %d CreateOAuth2Token calls", round, n)
		}
		if seen[c.AccessKeyID] || !c.CanExpire || time.Until(c.Expires) < 20*time.Second {
			t.Fatalf("round %d: not new credentials: %s expires %v", round, c.AccessKeyID, c.Expires)
		}
		seen[c.AccessKeyID] = true
		if arn := w.identity(t, c); arn != consoleARN {
			t.Errorf("round %d: identity %s", round, arn)
		}
		tok, err := ReadLoginToken(w.st.Path)
		if err != nil {
			t.Fatalf("round %d: cache after renewal: %v", round, err)
		}
		if tok.AccessKeyID != c.AccessKeyID || tok.Fingerprint != first.Fingerprint {
			t.Errorf("round %d: cache holds %s (fingerprint %s), want %s (%s)", round, tok.AccessKeyID, tok.Fingerprint, c.AccessKeyID, first.Fingerprint)
		}
		w.onlyCacheFile(t)
	}
	// The renewed cache still works for the SDK's own provider (the AWS CLI and others).
	cached, err := fakeaws.ReadLoginCache(w.st.Path)
	if err != nil || cached.IdentityToken == "" || cached.DPoPKey == "" {
		t.Errorf("fields lost in write-back: %v", err)
	}
}

// Valid cached credentials are used as they are; a second awsrun finds the first one's fresh
// credentials in the cache instead of renewing again.
func TestLoginCachedCredentialsAreShared(t *testing.T) {
	w := newLoginWorld(t, time.Now().Add(10*time.Minute))
	a := w.open(t, "console")
	c, err := a.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if c.AccessKeyID != w.st.Credential.AccessKeyID || w.fake.Calls("CreateOAuth2Token") != 0 {
		t.Fatalf("got %s after %d calls, want the cached %s without a call", c.AccessKeyID, w.fake.Calls("CreateOAuth2Token"), w.st.Credential.AccessKeyID)
	}
	renewed, err := a.Retrieve(context.Background())
	if err != nil || renewed.AccessKeyID == c.AccessKeyID {
		t.Fatalf("second Retrieve: %v (%s)", err, renewed.AccessKeyID)
	}
	b := w.open(t, "console")
	got, err := b.Retrieve(context.Background())
	if err != nil || got.AccessKeyID != renewed.AccessKeyID || w.fake.Calls("CreateOAuth2Token") != 1 {
		t.Fatalf("second awsrun got %s (%v) after %d calls, want %s and 1 call", got.AccessKeyID, err, w.fake.Calls("CreateOAuth2Token"), renewed.AccessKeyID)
	}
}

// Several awsrun processes renewing at once take turns: one calls the sign-in service, the
// others find its credentials; none fails on the rotated refresh token.
func TestLoginConcurrentRenewalsTakeTurns(t *testing.T) {
	w := newLoginWorld(t, time.Now().Add(-time.Minute))
	const n = 4
	srcs := make([]*Source, n)
	for i := range srcs {
		srcs[i] = w.open(t, "console")
	}
	var wg sync.WaitGroup
	keys := make([]string, n)
	errs := make([]error, n)
	for i, s := range srcs {
		wg.Go(func() {
			c, err := s.Retrieve(context.Background())
			keys[i], errs[i] = c.AccessKeyID, err
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Errorf("source %d: %v", i, errs[i])
		}
		if keys[i] != keys[0] {
			t.Errorf("source %d got %s, source 0 %s", i, keys[i], keys[0])
		}
	}
	if calls := w.fake.Calls("CreateOAuth2Token"); calls != 1 {
		t.Errorf("%d CreateOAuth2Token calls, want 1", calls)
	}
}

// A role whose source_profile is the login profile: AssumeRole is signed with credentials the
// sign-in service issued.
func TestLoginAsSourceProfile(t *testing.T) {
	w := newLoginWorld(t, time.Now().Add(-time.Minute))
	src := w.open(t, "console-role")
	if src.LoginTokenPath() != w.st.Path {
		t.Errorf("LoginTokenPath %q", src.LoginTokenPath())
	}
	c, err := src.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if arn := w.identity(t, c); !strings.HasPrefix(arn, "arn:aws:sts::123456789012:assumed-role/Deployer/") {
		t.Errorf("identity %s", arn)
	}
	var signer string
	for _, is := range w.fake.Issued() {
		if is.Op == "AssumeRole" {
			signer = is.CallerKeyID
		}
	}
	tok, _ := ReadLoginToken(w.st.Path)
	if w.fake.Calls("CreateOAuth2Token") != 1 || signer != tok.AccessKeyID {
		t.Errorf("AssumeRole signed by %s, login credentials %s, %d sign-in calls", signer, tok.AccessKeyID, w.fake.Calls("CreateOAuth2Token"))
	}
}

// The session ends: Retrieve says so with the command that fixes it, for the login profile
// and for a role on it, and leaves the cache as it was.
func TestLoginSessionEnded(t *testing.T) {
	for _, profile := range []string{"console", "console-role"} {
		t.Run(profile, func(t *testing.T) {
			w := newLoginWorld(t, time.Now().Add(-time.Minute))
			w.fake.EndLoginSession(consoleARN)
			before, _ := os.ReadFile(w.st.Path)
			_, err := w.open(t, profile).Retrieve(context.Background())
			var lr *LoginRequiredError
			if !errors.As(err, &lr) || !lr.Login {
				t.Fatalf("want an aws login LoginRequiredError, got %T %v", err, err)
			}
			if lr.Hint() != "aws login --profile console" || !strings.Contains(err.Error(), `aws login session of profile "console" has ended`) {
				t.Errorf("message %q, hint %q", err, lr.Hint())
			}
			after, _ := os.ReadFile(w.st.Path)
			if !bytes.Equal(before, after) {
				t.Error("the cache was rewritten")
			}
			w.onlyCacheFile(t)
		})
	}
}

// A cache that is not JSON, lacks the refresh token, or holds a DPoP key that does not parse:
// a LoginRequiredError naming the file and the problem (never its contents), no call to AWS,
// nothing written.
func TestLoginBadCache(t *testing.T) {
	var good []byte // the staged cache of the running case
	replace := func(old, new string) []byte { return bytes.Replace(good, []byte(old), []byte(new), 1) }
	for _, tc := range []struct {
		name    string
		data    func(tok fakeaws.CachedLogin) []byte
		problem string
	}{
		{"not json", func(fakeaws.CachedLogin) []byte { return good[:len(good)/2] }, "not valid JSON"},
		{"empty", func(fakeaws.CachedLogin) []byte { return nil }, "not valid JSON"},
		{"no refresh token", func(tok fakeaws.CachedLogin) []byte { return replace(tok.RefreshToken, "") }, "no refreshToken"},
		{"dpop key not pem", func(tok fakeaws.CachedLogin) []byte {
			tok.DPoPKey = "MHcCAQEEIDontLeakThisKeyMaterial"
			b, _ := fakeaws.MarshalLoginCache(tok)
			return b
		}, "dpopKey: not PEM"},
		{"dpop key not ec", func(tok fakeaws.CachedLogin) []byte {
			tok.DPoPKey = "-----BEGIN EC PRIVATE KEY-----\nZm9vYmFy\n-----END EC PRIVATE KEY-----\n"
			b, _ := fakeaws.MarshalLoginCache(tok)
			return b
		}, "dpopKey: not an EC private key"},
	} {
		for _, profile := range []string{"console", "console-role"} {
			t.Run(tc.name+"/"+profile, func(t *testing.T) {
				w := newLoginWorld(t, time.Now().Add(-time.Minute))
				tok, err := fakeaws.ReadLoginCache(w.st.Path)
				if err != nil {
					t.Fatal(err)
				}
				good = mustRead(t, w.st.Path)
				data := tc.data(tok)
				if err := os.WriteFile(w.st.Path, data, 0o600); err != nil {
					t.Fatal(err)
				}
				_, err = w.open(t, profile).Retrieve(context.Background())
				var lr *LoginRequiredError
				if !errors.As(err, &lr) || !lr.Login || lr.Hint() != "aws login --profile console" {
					t.Fatalf("want LoginRequiredError with hint aws login --profile console, got %T %v", err, err)
				}
				msg := err.Error()
				if !strings.Contains(msg, w.st.Path) || !strings.Contains(msg, tc.problem) {
					t.Errorf("message %q does not name the file and %q", msg, tc.problem)
				}
				for _, secret := range []string{tok.RefreshToken, tok.SecretAccessKey, "DontLeak", "Zm9vYmFy"} {
					if strings.Contains(msg, secret) {
						t.Errorf("message leaks cache contents: %q", msg)
					}
				}
				if after := mustRead(t, w.st.Path); !bytes.Equal(after, data) {
					t.Error("the cache was rewritten")
				}
				if n := w.fake.Calls("CreateOAuth2Token"); n != 0 {
					t.Errorf("%d sign-in calls", n)
				}
				w.onlyCacheFile(t)
			})
		}
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// No cache at all: "not logged in", with the file it looked for.
func TestLoginNoCache(t *testing.T) {
	w := newLoginWorld(t, time.Now().Add(-time.Minute))
	if err := os.Remove(w.st.Path); err != nil {
		t.Fatal(err)
	}
	_, err := w.open(t, "console").Retrieve(context.Background())
	var lr *LoginRequiredError
	if !errors.As(err, &lr) || !strings.Contains(err.Error(), "not logged in with aws login") || !strings.Contains(err.Error(), w.st.Path) {
		t.Fatalf("got %v", err)
	}
}

// ReadLoginToken: the fingerprint survives a refresh and changes with a new login; a torn file
// is an error that names the file.
func TestReadLoginToken(t *testing.T) {
	w := newLoginWorld(t, time.Now().Add(time.Minute))
	tok, err := ReadLoginToken(w.st.Path)
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessKeyID != w.st.Credential.AccessKeyID || !tok.ExpiresAt.Equal(w.st.Credential.Expiration) || tok.AccountID != "123456789012" || !tok.SessionEnd.IsZero() {
		t.Errorf("token %+v", tok)
	}
	if _, err := w.open(t, "console").Retrieve(context.Background()); err != nil {
		t.Fatal(err)
	}
	again, _ := ReadLoginToken(w.st.Path)
	if again.Fingerprint != tok.Fingerprint {
		t.Error("fingerprint changed without a new login")
	}
	relogin, err := w.fake.StageLogin(w.cache, fakeaws.LoginOptions{Session: consoleARN})
	if err != nil || relogin.Path != w.st.Path {
		t.Fatal(err)
	}
	fresh, _ := ReadLoginToken(w.st.Path)
	if fresh.Fingerprint == tok.Fingerprint {
		t.Error("a new login kept the fingerprint")
	}
	data := mustRead(t, w.st.Path)
	os.WriteFile(w.st.Path, data[:len(data)-10], 0o600)
	_, err = ReadLoginToken(w.st.Path)
	var ce *LoginCacheError
	if !errors.As(err, &ce) || ce.Path != w.st.Path || !strings.Contains(err.Error(), "not valid JSON") {
		t.Errorf("torn file: %v", err)
	}
}
