package doctor

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/awsrun/awsrun/creds"
	"github.com/awsrun/awsrun/internal/fakeaws"
)

const doctorLoginARN = "arn:aws:iam::111122223333:user/alice"

var doctorLoginConfig = fakeaws.LoginConfig(doctorLoginARN) +
	"[profile sso]\nsso_session = s\nsso_account_id = 1\nsso_role_name = R\n[sso-session s]\nsso_start_url = https://x\nsso_region = us-east-1\n"

// loginHome stages a HOME with the login profiles and, unless cache is nil, the login cache
// written from it at mode.
func loginHome(t *testing.T, cache func(fakeaws.CachedLogin) []byte, mode os.FileMode) (home, path string, tok fakeaws.CachedLogin) {
	t.Helper()
	home = writeHome(t, map[string]string{".aws/config": doctorLoginConfig})
	_, keyPEM, err := fakeaws.NewDPoPKey()
	if err != nil {
		t.Fatal(err)
	}
	tok = fakeaws.CachedLogin{
		AccessKeyID: "ASIADOCTORLOGIN0WXYZ", SecretAccessKey: "doctor-secret-never-shown", SessionToken: "doctor-session-token",
		AccountID: "111122223333", ExpiresAt: time.Now().Add(10 * time.Minute), RefreshToken: "doctor-refresh-never-shown",
		ClientID: fakeaws.LoginClientID, IdentityToken: "id", DPoPKey: keyPEM,
	}
	path = fakeaws.LoginTokenCachePath(filepath.Join(home, ".aws", "login", "cache"), doctorLoginARN)
	if cache != nil {
		os.MkdirAll(filepath.Dir(path), 0o700)
		if err := os.WriteFile(path, cache(tok), 0o600); err != nil {
			t.Fatal(err)
		}
		os.Chmod(path, mode)
	}
	return home, path, tok
}

func marshalled(tok fakeaws.CachedLogin) []byte {
	b, _ := fakeaws.MarshalLoginCache(tok)
	return b
}

func TestLoginProfileAndToken(t *testing.T) {
	home, _, tok := loginHome(t, marshalled, 0o600)
	for _, profile := range []string{"console", "console-role"} {
		rep := Run(context.Background(), Options{Env: []string{"HOME=" + home}, Profile: profile, ProfileFrom: "--profile", Transport: stsDate{}})
		p := find(t, rep, "profile")
		if p.Status != OK || !strings.Contains(p.Message, "aws login session for "+doctorLoginARN) {
			t.Errorf("%s: profile check %+v", profile, p)
		}
		c := find(t, rep, "login-token")
		if c.Status != OK || !strings.Contains(c.Message, "ASIA...WXYZ") || !strings.Contains(c.Message, "valid until") || !strings.Contains(c.Message, "session ends") {
			t.Errorf("%s: login-token %+v", profile, c)
		}
		for _, ch := range rep.Checks {
			for _, secret := range []string{tok.SecretAccessKey, tok.RefreshToken, tok.SessionToken, "PRIVATE KEY"} {
				if strings.Contains(ch.Message+ch.Fix, secret) {
					t.Errorf("%s leaks a secret: %+v", ch.Name, ch)
				}
			}
		}
	}
	// An SSO profile gets no login-token line at all.
	rep := Run(context.Background(), Options{Env: []string{"HOME=" + home}, Profile: "sso", Transport: stsDate{}})
	for _, c := range rep.Checks {
		if c.Name == "login-token" {
			t.Errorf("SSO profile got %+v", c)
		}
	}
}

func TestLoginTokenProblems(t *testing.T) {
	for _, tc := range []struct {
		name   string
		cache  func(fakeaws.CachedLogin) []byte
		mode   os.FileMode
		status Status
		msg    string
		fix    string
		env    func(home string) []string
	}{
		{"missing", nil, 0o600, Fail, "not logged in: no aws login token cache for " + doctorLoginARN, "aws login --profile console", nil},
		{"not json", func(c fakeaws.CachedLogin) []byte { return marshalled(c)[:40] }, 0o600, Fail, "unusable: not valid JSON", "aws login --profile console", nil},
		{"no refresh token", func(c fakeaws.CachedLogin) []byte { c.RefreshToken = ""; return marshalled(c) }, 0o600, Fail, "unusable: no refreshToken", "aws login --profile console", nil},
		{"bad dpop key", func(c fakeaws.CachedLogin) []byte { c.DPoPKey = "x"; return marshalled(c) }, 0o600, Fail, "unusable: dpopKey: not PEM", "aws login --profile console", nil},
		{"open to others", marshalled, 0o644, Warn, "readable by others (mode 0644)", "chmod 600 ", nil},
		{"expired", func(c fakeaws.CachedLogin) []byte { c.ExpiresAt = time.Now().Add(-time.Hour); return marshalled(c) }, 0o600, OK, "expired", "", nil},
		{"elsewhere", nil, 0o600, Fail, "(from AWS_LOGIN_CACHE_DIRECTORY)", "aws login --profile console", func(home string) []string {
			return []string{"AWS_LOGIN_CACHE_DIRECTORY=" + filepath.Join(home, "elsewhere")}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			home, _, _ := loginHome(t, tc.cache, tc.mode)
			env := []string{"HOME=" + home}
			if tc.env != nil {
				env = append(env, tc.env(home)...)
			}
			rep := Run(context.Background(), Options{Env: env, Profile: "console-role", Transport: stsDate{}})
			c := find(t, rep, "login-token")
			if c.Status != tc.status || !strings.Contains(c.Message, tc.msg) || !strings.HasPrefix(c.Fix, tc.fix) {
				t.Errorf("got %+v, want %s %q fix %q", c, tc.status, tc.msg, tc.fix)
			}
		})
	}
}

func TestLoginRequiredFix(t *testing.T) {
	home, _, _ := loginHome(t, marshalled, 0o600)
	rep := Run(context.Background(), Options{
		Env: []string{"HOME=" + home}, Profile: "console", Transport: stsDate{},
		Resolve: func(context.Context) (aws.Credentials, string, error) {
			return aws.Credentials{}, "", &creds.LoginRequiredError{Profile: "console", Login: true}
		},
	})
	if c := find(t, rep, "credentials"); c.Status != Fail || c.Fix != "aws login --profile console" || !strings.Contains(c.Message, "aws login session") {
		t.Errorf("credentials %+v", c)
	}
}
