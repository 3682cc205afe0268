package fakeaws

import (
	"crypto/subtle"
	"encoding/json"
	"io"
	"net/http"
	"time"
)

// AddSSOClient registers an OIDC client registration and one refresh token
// for it, as `aws sso login` leaves in the token cache; CreateToken with
// grant type refresh_token accepts exactly this triple.
func (s *Server) AddSSOClient(clientID, clientSecret, refreshToken string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clients[clientID] = clientSecret
	s.refreshTokens[refreshToken] = clientID
}

type createTokenInput struct {
	ClientID     string `json:"clientId"`
	ClientSecret string `json:"clientSecret"`
	GrantType    string `json:"grantType"`
	RefreshToken string `json:"refreshToken"`
}

func oauthError(status int, code, oauth, description string) *apiError {
	return &apiError{status: status, code: code, message: description, oauth: oauth, description: description}
}

// serveCreateToken is OIDC's POST /token, refresh_token grant only: the
// device and authorization-code grants need a browser, which tests replace
// by registering tokens directly.
func (s *Server) serveCreateToken(x *exchange, r *http.Request) {
	x.rec.Op = "CreateToken"
	if r.Method != http.MethodPost {
		x.sendJSONError(&apiError{status: http.StatusMethodNotAllowed, code: "UnknownOperationException",
			message: "CreateToken is POST /token"})
		return
	}
	var in createTokenInput
	body, err := io.ReadAll(http.MaxBytesReader(x.w, r.Body, maxBody))
	if err == nil {
		err = json.Unmarshal(body, &in)
	}
	if err != nil || in.ClientID == "" || in.ClientSecret == "" || in.GrantType == "" {
		x.sendJSONError(oauthError(http.StatusBadRequest, "InvalidRequestException", "invalid_request",
			"clientId, clientSecret and grantType are required"))
		return
	}
	if in.GrantType != "refresh_token" {
		x.sendJSONError(oauthError(http.StatusBadRequest, "UnsupportedGrantTypeException", "unsupported_grant_type",
			"fakeaws supports only the refresh_token grant"))
		return
	}
	now := x.now()

	s.mu.Lock()
	secret, known := s.clients[in.ClientID]
	if !known || subtle.ConstantTimeCompare([]byte(secret), []byte(in.ClientSecret)) != 1 {
		s.mu.Unlock()
		x.sendJSONError(oauthError(http.StatusUnauthorized, "InvalidClientException", "invalid_client",
			"Invalid client provided"))
		return
	}
	if owner, ok := s.refreshTokens[in.RefreshToken]; !ok || owner != in.ClientID {
		s.mu.Unlock()
		x.sendJSONError(oauthError(http.StatusBadRequest, "InvalidGrantException", "invalid_grant",
			"Invalid refresh token provided"))
		return
	}
	// Whole seconds because expiresIn is; the client computes the same expiry.
	lifetime := s.tokenLifetime.Truncate(time.Second)
	tok := SSOToken{
		ClientID:     in.ClientID,
		AccessToken:  "aoa" + randomURLToken(96),
		RefreshToken: "aor" + randomURLToken(96),
		Expiration:   now.Add(lifetime),
	}
	// Refresh tokens rotate: the used one dies, so a client that forgets to
	// store the new one fails on its next refresh, as it would against AWS.
	delete(s.refreshTokens, in.RefreshToken)
	s.refreshTokens[tok.RefreshToken] = in.ClientID
	s.ssoTokens[tok.AccessToken] = tok.Expiration
	s.ssoIssued = append(s.ssoIssued, tok)
	s.mu.Unlock()
	s.changes.signal()

	s.log.Info("fakeaws issued sso token", "token", tok)
	x.sendJSON(struct {
		AccessToken  string `json:"accessToken"`
		ExpiresIn    int64  `json:"expiresIn"`
		RefreshToken string `json:"refreshToken"`
		TokenType    string `json:"tokenType"`
	}{tok.AccessToken, int64(lifetime / time.Second), tok.RefreshToken, "Bearer"})
}
