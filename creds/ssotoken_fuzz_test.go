//go:build unix

package creds

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
)

var fingerprintPattern = regexp.MustCompile(`^[0-9a-f]{16}$`)

// FuzzReadSSOToken feeds the SSO token-cache reader arbitrary file contents (torn writes,
// other tools' formats, garbage) and checks that it never fails loudly or leaks: errors never
// quote the tokens or the client secret, a fingerprint never holds the token, and what it
// accepts is coherent. Seeds are in testdata/fuzz/FuzzReadSSOToken.
//
// The reader takes a path; the input reaches it through a pipe (/dev/fd/N), not a file, because
// rewriting a file per input makes the fuzzer disk-bound (a few hundred inputs a second).
func FuzzReadSSOToken(f *testing.F) {
	f.Add([]byte(`{"startUrl":"https://x","region":"us-east-1","accessToken":"SECRET-ACCESS","expiresAt":"2026-11-25T18:00:00Z","clientId":"c","clientSecret":"SECRET-CLIENT","registrationExpiresAt":"2027-02-01T00:00:00Z","refreshToken":"SECRET-REFRESH"}`))
	f.Add([]byte(`{"accessToken":"SECRET-ACCESS","expiresAt":"2026-11-25T18:0`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		go func() {
			w.Write(data)
			w.Close()
		}()
		path := fmt.Sprintf("/dev/fd/%d", r.Fd())
		tok, err := ReadSSOToken(path)

		// encoding/json matches field names case-insensitively, so collect every spelling.
		var raw map[string]any
		json.Unmarshal(data, &raw)
		field := func(name string) (vals []string) {
			for k, v := range raw {
				if s, ok := v.(string); ok && strings.EqualFold(k, name) {
					vals = append(vals, s)
				}
			}
			return vals
		}
		var secrets []string
		for _, k := range []string{"accessToken", "refreshToken", "clientSecret"} {
			for _, s := range field(k) {
				if len(s) >= 6 {
					secrets = append(secrets, s)
				}
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
		if tok.Refreshable && (len(field("refreshToken")) == 0 || len(field("clientId")) == 0 || len(field("clientSecret")) == 0) {
			t.Errorf("refreshable without refresh token, client id and secret: %s", data)
		}
		if end := tok.SessionEnd(); !end.IsZero() && !end.Equal(tok.ExpiresAt) && !end.Equal(tok.RegistrationExpiresAt) {
			t.Errorf("session end %v is neither the token's nor the registration's end", end)
		}
	})
}
