package creds

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// SSOToken is what awsrun needs to know about a cached SSO token, without the token itself.
type SSOToken struct {
	// Fingerprint identifies the access token without revealing it, so a rewrite of the cache
	// file that carries the same token (awsrun's own SDK refreshing) can be told from a new login.
	Fingerprint string
	// ExpiresAt is when the access token ends.
	ExpiresAt time.Time
	// RegistrationExpiresAt is when the OIDC client registration ends (zero when unknown);
	// with a refresh token, the session cannot outlive it.
	RegistrationExpiresAt time.Time
	// Refreshable says a refresh token and client are present, so the SDK renews the access
	// token by itself until the SSO session ends.
	Refreshable bool
}

// SSOTokenPath is where the AWS CLI and SDKs keep the token for key (the sso-session name, or
// the start URL of a legacy profile): ~/.aws/sso/cache/<sha1(key)>.json.
func SSOTokenPath(home, key string) string {
	sum := sha1.Sum([]byte(key))
	return filepath.Join(home, ".aws", "sso", "cache", hex.EncodeToString(sum[:])+".json")
}

// ReadSSOToken parses a token cache file. A torn write (the CLI writes in place) is an error the
// caller retries; it never reveals the file's contents.
func ReadSSOToken(path string) (SSOToken, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return SSOToken{}, err
	}
	var raw struct {
		AccessToken           string `json:"accessToken"`
		ExpiresAt             string `json:"expiresAt"`
		RegistrationExpiresAt string `json:"registrationExpiresAt"`
		RefreshToken          string `json:"refreshToken"`
		ClientID              string `json:"clientId"`
		ClientSecret          string `json:"clientSecret"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return SSOToken{}, fmt.Errorf("read sso token cache %s: not valid JSON (partly written?)", path)
	}
	if raw.AccessToken == "" || raw.ExpiresAt == "" {
		return SSOToken{}, fmt.Errorf("read sso token cache %s: no accessToken or expiresAt", path)
	}
	exp, err := parseCacheTime(raw.ExpiresAt)
	if err != nil {
		return SSOToken{}, fmt.Errorf("read sso token cache %s: expiresAt: %w", path, err)
	}
	rememberSecret(raw.AccessToken)
	rememberSecret(raw.RefreshToken)
	rememberSecret(raw.ClientSecret)
	sum := sha256.Sum256([]byte(raw.AccessToken))
	t := SSOToken{
		Fingerprint: hex.EncodeToString(sum[:8]),
		ExpiresAt:   exp,
		Refreshable: raw.RefreshToken != "" && raw.ClientID != "" && raw.ClientSecret != "",
	}
	if raw.RegistrationExpiresAt != "" {
		t.RegistrationExpiresAt, _ = parseCacheTime(raw.RegistrationExpiresAt)
	}
	return t, nil
}

// parseCacheTime accepts the CLI's "2006-01-02T15:04:05Z" and the SDKs' RFC 3339 variants.
func parseCacheTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05UTC", "2006-01-02T15:04:05Z0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("unknown time format")
}

// SessionEnd is the latest moment the SSO session can still yield credentials without a new
// login: the access token's end, or with a refresh token the client registration's end (the
// portal's own session limit is not in the cache; when it ends first, the refresh fails and
// awsrun reports it then).
func (t SSOToken) SessionEnd() time.Time {
	if t.Refreshable && !t.RegistrationExpiresAt.IsZero() {
		return t.RegistrationExpiresAt
	}
	if t.Refreshable {
		return time.Time{}
	}
	return t.ExpiresAt
}
