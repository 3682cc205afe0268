package creds

import (
	"errors"
	"strings"
	"testing"
)

// credentialKeys select or hold credentials; none may reach the child's config, where they
// would make the child's SDK use them instead of awsrun's endpoint.
var credentialKeys = []string{
	"aws_access_key_id", "aws_secret_access_key", "aws_session_token", "aws_security_token",
	"role_arn", "source_profile", "credential_source", "credential_process", "web_identity_token_file",
	"sso_session", "sso_start_url", "sso_account_id", "sso_role_name", "sso_region", "mfa_serial",
	"login_session",
}

// FuzzChildConfig writes the child's config for every profile of an arbitrary config file, with
// an arbitrary region override (a flag or AWS_REGION: any bytes, line breaks included), and
// checks it: the writer either refuses, and then the override or one of the profile's values
// is one the checks where values enter refuse too, or writes a file that parses back, holds
// [default] and at most the [services] block the profile names, keeps only request-shaping
// settings with the profile's own values (the region: the override's), and carries no
// credential setting or secret value. Seeds are in testdata/fuzz/FuzzChildConfig.
func FuzzChildConfig(f *testing.F) {
	f.Add([]byte("[profile dev]\nregion = eu-west-1\nsso_session = corp\noutput = json\ns3 =\n  addressing_style = path\nservices = local\n[services local]\nsts =\n  endpoint_url = http://127.0.0.1:1\n"), "")
	f.Add([]byte("[default]\naws_secret_access_key = SECRETSECRET\nregion = us-east-1 # inline\n"), "ap-south-1")
	f.Add([]byte("[profile sso]\nsso_session = corp\nregion = us-east-1\n"), "us-east-1\ncredential_process = ./evil.sh")
	f.Add([]byte("[profile sso]\nsso_session = corp\n"), "us-east-1\rcredential_process = ./evil.sh")
	f.Add([]byte("[profile sso]\nsso_session = corp\noutput = json\x00x\n"), "eu-isoe-west-1")
	f.Fuzz(func(t *testing.T, data []byte, region string) {
		file, err := Parse("config", data)
		if err != nil {
			return
		}
		files := &Files{Config: file, Credentials: &File{Path: "credentials"}}
		for _, s := range file.Sections {
			name, ok := strings.CutPrefix(s.Name, "profile ")
			if !ok && s.Name != "default" {
				continue
			}
			if !ok {
				name = "default"
			}
			p, err := files.Lookup(name)
			if err != nil {
				t.Fatalf("lookup %q: %v", name, err)
			}
			checkChildConfig(t, p, region)
		}
	})
}

func checkChildConfig(t *testing.T, p *Profile, region string) {
	t.Helper()
	out, err := p.ChildConfig(region)
	badRegion := region != "" && RegionProblem(region) != ""
	badFile := p.CheckChildSettings() != nil
	if err != nil {
		var unsafe *UnsafeValueError
		if !errors.As(err, &unsafe) || !badRegion && !badFile {
			t.Fatalf("child config for %q (region %q) refused, but nothing refuses its input: %v", p.Name, region, err)
		}
		if out != nil {
			t.Fatalf("child config for %q refused, yet written:\n%s", p.Name, out)
		}
		return
	}
	if badRegion {
		t.Fatalf("child config for %q written with region %q, which the flag check refuses:\n%s", p.Name, region, out)
	}
	back, err := Parse("child", out)
	if err != nil {
		t.Fatalf("child config for %q does not parse: %v\n%s", p.Name, err, out)
	}
	if len(back.Sections) == 0 || back.Sections[0].Name != "default" {
		t.Fatalf("child config for %q does not start with [default]:\n%s", p.Name, out)
	}
	if len(back.Sections) > 2 {
		t.Fatalf("child config for %q has %d sections:\n%s", p.Name, len(back.Sections), out)
	}
	if len(back.Sections) == 2 && back.Sections[1].Name != "services "+p.config.Keys["services"] {
		t.Fatalf("child config for %q has section %q:\n%s", p.Name, back.Sections[1].Name, out)
	}
	def := back.Sections[0]
	for k, v := range def.Keys {
		if !childSettings[k] {
			t.Errorf("child config for %q keeps %q:\n%s", p.Name, k, out)
			continue
		}
		want := p.config.Keys[k]
		if k == "region" && region != "" {
			want = region
		}
		if v != want {
			t.Errorf("child config for %q: %s = %q, the profile has %q:\n%s", p.Name, k, v, want, out)
		}
	}
	if region != "" && def.Keys["region"] != region {
		t.Errorf("child config for %q: region %q, want %q", p.Name, def.Keys["region"], region)
	}
	// Read [default] as the most liberal SDK would (botocore splits on any line break): no line
	// may set a credential key. ([services] blocks are never read for credentials.)
	defPart, _, _ := strings.Cut(string(out), "\n[services ")
	for _, line := range strings.FieldsFunc(defPart, func(r rune) bool { return r == '\n' || r == '\r' }) {
		key, _, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		for _, ck := range credentialKeys {
			if strings.EqualFold(strings.TrimSpace(key), ck) && !isNested(line) {
				t.Errorf("child config for %q sets %s:\n%s", p.Name, ck, out)
			}
		}
	}
	// No value of a credential setting leaks, unless it is also the value of a setting the
	// child may keep (then it is no secret).
	kept := string(out[strings.Index(string(out), "\n")+1:])
	for _, ck := range credentialKeys {
		v := p.Keys[ck]
		if len(v) < 6 || strings.Contains(keptValues(p), v) {
			continue
		}
		if strings.Contains(kept, v) {
			t.Errorf("child config for %q holds the value of %s:\n%s", p.Name, ck, out)
		}
	}
}

// isNested reports an indented sub-property line, which belongs to the setting above it.
func isNested(line string) bool { return line != "" && (line[0] == ' ' || line[0] == '\t') }

// keptValues is every name and value the child config may legitimately contain.
func keptValues(p *Profile) string {
	var b strings.Builder
	for k, v := range p.config.Keys {
		if childSettings[k] {
			b.WriteString("\x00" + k + "\x00" + v)
			for nk, nv := range p.config.Nested[k] {
				b.WriteString("\x00" + nk + "\x00" + nv)
			}
		}
	}
	if svc := p.config.Keys["services"]; svc != "" {
		if s := p.files.Config.Section("services " + svc); s != nil {
			b.WriteString("\x00" + s.Name)
			for k, v := range s.Keys {
				b.WriteString("\x00" + k + "\x00" + v)
				for nk, nv := range s.Nested[k] {
					b.WriteString("\x00" + nk + "\x00" + nv)
				}
			}
		}
	}
	return b.String()
}

// TestChildConfigLoneCarriageReturn: botocore (Python's universal newlines) ends a line at a
// lone CR, so the parser must too, or a value holding one would smuggle the text after it into
// the child's [default] as a setting of its own.
func TestChildConfigLoneCarriageReturn(t *testing.T) {
	files := &Files{Credentials: &File{}}
	var err error
	files.Config, err = Parse("config", []byte("[profile p]\nsso_session = corp\nregion = us-east-1\rcredential_process = /bin/x\n"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := files.Lookup("p")
	if err != nil {
		t.Fatal(err)
	}
	checkChildConfig(t, p, "")
}
