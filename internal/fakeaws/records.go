package fakeaws

import (
	"fmt"
	"log/slog"
	"time"
)

// Credential is one temporary credential the server issued, kept so tests can
// check which credential a client ended up using and when it expires.
type Credential struct {
	// Op is the operation that issued it: "AssumeRole", "GetSessionToken" or
	// "GetRoleCredentials".
	Op              string
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	// Expiration is whole seconds in UTC, exactly what the client was sent.
	Expiration time.Time
	// ARN is the identity the credential acts as, as GetCallerIdentity
	// reports it (assumed-role ARN, or the IAM user ARN for GetSessionToken).
	ARN     string
	Account string
	// CallerKeyID is the access key that signed the issuing STS request, so
	// tests can check role chaining went through the expected credential;
	// empty for GetRoleCredentials, which is authorised by a bearer token.
	CallerKeyID string
	// RequestedDuration is the DurationSeconds the client asked for (0 when
	// it sent none); the server ignores it in favour of Lifetime, but tests
	// assert on what awsrun asked for.
	RequestedDuration time.Duration
	// SerialNumber and TokenCode are the MFA parameters the client sent.
	SerialNumber string
	TokenCode    string
}

// String redacts the secret and session token so a credential printed in a
// test failure or a log line never leaks them.
func (c Credential) String() string {
	return fmt.Sprintf("%s %s %s expires %s", c.Op, c.AccessKeyID, c.ARN, c.Expiration.Format(time.RFC3339))
}

// LogValue redacts secrets when a Credential is passed to slog.
func (c Credential) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("op", c.Op),
		slog.String("access_key_id", c.AccessKeyID),
		slog.String("arn", c.ARN),
		slog.Time("expiration", c.Expiration),
	)
}

// SSOToken is one SSO access token minted by CreateToken, kept so tests can
// check a client stored and used the newest token.
type SSOToken struct {
	ClientID     string
	AccessToken  string
	RefreshToken string
	Expiration   time.Time
}

// String redacts the tokens for the same reason as Credential.String.
func (t SSOToken) String() string {
	return fmt.Sprintf("sso token for client %s expires %s", t.ClientID, t.Expiration.Format(time.RFC3339))
}

// LogValue redacts the tokens when an SSOToken is passed to slog.
func (t SSOToken) LogValue() slog.Value {
	return slog.GroupValue(slog.String("client_id", t.ClientID), slog.Time("expiration", t.Expiration))
}

// Request is one request the server answered, kept so tests can see the
// order of calls, which key signed each one, and how it was answered.
type Request struct {
	// Op is the operation name (STS Action, "GetRoleCredentials" or
	// "CreateToken"); empty when the request named none.
	Op string
	// AccessKeyID is the key from the SigV4 Authorization header of an STS
	// request, whether or not it was valid; empty for SSO and OIDC.
	AccessKeyID string
	// Region is the region from the SigV4 credential scope.
	Region string
	// Status is the HTTP status sent, and Code the AWS error code, empty on
	// success.
	Status int
	Code   string
	// Time is the server clock (Options.Now) when the request arrived.
	Time time.Time
}

// Issued returns every temporary credential issued so far, oldest first, so
// tests can tell which one a client should be using now.
func (s *Server) Issued() []Credential {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Credential(nil), s.issued...)
}

// IssuedSSOTokens returns every access token CreateToken minted, oldest first.
func (s *Server) IssuedSSOTokens() []SSOToken {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SSOToken(nil), s.ssoIssued...)
}

// Requests returns every request answered so far, oldest first; the record is
// made before the response is written, so a client that has its answer can
// rely on finding its request here.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Calls reports how many requests for op (e.g. "GetCallerIdentity",
// "AssumeRole", "GetRoleCredentials", "CreateToken") arrived, answered with
// success or not, so tests can bound how often a client hits the service.
func (s *Server) Calls(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[op]
}

// Errors reports how many error answers carried code (e.g. "ExpiredToken",
// "SignatureDoesNotMatch", "UnauthorizedException"), so tests can prove a
// client did, or never did, present a stale credential.
func (s *Server) Errors(code string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.errors[code]
}

// CallerKeys returns, in order, the access key id of every GetCallerIdentity
// call that succeeded: the proof of which credential a child signed with.
func (s *Server) CallerKeys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var keys []string
	for _, r := range s.requests {
		if r.Op == "GetCallerIdentity" && r.Code == "" {
			keys = append(keys, r.AccessKeyID)
		}
	}
	return keys
}

// record files a finished request; it runs before the response is written
// so counters are never behind what a client has already seen.
func (s *Server) record(r Request) {
	s.mu.Lock()
	s.requests = append(s.requests, r)
	if r.Op != "" {
		s.calls[r.Op]++
	}
	if r.Code != "" {
		s.errors[r.Code]++
	}
	s.mu.Unlock()
	s.changes.signal()

	attrs := []any{"op", r.Op, "status", r.Status}
	if r.AccessKeyID != "" {
		attrs = append(attrs, "access_key_id", r.AccessKeyID)
	}
	if r.Code != "" {
		attrs = append(attrs, "code", r.Code)
	}
	s.log.Debug("fakeaws request", attrs...)
}
