package wrapper

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/awsrun/awsrun/creds"
	"github.com/awsrun/awsrun/desktop"
	"github.com/awsrun/awsrun/internal/phases"
	"github.com/awsrun/awsrun/watch"
)

// session is one run's live view of the user's AWS files: the profile as last read, the
// source resolved from it, and the child's generated config. It re-reads them when they change
// and keeps the last good state when an edit is broken.
type session struct {
	// Set by newSession, never changed.
	cfg      Config
	env      environ
	log      *slog.Logger
	lc       *lifecycle // the profile's credentials and their renewal
	skew     *skewCheck // AWS's Date headers against the local clock, for every source opened
	stderr   *processStderr
	notifier *desktop.Notifier
	files    userFiles
	internal chan *InternalError // cap 1: a panic recovered outside the errgroups (see guardedUpstream)

	childStarted *atomic.Bool // from the child's start on, nothing may prompt on its terminal
	loggingIn    atomic.Bool  // an automatic login runs (login.go)

	mu          sync.Mutex // guards the rest
	src         *creds.Source
	token       tokenState
	child       childConfigFile
	lastFileErr string        // the last reload failure, reported once
	held        []heldWarning // warnings from the set-up beside the first resolution (see warn)
	released    bool
	bgCtx       context.Context // the background work's (background.go), once the child runs
}

// userFiles are the user's config and credentials files as the run found them.
type userFiles struct {
	configPath, credsPath string
	readStamps            fileStamps // as they were when first read (see catchUp)
	home                  string
}

// tokenState is the session token cache behind the profile (SSO or `aws login`) and what was
// last seen in it (tokencache.go, login.go).
type tokenState struct {
	kind         watch.Kind // KindSSOToken, KindLoginToken or KindOther (none)
	path         string     // empty when there is none
	fp           string     // fingerprint of the token last seen (a new login changes it)
	loginKey     string     // `aws login` only: the cached access key id last seen
	loginProfile string     // `aws login` only: the profile to run `aws login --profile` for
	endedFP      string     // fingerprint whose end was already reported, so it is said once
}

// childConfigFile is the child's private config in endpoint mode (endpointmode.go,
// worldconfig.go); write is nil in env mode, where the child reads the user's own files.
type childConfigFile struct {
	data   []byte
	write  func([]byte) error
	warned string // the left-out profiles last warned about
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
	if err := checkProfileFilter(cfg.Profiles, env); err != nil { // profiles.go
		return nil, err
	}
	s := &session{cfg: cfg, env: env, log: cfg.Logger, childStarted: new(atomic.Bool), files: userFiles{home: env["HOME"]},
		skew: newSkewCheck(cfg.Logger), internal: make(chan *InternalError, 1)}
	s.stderr = newProcessStderr(s.childStarted, s.log, cfg.Profile)
	if cfg.Notify {
		s.notifier = &desktop.Notifier{}
	}
	s.files.configPath, s.files.credsPath = creds.Paths(func(k string) string { return env[k] })
	s.files.readStamps = stampFiles(s.files.configPath, s.files.credsPath) // before reading: a later write shows as a change
	src, err := openSource(ctx, cfg.selection(), env, mfaPrompter(s.childStarted), s.stderr, s.skew)
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
	return s, nil
}

// resolve gets the profile's first credentials (Run overlaps it with the endpoint's set-up: for
// SSO or a role it is a call to AWS). Before the child starts the terminal is free, so an
// automatic login can use it.
func (s *session) resolve(ctx context.Context) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = internalError(s.log, v)
		}
	}()
	if _, err := s.lc.refresh(ctx); err != nil {
		if !isLoginRequired(err) || s.cfg.Login != LoginAuto || !s.login(ctx, true) {
			return err
		}
		s.mu.Lock()
		src := s.src
		s.mu.Unlock()
		s.setSource(src) // re-read the new token's fingerprint
		if _, err := s.lc.refresh(ctx); err != nil {
			return err
		}
	}
	return nil
}

// setSource records a newly opened source and what it implies: region and the session token
// cache (SSO or `aws login`) with the token in it now.
func (s *session) setSource(src *creds.Source) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.src = src
	s.token.kind, s.token.path, s.token.loginProfile = watch.KindOther, "", ""
	switch p := src.Profile(); {
	case src.LoginTokenPath() != "":
		s.token.kind, s.token.path, s.token.loginProfile = watch.KindLoginToken, src.LoginTokenPath(), src.LoginProfile()
	case p != nil && p.SSOCacheKey() != "" && s.files.home != "":
		s.token.kind, s.token.path = watch.KindSSOToken, creds.SSOTokenPath(s.files.home, p.SSOCacheKey())
	}
	if v, err := readTokenCache(s.token.kind, s.token.path); err == nil {
		s.token.fp, s.token.loginKey = v.fingerprint, v.accessKeyID
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
	if s.token.kind != watch.KindSSOToken {
		return ""
	}
	return s.token.path
}

// tokenCache is the session token cache behind the profile and its kind; path is "" when the
// profile has none (it is neither SSO nor `aws login`).
func (s *session) tokenCache() (kind watch.Kind, path string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.token.kind, s.token.path
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
	src, err := openSource(ctx, s.cfg.selection(), s.env, mfaPrompter(s.childStarted), s.stderr, s.skew)
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
	if s.child.write != nil {
		next, err := s.renderChildConfig()
		if err != nil {
			// Unreachable while the checks where values enter hold; the child keeps its config.
			s.log.Warn("could not update the child's config", "error", err)
		}
		s.mu.Lock()
		if err != nil {
			next = s.child.data
		}
		same := bytes.Equal(next, s.child.data)
		s.child.data = next
		s.mu.Unlock()
		if !same {
			if err := s.child.write(next); err != nil {
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

// selection is what picks and opens a profile's credential source, from a run's Config or an
// export's ResolveInput.
type selection struct {
	profile   string
	explicit  bool // the user named the profile: a missing one is an error, never a fallback
	region    string
	duration  time.Duration
	noSession bool
	caBundle  string
}

func (c Config) selection() selection {
	return selection{profile: c.Profile, explicit: c.ProfileExplicit, region: c.Region, duration: c.Duration,
		noSession: c.NoSession, caBundle: c.CABundle}
}

// openSource picks the profile the way the AWS CLI does and opens it.
// mfa asks for an MFA code when the profile needs one; nil makes such a profile fail. stderr
// takes a credential_process's standard error (nil: awsrun's own). skew checks AWS's clock on
// every answer; one check per run, so a reload does not warn again.
func openSource(ctx context.Context, sel selection, env environ, mfa func() (string, error), stderr io.Writer, skew *skewCheck) (*creds.Source, error) {
	getenv := func(k string) string { return env[k] }
	configPath, credsPath := creds.Paths(getenv)
	files, err := creds.LoadFiles(configPath, credsPath)
	if err != nil {
		return nil, err
	}
	phases.Mark("profile-files")
	profile := sel.profile
	if !sel.explicit && !files.Has(profile) && env["AWS_ACCESS_KEY_ID"] != "" {
		// No profiles at all but keys in the environment (CI, a pasted key): use them.
		profile = ""
	}
	return creds.Open(ctx, files, creds.Options{
		Profile:         profile,
		Region:          sel.region,
		ConfigFile:      configPath,
		CredentialsFile: credsPath,
		Duration:        sel.duration,
		NoSession:       sel.noSession,
		CABundle:        sel.caBundle,
		MFAToken:        mfa,
		ProcessEnv:      resolveEnv(env, sel.profile),
		ProcessStderr:   stderr,
		OnServerTime:    skew.observe,
	})
}

// heldWarning is a warning the set-up made while the first credentials were being resolved.
type heldWarning struct {
	msg  string
	args []any
}

// warn logs a warning about the run's set-up. Until releaseWarnings it is held: the endpoint is
// set up while the first credentials resolve, and a run that then fails says only why it failed,
// as it did when nothing was set up before the credentials.
func (s *session) warn(msg string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.warnLocked(msg, args...)
}

// warnLocked is warn with s.mu held.
func (s *session) warnLocked(msg string, args ...any) {
	if !s.released {
		s.held = append(s.held, heldWarning{msg, args})
		return
	}
	s.log.Warn(msg, args...)
}

// releaseWarnings logs the held warnings, in order, and lets later ones through at once.
func (s *session) releaseWarnings() {
	s.mu.Lock()
	held := s.held
	s.held, s.released = nil, true
	s.mu.Unlock()
	for _, w := range held {
		s.log.Warn(w.msg, w.args...)
	}
}
