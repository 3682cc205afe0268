//go:build unix

package main

import (
	"os"
	"path/filepath"
	"time"

	"github.com/awsrun/awsrun/internal/fakeaws"
)

const (
	userKey    = "AKIABENCHUSERKEY0001"
	userSecret = "bench-user-secret-000000000000000000000001"
	ssoToken   = "bench-sso-access-token"
	startURL   = "https://corp.awsapps.com/start"
)

// world is one fake AWS plus a throwaway HOME configured for it (as e2e's newWorld).
type world struct {
	fake *fakeaws.Server
	home string
	run  string // XDG_RUNTIME_DIR
	env  []string
}

// newWorld stages, with fakeaws.StageWorld, profiles sso and static (no role) and an SSO login
// valid for 8 hours.
func newWorld(parent string, lifetime time.Duration) (*world, error) {
	return newWorldWith(parent, lifetime, fakeaws.WorldOptions{KeyProfiles: []string{"static"}})
}

func (w *world) close() {
	w.fake.Close()
	os.RemoveAll(w.run)
}

func (w *world) ssoCache() string { return filepath.Join(w.home, ".aws", "sso", "cache") }

// writeToken logs in again as `aws sso login` in another terminal would.
func (w *world) writeToken(tok string) error {
	w.fake.AddSSOAccessToken(tok, time.Now().Add(8*time.Hour))
	_, err := fakeaws.WriteSSOTokenCache(w.ssoCache(), "corp", fakeaws.CachedToken{
		StartURL: startURL, Region: "us-east-1", AccessToken: tok, ExpiresAt: time.Now().Add(8 * time.Hour),
	})
	return err
}

// loginARN is the identity of the bench's `aws login` session (profile console).
const loginARN = "arn:aws:iam::123456789012:user/bench-console"

// stageLogin adds what `aws login` leaves behind (profile console, its token cache with access
// credentials valid 15 minutes) and returns the environment that points the sign-in service at
// the fake. Only the sections that need it call it, so the others measure the world they did.
func (w *world) stageLogin() ([]string, error) {
	f, err := os.OpenFile(filepath.Join(w.home, ".aws", "config"), os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, err
	}
	_, err = f.WriteString("\n" + fakeaws.LoginConfig(loginARN))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	if _, err := w.writeLogin(); err != nil {
		return nil, err
	}
	return append(append([]string{}, w.env...), w.fake.SigninEndpointEnv()...), nil
}

// writeLogin logs in again as `aws login` in another terminal would (a new DPoP key, new
// credentials, written by rename) and returns the new access key id.
func (w *world) writeLogin() (string, error) {
	st, err := w.fake.StageLogin(filepath.Join(w.home, ".aws", "login", "cache"), fakeaws.LoginOptions{Session: loginARN})
	if err != nil {
		return "", err
	}
	return st.Credential.AccessKeyID, nil
}
