package fakeaws

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// cacheTimeFormat is the CLI's "%Y-%m-%dT%H:%M:%SZ"; readers parse RFC 3339.
const cacheTimeFormat = "2006-01-02T15:04:05Z"

// CachedToken is one ~/.aws/sso/cache entry, so tests can stage the state
// `aws sso login` leaves behind without a browser.
type CachedToken struct {
	StartURL              string
	Region                string
	AccessToken           string
	ExpiresAt             time.Time
	ClientID              string
	ClientSecret          string
	RegistrationExpiresAt time.Time
	RefreshToken          string
}

// cachedTokenJSON keeps the CLI's field order and omits what the CLI omits
// (the refresh token and registration are absent when none was issued).
type cachedTokenJSON struct {
	StartURL              string `json:"startUrl,omitempty"`
	Region                string `json:"region,omitempty"`
	AccessToken           string `json:"accessToken"`
	ExpiresAt             string `json:"expiresAt"`
	ClientID              string `json:"clientId,omitempty"`
	ClientSecret          string `json:"clientSecret,omitempty"`
	RegistrationExpiresAt string `json:"registrationExpiresAt,omitempty"`
	RefreshToken          string `json:"refreshToken,omitempty"`
}

// SSOTokenCachePath is where SDKs look for the token of key (the sso-session
// name, or the start URL for legacy profiles): <dir>/<sha1hex(key)>.json.
func SSOTokenCachePath(dir, key string) string {
	sum := sha1.Sum([]byte(key))
	return filepath.Join(dir, hex.EncodeToString(sum[:])+".json")
}

// WriteSSOTokenCache writes tok where and how the AWS CLI would, atomically
// (temp file then rename) and mode 0600, so a file watcher under test sees
// what it sees in real life; it returns the file's path. dir is normally
// $HOME/.aws/sso/cache and is created if missing.
func WriteSSOTokenCache(dir, key string, tok CachedToken) (string, error) {
	j := cachedTokenJSON{
		StartURL:     tok.StartURL,
		Region:       tok.Region,
		AccessToken:  tok.AccessToken,
		ExpiresAt:    tok.ExpiresAt.UTC().Format(cacheTimeFormat),
		ClientID:     tok.ClientID,
		ClientSecret: tok.ClientSecret,
		RefreshToken: tok.RefreshToken,
	}
	if !tok.RegistrationExpiresAt.IsZero() {
		j.RegistrationExpiresAt = tok.RegistrationExpiresAt.UTC().Format(cacheTimeFormat)
	}
	data, err := json.Marshal(j)
	if err != nil {
		return "", err
	}
	path := SSOTokenCachePath(dir, key)
	if err := writeCacheFile(path, data); err != nil {
		return "", fmt.Errorf("write sso token cache: %w", err)
	}
	return path, nil
}

// ReadSSOTokenCache parses a token cache file, so tests can check what an
// SDK wrote back after a refresh. Times are RFC 3339 as any SDK writes them.
func ReadSSOTokenCache(path string) (CachedToken, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return CachedToken{}, err
	}
	var j cachedTokenJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return CachedToken{}, fmt.Errorf("parse sso token cache %s: %w", path, err)
	}
	tok := CachedToken{
		StartURL:     j.StartURL,
		Region:       j.Region,
		AccessToken:  j.AccessToken,
		ClientID:     j.ClientID,
		ClientSecret: j.ClientSecret,
		RefreshToken: j.RefreshToken,
	}
	if tok.ExpiresAt, err = parseCacheTime(j.ExpiresAt); err != nil {
		return CachedToken{}, fmt.Errorf("parse sso token cache %s: expiresAt: %w", path, err)
	}
	if tok.RegistrationExpiresAt, err = parseCacheTime(j.RegistrationExpiresAt); err != nil {
		return CachedToken{}, fmt.Errorf("parse sso token cache %s: registrationExpiresAt: %w", path, err)
	}
	return tok, nil
}

func parseCacheTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.RFC3339Nano, s)
}
