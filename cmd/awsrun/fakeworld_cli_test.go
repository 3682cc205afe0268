//go:build unix

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/awsrun/awsrun/internal/fakeaws"
)

// The fake world of the doctor, export and status tests: a fake AWS on loopback, a throwaway
// HOME whose ~/.aws points at it, and an SSO login already done.
const (
	worldUserKey    = "AKIAWORLDUSERKEY0001"
	worldUserSecret = "world-user-secret-000000000000000000000001"
	worldSSOToken   = "world-sso-access-token-0001"
	worldClientID   = "world-client-id"
	worldClientSec  = "world-client-secret-0001"
	worldRefresh    = "world-refresh-token-0001"
	worldStartURL   = "https://corp.awsapps.com/start"
)

// worldOptions stage worldConfig: profiles sso and noregion on [sso-session corp], role and
// mfa from base's keys (the only ones in ~/.aws/credentials), proc through credential_process.
var worldOptions = fakeaws.WorldOptions{
	AccessKeyID: worldUserKey, SecretAccessKey: worldUserSecret, KeyProfiles: []string{"base"},
	SSOToken: worldSSOToken, StartURL: worldStartURL,
	ClientID: worldClientID, ClientSecret: worldClientSec, RefreshToken: worldRefresh,
	RoleRegion: "eu-west-1", RoleDuration: 2 * time.Hour,
	ExtraConfig: `[profile mfa]
role_arn = arn:aws:iam::123456789012:role/Deployer
source_profile = base
mfa_serial = arn:aws:iam::123456789012:mfa/me
region = eu-west-1

[profile noregion]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = Developer

[profile proc]
credential_process = $TESTBIN __credproc__
region = eu-west-1
`,
}

var worldConfig = fakeaws.WorldConfig(worldOptions)

type fakeWorld struct {
	t    *testing.T
	fake *fakeaws.Server
	home string
	env  []string // for runAwsrun and awsrunCmd: the fake's endpoints
}

// newFakeWorld starts the fake and writes HOME; config "" means worldConfig, and $TESTBIN in it
// is this test binary. The SSO token is refreshable (refresh token and client registration
// present) and valid for 8 hours.
func newFakeWorld(t *testing.T, o fakeaws.Options, config string) *fakeWorld {
	t.Helper()
	if config == "" {
		config = worldConfig
	}
	fake := fakeaws.New(o)
	if err := fake.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fake.Close() })
	wo := worldOptions
	wo.Config = strings.ReplaceAll(config, "$TESTBIN", os.Args[0])
	h := t.TempDir()
	if _, err := fakeaws.StageWorld(h, fake, wo); err != nil {
		t.Fatal(err)
	}
	return &fakeWorld{t: t, fake: fake, home: h, env: fake.EndpointEnv()}
}

// login stages what `aws sso login` leaves in ~/.aws/sso/cache.
func (w *fakeWorld) login(valid time.Duration, refreshable bool) {
	w.t.Helper()
	tok := fakeaws.CachedToken{StartURL: worldStartURL, Region: "us-east-1", AccessToken: worldSSOToken, ExpiresAt: time.Now().Add(valid)}
	if refreshable {
		tok.ClientID, tok.ClientSecret, tok.RefreshToken = worldClientID, worldClientSec, worldRefresh
		tok.RegistrationExpiresAt = time.Now().Add(90 * 24 * time.Hour)
	}
	if _, err := fakeaws.WriteSSOTokenCache(filepath.Join(w.home, ".aws", "sso", "cache"), "corp", tok); err != nil {
		w.t.Fatal(err)
	}
}

func (w *fakeWorld) writeFile(rel, data string) string {
	w.t.Helper()
	p := filepath.Join(w.home, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		w.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		w.t.Fatal(err)
	}
	return p
}

func (w *fakeWorld) run(extra []string, args ...string) result {
	w.t.Helper()
	return runAwsrun(w.t, w.home, append(append([]string{}, w.env...), extra...), args...)
}

// issued is the credential the fake issued with access key id key, or nil.
func (w *fakeWorld) issued(key string) *fakeaws.Credential {
	for _, c := range w.fake.Issued() {
		if c.AccessKeyID == key {
			return &c
		}
	}
	return nil
}

// secrets are every secret the world holds or the fake issued: none may appear in awsrun's
// output except where export is asked for credentials.
func (w *fakeWorld) secrets() []string {
	s := []string{worldUserSecret, worldSSOToken, worldClientSec, worldRefresh}
	for _, c := range w.fake.Issued() {
		s = append(s, c.SecretAccessKey, c.SessionToken)
	}
	for _, t := range w.fake.IssuedSSOTokens() {
		s = append(s, t.AccessToken, t.RefreshToken)
	}
	return s
}

func (w *fakeWorld) assertNoSecrets(what string, outputs ...string) {
	w.t.Helper()
	for _, out := range outputs {
		for _, s := range w.secrets() {
			if s != "" && strings.Contains(out, s) {
				w.t.Errorf("%s contains a secret (%.6s...)", what, s)
			}
		}
	}
}

// awsrunScript writes an executable that runs this test binary as `awsrun ARGS...`, for
// programs that need a command line (credential_process, sh -c).
func (w *fakeWorld) awsrunScript(name string, args ...string) string {
	w.t.Helper()
	a, _ := json.Marshal(args)
	if strings.Contains(string(a), "'") {
		w.t.Fatalf("argument with a single quote: %s", a)
	}
	p := filepath.Join(w.home, "bin", name)
	os.MkdirAll(filepath.Dir(p), 0o700)
	script := fmt.Sprintf("#!/bin/sh\nAWSRUN_TEST_MAIN=1 AWSRUN_TEST_ARGS='%s' exec '%s'\n", a, os.Args[0])
	if err := os.WriteFile(p, []byte(script), 0o700); err != nil {
		w.t.Fatal(err)
	}
	return p
}
