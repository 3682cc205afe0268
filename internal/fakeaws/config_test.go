package fakeaws

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
)

// isolateAWSEnv points HOME and the AWS files at a temp dir and clears any
// AWS_* variable the developer's shell may carry, so nothing real is read.
func isolateAWSEnv(t *testing.T) string {
	t.Helper()
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "AWS_") {
			t.Setenv(k, "") // registers the restore
			os.Unsetenv(k)
		}
	}
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(home, ".aws", "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(home, ".aws", "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	return home
}

// The whole path awsrun relies on: the default config chain, pointed at the
// fake by AWS_ENDPOINT_URL_*, refreshes an expired SSO token, exchanges it
// for role credentials and chains into another role.
func TestDefaultConfigChainThroughEndpointEnv(t *testing.T) {
	home := isolateAWSEnv(t)
	s := startServer(t, Options{})
	for _, v := range []string{"AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_SSO", "AWS_ENDPOINT_URL_SSO_OIDC"} {
		t.Setenv(v, s.URL())
	}
	startURL := "https://d-123.awsapps.com/start"
	cfgText := `[profile dev]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = Admin
region = us-east-1

[profile deploy]
source_profile = dev
role_arn = arn:aws:iam::444455556666:role/Deploy
role_session_name = awsrun-test

[sso-session corp]
sso_start_url = ` + startURL + `
sso_region = us-east-1
`
	if err := os.MkdirAll(filepath.Join(home, ".aws"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, ".aws", "config"), []byte(cfgText), 0o600); err != nil {
		t.Fatal(err)
	}
	s.AddSSOClient("cid", "csecret", "rt-1")
	if _, err := WriteSSOTokenCache(filepath.Join(home, ".aws", "sso", "cache"), "corp", CachedToken{
		StartURL: startURL, Region: "us-east-1", AccessToken: "stale", ExpiresAt: time.Now().Add(-time.Minute),
		ClientID: "cid", ClientSecret: "csecret", RegistrationExpiresAt: time.Now().Add(24 * time.Hour), RefreshToken: "rt-1",
	}); err != nil {
		t.Fatal(err)
	}

	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx, config.WithSharedConfigProfile("deploy"))
	if err != nil {
		t.Fatal(err)
	}
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	issued := s.Issued()
	if len(issued) != 2 || issued[0].Op != "GetRoleCredentials" || issued[1].Op != "AssumeRole" {
		t.Fatalf("issued %v", issued)
	}
	if issued[1].CallerKeyID != issued[0].AccessKeyID {
		t.Errorf("AssumeRole signed by %s, want the SSO credential %s", issued[1].CallerKeyID, issued[0].AccessKeyID)
	}
	if creds.AccessKeyID != issued[1].AccessKeyID || !creds.Expires.Equal(issued[1].Expiration) {
		t.Errorf("retrieved %s expiring %s, want %v", creds.AccessKeyID, creds.Expires, issued[1])
	}
	if issued[1].ARN != "arn:aws:sts::444455556666:assumed-role/Deploy/awsrun-test" {
		t.Errorf("arn %s", issued[1].ARN)
	}
	if s.Calls("CreateToken") != 1 {
		t.Errorf("CreateToken calls %d", s.Calls("CreateToken"))
	}
}
