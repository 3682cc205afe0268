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
	env  []string
}

// newWorld stages, with fakeaws.StageWorld, profiles sso and static (no role) and an SSO login
// valid for 8 hours.
func newWorld(parent string, lifetime time.Duration) (*world, error) {
	fake := fakeaws.New(fakeaws.Options{Lifetime: lifetime})
	if err := fake.Start(); err != nil {
		return nil, err
	}
	home, err := os.MkdirTemp(parent, "home-")
	if err != nil {
		fake.Close()
		return nil, err
	}
	staged, err := fakeaws.StageWorld(home, fake, fakeaws.WorldOptions{
		AccessKeyID: userKey, SecretAccessKey: userSecret, KeyProfiles: []string{"static"},
		SSOToken: ssoToken, StartURL: startURL,
	})
	if err != nil {
		fake.Close()
		return nil, err
	}
	return &world{fake: fake, home: home, env: staged.Env}, nil
}

func (w *world) close() { w.fake.Close() }

func (w *world) ssoCache() string { return filepath.Join(w.home, ".aws", "sso", "cache") }

// writeToken logs in again as `aws sso login` in another terminal would.
func (w *world) writeToken(tok string) error {
	w.fake.AddSSOAccessToken(tok, time.Now().Add(8*time.Hour))
	_, err := fakeaws.WriteSSOTokenCache(w.ssoCache(), "corp", fakeaws.CachedToken{
		StartURL: startURL, Region: "us-east-1", AccessToken: tok, ExpiresAt: time.Now().Add(8 * time.Hour),
	})
	return err
}
