package wrapper

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/awsrun/awsrun/creds"
	"github.com/awsrun/awsrun/desktop"
	"github.com/awsrun/awsrun/watch"
)

// session is one run's live view of the user's AWS files: the profile as last read, the
// source resolved from it, and the child's generated config. It re-reads them when they change
// and keeps the last good state when an edit is broken.
type session struct {
	cfg          Config
	env          environ
	lc           *lifecycle // the profile's credentials and their renewal
	log          *slog.Logger
	childStarted *atomic.Bool

	configPath, credsPath string
	readStamps            fileStamps // the two files as they were when first read (see catchUp)
	home                  string

	mu            sync.Mutex
	src           *creds.Source
	tokenKind     watch.Kind // the session token cache behind the profile: KindSSOToken, KindLoginToken or KindOther (none)
	tokenPath     string     // that cache's file; empty when there is none
	tokenFP       string     // fingerprint of the token last seen (a new login changes it)
	loginKey      string     // `aws login` only: the cached access key id last seen
	loginProfile  string     // `aws login` only: the profile to run `aws login --profile` for
	lastFileErr   string
	childConfig   []byte
	writeChildCfg func([]byte) error // endpoint mode: rewrite the child's private config
	worldWarned   string             // worldconfig.go: the left-out profiles last warned about

	notifier  *desktop.Notifier
	loggingIn atomic.Bool
	endedFP   string // token fingerprint whose end was already reported, so it is said once
	bgCtx     context.Context

	skew     *skewCheck          // AWS's Date headers against the local clock, for every source opened
	internal chan *InternalError // cap 1: a panic recovered outside the errgroups (see guardedUpstream)
}

// backgroundCtx is the context of the run's background work (set when the child starts).
func (s *session) backgroundCtx() context.Context {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.bgCtx == nil {
		return context.Background()
	}
	return s.bgCtx
}

func newSession(ctx context.Context, cfg Config, env environ) (_ *session, err error) {
	defer func() {
		// Before the child starts: nothing to stop, nothing written yet; report and exit 70.
		if v := recover(); v != nil {
			err = internalError(cfg.Logger, v)
		}
	}()
	s := &session{cfg: cfg, env: env, log: cfg.Logger, childStarted: new(atomic.Bool), home: env["HOME"],
		skew: newSkewCheck(cfg.Logger), internal: make(chan *InternalError, 1)}
	if cfg.Notify {
		s.notifier = &desktop.Notifier{}
	}
	s.configPath, s.credsPath = creds.Paths(func(k string) string { return env[k] })
	s.readStamps = stampFiles(s.configPath, s.credsPath) // before reading: a later write shows as a change
	src, err := openSource(ctx, cfg.selection(), env, mfaPrompter(s.childStarted), s.skew)
	if err != nil {
		return nil, err
	}
	s.setSource(src)
	s.lc = newLifecycle(s.guardUpstream(src), cfg.RefreshBefore, cfg.Logger)
	s.lc.onFail = func(err error) {
		if s.childStarted.Load() {
			s.sessionEnded(s.backgroundCtx(), err)
		}
	}
	s.lc.onChange = func(old, n *snapshot) {
		attrs := []any{"key", creds.Redact(n.creds.AccessKeyID), "source", n.creds.Source}
		if n.creds.CanExpire {
			attrs = append(attrs, "expires", n.creds.Expires.UTC().Format(time.RFC3339), "lifetime", n.lifetime().Round(time.Second).String())
		}
		if old == nil {
			s.log.Info("credentials resolved", attrs...)
		} else {
			s.log.Info("credentials refreshed", attrs...)
		}
		s.noteLoginCache()
	}
	if _, err := s.lc.refresh(ctx); err != nil {
		// Before the child starts the terminal is free, so an automatic login can use it.
		if !isLoginRequired(err) || cfg.Login != LoginAuto || !s.login(ctx, true) {
			return nil, err
		}
		s.setSource(src) // re-read the new token's fingerprint
		if _, err := s.lc.refresh(ctx); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// setSource records a newly opened source and what it implies: region and the session token
// cache (SSO or `aws login`) with the token in it now.
func (s *session) setSource(src *creds.Source) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.src = src
	s.tokenKind, s.tokenPath, s.loginProfile = watch.KindOther, "", ""
	switch p := src.Profile(); {
	case src.LoginTokenPath() != "":
		s.tokenKind, s.tokenPath, s.loginProfile = watch.KindLoginToken, src.LoginTokenPath(), src.LoginProfile()
	case p != nil && p.SSOCacheKey() != "" && s.home != "":
		s.tokenKind, s.tokenPath = watch.KindSSOToken, creds.SSOTokenPath(s.home, p.SSOCacheKey())
	}
	if v, err := readTokenCache(s.tokenKind, s.tokenPath); err == nil {
		s.tokenFP, s.loginKey = v.fingerprint, v.accessKeyID
	}
}

func (s *session) region() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.src.Region()
}

// ssoTokenPath is the profile's SSO token cache file; "" when it does not use SSO.
func (s *session) ssoTokenPath() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tokenKind != watch.KindSSOToken {
		return ""
	}
	return s.tokenPath
}

// tokenCache is the session token cache behind the profile and its kind; path is "" when the
// profile has none (it is neither SSO nor `aws login`).
func (s *session) tokenCache() (kind watch.Kind, path string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokenKind, s.tokenPath
}

// loginSession reports whether the profile's credentials come from an `aws login` session.
func (s *session) loginSession() bool {
	k, _ := s.tokenCache()
	return k == watch.KindLoginToken
}

// renderChildConfig is the child's [default] config for the current profile.
func (s *session) renderChildConfig() ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	region := s.src.Region()
	if p := s.src.Profile(); p != nil {
		return s.worldConfig(p, region) // worldconfig.go: every profile of the user's
	}
	return (&creds.Profile{}).ChildConfig(region)
}

// reloadProfile re-reads the config and credentials files after an edit. A file that does not
// parse, or a profile that no longer resolves, keeps the last good state and is reported once.
func (s *session) reloadProfile(ctx context.Context) {
	src, err := openSource(ctx, s.cfg.selection(), s.env, mfaPrompter(s.childStarted), s.skew)
	if err != nil {
		msg := err.Error()
		s.mu.Lock()
		repeat := msg == s.lastFileErr
		s.lastFileErr = msg
		s.mu.Unlock()
		if !repeat {
			var parse *creds.ParseError
			if errors.As(err, &parse) {
				s.log.Warn("config file does not parse; keeping the last good profile", "file", parse.Path, "line", parse.Line, "error", parse.Msg)
			} else {
				s.log.Warn("profile no longer resolves; keeping the last good one", "error", err)
			}
		}
		return
	}
	s.mu.Lock()
	s.lastFileErr = ""
	s.mu.Unlock()
	s.setSource(src)
	s.lc.setSource(s.guardUpstream(src))
	if s.writeChildCfg != nil {
		next, err := s.renderChildConfig()
		if err != nil {
			// Unreachable while the checks where values enter hold; the child keeps its config.
			s.log.Warn("could not update the child's config", "error", err)
		}
		s.mu.Lock()
		if err != nil {
			next = s.childConfig
		}
		same := bytes.Equal(next, s.childConfig)
		s.childConfig = next
		s.mu.Unlock()
		if !same {
			if err := s.writeChildCfg(next); err != nil {
				s.log.Warn("could not update the child's config", "error", err)
			} else {
				s.log.Info("child config updated from the edited profile", "region", s.region())
			}
		}
	}
	if _, err := s.lc.refresh(ctx); err != nil {
		s.log.Warn("credential refresh after the profile change failed", "error", err)
		return
	}
	s.log.Info("profile reloaded", "profile", s.cfg.Profile)
}
