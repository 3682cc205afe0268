package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/awsrun/awsrun/internal/fakeaws"
)

const (
	profileName = "demo"
	ssoSession  = "demo"
	startURL    = "https://demo.awsapps.com/start"
	accountID   = "111122223333"
	roleName    = "DemoRole"
	region      = "us-east-1"
	// ssoToken stands in for what `aws sso login` caches; it is the fake's, never a real one.
	ssoToken = "demo-sso-access-token"
)

// world is the fake AWS plus a throwaway HOME whose ~/.aws points at it.
type world struct {
	fake *fakeaws.Server
	home string
	// env is the base environment of every child: the caller's, minus anything AWS or awsrun
	// would read, with HOME and the AWS files in the temp dir and the endpoints at the fake.
	env []string
}

func newWorld(tempRoot string, lifetime time.Duration) (_ *world, err error) {
	home, err := os.MkdirTemp(tempRoot, "awsrun-demo-")
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(home)
		}
	}()
	fake := fakeaws.New(fakeaws.Options{Lifetime: lifetime})
	fake.AddSSOAccessToken(ssoToken, time.Now().Add(8*time.Hour))
	if err := fake.Start(); err != nil {
		return nil, fmt.Errorf("start the fake AWS: %w", err)
	}
	w := &world{fake: fake, home: home}
	defer func() {
		if err != nil {
			fake.Close()
		}
	}()

	dotAWS := filepath.Join(home, ".aws")
	if err := os.MkdirAll(dotAWS, 0o700); err != nil {
		return nil, err
	}
	config := `[default]
region = ` + region + `

[profile ` + profileName + `]
sso_session = ` + ssoSession + `
sso_account_id = ` + accountID + `
sso_role_name = ` + roleName + `
region = ` + region + `

[sso-session ` + ssoSession + `]
sso_start_url = ` + startURL + `
sso_region = ` + region + `
sso_registration_scopes = sso:account:access
`
	if err := os.WriteFile(filepath.Join(dotAWS, "config"), []byte(config), 0o600); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dotAWS, "credentials"), nil, 0o600); err != nil {
		return nil, err
	}
	if _, err := fakeaws.WriteSSOTokenCache(filepath.Join(dotAWS, "sso", "cache"), ssoSession, fakeaws.CachedToken{
		StartURL: startURL, Region: region, AccessToken: ssoToken, ExpiresAt: time.Now().Add(8 * time.Hour),
	}); err != nil {
		return nil, err
	}

	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if k == "HOME" || strings.HasPrefix(k, "AWS_") || strings.HasPrefix(k, "AWSRUN_") {
			continue
		}
		w.env = append(w.env, kv)
	}
	w.env = append(w.env,
		"HOME="+home,
		"AWS_CONFIG_FILE="+filepath.Join(dotAWS, "config"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(dotAWS, "credentials"),
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_ENDPOINT_URL_STS="+fake.URL(),
		"AWS_ENDPOINT_URL_SSO="+fake.URL(),
		"AWS_ENDPOINT_URL_SSO_OIDC="+fake.URL(),
		"AWS_PAGER=",
		"PYTHONUNBUFFERED=1",
	)
	return w, nil
}

func (w *world) path(name string) string { return filepath.Join(w.home, name) }

// close stops the fake and removes the temp HOME; the children are gone by then.
func (w *world) close() {
	w.fake.Close()
	os.RemoveAll(w.home)
}

// findAWSRun resolves the awsrun binary to an absolute path, so the message is clear when it
// has not been built.
func findAWSRun(p string) (string, error) {
	if p == "" {
		return "", errors.New("-awsrun is required: build it with `make build` and pass bin/awsrun")
	}
	if !strings.ContainsRune(p, os.PathSeparator) && !strings.ContainsRune(p, '/') {
		found, err := exec.LookPath(p)
		if err != nil {
			return "", fmt.Errorf("awsrun binary %q: %w", p, err)
		}
		p = found
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	st, err := os.Stat(abs)
	if err != nil {
		return "", fmt.Errorf("awsrun binary: %w (build it with `make build`)", err)
	}
	if st.IsDir() {
		return "", fmt.Errorf("awsrun binary %s is a directory", abs)
	}
	return abs, nil
}

func lookPathAWS() (string, error) {
	p, err := exec.LookPath("aws")
	if err != nil {
		return "", errors.New("the AWS CLI is missing (the demo runs it as the child): apt-get install -y awscli")
	}
	return p, nil
}

// redact shows enough of an access key id to tell two apart: "ASIA...WXYZ".
func redact(keyID string) string {
	if len(keyID) < 12 {
		return "****"
	}
	return keyID[:4] + "..." + keyID[len(keyID)-4:]
}
