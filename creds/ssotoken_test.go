package creds

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestReadSSOToken(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "t.json")
	os.WriteFile(p, []byte(`{"startUrl":"https://x","region":"us-east-1","accessToken":"SECRET-TOKEN","expiresAt":"2026-11-25T18:00:00Z","clientId":"c","clientSecret":"s","registrationExpiresAt":"2027-02-01T00:00:00Z","refreshToken":"r"}`), 0o600)
	tok, err := ReadSSOToken(p)
	if err != nil {
		t.Fatal(err)
	}
	if !tok.Refreshable || tok.ExpiresAt.Format(time.RFC3339) != "2026-11-25T18:00:00Z" || tok.SessionEnd().Year() != 2027 {
		t.Errorf("parsed %+v", tok)
	}
	if strings.Contains(tok.Fingerprint, "SECRET") || len(tok.Fingerprint) != 16 {
		t.Errorf("fingerprint %q", tok.Fingerprint)
	}
	os.WriteFile(p, []byte(`{"accessToken":"SECRET-TOKEN","expiresAt":"2026-11-25T18:0`), 0o600)
	if _, err := ReadSSOToken(p); err == nil || strings.Contains(err.Error(), "SECRET") {
		t.Errorf("torn file: %v", err)
	}
	os.WriteFile(p, []byte(`{"accessToken":"a","expiresAt":"2026-11-25T18:00:00Z"}`), 0o600)
	tok, _ = ReadSSOToken(p)
	if tok.Refreshable || !tok.SessionEnd().Equal(tok.ExpiresAt) {
		t.Errorf("legacy token session end %+v", tok)
	}
}

func TestSSOTokenPath(t *testing.T) {
	// sha1("s") as verified against the Go SDK in the research notes.
	if got := SSOTokenPath("/h", "s"); !strings.HasSuffix(got, "/.aws/sso/cache/a0f1490a20d0211c997b44bc357e1972deab8ae3.json") {
		t.Errorf("path %s", got)
	}
}
