package creds

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var fingerprintPattern = regexp.MustCompile(`^[0-9a-f]{16}$`)

// FuzzReadSSOToken feeds the SSO token-cache reader arbitrary file contents (torn writes,
// other tools' formats, garbage) and checks that it never fails loudly or leaks: errors never
// quote the tokens or the client secret, a fingerprint never holds the token, and what it
// accepts is coherent. Seeds are in testdata/fuzz/FuzzReadSSOToken.
func FuzzReadSSOToken(f *testing.F) {
	f.Add([]byte(`{"startUrl":"https://x","region":"us-east-1","accessToken":"SECRET-ACCESS","expiresAt":"2026-11-25T18:00:00Z","clientId":"c","clientSecret":"SECRET-CLIENT","registrationExpiresAt":"2027-02-01T00:00:00Z","refreshToken":"SECRET-REFRESH"}`))
	f.Add([]byte(`{"accessToken":"SECRET-ACCESS","expiresAt":"2026-11-25T18:0`))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "token.json")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		tok, err := ReadSSOToken(path)

		var raw map[string]any
		json.Unmarshal(data, &raw)
		var secrets []string
		for _, k := range []string{"accessToken", "refreshToken", "clientSecret"} {
			if s, ok := raw[k].(string); ok && len(s) >= 6 {
				secrets = append(secrets, s)
			}
		}
		if err != nil {
			for _, s := range secrets {
				if strings.Contains(err.Error(), s) && !strings.Contains(path, s) {
					t.Fatalf("error quotes a secret: %v", err)
				}
			}
			return
		}
		if !fingerprintPattern.MatchString(tok.Fingerprint) {
			t.Errorf("fingerprint %q", tok.Fingerprint)
		}
		for _, s := range secrets {
			if strings.Contains(tok.Fingerprint, s) {
				t.Errorf("fingerprint %q holds a secret", tok.Fingerprint)
			}
		}
		if tok.ExpiresAt.Location().String() != "UTC" {
			t.Errorf("ExpiresAt %v not in UTC", tok.ExpiresAt)
		}
		if tok.Refreshable && (raw["refreshToken"] == "" || raw["clientId"] == "" || raw["clientSecret"] == "") {
			t.Errorf("refreshable without refresh token, client id and secret: %s", data)
		}
		if end := tok.SessionEnd(); !end.IsZero() && !end.Equal(tok.ExpiresAt) && !end.Equal(tok.RegistrationExpiresAt) {
			t.Errorf("session end %v is neither the token's nor the registration's end", end)
		}
	})
}
