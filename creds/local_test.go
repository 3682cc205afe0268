package creds

import (
	"context"
	"testing"
)

// TestLocal: only a profile's long-term keys served as they are resolve without asking AWS;
// wrapper.Run lets every other resolution send its request before the endpoint's set-up.
func TestLocal(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	files := writeFiles(t, "[profile keys]\nregion = us-east-1\n"+
		"[profile role]\nrole_arn = arn:aws:iam::123456789012:role/R\nsource_profile = keys\nregion = us-east-1\n"+
		"[profile sso]\nsso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\n"+
		"sso_account_id = 123456789012\nsso_role_name = R\nregion = us-east-1\n",
		"[keys]\naws_access_key_id = AKIALOCALTESTKEY0001\naws_secret_access_key = local-test-secret-000000000000000000001\n")
	cp, kp := files.Config.Path, files.Credentials.Path
	for _, tc := range []struct {
		profile   string
		noSession bool
		want      bool
	}{
		{"keys", true, true},
		{"keys", false, false}, // GetSessionToken
		{"role", true, false},  // AssumeRole
		{"sso", true, false},   // GetRoleCredentials
	} {
		src, err := Open(context.Background(), files, Options{Profile: tc.profile, ConfigFile: cp, CredentialsFile: kp, NoSession: tc.noSession})
		if err != nil {
			t.Fatalf("open %s: %v", tc.profile, err)
		}
		if got := src.Local(); got != tc.want {
			t.Errorf("profile %s, NoSession %v: Local() = %v, want %v", tc.profile, tc.noSession, got, tc.want)
		}
	}
}
