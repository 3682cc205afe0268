package fakeaws

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strings"
	"time"
)

// LoginClientID is the client id `aws login` (same-device flow) puts in its token cache.
const LoginClientID = "arn:aws:signin:::devtools/same-device"

// LoginSession is one `aws login` session the fake sign-in service knows: who signed in, the
// refresh token that is valid now, and the public half of the DPoP key the login cached.
type LoginSession struct {
	// ARN is the console identity, the profile's login_session value, and what
	// GetCallerIdentity reports for credentials the session issues, e.g.
	// "arn:aws:iam::123456789012:user/alice" or an assumed-role ARN.
	ARN string
	// ClientID defaults to LoginClientID.
	ClientID string
	// RefreshToken is the refresh token the cache holds; it rotates on every use.
	RefreshToken string
	// Key is the public half of the cached dpopKey: every proof must be signed with it.
	Key *ecdsa.PublicKey
	// Ends is when the session ends (the sign-in service then answers TOKEN_EXPIRED); zero
	// means 12 hours after AddLoginSession.
	Ends time.Time
}

// signinState is the sign-in service's memory; guarded by Server.mu.
type signinState struct {
	logins map[string]*loginState // by the refresh token valid now
	jtis   map[string]bool        // DPoP proof ids seen: a replayed proof is refused
}

// loginState is a registered session; guarded by Server.mu.
type loginState struct {
	LoginSession
	who   principal
	ended bool
}

// AddLoginSession registers a session the sign-in service's CreateOAuth2Token renews.
func (s *Server) AddLoginSession(ls LoginSession) error {
	who, err := principalFromARN(ls.ARN)
	if err != nil {
		return err
	}
	if ls.Key == nil || ls.RefreshToken == "" {
		return errors.New("fakeaws: a login session needs a DPoP public key and a refresh token")
	}
	if ls.ClientID == "" {
		ls.ClientID = LoginClientID
	}
	if ls.Ends.IsZero() {
		ls.Ends = s.now().Add(12 * time.Hour)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.signin.logins == nil {
		s.signin.logins = map[string]*loginState{}
		s.signin.jtis = map[string]bool{}
	}
	s.signin.logins[ls.RefreshToken] = &loginState{LoginSession: ls, who: who}
	return nil
}

// EndLoginSession is the switch that ends the session ARN names (every session, when ARN is
// ""): from now on CreateOAuth2Token answers 400 AccessDeniedException TOKEN_EXPIRED, which the
// SDK reports as "login session has expired, please reauthenticate". Credentials issued before
// stay valid until they expire, as at AWS.
func (s *Server) EndLoginSession(arn string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, st := range s.signin.logins {
		if arn == "" || st.ARN == arn {
			st.ended = true
		}
	}
}

// IssueLoginCredential mints credentials for the login identity arn as the sign-in service would,
// expiring at expires, for staging a cache whose access credentials are already there.
func (s *Server) IssueLoginCredential(arn string, expires time.Time) (Credential, error) {
	who, err := principalFromARN(arn)
	if err != nil {
		return Credential{}, err
	}
	c := Credential{
		Op:              "CreateOAuth2Token",
		AccessKeyID:     newTemporaryKeyID(),
		SecretAccessKey: newSecretKey(),
		SessionToken:    newSessionToken(),
		Expiration:      expires.UTC().Truncate(time.Second),
		ARN:             who.arn,
		Account:         who.account,
	}
	s.mu.Lock()
	s.temps[c.AccessKeyID] = &tempCred{secret: c.SecretAccessKey, token: c.SessionToken, expires: c.Expiration, who: who}
	s.issued = append(s.issued, c)
	s.mu.Unlock()
	s.changes.signal()
	return c, nil
}

// principalFromARN is the identity an `aws login` ARN stands for: an IAM user, root, or an
// assumed role (federated console sign-in).
func principalFromARN(arn string) (principal, error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[4] == "" || parts[5] == "" {
		return principal{}, fmt.Errorf("fakeaws: login session %q is not an ARN", arn)
	}
	who := principal{account: parts[4], arn: arn}
	switch res := parts[5]; {
	case strings.HasPrefix(res, "assumed-role/"):
		role, session, _ := strings.Cut(strings.TrimPrefix(res, "assumed-role/"), "/")
		who.userID = stableID("AROA", who.account+"/"+role) + ":" + session
		who.roleSession = true
	case res == "root":
		who.userID = who.account
	default:
		who.userID = stableID("AIDA", who.account+"/"+res)
	}
	return who, nil
}

type createOAuth2TokenInput struct {
	ClientID     string `json:"clientId"`
	GrantType    string `json:"grantType"`
	RefreshToken string `json:"refreshToken"`
	Code         string `json:"code"`
}

// signinError renders the sign-in service's modelled errors: the code in the header, and the
// OAuth2ErrorCode in "error" next to "message", as the SDKs deserialize them.
func (x *exchange) signinError(status int, code, oauth, message string) {
	body, _ := json.Marshal(struct {
		Type    string `json:"__type"`
		Error   string `json:"error"`
		Message string `json:"message"`
	}{code, oauth, message})
	x.rec.Code = code
	x.w.Header().Set("X-Amzn-Errortype", code)
	x.send(status, "application/json", body)
}

// serveCreateOAuth2Token is the sign-in service's POST /v1/token, refresh_token grant: the
// authorization-code grant needs a browser, which tests replace by AddLoginSession.
func (s *Server) serveCreateOAuth2Token(x *exchange, r *http.Request) {
	x.rec.Op = "CreateOAuth2Token"
	if r.Method != http.MethodPost {
		x.signinError(http.StatusMethodNotAllowed, "ValidationException", "INVALID_REQUEST", "CreateOAuth2Token is POST /v1/token")
		return
	}
	var in createOAuth2TokenInput
	body, err := io.ReadAll(http.MaxBytesReader(x.w, r.Body, maxBody))
	if err == nil {
		err = json.Unmarshal(body, &in)
	}
	if err != nil || in.ClientID == "" || in.GrantType == "" {
		x.signinError(http.StatusBadRequest, "ValidationException", "INVALID_REQUEST", "clientId and grantType are required")
		return
	}
	if in.GrantType != "refresh_token" {
		x.signinError(http.StatusBadRequest, "ValidationException", "unsupported_grant_type", "fakeaws supports only the refresh_token grant")
		return
	}
	now := x.now()
	proof, err := parseDPoP(r.Header.Values("DPoP"))
	if err == nil {
		err = proof.check(http.MethodPost, requestURL(r), now)
	}
	if err != nil {
		x.signinError(http.StatusBadRequest, "ValidationException", "INVALID_REQUEST", "invalid DPoP proof: "+err.Error())
		return
	}

	s.mu.Lock()
	st, ok := s.signin.logins[in.RefreshToken]
	switch {
	case !ok || subtle.ConstantTimeCompare([]byte(st.ClientID), []byte(in.ClientID)) != 1:
		s.mu.Unlock()
		x.signinError(http.StatusBadRequest, "InvalidGrantException", "invalid_grant", "Invalid refresh token provided")
		return
	case !proof.key.Equal(st.Key):
		s.mu.Unlock()
		x.signinError(http.StatusBadRequest, "ValidationException", "INVALID_REQUEST", "invalid DPoP proof: not signed with the key bound to the session")
		return
	case s.signin.jtis[proof.jti]:
		s.mu.Unlock()
		x.signinError(http.StatusBadRequest, "ValidationException", "INVALID_REQUEST", "invalid DPoP proof: jti replayed")
		return
	case st.ended || !now.Before(st.Ends):
		s.mu.Unlock()
		x.signinError(http.StatusBadRequest, "AccessDeniedException", "TOKEN_EXPIRED", "Your session has expired. Please reauthenticate.")
		return
	}
	s.signin.jtis[proof.jti] = true
	// Refresh tokens rotate: the used one dies, so a client that keeps using it (or two
	// clients racing with one) fails, as a strict service would make them.
	delete(s.signin.logins, in.RefreshToken)
	st.RefreshToken = "aoar" + randomURLToken(96)
	s.signin.logins[st.RefreshToken] = st
	who := st.who
	refresh := st.RefreshToken
	s.mu.Unlock()

	cred := s.issue(now, who, Credential{Op: "CreateOAuth2Token"})
	// expiresIn counts whole seconds from now; rounding down keeps the client's expiry from
	// passing the one the server enforces.
	expiresIn := int64(cred.Expiration.Sub(now) / time.Second)
	x.sendJSON(struct {
		AccessToken struct {
			AccessKeyID     string `json:"accessKeyId"`
			SecretAccessKey string `json:"secretAccessKey"`
			SessionToken    string `json:"sessionToken"`
		} `json:"accessToken"`
		ExpiresIn    int64  `json:"expiresIn"`
		RefreshToken string `json:"refreshToken"`
		TokenType    string `json:"tokenType"`
	}{
		AccessToken: struct {
			AccessKeyID     string `json:"accessKeyId"`
			SecretAccessKey string `json:"secretAccessKey"`
			SessionToken    string `json:"sessionToken"`
		}{cred.AccessKeyID, cred.SecretAccessKey, cred.SessionToken},
		ExpiresIn:    expiresIn,
		RefreshToken: refresh,
		TokenType:    "aws_sigv4",
	})
}

// requestURL is the htu a client signs: scheme, host and path, no query or fragment.
func requestURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + r.URL.Path
}

// dpopProof is a parsed, signature-checked DPoP header (RFC 9449).
type dpopProof struct {
	key *ecdsa.PublicKey
	jti string
	htm string
	htu string
	iat int64
}

// parseDPoP checks the proof's shape and its ES256 signature against the key its own header
// carries; the caller then checks that key is the session's.
func parseDPoP(values []string) (*dpopProof, error) {
	if len(values) != 1 {
		return nil, fmt.Errorf("want exactly one DPoP header, got %d", len(values))
	}
	parts := strings.Split(values[0], ".")
	if len(parts) != 3 {
		return nil, errors.New("not a compact JWS (three dot-separated parts)")
	}
	var hdr struct {
		Typ string `json:"typ"`
		Alg string `json:"alg"`
		JWK *struct {
			Kty string `json:"kty"`
			Crv string `json:"crv"`
			X   string `json:"x"`
			Y   string `json:"y"`
			D   string `json:"d"`
		} `json:"jwk"`
	}
	if err := decodeJWTPart(parts[0], &hdr); err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	switch {
	case hdr.Typ != "dpop+jwt":
		return nil, fmt.Errorf("header typ %q, want dpop+jwt", hdr.Typ)
	case hdr.Alg != "ES256":
		return nil, fmt.Errorf("header alg %q, want ES256", hdr.Alg)
	case hdr.JWK == nil || hdr.JWK.Kty != "EC" || hdr.JWK.Crv != "P-256":
		return nil, errors.New("header jwk is not an EC P-256 public key")
	case hdr.JWK.D != "":
		return nil, errors.New("header jwk carries the private key")
	}
	x, errX := base64.RawURLEncoding.DecodeString(hdr.JWK.X)
	y, errY := base64.RawURLEncoding.DecodeString(hdr.JWK.Y)
	if errX != nil || errY != nil || len(x) > 32 || len(y) > 32 {
		return nil, errors.New("header jwk x or y is not a base64url P-256 coordinate")
	}
	// The SDK encodes the coordinates without their leading zero bytes, so pad them back.
	point := make([]byte, 65)
	point[0] = 4
	copy(point[33-len(x):33], x)
	copy(point[65-len(y):], y)
	key, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), point)
	if err != nil {
		return nil, errors.New("header jwk is not a point on P-256")
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		return nil, errors.New("signature is not 64 bytes of raw r||s")
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if !ecdsa.Verify(key, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		return nil, errors.New("ES256 signature does not verify")
	}
	var claims struct {
		Jti string `json:"jti"`
		Htm string `json:"htm"`
		Htu string `json:"htu"`
		Iat *int64 `json:"iat"`
	}
	if err := decodeJWTPart(parts[1], &claims); err != nil {
		return nil, fmt.Errorf("payload: %w", err)
	}
	if claims.Jti == "" || claims.Iat == nil {
		return nil, errors.New("payload lacks jti or iat")
	}
	return &dpopProof{key: key, jti: claims.Jti, htm: claims.Htm, htu: claims.Htu, iat: *claims.Iat}, nil
}

// check holds the proof to the request it came with and to the server's clock.
func (p *dpopProof) check(method, url string, now time.Time) error {
	if p.htm != method {
		return fmt.Errorf("htm %q, want %q", p.htm, method)
	}
	if p.htu != url {
		return fmt.Errorf("htu %q, want %q", p.htu, url)
	}
	if d := now.Sub(time.Unix(p.iat, 0)); d > 5*time.Minute || d < -5*time.Minute {
		return fmt.Errorf("iat %d is %v off the server clock", p.iat, d.Round(time.Second))
	}
	return nil
}

func decodeJWTPart(s string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return errors.New("not base64url")
	}
	if err := json.Unmarshal(b, v); err != nil {
		return errors.New("not JSON")
	}
	return nil
}
