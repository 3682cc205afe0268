package doctor

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/awsrun/awsrun/creds"
)

// ssoSessionWarnAhead is when an SSO session that cannot be refreshed is worth a warning: a
// login now saves an interruption soon.
const ssoSessionWarnAhead = 30 * time.Minute

// ssoConfig checks that the SSO settings are complete: the SDKs need start URL and region
// (in the sso-session section or, legacy, the profile) plus account and role.
func (d *doctor) ssoConfig() {
	const name = "sso-config"
	p := d.ssoRoot
	if p == nil {
		d.add(name, Skip, d.notSSO(), "")
		return
	}
	k := p.Keys
	section := "[profile " + p.Name + "]"
	if p.Name == "default" && d.files.Config.Section("profile default") == nil {
		section = "[default]"
	}
	var missing []string
	var startURL, region, detail string
	if sess := k["sso_session"]; sess != "" {
		sec := d.files.Config.Section("sso-session " + sess)
		if sec == nil {
			d.add(name, Fail, fmt.Sprintf("profile %q names sso_session %q, but %s has no [sso-session %s] section", p.Name, sess, d.tilde(d.configPath), sess),
				fmt.Sprintf("add [sso-session %s] with sso_start_url and sso_region to %s (aws configure sso-session)", sess, d.tilde(d.configPath)))
			return
		}
		startURL, region = sec.Keys["sso_start_url"], sec.Keys["sso_region"]
		for _, key := range []string{"sso_start_url", "sso_region"} {
			if sec.Keys[key] == "" {
				missing = append(missing, fmt.Sprintf("%s in [sso-session %s]", key, sess))
			}
		}
		if u := k["sso_start_url"]; u != "" && startURL != "" && u != startURL {
			d.add(name, Fail, fmt.Sprintf("profile %q sets sso_start_url %s, but its sso-session %q says %s; the SDKs refuse the mismatch", p.Name, u, sess, startURL),
				fmt.Sprintf("remove sso_start_url from %s in %s", section, d.tilde(d.configPath)))
			return
		}
		detail = fmt.Sprintf("sso-session %q", sess)
	} else {
		startURL, region = k["sso_start_url"], k["sso_region"]
		for _, key := range []string{"sso_start_url", "sso_region"} {
			if k[key] == "" {
				missing = append(missing, key+" in "+section)
			}
		}
		detail = "legacy SSO settings (no sso-session: no refresh token, the session ends with the token; aws configure sso-session sets up one that renews)"
	}
	for _, key := range []string{"sso_account_id", "sso_role_name"} {
		if k[key] == "" {
			missing = append(missing, key+" in "+section)
		}
	}
	if len(missing) > 0 {
		d.add(name, Fail, fmt.Sprintf("incomplete SSO settings for profile %q: missing %s", p.Name, strings.Join(missing, ", ")),
			fmt.Sprintf("add them to %s, or run: aws configure sso --profile %s", d.tilde(d.configPath), p.Name))
		return
	}
	d.add(name, OK, fmt.Sprintf("%s: start URL %s, region %s, account %s, role %s", detail, startURL, region, k["sso_account_id"], k["sso_role_name"]), "")
}

func (d *doctor) notSSO() string {
	if d.prof == nil {
		return "no profile to check"
	}
	return fmt.Sprintf("profile %q does not use IAM Identity Center", d.prof.Name)
}

// ssoToken reads the cached SSO token (never printing it): present, when it and the session end,
// whether a refresh token lets the SDK renew it.
func (d *doctor) ssoToken() {
	const name = "sso-token"
	p := d.ssoRoot
	if p == nil {
		d.add(name, Skip, d.notSSO(), "")
		return
	}
	key := p.SSOCacheKey()
	what := fmt.Sprintf("sso-session %q", key)
	if p.Keys["sso_session"] == "" {
		what = "start URL " + key
	}
	login := "aws sso login --profile " + p.Name
	path := creds.SSOTokenPath(d.home, key)
	tok, err := creds.ReadSSOToken(path)
	if errors.Is(err, fs.ErrNotExist) {
		d.add(name, Fail, fmt.Sprintf("not logged in: no cached SSO token for %s (%s)", what, d.tilde(path)), login)
		return
	}
	if err != nil {
		d.add(name, Fail, fmt.Sprintf("the cached SSO token for %s is unreadable (%s)", what, d.tilde(path)), login)
		return
	}
	now := d.now()
	regEnded := !tok.RegistrationExpiresAt.IsZero() && !tok.RegistrationExpiresAt.After(now)
	switch {
	case tok.ExpiresAt.After(now) && tok.Refreshable:
		msg := fmt.Sprintf("token for %s valid until %s; refresh token present, so it is renewed until the SSO session ends", what, when(tok.ExpiresAt, now))
		if !tok.RegistrationExpiresAt.IsZero() {
			msg += " (no later than " + whenFlat(tok.RegistrationExpiresAt, now) + ", when the client registration ends)"
		} else {
			msg += " (set in IAM Identity Center, not recorded locally)"
		}
		d.add(name, OK, msg, "")
	case tok.ExpiresAt.After(now):
		msg := fmt.Sprintf("token for %s valid until %s; no refresh token, so the SSO session ends then", what, when(tok.ExpiresAt, now))
		if tok.ExpiresAt.Sub(now) < ssoSessionWarnAhead {
			d.add(name, Warn, msg, login+" (before it ends)")
			return
		}
		d.add(name, OK, msg, "")
	case tok.Refreshable && !regEnded:
		d.add(name, OK, fmt.Sprintf("token for %s expired %s; the refresh token renews it on the next use", what, when(tok.ExpiresAt, now)), "")
	default:
		d.add(name, Fail, fmt.Sprintf("the SSO session for %s ended %s", what, when(tok.ExpiresAt, now)), login)
	}
}
