package fakeaws

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/logincreds"
	"github.com/aws/aws-sdk-go-v2/service/signin"
	signintypes "github.com/aws/aws-sdk-go-v2/service/signin/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// startSigninServer starts a server and an HTTP client for it whose idle connections are
// closed before the server shuts down: a connection the client dialed but never used would
// otherwise hold Server.Close for its 5-second grace.
func startSigninServer(t *testing.T, o Options) (*Server, *http.Client) {
	t.Helper()
	s := startServer(t, o)
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections) // runs before startServer's Close
	return s, &http.Client{Transport: tr}
}

func signinClient(s *Server, hc *http.Client) *signin.Client {
	return signin.New(signin.Options{Region: "us-east-1", BaseEndpoint: aws.String(s.URL()), RetryMaxAttempts: 1, HTTPClient: hc})
}

// expireCache rewrites the cached access credentials' expiresAt into the past, as time passing
// would, so the SDK's provider must renew on its next Retrieve.
func expireCache(t *testing.T, path string) {
	t.Helper()
	tok, err := ReadLoginCache(path)
	if err != nil {
		t.Fatal(err)
	}
	tok.ExpiresAt = time.Now().Add(-time.Minute)
	data, err := MarshalLoginCache(tok)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteLoginCache(path, data); err != nil {
		t.Fatal(err)
	}
}

// The SDK's own login provider, pointed at the fake, renews through CreateOAuth2Token: its
// DPoP proof passes, the credentials act as the login identity, and the rotated refresh token
// it writes back works for the next renewal.
func TestCreateOAuth2TokenWithTheSDKsLoginProvider(t *testing.T) {
	s, hc := startSigninServer(t, Options{Lifetime: 30 * time.Second})
	dir := filepath.Join(t.TempDir(), "login", "cache")
	const arn = "arn:aws:iam::123456789012:user/alice"
	st, err := s.StageLogin(dir, LoginOptions{Session: arn, AccessExpiry: time.Now().Add(-time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if sum := sha256.Sum256([]byte(arn)); st.Path != filepath.Join(dir, hex.EncodeToString(sum[:])+".json") {
		t.Fatalf("cache path %s", st.Path)
	}
	if fi, err := os.Stat(st.Path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("staged cache: %v, mode %v", err, fi.Mode())
	}
	p := logincreds.New(signinClient(s, hc), st.Path)
	before, _ := ReadLoginCache(st.Path)

	for round := range 3 {
		c, err := p.Retrieve(context.Background())
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		issued := lastIssued(t, s)
		if issued.Op != "CreateOAuth2Token" || c.AccessKeyID != issued.AccessKeyID || c.SecretAccessKey != issued.SecretAccessKey {
			t.Fatalf("round %d: SDK got %s, server issued %v", round, c.AccessKeyID, issued)
		}
		if c.AccountID != "123456789012" || !c.Expires.After(time.Now().Add(20*time.Second)) {
			t.Errorf("round %d: account %q expires %v", round, c.AccountID, c.Expires)
		}
		who, err := stsClient(s, c.AccessKeyID, c.SecretAccessKey, c.SessionToken).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if aws.ToString(who.Arn) != arn {
			t.Errorf("round %d: identity %s, want %s", round, aws.ToString(who.Arn), arn)
		}
		after, err := ReadLoginCache(st.Path)
		if err != nil {
			t.Fatal(err)
		}
		if after.RefreshToken == before.RefreshToken || after.AccessKeyID != c.AccessKeyID || after.DPoPKey != before.DPoPKey {
			t.Errorf("round %d: cache not written back as expected (refresh rotated %v)", round, after.RefreshToken != before.RefreshToken)
		}
		before = after
		expireCache(t, st.Path)
	}
	if n := s.Calls("CreateOAuth2Token"); n != 3 {
		t.Errorf("CreateOAuth2Token calls %d, want 3", n)
	}
}

// Ending the session (the switch, or FaultExpired) makes the SDK report that the login session
// has expired; credentials issued before keep working until they expire.
func TestEndLoginSession(t *testing.T) {
	for _, how := range []string{"switch", "fault"} {
		t.Run(how, func(t *testing.T) {
			s, hc := startSigninServer(t, Options{Lifetime: time.Minute})
			st, err := s.StageLogin(t.TempDir(), LoginOptions{AccessExpiry: time.Now().Add(-time.Second)})
			if err != nil {
				t.Fatal(err)
			}
			p := logincreds.New(signinClient(s, hc), st.Path)
			c, err := p.Retrieve(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if how == "switch" {
				s.EndLoginSession(st.Session)
			} else {
				s.SetFault("CreateOAuth2Token", Fault{Kind: FaultExpired})
			}
			expireCache(t, st.Path)
			_, err = p.Retrieve(context.Background())
			if err == nil || !strings.Contains(err.Error(), "login session has expired") {
				t.Fatalf("want the SDK's session-expired error, got %v", err)
			}
			if s.Errors("AccessDeniedException") != 1 {
				t.Errorf("AccessDeniedException answers: %d", s.Errors("AccessDeniedException"))
			}
			if _, err := stsClient(s, c.AccessKeyID, c.SecretAccessKey, c.SessionToken).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{}); err != nil {
				t.Errorf("credentials issued before the end: %v", err)
			}
		})
	}
}

// Sessions that end by time answer the same way, and the modelled error carries TOKEN_EXPIRED.
func TestLoginSessionEndsByTime(t *testing.T) {
	clock := NewClock(time.Now())
	s, hc := startSigninServer(t, Options{Now: clock.Now})
	st, err := s.StageLogin(t.TempDir(), LoginOptions{SessionEnds: clock.Now().Add(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute) // within the 5 minutes a proof's iat may be off
	tok, _ := ReadLoginCache(st.Path)
	_, err = signinClient(s, hc).CreateOAuth2Token(context.Background(), refreshInput(tok), withProof(hc, st.Key, nil))
	var ad *signintypes.AccessDeniedException
	if !errors.As(err, &ad) || ad.Error_ != signintypes.OAuth2ErrorCodeTokenExpired {
		t.Fatalf("want AccessDeniedException TOKEN_EXPIRED, got %v", err)
	}
}

func refreshInput(tok CachedLogin) *signin.CreateOAuth2TokenInput {
	return &signin.CreateOAuth2TokenInput{TokenInput: &signintypes.CreateOAuth2TokenRequestBody{
		ClientId: aws.String(tok.ClientID), GrantType: aws.String("refresh_token"), RefreshToken: aws.String(tok.RefreshToken),
	}}
}

// withProof signs a DPoP proof for each request with key; edit, when set, changes the header
// and claims before signing.
func withProof(hc *http.Client, key *ecdsa.PrivateKey, edit func(hdr, claims map[string]any)) func(*signin.Options) {
	return func(o *signin.Options) {
		o.HTTPClient = proofClient{hc: hc, key: key, edit: edit}
	}
}

type proofClient struct {
	hc   *http.Client
	key  *ecdsa.PrivateKey
	edit func(hdr, claims map[string]any)
}

func (c proofClient) Do(r *http.Request) (*http.Response, error) {
	r.Header.Set("DPoP", signProof(c.key, r.Method, r.URL.Scheme+"://"+r.URL.Host+r.URL.Path, c.edit))
	return c.hc.Do(r)
}

func signProof(key *ecdsa.PrivateKey, method, url string, edit func(hdr, claims map[string]any)) string {
	pub, _ := key.PublicKey.Bytes() // 0x04 || X || Y
	hdr := map[string]any{"typ": "dpop+jwt", "alg": "ES256", "jwk": map[string]any{
		"kty": "EC", "crv": "P-256",
		"x": base64.RawURLEncoding.EncodeToString(pub[1:33]), "y": base64.RawURLEncoding.EncodeToString(pub[33:]),
	}}
	claims := map[string]any{"jti": randomURLToken(12), "htm": method, "htu": url, "iat": time.Now().Unix()}
	if edit != nil {
		edit(hdr, claims)
	}
	h, _ := json.Marshal(hdr)
	cl, _ := json.Marshal(claims)
	msg := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(cl)
	sum := sha256.Sum256([]byte(msg))
	r, s, _ := ecdsa.Sign(rand.Reader, key, sum[:])
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return msg + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// Proofs that are malformed, signed with another key, for another request, stale or replayed,
// and refresh tokens that are unknown or already used, are all refused; nothing is issued.
func TestCreateOAuth2TokenRefusesBadProofsAndTokens(t *testing.T) {
	s, hc := startSigninServer(t, Options{})
	st, err := s.StageLogin(t.TempDir(), LoginOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := ReadLoginCache(st.Path)
	other, _, _ := NewDPoPKey()
	issuedBefore := len(s.Issued())

	cases := []struct {
		name string
		opt  func(*signin.Options)
		code string
	}{
		{"no proof", func(*signin.Options) {}, "ValidationException"},
		{"other key", withProof(hc, other, nil), "ValidationException"},
		{"wrong alg", withProof(hc, st.Key, func(h, _ map[string]any) { h["alg"] = "RS256" }), "ValidationException"},
		{"wrong typ", withProof(hc, st.Key, func(h, _ map[string]any) { h["typ"] = "JWT" }), "ValidationException"},
		{"key swapped in header", withProof(hc, st.Key, func(h, _ map[string]any) {
			pub, _ := other.PublicKey.Bytes()
			h["jwk"].(map[string]any)["x"] = base64.RawURLEncoding.EncodeToString(pub[1:33])
		}), "ValidationException"},
		{"wrong htm", withProof(hc, st.Key, func(_, c map[string]any) { c["htm"] = "GET" }), "ValidationException"},
		{"wrong htu", withProof(hc, st.Key, func(_, c map[string]any) { c["htu"] = "https://signin.aws.amazon.com/v1/token" }), "ValidationException"},
		{"stale iat", withProof(hc, st.Key, func(_, c map[string]any) { c["iat"] = time.Now().Add(-time.Hour).Unix() }), "ValidationException"},
		{"replayed jti", withProof(hc, st.Key, func(_, c map[string]any) { c["jti"] = "same" }), ""},
	}
	for _, tc := range cases {
		_, err := signinClient(s, hc).CreateOAuth2Token(context.Background(), refreshInput(tok), tc.opt)
		if tc.code == "" {
			// The first use of jti "same" succeeds and rotates the refresh token.
			if err != nil {
				t.Fatalf("%s (first use): %v", tc.name, err)
			}
			tok2 := tok
			tok2.RefreshToken = lastRefresh(t, s, st)
			_, err = signinClient(s, hc).CreateOAuth2Token(context.Background(), refreshInput(tok2), tc.opt)
			wantAPIError(t, err, "ValidationException", 400)
			if !strings.Contains(err.Error(), "replayed") {
				t.Errorf("replay: %v", err)
			}
			continue
		}
		wantAPIError(t, err, tc.code, 400)
		if !strings.Contains(err.Error(), "DPoP") {
			t.Errorf("%s: error does not say DPoP: %v", tc.name, err)
		}
	}
	if n := len(s.Issued()) - issuedBefore; n != 1 {
		t.Errorf("issued %d credentials, want only the one good request's", n)
	}
	// The refresh token used above has rotated: using it again is an invalid grant.
	_, err = signinClient(s, hc).CreateOAuth2Token(context.Background(), refreshInput(tok), withProof(hc, st.Key, nil))
	wantAPIError(t, err, "InvalidGrantException", 400)
	bad := tok
	bad.ClientID = "someone-else"
	bad.RefreshToken = lastRefresh(t, s, st)
	_, err = signinClient(s, hc).CreateOAuth2Token(context.Background(), refreshInput(bad), withProof(hc, st.Key, nil))
	wantAPIError(t, err, "InvalidGrantException", 400)

	// The wire: POST /v1/token, JSON; a GET is refused.
	resp, err := hc.Post(s.URL()+"/v1/token", "application/json", bytes.NewReader([]byte(`{"clientId":"x"`)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 || resp.Header.Get("X-Amzn-Errortype") != "ValidationException" {
		t.Errorf("broken JSON: %d %q", resp.StatusCode, resp.Header.Get("X-Amzn-Errortype"))
	}
	resp, err = hc.Get(s.URL() + "/v1/token")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d", resp.StatusCode)
	}
}

// lastRefresh is the refresh token the session holds now.
func lastRefresh(t *testing.T, s *Server, st *StagedLogin) string {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for rt, ls := range s.signin.logins {
		if ls.ARN == st.Session {
			return rt
		}
	}
	t.Fatal("no session")
	return ""
}

func TestPrincipalFromARN(t *testing.T) {
	for arn, want := range map[string]string{
		"arn:aws:iam::111122223333:user/alice":                    "AIDA",
		"arn:aws:iam::111122223333:root":                          "111122223333",
		"arn:aws:sts::111122223333:assumed-role/Admin/alice@corp": "AROA",
	} {
		who, err := principalFromARN(arn)
		if err != nil || who.account != "111122223333" || !strings.HasPrefix(who.userID, want) {
			t.Errorf("%s: %+v %v", arn, who, err)
		}
	}
	for _, bad := range []string{"", "alice", "arn:aws:iam:::user/x"} {
		if _, err := principalFromARN(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
