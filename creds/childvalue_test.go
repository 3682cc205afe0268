package creds

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRegionProblem(t *testing.T) {
	for _, r := range []string{
		"us-east-1", "us-gov-west-1", "cn-north-1", "cn-northwest-1", "eu-isoe-west-1", "us-isob-east-1",
		"us-iso-east-1", "ap-southeast-5", "mx-central-1", "il-central-1", "ca-west-1", "eusc-de-east-1",
		"aws-global", "fips-us-east-1", "us-east-1-fips", "garage", "local",
	} {
		if p := RegionProblem(r); p != "" {
			t.Errorf("%q refused: %s", r, p)
		}
	}
	for r, want := range map[string]string{
		"us-east-1\ncredential_process = ./evil.sh": "line break",
		"us-east-1\rcredential_process = ./evil.sh": "line break",
		"us-east-1\x00":         "NUL",
		"us-east-1\u2028x = y":  "Unicode line break",
		"us-east-1\x1b[2J":      "control character",
		"us east 1":             "not a region name",
		"us-east-1 # comment":   "not a region name",
		"US-EAST-1":             "not a region name",
		"us-east-1=x":           "not a region name",
		"-us":                   "not a region name",
		"us-":                   "not a region name",
		"us--east":              "not a region name",
		"1us":                   "not a region name",
		"":                      "not a region name",
		strings.Repeat("a", 65): "not a region name",
	} {
		if p := RegionProblem(r); !strings.Contains(p, want) {
			t.Errorf("RegionProblem(%q) = %q, want %q", r, p, want)
		}
	}
}

// TestChildConfigRefusesUnsafeOverride: the writer itself refuses a region override that would
// break a line (the flag and variable checks come first; this is the last line of defence), and
// writes nothing.
func TestChildConfigRefusesUnsafeOverride(t *testing.T) {
	f, err := Parse("config", []byte("[profile sso]\nsso_session = corp\nregion = us-east-1\n"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := (&Files{Config: f, Credentials: &File{}}).Lookup("sso")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []string{"us-east-1\ncredential_process = ./evil.sh", "us-east-1\rcredential_process = ./evil.sh", "x\x00", "us east 1"} {
		out, err := p.ChildConfig(r)
		var unsafe *UnsafeValueError
		if !errors.As(err, &unsafe) || unsafe.Setting != "region" || out != nil {
			t.Errorf("region %q: %v, wrote %q", r, err, out)
		}
		if err != nil && strings.Contains(err.Error(), "evil") {
			t.Errorf("the error repeats the value: %v", err)
		}
	}
}

// TestOpenRefusesUnsafeFileValues: a value the child's config would copy that cannot be
// written (a region that is not one, a control character) is a *ParseError naming the file
// and its line, before anything starts.
func TestOpenRefusesUnsafeFileValues(t *testing.T) {
	for _, c := range []struct {
		config string
		line   int
	}{
		{"[profile p]\ncredential_process = x\nregion = $(touch pwned)\n", 3},
		{"[profile p]\ncredential_process = x\n\noutput = json\x00\n", 4},
		{"[profile p]\ncredential_process = x\ns3 =\n  addressing_style = path\x1b\n", 4},
		{"[profile p]\ncredential_process = x\nservices = s\n[services s]\nsts =\n  endpoint_url = http://x\x00\n", 6},
		// A bad setting name: the writer refuses it, so the check where the file enters must too,
		// and neither may repeat the name's bytes.
		{"[profile p]\ncredential_process = x\nservices = s\n[services s]\n\x000 = 1\n", 5},
		{"[profile p]\ncredential_process = x\nservices = s\n[services s]\nsts =\n  end\x1bpoint = 1\n", 6},
	} {
		dir := t.TempDir()
		cfg := filepath.Join(dir, "config")
		if err := os.WriteFile(cfg, []byte(c.config), 0o600); err != nil {
			t.Fatal(err)
		}
		files, err := LoadFiles(cfg, filepath.Join(dir, "credentials"))
		if err != nil {
			t.Fatal(err)
		}
		_, err = Open(context.Background(), files, Options{Profile: "p", ConfigFile: cfg, CredentialsFile: filepath.Join(dir, "credentials")})
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Path != cfg || pe.Line != c.line {
			t.Errorf("%q: %v, want a parse error at line %d", c.config, err, c.line)
		}
		if err != nil && strings.ContainsAny(err.Error(), "\x00\x1b") {
			t.Errorf("%q: the error repeats a control character: %q", c.config, err)
		}
	}
}
