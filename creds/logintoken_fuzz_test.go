package creds

import (
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"
)

var loginFingerprint = regexp.MustCompile(`^[0-9a-f]{16}$`)

// FuzzReadLoginToken feeds the `aws login` token-cache reader arbitrary contents (torn writes,
// other tools' formats, keys that are not keys) and checks that it never panics (the SDK's own
// signer does on a dpopKey that is not PEM, which is why awsrun checks first), that its errors
// name only the file and a fixed problem, never the cache's values, and that what it accepts is
// coherent. The first seed is a complete cache with a throwaway test key.
func FuzzReadLoginToken(f *testing.F) {
	f.Add([]byte(`{"accessToken":{"accessKeyId":"ASIAFUZZ","secretAccessKey":"SECRET-ACCESS","sessionToken":"SECRET-SESSION","accountId":"123456789012","expiresAt":"2026-11-25T18:00:00Z"},"tokenType":"t","refreshToken":"SECRET-REFRESH","identityToken":"SECRET-ID","clientId":"c","dpopKey":"-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIONYensTmtubO3YeSVvGyea9JyFyvpaG3OLdm7lYAz73oAoGCCqGSM49\nAwEHoUQDQgAEFu8pnxXcx8wBoZw8bjzr99SlqnsRKTlMIVokXfuRuySGAhTHh4E3\nUWDNif5w9seg2j3YaD+RvRhn+NFyIyZQCQ==\n-----END EC PRIVATE KEY-----\n"}`))
	f.Add([]byte(`{"accessToken":{"accessKeyId":"ASIAFUZZ","secretAccessKey":"SECRET-ACCESS","sessionToken":"SECRET-SESSION","accountId":"1","expiresAt":"2026-11-25T18:00:00Z"},"refreshToken":"SECRET-REFRESH","clientId":"c","dpopKey":"SECRET-NOT-PEM"}`))
	f.Add([]byte(`{"accessToken":{"accessKeyId":"ASIAFUZZ","secretAccessKey":"SECRET-ACC`))
	f.Add([]byte(`{"accessToken":null,"dpopKey":"-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		const path = "/cache/login.json"
		tok, err := parseLoginToken(path, data)

		// Every string value anywhere in the document is a potential secret.
		var secrets []string
		var walk func(v any)
		walk = func(v any) {
			switch v := v.(type) {
			case string:
				if len(v) >= 12 {
					secrets = append(secrets, v)
				}
			case map[string]any:
				for _, x := range v {
					walk(x)
				}
			case []any:
				for _, x := range v {
					walk(x)
				}
			}
		}
		var raw any
		json.Unmarshal(data, &raw)
		walk(raw)

		if err != nil {
			var ce *LoginCacheError
			if !errors.As(err, &ce) || ce.Path != path || !strings.Contains(err.Error(), path) {
				t.Fatalf("error does not name the file: %v", err)
			}
			for _, s := range secrets {
				if strings.Contains(err.Error(), s) {
					t.Fatalf("error quotes the cache: %v", err)
				}
			}
			return
		}
		if !loginFingerprint.MatchString(tok.Fingerprint) || tok.AccessKeyID == "" || tok.AccountID == "" || tok.ExpiresAt.IsZero() || tok.ExpiresAt.Location() != time.UTC {
			t.Fatalf("accepted an incoherent token: %+v", tok)
		}
		for _, s := range secrets {
			if strings.Contains(tok.Fingerprint, s) {
				t.Fatalf("fingerprint holds a value of the cache")
			}
		}
	})
}
