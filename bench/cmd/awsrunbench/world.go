//go:build unix

package main

import (
	"fmt"
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

func newWorld(parent string, lifetime time.Duration) (*world, error) {
	fake := fakeaws.New(fakeaws.Options{Lifetime: lifetime})
	if err := fake.Start(); err != nil {
		return nil, err
	}
	fake.AddUser(userKey, userSecret)
	fake.AddSSOAccessToken(ssoToken, time.Now().Add(8*time.Hour))
	home, err := os.MkdirTemp(parent, "home-")
	if err != nil {
		fake.Close()
		return nil, err
	}
	aws := filepath.Join(home, ".aws")
	if err := os.MkdirAll(filepath.Join(aws, "sso", "cache"), 0o700); err != nil {
		return nil, err
	}
	config := `[default]
region = us-east-1

[profile sso]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = Developer
region = us-east-1

[sso-session corp]
sso_start_url = ` + startURL + `
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[profile static]
region = us-east-1
`
	creds := fmt.Sprintf("[static]\naws_access_key_id = %s\naws_secret_access_key = %s\n", userKey, userSecret)
	if err := os.WriteFile(filepath.Join(aws, "config"), []byte(config), 0o600); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(aws, "credentials"), []byte(creds), 0o600); err != nil {
		return nil, err
	}
	if _, err := fakeaws.WriteSSOTokenCache(filepath.Join(aws, "sso", "cache"), "corp", fakeaws.CachedToken{
		StartURL: startURL, Region: "us-east-1", AccessToken: ssoToken, ExpiresAt: time.Now().Add(8 * time.Hour),
	}); err != nil {
		return nil, err
	}
	env := []string{
		"HOME=" + home,
		"PATH=" + os.Getenv("PATH"),
		"TMPDIR=" + home,
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_ENDPOINT_URL_STS=" + fake.URL(),
		"AWS_ENDPOINT_URL_SSO=" + fake.URL(),
		"AWS_ENDPOINT_URL_SSO_OIDC=" + fake.URL(),
		"AWS_PAGER=",
		"PYTHONUNBUFFERED=1",
	}
	for _, k := range []string{"PYENV_ROOT", "PYENV_VERSION", "NODE_PATH", "LANG"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return &world{fake: fake, home: home, env: env}, nil
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
