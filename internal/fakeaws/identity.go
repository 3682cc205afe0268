package fakeaws

import (
	"time"
)

// principal is who a key acts as, in the terms GetCallerIdentity reports.
type principal struct {
	account string
	arn     string
	userID  string
	// roleSession marks assumed-role and SSO credentials: AssumeRole from
	// them is role chaining, which AWS caps at one hour.
	roleSession bool
}

type user struct {
	secret string
	who    principal
}

type tempCred struct {
	secret  string
	token   string
	expires time.Time
	who     principal
}

// caller is the authenticated signer of an STS request.
type caller struct {
	keyID    string
	who      principal
	longTerm bool
}

// AddUser registers long-term IAM user keys (AKIA…) that never expire; the
// user is arn:aws:iam::ACCOUNT:user/user-<accessKeyID> so its ARN alone says
// which key signed.
func (s *Server) AddUser(accessKeyID, secret string) {
	name := "user-" + accessKeyID
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[accessKeyID] = &user{
		secret: secret,
		who: principal{
			account: s.account,
			arn:     "arn:aws:iam::" + s.account + ":user/" + name,
			userID:  stableID("AIDA", s.account+"/"+name),
		},
	}
}

// lookupKey finds the secret for an access key, applying the checks AWS makes
// on the key and session token before it looks at the signature.
func (s *Server) lookupKey(keyID, sessionToken string, now time.Time) (string, caller, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u, ok := s.users[keyID]; ok {
		if sessionToken != "" {
			return "", caller{}, errInvalidClientTokenID
		}
		return u.secret, caller{keyID: keyID, who: u.who, longTerm: true}, nil
	}
	t, ok := s.temps[keyID]
	if !ok || sessionToken != t.token {
		return "", caller{}, errInvalidClientTokenID
	}
	if !now.Before(t.expires) {
		return "", caller{}, errExpiredToken
	}
	return t.secret, caller{keyID: keyID, who: t.who}, nil
}

// issue mints and remembers a temporary credential for who.
func (s *Server) issue(now time.Time, who principal, c Credential) Credential {
	c.AccessKeyID = newTemporaryKeyID()
	c.SecretAccessKey = newSecretKey()
	c.SessionToken = newSessionToken()
	c.ARN = who.arn
	c.Account = who.account

	s.mu.Lock()
	// Truncated because the wire formats carry whole seconds: the time kept
	// here must be exactly what the client parses.
	c.Expiration = now.Add(s.lifetime).UTC().Truncate(time.Second)
	s.temps[c.AccessKeyID] = &tempCred{secret: c.SecretAccessKey, token: c.SessionToken, expires: c.Expiration, who: who}
	s.issued = append(s.issued, c)
	s.mu.Unlock()
	s.changes.signal()

	s.log.Info("fakeaws issued credential", "credential", c)
	return c
}
