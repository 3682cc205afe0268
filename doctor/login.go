package doctor

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/awsrun/awsrun/creds"
)

// loginToken checks the token cache of an `aws login` profile (or of the one a role's
// source_profile chain starts at): present, private, complete, and when its access
// credentials end. Profiles without `aws login` get no line.
func (d *doctor) loginToken() {
	const name = "login-token"
	p := d.loginRoot
	if p == nil {
		return
	}
	session := p.LoginSession()
	fix := "aws login --profile " + p.Name
	path := creds.LoginTokenPath(creds.LoginCacheDir(d.home, d.getenv), session)
	where := d.tilde(path)
	if d.env["AWS_LOGIN_CACHE_DIRECTORY"] != "" {
		where += " (from AWS_LOGIN_CACHE_DIRECTORY)"
	}
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		d.add(name, Fail, fmt.Sprintf("not logged in: no aws login token cache for %s (%s)", session, where), fix)
		return
	}
	tok, err := creds.ReadLoginToken(path)
	var ce *creds.LoginCacheError
	switch {
	case errors.As(err, &ce) && ce.Err != nil:
		d.add(name, Fail, fmt.Sprintf("the aws login token cache %s cannot be read: %v", where, errors.Unwrap(ce.Err)),
			"check its owner and permissions: ls -l "+path+"; or log in again: "+fix)
		return
	case errors.As(err, &ce):
		d.add(name, Fail, fmt.Sprintf("the aws login token cache %s is unusable: %s", where, ce.Problem), fix)
		return
	case err != nil:
		d.add(name, Fail, fmt.Sprintf("the aws login token cache %s: %v", where, err), fix)
		return
	}
	now := d.now()
	msg := fmt.Sprintf("aws login session for %s: access credentials %s ", session, creds.Redact(tok.AccessKeyID))
	if tok.ExpiresAt.After(now) {
		msg += "valid until " + when(tok.ExpiresAt, now)
	} else {
		msg += "expired " + when(tok.ExpiresAt, now)
	}
	msg += "; the refresh token renews them until the session ends (the sign-in service ends it, at most 12h after aws login; the cache does not record when: see credentials)"
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		d.add(name, Warn, fmt.Sprintf("%s is readable by others (mode %04o): it holds a refresh token and a signing key; %s", where, perm, msg), "chmod 600 "+path)
		return
	}
	d.add(name, OK, msg, "")
}
