package creds

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"
)

// everyKindConfig has a profile of every credential kind, each with settings a child keeps,
// and secrets that must never reach the child's file.
const everyKindConfig = `[default]
region = eu-west-1
aws_access_key_id = AKIADEFAULTSECRET001
aws_secret_access_key = default-secret-value-0001

[profile dev]
region = eu-west-3
output = json
services = local
retry_mode = adaptive
max_attempts = 7
s3 =
  addressing_style = path
credential_process = /usr/bin/get-dev-creds --token dev-process-secret

[profile prod]
region = us-east-2
role_arn = arn:aws:iam::999999999999:role/ProdAdmin
source_profile = base
mfa_serial = arn:aws:iam::999999999999:mfa/prod-mfa-secret
external_id = prod-external-id-secret
duration_seconds = 3600
role_session_name = prod-session-secret

[profile sso]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = Developer
sso_start_url = https://sso-secret.awsapps.com/start
sso_region = us-east-1
endpoint_url = http://127.0.0.1:4566

[profile web]
role_arn = arn:aws:iam::999999999999:role/Web
web_identity_token_file = /var/run/web-identity-secret-token

[profile src]
role_arn = arn:aws:iam::999999999999:role/Src
credential_source = Ec2InstanceMetadata

[profile login]
login_session = arn:aws:iam::999999999999:user/login-session-secret
region = ap-south-1

[profile keys]
aws_access_key_id = AKIAKEYSPROFILE00001
aws_secret_access_key = keys-secret-value-0001
aws_session_token = keys-session-token-secret
aws_account_id = 999999999999

[sso-session corp]
sso_start_url = https://sso-secret.awsapps.com/start
sso_region = us-east-1

[services local]
s3 =
  endpoint_url = http://127.0.0.1:9000
`

const everyKindCredentials = `[base]
aws_access_key_id = AKIABASEONLYINCREDS1
aws_secret_access_key = base-secret-value-0001

[prod]
aws_session_token = prod-token-in-credentials-secret
`

// secrets are values of everyKindConfig and everyKindCredentials that select or hold credentials.
var secrets = []string{
	"AKIADEFAULTSECRET001", "default-secret-value-0001", "dev-process-secret", "get-dev-creds",
	"ProdAdmin", "prod-mfa-secret", "prod-external-id-secret", "prod-session-secret",
	"sso-secret", "Developer", "111122223333", "web-identity-secret-token", ":role/Web", ":role/Src",
	"Ec2InstanceMetadata", "login-session-secret", "AKIAKEYSPROFILE00001", "keys-secret-value-0001",
	"keys-session-token-secret", "AKIABASEONLYINCREDS1", "base-secret-value-0001",
	"prod-token-in-credentials-secret", "999999999999",
}

// worldCredentialKeys may appear only as awsrun writes them: credential_process for an allowed
// profile, role_arn and web_identity_token_file for a refused one.
var worldCredentialKeys = []string{
	"aws_access_key_id", "aws_secret_access_key", "aws_session_token", "aws_account_id",
	"source_profile", "credential_source", "mfa_serial", "external_id", "role_session_name",
	"duration_seconds", "sso_session", "sso_account_id", "sso_role_name", "sso_start_url",
	"sso_region", "login_session", "[sso-session",
}

func mustFiles(t testing.TB, config, credentials string) *Files {
	t.Helper()
	cfg, err := Parse("/home/u/.aws/config", []byte(config))
	if err != nil {
		t.Fatal(err)
	}
	cr, err := Parse("/home/u/.aws/credentials", []byte(credentials))
	if err != nil {
		t.Fatal(err)
	}
	return &Files{Config: cfg, Credentials: cr}
}

const testExe = "/opt/my tools/it's awsrun"

func renderWorld(t testing.TB, f *Files, chosen string, filter ProfileFilter) *WorldConfig {
	t.Helper()
	var p *Profile
	if chosen != "" {
		var err error
		if p, err = f.Lookup(chosen); err != nil {
			t.Fatal(err)
		}
	}
	w, err := f.ChildWorldConfig(WorldOptions{Chosen: p, Region: "", Executable: testExe, Filter: filter})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// sections parses the rendered file back with awsrun's own parser.
func sections(t testing.TB, data []byte) *File {
	t.Helper()
	f, err := Parse("child-config", data)
	if err != nil {
		t.Fatalf("the child's config does not parse: %v\n%s", err, data)
	}
	return f
}

func TestWorldConfigKeepsEveryProfileAndNoSecret(t *testing.T) {
	f := mustFiles(t, everyKindConfig, everyKindCredentials)
	w := renderWorld(t, f, "dev", ProfileFilter{})
	out := string(w.Data)
	for _, s := range secrets {
		if strings.Contains(out, s) {
			t.Errorf("the child's config holds %q:\n%s", s, out)
		}
	}
	for _, k := range worldCredentialKeys {
		if strings.Contains(out, k) {
			t.Errorf("the child's config holds the setting %s:\n%s", k, out)
		}
	}
	parsed := sections(t, w.Data)
	wantProfiles := []string{"base", "dev", "keys", "login", "prod", "src", "sso", "web"}
	if got := strings.Join(w.Allowed, ","); got != strings.Join(wantProfiles, ",") {
		t.Errorf("allowed = %s, want %s", got, strings.Join(wantProfiles, ","))
	}
	if len(w.Skipped) != 1 || w.Skipped[0].Name != "default" {
		t.Errorf("skipped = %v, want only the user's default", w.Skipped)
	}
	for _, name := range wantProfiles {
		s := parsed.Section("profile " + name)
		if s == nil {
			t.Errorf("no [profile %s]:\n%s", name, out)
			continue
		}
		want := shellQuote(testExe) + " export --profile '" + name + "' --format credential-process"
		if got := s.Keys["credential_process"]; got != want {
			t.Errorf("[profile %s] credential_process = %q, want %q", name, got, want)
		}
	}
	// Each profile keeps its own settings; [default] is the chosen profile's.
	checks := []struct{ section, key, want string }{
		{"default", "region", "eu-west-3"}, {"default", "output", "json"}, {"default", "services", "local"},
		{"profile dev", "region", "eu-west-3"}, {"profile dev", "retry_mode", "adaptive"}, {"profile dev", "max_attempts", "7"},
		{"profile prod", "region", "us-east-2"}, {"profile sso", "endpoint_url", "http://127.0.0.1:4566"},
		{"profile login", "region", "ap-south-1"}, {"services local", "s3", ""},
	}
	for _, c := range checks {
		s := parsed.Section(c.section)
		if s == nil {
			t.Errorf("no [%s]:\n%s", c.section, out)
			continue
		}
		if got, ok := s.Keys[c.key]; !ok || got != c.want {
			t.Errorf("[%s] %s = %q (present %v), want %q", c.section, c.key, got, ok, c.want)
		}
	}
	if got := parsed.Section("profile dev").Nested["s3"]["addressing_style"]; got != "path" {
		t.Errorf("[profile dev] s3.addressing_style = %q, want path", got)
	}
	if parsed.Section("default").Keys["credential_process"] != "" {
		t.Error("[default] has a credential_process: it must fall through to awsrun's endpoint")
	}
	if n := strings.Count(out, "[services local]"); n != 1 {
		t.Errorf("[services local] appears %d times, want once (a duplicate section breaks botocore)", n)
	}
}

// The [default] part is byte for byte what ChildConfig writes today, whatever the profile.
func TestWorldConfigDefaultMatchesChildConfig(t *testing.T) {
	f := mustFiles(t, everyKindConfig, everyKindCredentials)
	for _, name := range []string{"dev", "prod", "keys", "base"} {
		p, err := f.Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, region := range []string{"", "ca-central-1"} {
			old, err := p.ChildConfig(region)
			if err != nil {
				t.Fatal(err)
			}
			w, err := f.ChildWorldConfig(WorldOptions{Chosen: p, Region: region, Executable: testExe})
			if err != nil {
				t.Fatal(err)
			}
			oldDefault := sections(t, old).Section("default")
			newDefault := sections(t, w.Data).Section("default")
			if fmt.Sprint(oldDefault.Keys, oldDefault.Nested) != fmt.Sprint(newDefault.Keys, newDefault.Nested) {
				t.Errorf("%s region %q: [default] = %v %v, ChildConfig has %v %v", name, region, newDefault.Keys, newDefault.Nested, oldDefault.Keys, oldDefault.Nested)
			}
		}
	}
}

func TestWorldConfigRefusedProfilesFailLoudly(t *testing.T) {
	f := mustFiles(t, everyKindConfig, everyKindCredentials)
	for _, tc := range []struct {
		flag    string
		allowed string
	}{
		{"none", "dev"},
		{"prod,sso", "dev,prod,sso"},
		{"dev", "dev"},
	} {
		filter, err := ParseProfileFilter(tc.flag)
		if err != nil {
			t.Fatal(err)
		}
		w := renderWorld(t, f, "dev", filter)
		parsed := sections(t, w.Data)
		if got := strings.Join(w.Allowed, ","); got != tc.allowed {
			t.Errorf("--profiles %s: allowed %s, want %s", tc.flag, got, tc.allowed)
		}
		if len(w.Allowed)+len(w.Refused) != 8 {
			t.Errorf("--profiles %s: %d sections, want one for each of the 8 profiles", tc.flag, len(w.Allowed)+len(w.Refused))
		}
		for _, name := range w.Refused {
			s := parsed.Section("profile " + name)
			if s.Keys["credential_process"] != "" {
				t.Errorf("--profiles %s: refused [profile %s] has a credential_process", tc.flag, name)
			}
			tokenFile := s.Keys["web_identity_token_file"]
			if !strings.HasPrefix(tokenFile, "/dev/null/") || !strings.Contains(tokenFile, "--profiles") || !strings.Contains(tokenFile, name) {
				t.Errorf("--profiles %s: refused [profile %s] token file %q: want a path below /dev/null naming the profile and --profiles", tc.flag, name, tokenFile)
			}
			if s.Keys["role_arn"] != refusedRoleARN {
				t.Errorf("--profiles %s: refused [profile %s] role_arn = %q", tc.flag, name, s.Keys["role_arn"])
			}
		}
		for _, s := range secrets {
			if strings.Contains(string(w.Data), s) {
				t.Errorf("--profiles %s: the child's config holds %q", tc.flag, s)
			}
		}
	}
}

// TestWorldConfigNames: every name a section header can carry gets its section, twice (the
// second header quoted, for botocore) when it has whitespace, a quote or a backslash; the
// others are left out and listed with a reason. (worldconfig_sdk_test.go reads such files
// with the Go SDK and botocore.)
func TestWorldConfigNames(t *testing.T) {
	carried := []string{
		"plain", "with space", `it's`, `say"hi"`, "a=b", "ünïcödé", "a,b", "-dash", "ok_name-1@x+y.z%:/w",
		"tab\there", `back\slash`, "a$b", "ctl\x01x", "a[b", "__proto__",
	}
	var cfg strings.Builder
	for _, n := range carried {
		fmt.Fprintf(&cfg, "[profile %s]\nregion = us-east-1\n\n", n)
	}
	var cr strings.Builder
	for _, n := range []string{"a#b", "a;b"} { // in the config file '#' and ';' start a comment
		fmt.Fprintf(&cr, "[%s]\naws_access_key_id = AKIAX\naws_secret_access_key = y\n\n", n)
	}
	f := mustFiles(t, cfg.String(), cr.String())
	w := renderWorld(t, f, "", ProfileFilter{})
	parsed := sections(t, w.Data)
	skipped := map[string]string{}
	for _, s := range w.Skipped {
		skipped[s.Name] = s.Reason
	}
	wantSkipped := map[string]string{
		"a#b": "'#' or ';'", "a;b": "'#' or ';'", "ctl\x01x": "control character", "a[b": "bracket", "__proto__": "JS SDK v3 refuses",
	}
	for n, why := range wantSkipped {
		if !strings.Contains(skipped[n], why) {
			t.Errorf("profile %q: skipped with %q, want a reason about %s", n, skipped[n], why)
		}
		if parsed.Section("profile "+n) != nil {
			t.Errorf("profile %q has a section", n)
		}
	}
	if len(w.Skipped) != len(wantSkipped) {
		t.Errorf("skipped %v, want only %d", w.Skipped, len(wantSkipped))
	}
	for _, n := range f.Profiles() {
		if wantSkipped[n] != "" {
			continue
		}
		s := parsed.Section("profile " + n)
		if s == nil {
			t.Errorf("profile %q: no section in\n%s", n, w.Data)
			continue
		}
		if s.Keys["credential_process"] != shellQuote(testExe)+" export --profile "+shellQuote(n)+" --format credential-process" {
			t.Errorf("profile %q: credential_process %q", n, s.Keys["credential_process"])
		}
		second := parsed.Section("profile " + shellQuote(n))
		if needs := strings.ContainsAny(n, " '\"\\"); needs != (second != nil) {
			t.Errorf("profile %q: second header written %v, want %v", n, second != nil, needs)
		} else if second != nil && fmt.Sprint(second.Keys) != fmt.Sprint(s.Keys) {
			t.Errorf("profile %q: the second header's section %v differs from the first's %v", n, second.Keys, s.Keys)
		}
	}
	if len(f.Profiles()) != len(carried)+2 {
		t.Fatalf("the test's files hold %q", f.Profiles())
	}
	for _, n := range []string{" lead", "trail ", "\tboth\t"} {
		if profileNameProblem(n) == "" {
			t.Errorf("profileNameProblem(%q) = \"\", want the whitespace around it refused", n)
		}
	}
}

func TestWorldConfigExecutablePaths(t *testing.T) {
	f := mustFiles(t, "[profile dev]\nregion = us-east-1\n", "")
	for _, tc := range []struct {
		exe, want string
	}{
		{"/usr/local/bin/awsrun", `'/usr/local/bin/awsrun'`},
		{"/opt/my tools/awsrun", `'/opt/my tools/awsrun'`},
		{`/opt/it's "here"/$HOME/a\b/awsrun`, `'/opt/it'\''s "here"/$HOME/a\b/awsrun'`},
		{"/opt/tools#1/awsrun", `'/opt/tools#1/awsrun'`},
	} {
		w, err := f.ChildWorldConfig(WorldOptions{Executable: tc.exe})
		if err != nil {
			t.Errorf("%q: %v", tc.exe, err)
			continue
		}
		got := sections(t, w.Data).Section("profile dev").Keys["credential_process"]
		if want := tc.want + " export --profile 'dev' --format credential-process"; got != want {
			t.Errorf("%q: credential_process = %q, want %q", tc.exe, got, want)
		}
	}
	for _, exe := range []string{"awsrun", "bin/awsrun", "/opt/a #b/awsrun", "/opt/a\t;b/awsrun", "/opt/a\nb/awsrun", "/opt/a\u00a0#b/awsrun"} {
		if _, err := f.ChildWorldConfig(WorldOptions{Executable: exe}); err == nil {
			t.Errorf("%q: no error, want a refusal", exe)
		}
	}
}

// A bad value in the chosen profile, whose settings make [default], is refused by the writer:
// never a file that says something else.
func TestWorldConfigRefusesBadValueInChosenProfile(t *testing.T) {
	f := mustFiles(t, "[profile dev]\nregion = us-east-1\n[profile other]\noutput = json\n", "")
	f.Config.Section("profile other").Keys["output"] = "json\ncredential_process = /bin/evil"
	other, _ := f.Lookup("other")
	_, err := f.ChildWorldConfig(WorldOptions{Chosen: other, Executable: testExe})
	var unsafe *UnsafeValueError
	if err == nil || !asUnsafe(err, &unsafe) || unsafe.Section != "default" || unsafe.Setting != "output" {
		t.Fatalf("err = %v, want an *UnsafeValueError for [default] output", err)
	}
}

func asUnsafe(err error, target **UnsafeValueError) bool {
	u, ok := err.(*UnsafeValueError)
	if ok {
		*target = u
	}
	return ok
}

// manyProfiles is a config with n profiles of mixed kinds, a credentials file with keys for
// every third, and the names in order.
func manyProfiles(n int) (config, credentials string, names []string) {
	var c, k strings.Builder
	c.WriteString("[default]\nregion = us-east-1\n\n[sso-session corp]\nsso_start_url = https://corp-secret.awsapps.com/start\nsso_region = us-east-1\n\n")
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("team-%03d.prod", i)
		names = append(names, name)
		fmt.Fprintf(&c, "[profile %s]\nregion = eu-west-%d\noutput = json\n", name, i%3+1)
		switch i % 3 {
		case 0:
			fmt.Fprintf(&k, "[%s]\naws_access_key_id = AKIASECRET%010d\naws_secret_access_key = many-secret-%d\n\n", name, i, i)
		case 1:
			fmt.Fprintf(&c, "sso_session = corp\nsso_account_id = 2%011d\nsso_role_name = Role%d\n", i, i)
		case 2:
			fmt.Fprintf(&c, "role_arn = arn:aws:iam::3%011d:role/R%d\nsource_profile = team-000.prod\n", i, i)
		}
		c.WriteString("\n")
	}
	return c.String(), k.String(), names
}

func TestWorldConfig200Profiles(t *testing.T) {
	config, credentials, names := manyProfiles(200)
	f := mustFiles(t, config, credentials)
	w := renderWorld(t, f, names[7], ProfileFilter{})
	out := string(w.Data)
	parsed := sections(t, w.Data)
	if len(w.Allowed) != 200 || len(w.Refused) != 0 {
		t.Fatalf("%d allowed, %d refused; want 200 and 0", len(w.Allowed), len(w.Refused))
	}
	for i, name := range names {
		if n := strings.Count(out, "[profile "+name+"]"); n != 1 {
			t.Errorf("[profile %s] appears %d times", name, n)
		}
		s := parsed.Section("profile " + name)
		if s == nil {
			continue
		}
		if got, want := s.Keys["region"], fmt.Sprintf("eu-west-%d", i%3+1); got != want {
			t.Errorf("[profile %s] region = %q, want %q", name, got, want)
		}
		if len(s.Keys) != 3 || !strings.HasSuffix(s.Keys["credential_process"], " export --profile '"+name+"' --format credential-process") {
			t.Errorf("[profile %s] = %v, want region, output and credential_process", name, s.Keys)
		}
	}
	if got := len(parsed.Sections); got != 201 {
		t.Errorf("%d sections, want [default] and 200 profiles", got)
	}
	for _, s := range []string{"AKIASECRET", "many-secret", "sso_", "corp-secret", "role_arn", "source_profile", "arn:aws"} {
		if strings.Contains(out, s) {
			t.Errorf("the 200-profile config holds %q", s)
		}
	}
}

func BenchmarkWorldConfig200Profiles(b *testing.B) {
	config, credentials, names := manyProfiles(200)
	f := mustFiles(b, config, credentials)
	p, err := f.Lookup(names[0])
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var size int
	for b.Loop() {
		w, err := f.ChildWorldConfig(WorldOptions{Chosen: p, Executable: testExe})
		if err != nil {
			b.Fatal(err)
		}
		size = len(w.Data)
	}
	b.ReportMetric(float64(size), "bytes/config")
}

// A profile whose settings cannot be copied does not stop awsrun: its section fails in every
// SDK, as a refused one, and the reason names the file and line but not the value.
func TestWorldConfigUnusableProfile(t *testing.T) {
	f := mustFiles(t, "[profile dev]\nregion = us-east-1\n[profile other]\noutput = json\nregion = eu-west-1\n[profile svc]\nservices = bad\n[services bad]\ns3 =\n  endpoint_url = http://x\n", "")
	f.Config.Section("profile other").Keys["output"] = "json\x1bcredential_process = /bin/evil"
	f.Config.Section("services bad").Nested["s3"]["endpoint_url"] = "http://x\u2028credential_process = /bin/evil"
	dev, _ := f.Lookup("dev")
	w, err := f.ChildWorldConfig(WorldOptions{Chosen: dev, Executable: testExe})
	if err != nil {
		t.Fatal(err)
	}
	out := string(w.Data)
	if strings.Contains(out, "evil") || strings.Contains(out, "[services bad]") {
		t.Errorf("the child's config holds a value it could not copy:\n%s", out)
	}
	if len(w.Unusable) != 2 || w.Unusable[0].Name != "other" || w.Unusable[1].Name != "svc" {
		t.Fatalf("unusable = %v, want other and svc", w.Unusable)
	}
	if r := w.Unusable[0].Reason; !strings.Contains(r, "/home/u/.aws/config:4") || !strings.Contains(r, "output") || strings.Contains(r, "evil") {
		t.Errorf("reason %q: want the file, line and setting, not the value", r)
	}
	parsed := sections(t, w.Data)
	for _, name := range []string{"other", "svc"} {
		s := parsed.Section("profile " + name)
		if s == nil || s.Keys["credential_process"] != "" || !strings.HasPrefix(s.Keys["web_identity_token_file"], "/dev/null/") || len(s.Keys) != 2 {
			t.Errorf("[profile %s] = %v, want only the failing settings", name, s)
		}
	}
	if strings.Join(w.Allowed, ",") != "dev" {
		t.Errorf("allowed = %v, want dev", w.Allowed)
	}
}

// shellQuote's output reaches a program intact through sh -c, as the Go and JS SDKs run
// credential_process (botocore's shlex is covered by the e2e test, whose path has a quote).
func TestShellQuoteThroughSh(t *testing.T) {
	for _, s := range []string{"plain", "with space", "it's", `say "hi"`, "$HOME", "`id`", `a\b`, "ünï", "a;b&c|d", "*", "'", "''", "-x"} {
		out, err := exec.Command("/bin/sh", "-c", "printf '%s' "+shellQuote(s)).Output()
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		if string(out) != s {
			t.Errorf("%q came out of sh as %q", s, out)
		}
	}
}
