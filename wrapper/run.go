package wrapper

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/awsrun/awsrun/child"
	"github.com/awsrun/awsrun/creds"
	"github.com/awsrun/awsrun/endpoint"
	"github.com/awsrun/awsrun/internal/shellquote"
	"github.com/awsrun/awsrun/wallclock"
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
	log := cfg.Logger

	s, err := newSession(ctx, cfg, env)
	if err != nil {
		return Exit{}, err
	}
	k := s.k
	pub := publishState(cfg, k, s.region, s.ssoTokenPath) // awsrun status and export see this process
	defer pub.close()
	background := func(ctx context.Context) error {
		s.mu.Lock()
		s.bgCtx = ctx
		s.mu.Unlock()
		g, gctx := errgroup.WithContext(ctx)
		g.Go(guard(log, func() error { pub.register(); return nil }))
		w := s.startWatch()
		g.Go(guard(log, func() error { return s.watchLoop(gctx, w) }))
		g.Go(guard(log, func() error { return refreshLoop(gctx, k, cfg.RefreshBefore, log) }))
		g.Go(guard(log, func() error { s.startWarnings(gctx); return nil }))
		g.Go(func() error { return s.waitInternal(gctx) }) // a panic in a refresh's own goroutine
		return g.Wait()
	}

	if cfg.Inject == InjectEnv {
		s.childStarted.Store(true)
		// Env mode renews on its own schedule (it restarts the child); the watch still reacts
		// to logins and edits, and the next renewal picks the result up.
		return runEnvMode(ctx, cfg, k, s.region(), pub, func(ctx context.Context) error {
			s.mu.Lock()
			s.bgCtx = ctx
			s.mu.Unlock()
			g, gctx := errgroup.WithContext(ctx)
			g.Go(guard(log, func() error { s.startWarnings(gctx); return nil }))
			g.Go(guard(log, func() error { pub.register(); return s.watchLoop(gctx, s.startWatch()) }))
			g.Go(func() error { return s.waitInternal(gctx) }) // a panic in a refresh's own goroutine
			return g.Wait()
		})
	}

	dir, err := newPrivateDir()
	if err != nil {
		return Exit{}, &SetupError{Dir: privateDirBase(), Err: err}
	}
	defer dir.remove()

	if s.childConfig, err = s.renderChildConfig(); err != nil {
		return Exit{}, err
	}
	configPath, err := dir.write("config", s.childConfig)
	if err != nil {
		return Exit{}, &SetupError{Dir: dir.path, Err: err}
	}
	s.writeChildCfg = func(b []byte) error { _, err := dir.write("config", b); return err }
	credsPath, err := dir.write("credentials", nil)
	if err != nil {
		return Exit{}, &SetupError{Dir: dir.path, Err: err}
	}
	region := s.region()
	if region == "" {
		log.Warn("profile sets no region; the command gets no AWS_REGION", "profile", cfg.Profile,
			"fix", "awsrun --region REGION, or: aws configure set region REGION --profile "+shellquote.Quote(cfg.Profile))
	}

	ep, err := endpoint.New(endpoint.Options{
		Provider: k,
		Hint:     hintFor(cfg.Profile),
		Logger:   log.With("component", "endpoint"),
	})
	if err != nil {
		return Exit{}, &SetupError{Err: err}
	}
	if err := ep.Start(); err != nil {
		return Exit{}, &SetupError{Err: fmt.Errorf("start credential endpoint: %w", err)}
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		_ = ep.Close(cctx)
		st := ep.Stats()
		log.Info("credential endpoint closed", "served", st.Served, "unauthorized", st.Unauthorized,
			"unavailable", st.Unavailable, "not_found", st.NotFound)
	}()
	log.Debug("credential endpoint listening", "url", ep.URL())

	childEnv := buildChildEnv(childEnvInput{
		base:            cfg.Env,
		endpointEnv:     ep.Env(),
		configFile:      configPath,
		credentialsFile: credsPath,
		region:          region,
		profile:         cfg.Profile,
	})
	s.childStarted.Store(true)
	return supervise(ctx, cfg, childEnv, background)
}

// openSource picks the profile the way the AWS CLI does and opens it.
// mfa asks for an MFA code when the profile needs one; nil makes such a profile fail. skew
// checks AWS's clock on every answer; one check per run, so a reload does not warn again.
func openSource(ctx context.Context, cfg Config, env environ, mfa func() (string, error), skew *skewCheck) (*creds.Source, error) {
	getenv := func(k string) string { return env[k] }
	configPath, credsPath := creds.Paths(getenv)
	files, err := creds.LoadFiles(configPath, credsPath)
	if err != nil {
		return nil, err
	}
	profile := cfg.Profile
	if !cfg.ProfileExplicit && !files.Has(profile) && env["AWS_ACCESS_KEY_ID"] != "" {
		// No profiles at all but keys in the environment (CI, a pasted key): use them.
		profile = ""
	}
	return creds.Open(ctx, files, creds.Options{
		Profile:         profile,
		Region:          cfg.Region,
		ConfigFile:      configPath,
		CredentialsFile: credsPath,
		Duration:        cfg.Duration,
		NoSession:       cfg.NoSession,
		CABundle:        cfg.CABundle,
		MFAToken:        mfa,
		OnServerTime:    skew.observe,
	})
}

// hintFor turns an upstream failure into the message the child's SDK shows its user.
func hintFor(profile string) func(error) string {
	return func(err error) string {
		var login *creds.LoginRequiredError
		if errors.As(err, &login) {
			return fmt.Sprintf("awsrun: the SSO session for profile %q has ended; run: %s", profile, login.Hint())
		}
		if errors.Is(err, context.DeadlineExceeded) {
			return "awsrun: AWS did not answer in time while refreshing credentials; it keeps retrying"
		}
		return fmt.Sprintf("awsrun: could not refresh credentials for profile %q; see awsrun's log (--log-file)", profile)
	}
}

// runNested handles awsrun inside awsrun: the same profile needs nothing new, so the command
// runs with the inherited endpoint; a different one is refused because the profiles are hidden.
func runNested(ctx context.Context, cfg Config, env environ) (Exit, error) {
	outer := env["AWSRUN_PROFILE"]
	if cfg.ProfileExplicit && cfg.Profile != outer {
		return Exit{}, &NestedError{Outer: outer, Inner: cfg.Profile}
	}
	cfg.Logger.Debug("nested awsrun: reusing the outer endpoint", "profile", outer)
	return supervise(ctx, cfg, cfg.Env, nil)
}

// supervise starts the child, forwards signals, runs background work until the child ends,
// and reports how it ended.
func supervise(ctx context.Context, cfg Config, childEnv []string, background func(context.Context) error) (exit Exit, err error) {
	interactive := isForegroundTTY(cfg.Stdin)
	p, err := child.New(child.Options{
		Command:     cfg.Command[0],
		Args:        cfg.Command[1:],
		Env:         childEnv,
		Stdin:       cfg.Stdin,
		Stdout:      cfg.Stdout,
		Stderr:      cfg.Stderr,
		KillTimeout: cfg.KillTimeout,
		Pdeathsig:   pdeathsig,
		JobControl:  interactive,
	})
	if err != nil {
		return Exit{}, err
	}
	g, gctx := errgroup.WithContext(ctx)
	bgCtx, stopBackground := context.WithCancel(gctx)
	defer func() {
		// A panic on this goroutine: stop the background work and the child properly (Stop
		// before Start only marks it done), then return, so Run's deferred cleanup removes the
		// private files, socket and state entry.
		if v := recover(); v != nil {
			exit, err = Exit{}, internalError(cfg.Logger, v)
			stopBackground()
			p.Stop()
			_ = g.Wait()
		}
	}()

	sigCh := make(chan os.Signal, 8)
	signal.Notify(sigCh, forwardedSignals...)
	defer signal.Stop(sigCh)

	if cfg.ChildRunning != nil {
		cfg.ChildRunning(true)
		defer cfg.ChildRunning(false)
	}
	if err := p.Start(); err != nil {
		stopBackground()
		return Exit{}, err
	}
	cfg.Logger.Debug("child started", "pid", p.Pid(), "command", cfg.Command[0])

	if background != nil {
		g.Go(guard(cfg.Logger, func() error { return background(bgCtx) }))
	}
	g.Go(guard(cfg.Logger, func() error {
		defer stopBackground()
		for {
			select {
			case <-p.Done():
				return nil
			case sig := <-sigCh:
				if interactive && isTerminalSignal(sig) {
					// The terminal already delivered it to the whole foreground group.
					continue
				}
				cfg.Logger.Debug("forwarding signal", "signal", sig.String())
				_ = p.Signal(sig)
			case <-ctx.Done():
				// Our caller gave up (it never does in the CLI): stop the child properly.
				p.Stop()
				return nil
			case <-gctx.Done():
				// The background work failed (an internal error): stop the child properly.
				p.Stop()
				return nil
			}
		}
	}))
	if err := g.Wait(); err != nil {
		// Background work returns an error only when awsrun cannot go on (a recovered panic).
		// The signal loop stopped the child; if the loop itself panicked, stop it here.
		p.Stop()
		return Exit{}, err
	}
	st := p.Status()
	cfg.Logger.Debug("child exited", "code", st.ExitCode())
	return exitOf(st), nil
}

func wallNow() time.Time { return time.Now().Round(0) }

// refreshLoop renews credentials by the refresh rule and retries failures with backoff while
// the endpoint keeps serving the still-valid ones. A refresh made elsewhere (a new SSO login,
// an edited profile, a request that found the credentials expired) re-plans the next one.
func refreshLoop(ctx context.Context, k *keeper, refreshBefore time.Duration, log *slog.Logger) error {
	var bo *backoff
	var failing error
	for {
		s := k.current()
		if s == nil || !s.creds.CanExpire {
			select {
			case <-ctx.Done():
				return nil
			case <-k.changed:
				continue
			}
		}
		at := renewAt(s.fetched, s.creds.Expires, refreshBefore)
		if failing != nil {
			if bo == nil {
				bo = backoffFor(s.lifetime())
			}
			at = wallNow().Add(bo.next())
		}
		switch sleepUntil(ctx, at, k.changed) {
		case wakeCancelled:
			return nil
		case wakeChanged:
			failing = nil
			if bo != nil {
				bo.reset()
			}
			continue
		}
		_, err := k.refresh(ctx)
		// Our own swap also signals changed; drain it so it does not cut the next wait short.
		select {
		case <-k.changed:
		default:
		}
		switch {
		case err != nil && ctx.Err() != nil:
			return nil
		case err != nil:
			if failing == nil || errKind(failing) != errKind(err) {
				left := time.Until(s.creds.Expires).Round(time.Second)
				log.Warn("credential refresh failed; serving the current credentials and retrying", "error", err, "valid_for", left.String())
			}
			failing = err
		default:
			if failing != nil {
				log.Info("credential refresh recovered")
			}
			failing = nil
			if bo != nil {
				bo.reset()
			}
		}
	}
}

type wake int

const (
	wakeDue wake = iota
	wakeCancelled
	wakeChanged
)

// sleepUntil waits for the wall clock to pass at, also across a laptop's sleep (wallclock), and
// returns early when ctx ends or changed fires.
func sleepUntil(ctx context.Context, at time.Time, changed <-chan struct{}) wake {
	for {
		if !at.After(wallNow()) {
			return wakeDue
		}
		t := wallclock.Until(at)
		select {
		case <-ctx.Done():
			t.Stop()
			return wakeCancelled
		case <-changed:
			t.Stop()
			return wakeChanged
		case <-t.C:
			t.Stop()
		}
	}
}
