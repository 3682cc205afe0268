package wrapper

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"os/signal"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/awsrun/awsrun/child"
	"github.com/awsrun/awsrun/creds"
	"github.com/awsrun/awsrun/wallclock"
)

// buildEnvModeEnv gives the child the credentials themselves, for programs that read the
// environment once and never ask again. The user's config stays visible (env keys win over it
// in every SDK once AWS_PROFILE is gone), so child tools can still name other profiles.
func buildEnvModeEnv(base []string, c aws.Credentials, region, profile string) []string {
	e := newEnviron(base)
	e.unset(scrubbed...)
	if v, ok := newEnviron(base)["AWS_CONFIG_FILE"]; ok {
		e.set("AWS_CONFIG_FILE", v)
	}
	if v, ok := newEnviron(base)["AWS_SHARED_CREDENTIALS_FILE"]; ok {
		e.set("AWS_SHARED_CREDENTIALS_FILE", v)
	}
	e.set("AWS_ACCESS_KEY_ID", c.AccessKeyID)
	e.set("AWS_SECRET_ACCESS_KEY", c.SecretAccessKey)
	if c.SessionToken != "" {
		e.set("AWS_SESSION_TOKEN", c.SessionToken)
	}
	if c.CanExpire {
		e.set("AWS_CREDENTIAL_EXPIRATION", c.Expires.UTC().Format(time.RFC3339))
	}
	if region != "" {
		e.set("AWS_REGION", region)
		e.set("AWS_DEFAULT_REGION", region)
	}
	e.set("AWSRUN", "1")
	e.set("AWSRUN_PROFILE", profile)
	e.set("AWSRUN_INJECT", InjectEnv)
	return e.list()
}

// runEnvMode runs the child with credentials in its environment and restarts it with fresh ones
// at each renewal point, when (and only when) the credentials really changed. A child that exits
// by itself ends awsrun with its status.
func runEnvMode(ctx context.Context, cfg Config, k *keeper, region string, pub *statePublisher, background func(context.Context) error) (Exit, error) {
	log := cfg.Logger
	// The background work fails only when awsrun cannot go on (a recovered panic): that ends
	// the run like a cancelled context (the child is stopped) and is returned as the error.
	runCtx, failRun := context.WithCancelCause(ctx)
	defer failRun(nil)
	bgCtx, stopBackground := context.WithCancel(runCtx)
	bgDone := make(chan struct{})
	go func() {
		defer close(bgDone)
		if err := background(bgCtx); err != nil {
			failRun(err)
		}
	}()
	defer func() {
		stopBackground()
		<-bgDone
	}()
	ctx, outer := runCtx, ctx
	failed := func(exit Exit, err error) (Exit, error) {
		if cause := context.Cause(runCtx); err == nil && outer.Err() == nil && cause != nil && !errors.Is(cause, context.Canceled) {
			return Exit{}, cause
		}
		return exit, err
	}
	interactive := isForegroundTTY(cfg.Stdin)
	sigCh := make(chan os.Signal, 8)
	signal.Notify(sigCh, forwardedSignals...)
	defer signal.Stop(sigCh)
	if cfg.ChildRunning != nil {
		cfg.ChildRunning(true)
		defer cfg.ChildRunning(false)
	}

	argv := cfg.Command
	restarts := 0
	var bo *backoff
	for {
		s := k.current()
		p, err := child.New(child.Options{
			Command:     argv[0],
			Args:        argv[1:],
			Env:         buildEnvModeEnv(cfg.Env, s.creds, region, cfg.Profile),
			Stdin:       cfg.Stdin,
			Stdout:      cfg.Stdout,
			Stderr:      cfg.Stderr,
			StopSignal:  cfg.StopSignal,
			KillTimeout: cfg.KillTimeout,
			// Without a terminal the child gets its own group, so a restart also ends the helpers
			// it started; on a terminal it must stay in ours to receive ^C and ^Z.
			Setpgid:    !interactive,
			KillGroup:  !interactive,
			Pdeathsig:  pdeathsig,
			JobControl: interactive,
		})
		if err != nil {
			return Exit{}, err
		}
		if err := p.Start(); err != nil {
			return Exit{}, err
		}
		log.Debug("child started", "pid", p.Pid(), "command", argv[0], "restarts", restarts)

		restart, exit, err := watchEnvChild(ctx, cfg, k, p, s, sigCh, interactive, &bo)
		if !restart {
			return failed(exit, err)
		}
		next := k.current()
		if cfg.RestartSplay > 0 {
			delay := rand.N(cfg.RestartSplay + 1)
			log.Debug("waiting before restart", "splay", delay.String())
			if !waitOrExit(ctx, p, delay) {
				return failed(exitOf(p.Status()), nil)
			}
		}
		log.Info("restarting the command with new credentials",
			"reason", "credentials renewed",
			"old_key", creds.Redact(s.creds.AccessKeyID), "old_expires", s.creds.Expires.UTC().Format(time.RFC3339),
			"new_key", creds.Redact(next.creds.AccessKeyID), "new_expires", next.creds.Expires.UTC().Format(time.RFC3339),
			"restarts", restarts+1)
		st := p.Stop()
		log.Debug("child stopped for restart", "code", st.ExitCode())
		restarts++
		pub.restarted(restarts)
		if len(cfg.RestartCommand) > 0 {
			argv = cfg.RestartCommand
		}
	}
}

// watchEnvChild waits for the child to exit, forwarding signals, and renews credentials at the
// renewal point. It reports restart=true when the child should be restarted with new ones.
func watchEnvChild(ctx context.Context, cfg Config, k *keeper, p *child.Process, s *snapshot,
	sigCh chan os.Signal, interactive bool, bo **backoff) (restart bool, exit Exit, err error) {
	log := cfg.Logger
	var at time.Time
	var lastKind string // cause of the failing renewal, logged once
	if s.creds.CanExpire {
		at = renewAt(s.fetched, s.creds.Expires, cfg.RefreshBefore)
	}
	for {
		timer := wakeAt(at)
		select {
		case <-p.Done():
			stopTimer(timer)
			return false, exitOf(p.Status()), nil
		case sig := <-sigCh:
			stopTimer(timer)
			if interactive && isTerminalSignal(sig) {
				continue
			}
			log.Debug("forwarding signal", "signal", sig.String())
			_ = p.Signal(sig)
		case <-ctx.Done():
			stopTimer(timer)
			return false, exitOf(p.Stop()), nil
		case <-timerC(timer):
			stopTimer(timer)
			if wallNow().Before(at) {
				continue // woke early (a clock change, or the once-a-minute re-read off Linux)
			}
			next, err := k.refresh(ctx)
			if err != nil {
				if *bo == nil {
					*bo = backoffFor(s.lifetime())
				}
				d := (*bo).next()
				if kind := errKind(err); kind != lastKind {
					lastKind = kind
					log.Warn("credential refresh failed; the command keeps its current credentials and awsrun retries", "error", err,
						"valid_for", time.Until(s.creds.Expires).Round(time.Second).String(), "retry_in", d.Round(time.Millisecond).String())
				}
				at = wallNow().Add(d)
				continue
			}
			if *bo != nil {
				(*bo).reset()
			}
			if lastKind != "" {
				log.Info("credential refresh recovered")
				lastKind = ""
			}
			if next.creds.AccessKeyID == s.creds.AccessKeyID && next.creds.SessionToken == s.creds.SessionToken {
				log.Debug("credentials unchanged; no restart", "key", creds.Redact(next.creds.AccessKeyID))
				s = next
				at = renewAt(next.fetched, next.creds.Expires, cfg.RefreshBefore)
				continue
			}
			return true, Exit{}, nil
		}
	}
}

// wakeAt returns a timer for the wall-clock time at (it also fires after a laptop's sleep);
// nil when there is nothing to wait for.
func wakeAt(at time.Time) *wallclock.Timer {
	if at.IsZero() {
		return nil
	}
	return wallclock.Until(at)
}

func timerC(t *wallclock.Timer) <-chan struct{} {
	if t == nil {
		return nil
	}
	return t.C
}

func stopTimer(t *wallclock.Timer) { t.Stop() }

// waitOrExit waits d unless the child exits first; it reports whether the child is still running.
func waitOrExit(ctx context.Context, p *child.Process, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return true
	case <-p.Done():
		return false
	}
}

func exitOf(st child.Status) Exit {
	if st.Signaled {
		return Exit{Code: st.ExitCode(), Signal: st.Signal}
	}
	return Exit{Code: st.Code}
}
