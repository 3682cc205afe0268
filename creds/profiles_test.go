package creds

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFiles(t *testing.T, config, credentials string) *Files {
	t.Helper()
	dir := t.TempDir()
	cp, kp := filepath.Join(dir, "config"), filepath.Join(dir, "credentials")
	if err := os.WriteFile(cp, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(kp, []byte(credentials), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := LoadFiles(cp, kp)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestMissingProfileNamesTheOnesThatExist(t *testing.T) {
	f := writeFiles(t, "[default]\nregion=x\n[profile dev]\nsso_session=s\n[profile prod]\nrole_arn=a\nsource_profile=dev\n", "[ci]\naws_access_key_id=AKIA\n")
	_, err := f.Lookup("staging")
	var nf *ProfileNotFoundError
	if !errors.As(err, &nf) || !errors.Is(err, ErrNoProfile) {
		t.Fatalf("want ProfileNotFoundError, got %v", err)
	}
	if got := strings.Join(nf.Available, ","); got != "ci,default,dev,prod" {
		t.Errorf("available = %s", got)
	}
	if !strings.Contains(err.Error(), "ci, default, dev, prod") {
		t.Errorf("message does not list profiles: %v", err)
	}
}

func TestKind(t *testing.T) {
	f := writeFiles(t, `[profile sso]
sso_session = s
[profile legacy]
sso_start_url = https://x
[profile role]
role_arn = arn
source_profile = sso
[profile proc]
credential_process = /bin/echo
[profile web]
role_arn = arn
web_identity_token_file = /t
[profile bare]
region = us-east-1
`, "[static]\naws_access_key_id = AKIA\naws_secret_access_key = s\n")
	want := map[string]string{"sso": "sso", "legacy": "sso", "role": "assume-role", "proc": "process", "web": "web-identity", "static": "static", "bare": "none"}
	for name, kind := range want {
		p, err := f.Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		if p.Kind() != kind {
			t.Errorf("%s: kind %s, want %s", name, p.Kind(), kind)
		}
	}
	p, _ := f.Lookup("legacy")
	if p.SSOCacheKey() != "https://x" {
		t.Errorf("legacy cache key = %q", p.SSOCacheKey())
	}
}

func TestChildConfigKeepsSettingsDropsCredentials(t *testing.T) {
	f := writeFiles(t, `[profile dev]
region = eu-west-1
output = json
sso_session = corp
sso_account_id = 111
role_arn = arn:aws:iam::1:role/x
credential_process = /bin/secret-helper
aws_secret_access_key = SHOULD-NOT-LEAK
services = local
s3 =
  addressing_style = path
[services local]
sts =
  endpoint_url = http://127.0.0.1:1
`, "")
	p, err := f.Lookup("dev")
	if err != nil {
		t.Fatal(err)
	}
	out, err := p.ChildConfig("us-west-2")
	if err != nil {
		t.Fatal(err)
	}
	got := string(out)
	for _, want := range []string{"[default]", "region = us-west-2", "output = json", "services = local", "s3 =\n  addressing_style = path", "[services local]", "sts =\n  endpoint_url = http://127.0.0.1:1"} {
		if !strings.Contains(got, want) {
			t.Errorf("child config lacks %q:\n%s", want, got)
		}
	}
	for _, bad := range []string{"sso_", "role_arn", "credential_process", "SHOULD-NOT-LEAK", "[profile"} {
		if strings.Contains(got, bad) {
			t.Errorf("child config keeps %q:\n%s", bad, got)
		}
	}
	if reparsed, err := Parse("child", []byte(got)); err != nil || reparsed.Section("default") == nil {
		t.Errorf("child config does not parse: %v", err)
	}
}

func TestPathsHonourEnvironment(t *testing.T) {
	env := map[string]string{"HOME": "/h", "AWS_CONFIG_FILE": "~/cfg"}
	c, k := Paths(func(s string) string { return env[s] })
	if c != "/h/cfg" || k != "/h/.aws/credentials" {
		t.Errorf("paths %s %s", c, k)
	}
}

func TestRedact(t *testing.T) {
	if got := Redact("ASIAABCDEFGHIJKLMNOP"); got != "ASIA...MNOP" {
		t.Errorf("Redact = %s", got)
	}
	if got := Redact("short"); got != "****" {
		t.Errorf("Redact short = %s", got)
	}
}

func TestMissingSSO(t *testing.T) {
	cases := []struct {
		config string
		want   string
	}{
		{"[profile p]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = R\n[sso-session corp]\nsso_start_url = https://x\nsso_region = us-east-1\n", ""},
		{"[profile p]\nsso_start_url = https://x\nsso_region = us-east-1\nsso_account_id = 1\nsso_role_name = R\n", ""},
		{"[profile p]\nsso_start_url = https://x\nsso_region = us-east-1\n", "sso_account_id, sso_role_name"},
		{"[profile p]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = R\n", "[sso-session corp]"},
		{"[profile p]\nsso_session = corp\nsso_role_name = R\n[sso-session corp]\nsso_start_url = https://x\n", "sso_account_id, [sso-session corp] sso_region"},
		{"[profile p]\nregion = us-east-1\naws_access_key_id = A\naws_secret_access_key = S\n", ""},
	}
	for _, c := range cases {
		dir := t.TempDir()
		cp := filepath.Join(dir, "config")
		if err := os.WriteFile(cp, []byte(c.config), 0o600); err != nil {
			t.Fatal(err)
		}
		files, err := LoadFiles(cp, filepath.Join(dir, "credentials"))
		if err != nil {
			t.Fatal(err)
		}
		p, err := files.Lookup("p")
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(p.MissingSSO(), ", "); got != c.want {
			t.Errorf("%q: missing %q, want %q", c.config, got, c.want)
		}
	}
}
