package wrapper

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"time"

	"github.com/awsrun/awsrun/creds"
	"github.com/awsrun/awsrun/endpoint"
	"github.com/awsrun/awsrun/internal/phases"
	"github.com/awsrun/awsrun/internal/shellquote"
	"golang.org/x/sync/errgroup"
)

// Exit is how the child ended: an exit code, or the signal that killed it.
type Exit struct {
	Code   int
	Signal syscall.Signal // non-zero when the child died of a signal; Code is then 128+Signal
}

// errExpiredUpstream is what the endpoint reports when upstream handed back dead credentials.
var errExpiredUpstream = errors.New("upstream returned credentials that are already expired")

// NestedError refuses to run a second awsrun for a different profile inside a child of awsrun,
// where the user's profiles are hidden on purpose.
type NestedError struct{ Outer, Inner string }

func (e *NestedError) Error() string {
	return fmt.Sprintf("already running inside awsrun for profile %q; cannot switch to profile %q from here", e.Outer, e.Inner)
}

// Run resolves credentials, starts the child, keeps its credentials fresh and returns how the
// child ended. Errors before the child starts are awsrun's own; the child's failure is an Exit.
func Run(ctx context.Context, cfg Config) (Exit, error) {
	if err := cfg.Validate(); err != nil {
		return Exit{}, err
	}
	env := newEnviron(cfg.Env)
	if env["AWSRUN"] == "1" {
		return runNested(ctx, cfg, env)
	}
	if err := checkProfileFilter(cfg, env); err != nil {
		return Exit{}, err
	}
	s, err := newSession(ctx, cfg, env)
	if err != nil {
		return Exit{}, err
	}
	phases.Mark("resolved")
	pub := publishState(cfg, s.lc.keeper, s.region, s.ssoTokenPath) // awsrun status and export see this process
	defer pub.close()
	var pol policy
	if cfg.Inject == InjectEnv {
		pol = newRestartOnChange(cfg, s.lc, s.region(), pub)
	} else {
		childEnv, closeEndpoint, err := s.serveEndpoint(ctx)
		if err != nil {
			return Exit{}, err
		}
		defer closeEndpoint()
		phases.Mark("endpoint-up")
		pol = runOnce(childEnv)
	}
	s.childStarted.Store(true)
	return supervise(ctx, cfg, pol, s.background(pub))
}

// settleDelay is how long the child runs before awsrun sets up what only a child that keeps
// running needs: the registry entry (for `awsrun status` and `awsrun export` in other
// processes, never for the child) and the watch of ~/.aws (a new login or an edited profile;
// renewals do not depend on it). A command that is done sooner (a script step, one
// `aws sts get-caller-identity`) then costs awsrun neither the set-up nor its undoing: the
// kernel takes milliseconds to release an inotify instance, even at exit.
const settleDelay = 5 * time.Millisecond

// background is the run's work beside the child, one goroutine each in one errgroup: the
// registry entry, the file watch, the credential lifecycle, the SSO session warnings, and the
// report of a panic in a goroutine no errgroup owns. Each returns as soon as ctx ends (when the
// child has been reaped), so the way out waits for none of them; only a registry entry being
// written at that very moment is finished, so that close can remove it.
func (s *session) background(pub *statePublisher) func(context.Context) error {
	log := s.log
	return func(ctx context.Context) error {
		s.mu.Lock()
		s.bgCtx = ctx
		s.mu.Unlock()
		g, gctx := errgroup.WithContext(ctx)
		g.Go(guard(log, func() error {
			if settled(gctx) {
				pub.register()
			}
			return nil
		}))
		g.Go(guard(log, func() error {
			if !settled(gctx) {
				return nil
			}
			w := s.startWatch()
			s.catchUp(gctx)
			return s.watchLoop(gctx, w)
		}))
		g.Go(guard(log, func() error { return s.lc.Run(gctx) }))
		g.Go(guard(log, func() error { s.startWarnings(gctx); return nil }))
		g.Go(func() error { return s.waitInternal(gctx) }) // a panic in a refresh's own goroutine
		return g.Wait()
	}
}

// settled waits settleDelay; false when ctx ended first (the child is gone).
func settled(ctx context.Context) bool {
	t := time.NewTimer(settleDelay)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// serveEndpoint writes the child's private config and starts the credential endpoint that
// serves the lifecycle's credentials; it returns the child's environment and what undoes it all.
func (s *session) serveEndpoint(ctx context.Context) (childEnv []string, closeAll func(), err error) {
	cfg, log := s.cfg, s.log
	dir, err := newPrivateDir()
	if err != nil {
		return nil, nil, &SetupError{Dir: privateDirBase(), Err: err}
	}
	undo := []func(){func() { _ = dir.remove() }}
	closeAll = func() {
		for i := len(undo) - 1; i >= 0; i-- {
			undo[i]()
		}
	}
	defer func() {
		if err != nil {
			closeAll()
		}
	}()
	if s.childConfig, err = s.renderChildConfig(); err != nil {
		return nil, nil, err
	}
	configPath, err := dir.write("config", s.childConfig)
	if err != nil {
		return nil, nil, &SetupError{Dir: dir.path, Err: err}
	}
	s.writeChildCfg = func(b []byte) error { _, err := dir.write("config", b); return err }
	credsPath, err := dir.write("credentials", nil)
	if err != nil {
		return nil, nil, &SetupError{Dir: dir.path, Err: err}
	}
	socket, closeSocket := s.serveChildSocket(ctx, dir.path) // profiles.go: the child's other profiles
	undo = append(undo, closeSocket)
	region := s.region()
	if region == "" {
		log.Warn("profile sets no region; the command gets no AWS_REGION", "profile", cfg.Profile,
			"fix", "awsrun --region REGION, or: aws configure set region REGION --profile "+shellquote.Quote(cfg.Profile))
	}
	ep, err := endpoint.New(endpoint.Options{
		Provider: s.lc,
		Hint:     withEndedSession(hintFor(cfg.Profile), s.lc.lastError),
		Logger:   log.With("component", "endpoint"),
	})
	if err != nil {
		return nil, nil, &SetupError{Err: err}
	}
	if err := ep.Start(); err != nil {
		return nil, nil, &SetupError{Err: fmt.Errorf("start credential endpoint: %w", err)}
	}
	undo = append(undo, func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		_ = ep.Close(cctx)
		st := ep.Stats()
		log.Info("credential endpoint closed", "served", st.Served, "unauthorized", st.Unauthorized,
			"unavailable", st.Unavailable, "not_found", st.NotFound)
	})
	log.Debug("credential endpoint listening", "url", ep.URL())
	return buildChildEnv(childEnvInput{
		base:            cfg.Env,
		endpointEnv:     ep.Env(),
		configFile:      configPath,
		credentialsFile: credsPath,
		region:          region,
		profile:         cfg.Profile,
		socket:          socket,
	}), closeAll, nil
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
// mfa asks for an MFA code when the profile needs one; nil makes such a profile fail. skew
// checks AWS's clock on every answer; one check per run, so a reload does not warn again.
func openSource(ctx context.Context, sel selection, env environ, mfa func() (string, error), skew *skewCheck) (*creds.Source, error) {
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
		OnServerTime:    skew.observe,
	})
}

// hintFor turns an upstream failure into the message the child's SDK shows its user.
func hintFor(profile string) func(error) string {
	return func(err error) string {
		var login *creds.LoginRequiredError
		if errors.As(err, &login) {
			if login.Login {
				// Quoted here: the hint is pasted into a shell, whatever the profile is called.
				return fmt.Sprintf("awsrun: the aws login session for profile %q has ended; run: %s", profile,
					shellquote.Join("aws", "login", "--profile", login.Profile))
			}
			return fmt.Sprintf("awsrun: the SSO session for profile %q has ended; run: %s", profile, login.Hint())
		}
		if errors.Is(err, context.DeadlineExceeded) {
			return "awsrun: AWS did not answer in time while refreshing credentials; it keeps retrying"
		}
		return fmt.Sprintf("awsrun: could not refresh credentials for profile %q; see awsrun's log (--log-file)", profile)
	}
}

// withEndedSession makes hint name the ended session, and the command that starts a new one,
// when credentials are refused for having run out (their last second, served by none) while the
// last renewal said the session has ended: that is the cause the user can fix.
func withEndedSession(hint func(error) string, last func() error) func(error) string {
	return func(err error) string {
		if errors.Is(err, endpoint.ErrExpired) || errors.Is(err, errExpiredUpstream) {
			if l := last(); isLoginRequired(l) {
				err = l
			}
		}
		return hint(err)
	}
}

// runNested handles awsrun inside awsrun: the same profile needs nothing new, so the command
// runs with the inherited endpoint; a different one is refused because the profiles are hidden.
func runNested(ctx context.Context, cfg Config, env environ) (Exit, error) {
	outer := env["AWSRUN_PROFILE"]
	if cfg.ProfileExplicit && cfg.Profile != outer {
		if env[SocketVar] != "" {
			return runNestedOther(ctx, cfg, env) // nested.go
		}
		return Exit{}, &NestedError{Outer: outer, Inner: cfg.Profile}
	}
	cfg.Logger.Debug("nested awsrun: reusing the outer endpoint", "profile", outer)
	return supervise(ctx, cfg, runOnce(cfg.Env), nil)
}

func wallNow() time.Time { return time.Now().Round(0) }
