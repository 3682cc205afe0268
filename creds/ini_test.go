package creds

import (
	"errors"
	"strings"
	"testing"
)

func TestParseSectionsKeysAndNested(t *testing.T) {
	src := "# comment\n[default]\nregion = eu-west-1 # inline\n\n[profile dev]\nsso_session = corp\ns3 =\n  max_concurrent_requests = 10\n  addressing_style = path\noutput=json\n[sso-session corp]\nsso_start_url = https://x.example/start#frag\n"
	f, err := Parse("config", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Section("default").Keys["region"]; got != "eu-west-1" {
		t.Errorf("inline comment not stripped: %q", got)
	}
	dev := f.Section("profile dev")
	if dev == nil || dev.Line != 5 {
		t.Fatalf("profile dev section: %+v", dev)
	}
	if dev.Nested["s3"]["addressing_style"] != "path" || dev.Keys["output"] != "json" {
		t.Errorf("nested or following key lost: %+v", dev)
	}
	if got := f.Section("sso-session corp").Keys["sso_start_url"]; got != "https://x.example/start#frag" {
		t.Errorf("a # without whitespace before it is part of the value: %q", got)
	}
}

func TestParseErrorsNameFileAndLineWithoutEchoingSecrets(t *testing.T) {
	cases := []struct {
		src  string
		line int
	}{
		{"[default]\nregion = x\naws_secret_access_key: SECRETSECRET\n", 3},
		{"[default\nregion = x\n", 1},
		{"region = x\n", 1},
		{"[default]\n = x\n", 2},
		{"[]\n", 1},
	}
	for _, c := range cases {
		_, err := Parse("/home/u/.aws/config", []byte(c.src))
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Fatalf("%q: want ParseError, got %v", c.src, err)
		}
		if pe.Line != c.line || pe.Path != "/home/u/.aws/config" {
			t.Errorf("%q: got %s:%d, want line %d", c.src, pe.Path, pe.Line, c.line)
		}
		if strings.Contains(err.Error(), "SECRET") {
			t.Errorf("error echoes the line: %v", err)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("[default]\nregion = us-east-1\n"))
	f.Add([]byte("[profile a]\ns3 =\n  x = 1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse("f", data)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Line < 1 {
				t.Fatalf("error without a line: %v", err)
			}
			return
		}
		for _, s := range file.Sections {
			if s.Name == "" || s.Line < 1 {
				t.Fatalf("bad section %+v", s)
			}
		}
	})
}

// TestParseLongLine: a line over 1 MiB is refused with its line number, its text not repeated.
func TestParseLongLine(t *testing.T) {
	data := "[default]\nregion = " + strings.Repeat("x", maxLine) + "\n"
	_, err := Parse("config", []byte(data))
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Line != 2 || strings.Contains(err.Error(), "xxx") {
		t.Fatalf("err = %v, want a ParseError at line 2", err)
	}
	if _, err := Parse("config", []byte("[default]\nregion = "+strings.Repeat("x", maxLine-len("region = "))+"\n")); err != nil {
		t.Fatalf("a line of exactly 1 MiB: %v", err)
	}
}
