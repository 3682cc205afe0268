package fakeaws

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
)

// A staged world works for the AWS SDK: each of its profiles yields credentials through the
// default config chain pointed at the fake by the world's environment.
func TestStageWorldServesTheSDK(t *testing.T) {
	home := isolateAWSEnv(t)
	s := startServer(t, Options{})
	w, err := StageWorld(home, s, WorldOptions{AccessKeyID: userKey, SecretAccessKey: userSecret, SSOToken: "world-token"})
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range w.Env {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	for _, c := range []struct{ profile, op string }{
		{"sso", "GetRoleCredentials"},
		{"role", "AssumeRole"},
		{"static", ""},
	} {
		t.Run(c.profile, func(t *testing.T) {
			ctx := context.Background()
			cfg, err := config.LoadDefaultConfig(ctx, config.WithSharedConfigProfile(c.profile))
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Region != "us-east-1" {
				t.Errorf("region %q", cfg.Region)
			}
			var calls int
			if c.op != "" {
				calls = s.Calls(c.op)
			}
			cr, err := cfg.Credentials.Retrieve(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if c.op == "" {
				if cr.AccessKeyID != userKey || cr.SecretAccessKey != userSecret {
					t.Errorf("static keys %q", cr.AccessKeyID)
				}
				return
			}
			if s.Calls(c.op) != calls+1 || cr.AccessKeyID != lastIssued(t, s).AccessKeyID {
				t.Errorf("%s calls %d, key %q", c.op, s.Calls(c.op), cr.AccessKeyID)
			}
		})
	}
}

func TestStageWorldFiles(t *testing.T) {
	home := t.TempDir()
	s := startServer(t, Options{})
	t.Setenv("LANG", "C.UTF-8")
	w, err := StageWorld(home, s, WorldOptions{AccessKeyID: userKey, SecretAccessKey: userSecret, SSOToken: "world-token"})
	if err != nil {
		t.Fatal(err)
	}
	aws := filepath.Join(home, ".aws")
	if w.Home != home || w.ConfigFile != filepath.Join(aws, "config") || w.CredentialsFile != filepath.Join(aws, "credentials") ||
		w.SSOCache != filepath.Join(aws, "sso", "cache") {
		t.Errorf("paths: %+v", w)
	}
	want := []string{
		"HOME=" + home, "PATH=" + os.Getenv("PATH"), "TMPDIR=" + home, "AWS_EC2_METADATA_DISABLED=true",
		"AWS_ENDPOINT_URL_STS=" + s.URL(), "AWS_ENDPOINT_URL_SSO=" + s.URL(), "AWS_ENDPOINT_URL_SSO_OIDC=" + s.URL(),
		"AWS_PAGER=", "PYTHONUNBUFFERED=1",
	}
	if !slices.Equal(w.Env[:len(want)], want) || !slices.Contains(w.Env[len(want):], "LANG=C.UTF-8") {
		t.Errorf("env:\n%s", strings.Join(w.Env, "\n"))
	}
	creds := readFile(t, w.CredentialsFile)
	wantCreds := "[base]\naws_access_key_id = " + userKey + "\naws_secret_access_key = " + userSecret + "\n\n" +
		"[static]\naws_access_key_id = " + userKey + "\naws_secret_access_key = " + userSecret + "\n"
	if creds != wantCreds {
		t.Errorf("credentials:\n%s", creds)
	}
	cfg := readFile(t, w.ConfigFile)
	if cfg != WorldConfig(WorldOptions{}) {
		t.Errorf("config is not WorldConfig:\n%s", cfg)
	}
	for _, part := range []string{"[default]", "[profile sso]", "sso_role_name = Developer\nregion = us-east-1\n", "[sso-session corp]", "sso_start_url = " + DefaultStartURL,
		"[profile role]", "source_profile = base", "[profile static]"} {
		if !strings.Contains(cfg, part) {
			t.Errorf("config lacks %q:\n%s", part, cfg)
		}
	}
	tok := readToken(t, w)
	if tok["accessToken"] != "world-token" || tok["startUrl"] != DefaultStartURL || tok["refreshToken"] != nil {
		t.Errorf("token cache: %v", tok)
	}
	exp, err := time.Parse(time.RFC3339, tok["expiresAt"].(string))
	if err != nil || time.Until(exp) < 7*time.Hour || time.Until(exp) > 8*time.Hour {
		t.Errorf("token expires %v (%v), want in 8h", exp, err)
	}
	if !s.ssoTokenValid("world-token", time.Now()) {
		t.Error("token not registered with the server")
	}
}

func TestStageWorldOptions(t *testing.T) {
	s := startServer(t, Options{})
	o := WorldOptions{
		AccessKeyID: userKey, SecretAccessKey: userSecret, KeyProfiles: []string{"base"},
		SSOToken: "refreshable", TokenExpiry: time.Now().Add(-time.Minute), StartURL: "https://x.awsapps.com/start",
		ClientID: "cid", ClientSecret: "csecret", RefreshToken: "rtoken",
		RoleRegion: "eu-west-1", RoleDuration: 2 * time.Hour, ExtraConfig: "[profile extra]\nregion = eu-west-1\n",
	}
	w, err := StageWorld(t.TempDir(), s, o)
	if err != nil {
		t.Fatal(err)
	}
	cfg := readFile(t, w.ConfigFile)
	for _, part := range []string{"sso_start_url = https://x.awsapps.com/start",
		"source_profile = base\nduration_seconds = 7200\nregion = eu-west-1\n", "\n\n[profile extra]\nregion = eu-west-1\n"} {
		if !strings.Contains(cfg, part) {
			t.Errorf("config lacks %q:\n%s", part, cfg)
		}
	}
	if strings.Contains(cfg, "[profile static]") {
		t.Errorf("static profile without static keys:\n%s", cfg)
	}
	if creds := readFile(t, w.CredentialsFile); strings.Contains(creds, "[static]") || !strings.HasPrefix(creds, "[base]\n") {
		t.Errorf("credentials:\n%s", creds)
	}
	tok := readToken(t, w)
	if tok["clientId"] != "cid" || tok["clientSecret"] != "csecret" || tok["refreshToken"] != "rtoken" ||
		tok["startUrl"] != o.StartURL || tok["registrationExpiresAt"] == nil {
		t.Errorf("token cache: %v", tok)
	}
	if s.ssoTokenValid("refreshable", time.Now()) {
		t.Error("expired token valid at the server")
	}
	// The client registration lets the expired token be refreshed.
	if _, err := createToken(s, "cid", "csecret", "rtoken"); err != nil {
		t.Errorf("refresh with the staged client: %v", err)
	}

	o.Config = "[profile only]\nregion = us-east-1\n"
	w, err = StageWorld(t.TempDir(), s, o)
	if err != nil {
		t.Fatal(err)
	}
	if cfg := readFile(t, w.ConfigFile); cfg != o.Config {
		t.Errorf("Config not used:\n%s", cfg)
	}
}

// The world has keys in no file when asked for none, and no token cache without a token.
func TestStageWorldEmpty(t *testing.T) {
	s := startServer(t, Options{})
	w, err := StageWorld(t.TempDir(), s, WorldOptions{KeyProfiles: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	if creds := readFile(t, w.CredentialsFile); creds != "" {
		t.Errorf("credentials:\n%s", creds)
	}
	if cfg := readFile(t, w.ConfigFile); strings.Contains(cfg, "[profile role]") || strings.Contains(cfg, "[profile static]") {
		t.Errorf("config:\n%s", cfg)
	}
	if des, err := os.ReadDir(w.SSOCache); err != nil || len(des) != 0 {
		t.Errorf("sso cache: %v %v", des, err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func readToken(t *testing.T, w *World) map[string]any {
	t.Helper()
	var tok map[string]any
	if err := json.Unmarshal([]byte(readFile(t, SSOTokenCachePath(w.SSOCache, WorldSSOSession))), &tok); err != nil {
		t.Fatal(err)
	}
	return tok
}
