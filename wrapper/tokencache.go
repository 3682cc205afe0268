package wrapper

import (
	"context"
	"errors"
	"time"

	"github.com/awsrun/awsrun/creds"
	"github.com/awsrun/awsrun/watch"
)

// tokenView is what a session token cache (SSO or `aws login`) says, as far as the reaction to
// its change needs to know: no secret.
type tokenView struct {
	fingerprint string    // the login behind the token: a new login changes it, a renewal does not
	accessKeyID string    // `aws login` only: the cached access credentials' key id
	expires     time.Time // when the cached token or credentials end
}

// errNoTokenCache is readTokenCache's answer for a profile without a session token cache.
var errNoTokenCache = errors.New("the profile has no session token cache")

// readTokenCache reads the session token cache of kind at path.
func readTokenCache(kind watch.Kind, path string) (tokenView, error) {
	if path == "" {
		return tokenView{}, errNoTokenCache
	}
	switch kind {
	case watch.KindSSOToken:
		t, err := creds.ReadSSOToken(path)
		return tokenView{fingerprint: t.Fingerprint, expires: t.ExpiresAt}, err
	case watch.KindLoginToken:
		t, err := creds.ReadLoginToken(path)
		return tokenView{fingerprint: t.Fingerprint, accessKeyID: t.AccessKeyID, expires: t.ExpiresAt}, err
	}
	return tokenView{}, errNoTokenCache
}

// tornReadAttempts bounds the re-reads of a token cache caught mid-write (the SDKs and the CLI
// rewrite some caches in place: truncate, then write); the waits double from tornReadWait, so
// the last attempt comes about 2.5 s after the first.
const (
	tornReadAttempts = 8
	tornReadWait     = 20 * time.Millisecond
)

// readTokenCacheWhole reads the cache, retrying a torn read within the bound; false when it is
// still unreadable (the next write brings another event) or ctx ended.
func (s *session) readTokenCacheWhole(ctx context.Context, kind watch.Kind, path string) (tokenView, bool) {
	var v tokenView
	var err error
	for attempt, wait := 0, tornReadWait; attempt < tornReadAttempts; attempt, wait = attempt+1, wait*2 {
		if v, err = readTokenCache(kind, path); err == nil {
			return v, true
		}
		if attempt == tornReadAttempts-1 {
			break
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return v, false
		case <-t.C:
		}
	}
	s.log.Debug("session token cache unreadable; waiting for the next write", "kind", kind.String(), "error", err)
	return v, false
}

// tokenChanged reacts to a write of the profile's session token cache of kind (the event's kind;
// a cache of another kind is not the profile's). New credentials can be had at once when:
//   - SSO: the access token is new (a fresh `aws sso login`). Rewrites that keep it (the SDK
//     refreshing it, awsrun's own doing) change nothing.
//   - `aws login`: the cached access credentials are not the ones served now nor the ones last
//     seen there: a new `aws login`, or another process's renewal (the fingerprint tells which,
//     for the log). Renewing then serves the cached credentials without calling AWS. awsrun's own
//     write-back, and the SDK's, hold the key being served and are ignored.
func (s *session) tokenChanged(ctx context.Context, kind watch.Kind) {
	k, path := s.tokenCache()
	if path == "" || k != kind {
		return
	}
	v, ok := s.readTokenCacheWhole(ctx, kind, path)
	if !ok {
		return
	}
	served := ""
	if cur := s.lc.current(); cur != nil {
		served = cur.creds.AccessKeyID
	}
	s.mu.Lock()
	if s.token.path != path {
		s.mu.Unlock()
		return // the profile changed meanwhile; its own cache is another file
	}
	newLogin := v.fingerprint != s.token.fp
	seenKey := v.accessKeyID == s.token.loginKey
	s.token.fp, s.token.loginKey = v.fingerprint, v.accessKeyID
	s.mu.Unlock()
	switch {
	case kind == watch.KindSSOToken && !newLogin, kind == watch.KindLoginToken && !newLogin && seenKey:
		return
	case kind == watch.KindLoginToken && v.accessKeyID == served:
		// Already served: awsrun's own write-back, or a renewal (a retry, a request) that found
		// the new login first. Renewing now would spend the refresh token for nothing.
		s.log.Debug("the aws login cache holds the credentials being served; nothing to do", "new_login", newLogin)
		return
	case kind == watch.KindSSOToken:
		s.log.Info("new SSO token found; renewing credentials", "token_expires", v.expires.Format(time.RFC3339))
	case newLogin:
		s.log.Info("new aws login found; renewing credentials", "key", creds.Redact(v.accessKeyID), "expires", v.expires.Format(time.RFC3339))
	default:
		s.log.Info("another process renewed the aws login credentials; serving them", "key", creds.Redact(v.accessKeyID), "expires", v.expires.Format(time.RFC3339))
	}
	if _, err := s.lc.refresh(ctx); err != nil {
		s.log.Warn("credential refresh with the new session token failed", "kind", kind.String(), "error", err)
	}
}

// noteLoginCache records, after a renewal, the access key the `aws login` cache holds now: for
// a role whose source is the login, awsrun's renewal of the source writes the cache with a key
// that is not the one served (the role's), and the write's event must not renew again. A cache
// of another login (the fingerprint changed) is left for tokenChanged to report and renew with.
func (s *session) noteLoginCache() {
	kind, path := s.tokenCache()
	if kind != watch.KindLoginToken {
		return
	}
	v, err := readTokenCache(kind, path)
	if err != nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.token.path == path && v.fingerprint == s.token.fp {
		s.token.loginKey = v.accessKeyID
	}
}
