package fakeaws

import (
	"net/http"
	"time"
)

// AddSSOAccessToken registers a bearer token GetRoleCredentials accepts until
// expires, standing in for the token `aws sso login` would have cached.
func (s *Server) AddSSOAccessToken(token string, expires time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ssoTokens[token] = expires
}

func (s *Server) ssoTokenValid(token string, now time.Time) bool {
	if token == "" {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, ok := s.ssoTokens[token]
	return ok && now.Before(exp)
}

type roleCredentialsJSON struct {
	AccessKeyID     string `json:"accessKeyId"`
	SecretAccessKey string `json:"secretAccessKey"`
	SessionToken    string `json:"sessionToken"`
	// Expiration is epoch milliseconds on this API, unlike STS.
	Expiration int64 `json:"expiration"`
}

// serveGetRoleCredentials is the portal's GET /federation/credentials.
func (s *Server) serveGetRoleCredentials(x *exchange, r *http.Request) {
	x.rec.Op = "GetRoleCredentials"
	if r.Method != http.MethodGet {
		x.sendJSONError(&apiError{status: http.StatusMethodNotAllowed, code: "UnknownOperationException",
			message: "GetRoleCredentials is GET /federation/credentials"})
		return
	}
	if !s.ssoTokenValid(r.Header.Get("X-Amz-Sso_bearer_token"), x.now()) {
		x.sendJSONError(&apiError{status: http.StatusUnauthorized, code: "UnauthorizedException",
			message: "Session token not found or invalid"})
		return
	}
	q := r.URL.Query()
	account, role := q.Get("account_id"), q.Get("role_name")
	if account == "" || role == "" {
		x.sendJSONError(&apiError{status: http.StatusBadRequest, code: "InvalidRequestException",
			message: "account_id and role_name are required"})
		return
	}
	// The role an SSO permission set creates in the account, as AWS names it.
	reserved := "AWSReservedSSO_" + role + "_" + stableHex(account+"/"+role, 16)
	who := principal{
		account:     account,
		arn:         "arn:aws:sts::" + account + ":assumed-role/" + reserved + "/fakeaws-sso-user",
		userID:      stableID("AROA", account+"/"+reserved) + ":fakeaws-sso-user",
		roleSession: true,
	}
	cred := s.issue(x.now(), who, Credential{Op: "GetRoleCredentials"})
	x.sendJSON(struct {
		RoleCredentials roleCredentialsJSON `json:"roleCredentials"`
	}{roleCredentialsJSON{
		AccessKeyID:     cred.AccessKeyID,
		SecretAccessKey: cred.SecretAccessKey,
		SessionToken:    cred.SessionToken,
		Expiration:      cred.Expiration.UnixMilli(),
	}})
}
