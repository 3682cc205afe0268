package fakeaws

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"
)

func TestWriteSSOTokenCacheFormat(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sso", "cache")
	exp := time.Date(2030, 1, 2, 3, 4, 5, 600, time.FixedZone("x", 3600))
	path, err := WriteSSOTokenCache(dir, "my-sso", CachedToken{
		StartURL: "https://d-123.awsapps.com/start", Region: "eu-west-1", AccessToken: "at",
		ExpiresAt: exp, ClientID: "cid", ClientSecret: "cs", RegistrationExpiresAt: exp.Add(time.Hour), RefreshToken: "rt",
	})
	if err != nil {
		t.Fatal(err)
	}
	// sha1("my-sso"), as the CLI and every SDK compute it.
	if want := filepath.Join(dir, "0ad374308c5a4e22f723adf10145eafad7c4031c.json"); path != want {
		t.Errorf("path %s", path)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", fi.Mode())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("leftover temp files: %v", entries)
	}
	var m map[string]string
	data, _ := os.ReadFile(path)
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"startUrl": "https://d-123.awsapps.com/start", "region": "eu-west-1", "accessToken": "at",
		"expiresAt": "2030-01-02T02:04:05Z", "clientId": "cid", "clientSecret": "cs",
		"registrationExpiresAt": "2030-01-02T03:04:05Z", "refreshToken": "rt",
	}
	if len(m) != len(want) {
		t.Errorf("fields %v", m)
	}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s = %q, want %q", k, m[k], v)
		}
	}
	back, err := ReadSSOTokenCache(path)
	if err != nil {
		t.Fatal(err)
	}
	if back.AccessToken != "at" || !back.ExpiresAt.Equal(exp.Truncate(time.Second)) || back.RefreshToken != "rt" {
		t.Errorf("read back %+v", back)
	}
}

func TestSSOTokenCacheKeyPath(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	for _, key := range []string{"my-sso", "https://d-123.awsapps.com/start"} {
		want, err := ssocreds.StandardCachedTokenFilepath(key)
		if err != nil {
			t.Fatal(err)
		}
		if got := SSOTokenCachePath(filepath.Join(home, ".aws", "sso", "cache"), key); got != want {
			t.Errorf("%s: %s, SDK wants %s", key, got, want)
		}
	}
}

// A token staged with WriteSSOTokenCache is what ssocreds reads, both as-is
// (legacy profile keyed by start URL) and after a refresh through the fake
// OIDC, which ssocreds then writes back.
func TestSSOTokenCacheWithSSOCreds(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	cacheDir := filepath.Join(home, ".aws", "sso", "cache")
	s := startServer(t, Options{}) // real clock: ssocreds checks expiry with it
	ctx := context.Background()
	startURL := "https://d-123.awsapps.com/start"

	s.AddSSOAccessToken("legacy-token", time.Now().Add(time.Hour))
	if _, err := WriteSSOTokenCache(cacheDir, startURL, CachedToken{
		StartURL: startURL, Region: "us-east-1", AccessToken: "legacy-token", ExpiresAt: time.Now().Add(time.Hour),
	}); err != nil {
		t.Fatal(err)
	}
	creds, err := ssocreds.New(ssoClient(s), "111122223333", "Admin", startURL).Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if last := lastIssued(t, s); creds.AccessKeyID != last.AccessKeyID || !creds.Expires.Equal(last.Expiration) {
		t.Errorf("legacy: got %s expiring %s, issued %v", creds.AccessKeyID, creds.Expires, last)
	}

	s.AddSSOClient("cid", "csecret", "rt-1")
	path, err := WriteSSOTokenCache(cacheDir, "my-sso", CachedToken{
		StartURL: startURL, Region: "us-east-1", AccessToken: "stale", ExpiresAt: time.Now().Add(-time.Minute),
		ClientID: "cid", ClientSecret: "csecret", RegistrationExpiresAt: time.Now().Add(90 * 24 * time.Hour), RefreshToken: "rt-1",
	})
	if err != nil {
		t.Fatal(err)
	}
	tp := ssocreds.NewSSOTokenProvider(oidcClient(s), path)
	creds, err = ssocreds.New(ssoClient(s), "111122223333", "Admin", startURL, func(o *ssocreds.Options) {
		o.SSOTokenProvider = tp
	}).Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	toks := s.IssuedSSOTokens()
	if len(toks) != 1 || s.Calls("CreateToken") != 1 {
		t.Fatalf("refresh did not go through CreateToken: %v", toks)
	}
	if last := lastIssued(t, s); creds.AccessKeyID != last.AccessKeyID {
		t.Errorf("sso-session: got %s, issued %v", creds.AccessKeyID, last)
	}
	back, err := ReadSSOTokenCache(path)
	if err != nil {
		t.Fatal(err)
	}
	if back.AccessToken != toks[0].AccessToken || back.RefreshToken != toks[0].RefreshToken || back.StartURL != startURL {
		t.Errorf("cache after refresh %+v", back)
	}
}
