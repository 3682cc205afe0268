package creds

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/logincreds"
)

// LoginSession is the profile's login_session (the ARN `aws login` signed in as), "" when the
// profile does not use `aws login`.
func (p *Profile) LoginSession() string { return strings.TrimSpace(p.Keys["login_session"]) }

// LoginCacheDir is where `aws login` keeps its tokens: AWS_LOGIN_CACHE_DIRECTORY, else
// ~/.aws/login/cache, as the CLI and the SDKs read it.
func LoginCacheDir(home string, getenv func(string) string) string {
	if d := getenv("AWS_LOGIN_CACHE_DIRECTORY"); d != "" {
		return d
	}
	return filepath.Join(home, ".aws", "login", "cache")
}

// LoginTokenPath is the token cache file of session in dir (see LoginCacheDir):
// <dir>/<lowercase hex sha256 of the session>.json, the SDK's own rule.
func LoginTokenPath(dir, session string) string {
	p, err := logincreds.StandardCachedTokenFilepath(session, dir)
	if err != nil {
		// Only an empty dir with no home directory fails; fall back to the rule itself.
		sum := sha256.Sum256([]byte(strings.TrimSpace(session)))
		return filepath.Join(dir, hex.EncodeToString(sum[:])+".json")
	}
	return p
}

// LoginToken is what awsrun needs to know about an `aws login` token cache, without a secret.
type LoginToken struct {
	// Fingerprint identifies the login (its DPoP key and identity token) without revealing it:
	// a refresh rewrites the cache under the same fingerprint, a new `aws login` changes it.
	Fingerprint string
	// AccessKeyID is the cached access credentials' key id, so a receiver can tell the
	// credentials it serves (its own refresh written back) from newer ones written by another
	// process. Not a secret, but log it redacted.
	AccessKeyID string
	// ExpiresAt is when the cached access credentials end; the refresh token renews them.
	ExpiresAt time.Time
	// AccountID is the account the session signed in to.
	AccountID string
	// SessionEnd is when the login session itself ends. The cache does not record it (the
	// sign-in service ends the session, at most 12 hours after `aws login`), so it is zero;
	// the end shows when a renewal is refused.
	SessionEnd time.Time
}

// LoginCacheError says why a login token cache cannot be used; it names the file and the
// problem, never the file's contents.
type LoginCacheError struct {
	Path    string
	Problem string
	Err     error // fs errors (fs.ErrNotExist when there is no cache)
}

func (e *LoginCacheError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("read login token cache %s: %v", e.Path, e.Err)
	}
	return fmt.Sprintf("login token cache %s: %s", e.Path, e.Problem)
}

func (e *LoginCacheError) Unwrap() error { return e.Err }

// loginCacheJSON is the cache as the AWS CLI and the SDKs write it.
type loginCacheJSON struct {
	AccessToken *struct {
		AccessKeyID     string `json:"accessKeyId"`
		SecretAccessKey string `json:"secretAccessKey"`
		SessionToken    string `json:"sessionToken"`
		AccountID       string `json:"accountId"`
		ExpiresAt       string `json:"expiresAt"`
	} `json:"accessToken"`
	RefreshToken  string `json:"refreshToken"`
	IdentityToken string `json:"identityToken"`
	ClientID      string `json:"clientId"`
	DPoPKey       string `json:"dpopKey"`
}

// ReadLoginToken reads and checks a login token cache: everything the SDK needs to use it and
// to renew it must be there, and the DPoP key must be a P-256 key the SDK can sign with (the SDK
// panics on a key that is not PEM). A torn write (the SDKs rewrite the file in place) is an
// error the caller retries. Errors are *LoginCacheError.
func ReadLoginToken(path string) (LoginToken, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return LoginToken{}, &LoginCacheError{Path: path, Err: err}
	}
	return parseLoginToken(path, data)
}

func parseLoginToken(path string, data []byte) (LoginToken, error) {
	t, _, err := parseLoginCache(path, data)
	return t, err
}

// parseLoginCache is parseLoginToken that also returns the cached access credentials.
func parseLoginCache(path string, data []byte) (LoginToken, aws.Credentials, error) {
	bad := func(problem string) (LoginToken, aws.Credentials, error) {
		return LoginToken{}, aws.Credentials{}, &LoginCacheError{Path: path, Problem: problem}
	}
	var raw loginCacheJSON
	if err := json.Unmarshal(data, &raw); err != nil {
		return bad("not valid JSON (partly written?)")
	}
	at := raw.AccessToken
	switch {
	case at == nil:
		return bad("no accessToken")
	case at.AccessKeyID == "" || at.SecretAccessKey == "" || at.SessionToken == "":
		return bad("accessToken lacks accessKeyId, secretAccessKey or sessionToken")
	case at.AccountID == "":
		return bad("accessToken lacks accountId")
	case raw.RefreshToken == "":
		return bad("no refreshToken")
	case raw.ClientID == "":
		return bad("no clientId")
	case raw.DPoPKey == "":
		return bad("no dpopKey")
	}
	exp, err := time.Parse(time.RFC3339Nano, at.ExpiresAt)
	if err != nil {
		return bad("accessToken.expiresAt is not an RFC 3339 time")
	}
	key, err := parseDPoPKey(raw.DPoPKey)
	if err != nil {
		return bad("dpopKey: " + err.Error())
	}
	pub, err := key.PublicKey.Bytes()
	if err != nil {
		return bad("dpopKey: " + err.Error())
	}
	h := sha256.New()
	h.Write(pub)
	h.Write([]byte{0})
	h.Write([]byte(raw.IdentityToken))
	t := LoginToken{
		Fingerprint: hex.EncodeToString(h.Sum(nil)[:8]),
		AccessKeyID: at.AccessKeyID,
		ExpiresAt:   exp.UTC(),
		AccountID:   at.AccountID,
	}
	return t, aws.Credentials{
		AccessKeyID:     at.AccessKeyID,
		SecretAccessKey: at.SecretAccessKey,
		SessionToken:    at.SessionToken,
		Source:          logincreds.ProviderName,
		CanExpire:       true,
		Expires:         t.ExpiresAt,
		AccountID:       at.AccountID,
	}, nil
}

// parseDPoPKey accepts what the SDK's DPoP signer can use: a PEM SEC 1 EC private key on P-256.
func parseDPoPKey(s string) (*ecdsa.PrivateKey, error) {
	block, _ := pem.Decode([]byte(s))
	if block == nil {
		return nil, errors.New("not PEM")
	}
	key, err := x509.ParseECPrivateKey(block.Bytes)
	if err != nil {
		return nil, errors.New("not an EC private key")
	}
	if key.Curve != elliptic.P256() {
		return nil, errors.New("not a P-256 key")
	}
	return key, nil
}

// loginRequiredMessage is LoginRequiredError's text for an `aws login` profile.
func loginRequiredMessage(e *LoginRequiredError) string {
	var ce *LoginCacheError
	switch {
	case errors.As(e.Err, &ce) && errors.Is(ce.Err, fs.ErrNotExist):
		return fmt.Sprintf("not logged in with aws login for profile %q (no token cache %s)", e.Profile, ce.Path)
	case errors.As(e.Err, &ce) && ce.Err != nil:
		return fmt.Sprintf("cannot read the aws login token cache %s of profile %q: %v", ce.Path, e.Profile, errors.Unwrap(ce.Err))
	case errors.As(e.Err, &ce):
		return fmt.Sprintf("the aws login token cache %s of profile %q is unusable: %s", ce.Path, e.Profile, ce.Problem)
	}
	return fmt.Sprintf("the aws login session of profile %q has ended (the sign-in service refused to renew it)", e.Profile)
}
