package fakeaws

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// LoginTokenCachePath is where the SDKs look for the token of an `aws login` session:
// <dir>/<lowercase hex sha256 of the login_session value>.json.
func LoginTokenCachePath(dir, session string) string {
	sum := sha256.Sum256([]byte(strings.TrimSpace(session)))
	return filepath.Join(dir, hex.EncodeToString(sum[:])+".json")
}

// CachedLogin is one ~/.aws/login/cache entry, so tests can stage what `aws login` leaves
// behind without a browser.
type CachedLogin struct {
	AccessKeyID, SecretAccessKey, SessionToken string
	AccountID                                  string
	ExpiresAt                                  time.Time
	RefreshToken                               string
	ClientID                                   string
	IdentityToken                              string
	// DPoPKey is the SEC 1 PEM ("EC PRIVATE KEY") of the P-256 key proofs are signed with.
	DPoPKey string
}

type cachedLoginJSON struct {
	AccessToken struct {
		AccessKeyID     string `json:"accessKeyId"`
		SecretAccessKey string `json:"secretAccessKey"`
		SessionToken    string `json:"sessionToken"`
		AccountID       string `json:"accountId"`
		ExpiresAt       string `json:"expiresAt"`
	} `json:"accessToken"`
	TokenType     string `json:"tokenType"`
	RefreshToken  string `json:"refreshToken"`
	IdentityToken string `json:"identityToken"`
	ClientID      string `json:"clientId"`
	DPoPKey       string `json:"dpopKey"`
}

// MarshalLoginCache renders tok as the AWS CLI writes it.
func MarshalLoginCache(tok CachedLogin) ([]byte, error) {
	var j cachedLoginJSON
	j.AccessToken.AccessKeyID = tok.AccessKeyID
	j.AccessToken.SecretAccessKey = tok.SecretAccessKey
	j.AccessToken.SessionToken = tok.SessionToken
	j.AccessToken.AccountID = tok.AccountID
	j.AccessToken.ExpiresAt = tok.ExpiresAt.UTC().Format(time.RFC3339)
	j.TokenType = "urn:aws:params:oauth:token-type:access_token_sigv4"
	j.RefreshToken, j.IdentityToken, j.ClientID, j.DPoPKey = tok.RefreshToken, tok.IdentityToken, tok.ClientID, tok.DPoPKey
	return json.MarshalIndent(j, "", "  ")
}

// ReadLoginCache parses a login token cache file, so tests can check what a client wrote back.
func ReadLoginCache(path string) (CachedLogin, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return CachedLogin{}, err
	}
	var j cachedLoginJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return CachedLogin{}, fmt.Errorf("parse login token cache %s: %w", path, err)
	}
	exp, err := time.Parse(time.RFC3339Nano, j.AccessToken.ExpiresAt)
	if err != nil {
		return CachedLogin{}, fmt.Errorf("parse login token cache %s: expiresAt: %w", path, err)
	}
	return CachedLogin{
		AccessKeyID: j.AccessToken.AccessKeyID, SecretAccessKey: j.AccessToken.SecretAccessKey,
		SessionToken: j.AccessToken.SessionToken, AccountID: j.AccessToken.AccountID, ExpiresAt: exp,
		RefreshToken: j.RefreshToken, ClientID: j.ClientID, IdentityToken: j.IdentityToken, DPoPKey: j.DPoPKey,
	}, nil
}

// WriteLoginCache writes data to path as writeCacheFile does.
func WriteLoginCache(path string, data []byte) error {
	if err := writeCacheFile(path, data); err != nil {
		return fmt.Errorf("write login token cache: %w", err)
	}
	return nil
}

// writeCacheFile writes data to path the way the AWS CLI writes its caches, atomically (temp
// file, then rename) and mode 0600, so a file watcher under test sees what it sees in real life;
// the directory is created if missing. The ".tmp-" infix matches the Go SDK's temp names,
// which watchers skip.
func writeCacheFile(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	err = f.Chmod(0o600)
	if err == nil {
		_, err = f.Write(data)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

// NewDPoPKey makes a P-256 key as `aws login` does and returns it with its SEC 1 PEM.
func NewDPoPKey() (*ecdsa.PrivateKey, string, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, "", err
	}
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, "", err
	}
	return key, string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})), nil
}

// LoginOptions says what StageLogin leaves behind.
type LoginOptions struct {
	// Session is the login_session ARN (the console identity); "" means
	// arn:aws:iam::<account>:user/console-user in the server's account.
	Session string
	// AccessExpiry is when the cached access credentials end: a time in the past stages a cache
	// whose first use must go through the sign-in service. Zero means 15 minutes from now.
	AccessExpiry time.Time
	// SessionEnds is when the sign-in service stops renewing; zero means in 12 hours.
	SessionEnds time.Time
}

// StagedLogin is what StageLogin wrote and registered.
type StagedLogin struct {
	Session string
	Path    string
	// Credential is the cached access credential (registered with the server even when expired).
	Credential Credential
	Key        *ecdsa.PrivateKey
}

// StageLogin does what `aws login` does, minus the browser: it registers a session with s and
// writes its token cache under dir (normally $HOME/.aws/login/cache) atomically, mode 0600.
func (s *Server) StageLogin(dir string, o LoginOptions) (*StagedLogin, error) {
	session := o.Session
	if session == "" {
		session = "arn:aws:iam::" + s.account + ":user/console-user"
	}
	key, keyPEM, err := NewDPoPKey()
	if err != nil {
		return nil, err
	}
	refresh := "aoar" + randomURLToken(96)
	if err := s.AddLoginSession(LoginSession{ARN: session, RefreshToken: refresh, Key: &key.PublicKey, Ends: o.SessionEnds}); err != nil {
		return nil, err
	}
	exp := o.AccessExpiry
	if exp.IsZero() {
		exp = s.now().Add(15 * time.Minute)
	}
	cred, err := s.IssueLoginCredential(session, exp)
	if err != nil {
		return nil, err
	}
	data, err := MarshalLoginCache(CachedLogin{
		AccessKeyID: cred.AccessKeyID, SecretAccessKey: cred.SecretAccessKey, SessionToken: cred.SessionToken,
		AccountID: cred.Account, ExpiresAt: cred.Expiration, RefreshToken: refresh, ClientID: LoginClientID,
		IdentityToken: "eyJhbGciOiJub25lIn0.e30." + randomURLToken(16), DPoPKey: keyPEM,
	})
	if err != nil {
		return nil, err
	}
	path := LoginTokenCachePath(dir, session)
	if err := WriteLoginCache(path, data); err != nil {
		return nil, err
	}
	return &StagedLogin{Session: session, Path: path, Credential: cred, Key: key}, nil
}

// LoginConfig is the ~/.aws/config part `aws login` (AWS CLI 2.32+) leaves for session, as
// [profile console], plus [profile console-role]: a role (arn:aws:iam::<account of the
// session>:role/Deployer) whose source_profile is console; both in us-east-1.
func LoginConfig(session string) string {
	account := "123456789012"
	if parts := strings.SplitN(session, ":", 6); len(parts) == 6 {
		account = parts[4]
	}
	return `[profile console]
login_session = ` + session + `
region = us-east-1

[profile console-role]
role_arn = arn:aws:iam::` + account + `:role/Deployer
source_profile = console
region = us-east-1
`
}

// SigninEndpointEnv points aws-sdk-go-v2's login provider at s: AWS_ENDPOINT_URL_SIGNIN.
func (s *Server) SigninEndpointEnv() []string {
	return []string{"AWS_ENDPOINT_URL_SIGNIN=" + s.URL()}
}
