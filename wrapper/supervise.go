package wrapper

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/awsrun/awsrun/child"
	"github.com/awsrun/awsrun/internal/phases"
	"github.com/awsrun/awsrun/internal/sigintake"
	"golang.org/x/sync/errgroup"
)

// policy is what the supervisor needs to know of an injection mode: the child's environment,
// and whether (and when) a running child must be replaced by a new one.
type policy interface {
	// childEnv is the environment of the next start.
	childEnv() []string
	// changed fires when the running child may need replacing; nil: the child runs once.
	changed() <-chan struct{}
	// stale reports whether the running child must be replaced, with what to log about it.
	stale() (bool, []any)
	// restarted records the n-th replacement.
	restarted(n int)
	// options adjusts how a child is started (process group, stop signal).
	options(o *child.Options, interactive bool)
}

// runOnce is endpoint mode's policy (and a nested awsrun's): one child, started with env; its
// credentials reach it through the endpoint, so it never needs replacing.
type runOnce []string

func (e runOnce) childEnv() []string         { return e }
func (runOnce) changed() <-chan struct{}     { return nil }
func (runOnce) stale() (bool, []any)         { return false, nil }
func (runOnce) restarted(int)                {}
func (runOnce) options(*child.Options, bool) {}

// supervise runs the child under pol: it starts it, forwards signals, follows job control, runs
// background beside it, replaces it when pol says so, stops it when awsrun must end, and
// reports how the last one ended. background returns an error only when awsrun cannot go on (a
// recovered panic): the child is then stopped and the error returned.
//
// sigs holds the forwarded signals, registered while awsrun started (sigintake); nil registers
// them here.
func supervise(ctx context.Context, cfg Config, pol policy, background func(context.Context) error, sigs *sigintake.Intake) (exit Exit, err error) {
	interactive := isForegroundTTY(cfg.Stdin)
	g, gctx := errgroup.WithContext(ctx)
	bgCtx, stopBackground := context.WithCancel(gctx)
	var p *child.Process
	defer func() {
		// A panic on this goroutine: stop the background work and the child properly (Stop
		// before Start only marks it done), then return, so Run's deferred cleanup removes the
		// private files, socket and state entry.
		if v := recover(); v != nil {
			exit, err = Exit{}, internalError(cfg.Logger, v)
			stopBackground()
			if p != nil {
				p.Stop()
			}
			_ = g.Wait()
		}
	}()

	if sigs == nil {
		sigs = sigintake.Start()
	}
	// The way out does not wait for signal.Stop (see close): signals that come meanwhile land in
	// sigCh, so clean-up is not cut short by one.
	defer sigs.Close()
	sigCh := sigs.HandOver()
	if cfg.ChildRunning != nil {
		cfg.ChildRunning(true)
		defer cfg.ChildRunning(false)
	}

	argv, restarts := cfg.Command, 0
	start := func() error {
		o := child.Options{
			Command:     argv[0],
			Args:        argv[1:],
			Env:         pol.childEnv(),
			Stdin:       cfg.Stdin,
			Stdout:      cfg.Stdout,
			Stderr:      cfg.Stderr,
			KillTimeout: cfg.KillTimeout,
			Pdeathsig:   pdeathsig,
			JobControl:  interactive,
		}
		pol.options(&o, interactive)
		np, err := child.New(o)
		if err == nil {
			err = np.Start()
		}
		if err != nil {
			return err
		}
		p = np
		phases.Mark("child-started")
		cfg.Logger.Debug("child started", "pid", p.Pid(), "command", argv[0], "restarts", restarts)
		return nil
	}
	if err := start(); err != nil {
		stopBackground()
		return Exit{}, err
	}
	if background != nil {
		g.Go(guard(cfg.Logger, func() error { return background(bgCtx) }))
	}
	// ended is the child's end, or (failed) awsrun's own when a restart could not start one.
	ended, failed := func() (Exit, error) {
		for {
			select {
			case <-p.Done():
				return exitOf(p.Status()), nil
			case sig := <-sigCh:
				if interactive && isTerminalSignal(sig) {
					continue // the terminal already delivered it to the whole foreground group
				}
				cfg.Logger.Debug("forwarding signal", "signal", sig.String())
				_ = p.Signal(sig)
			case <-ctx.Done():
				// Our caller gave up (it never does in the CLI): stop the child properly.
				return exitOf(p.Stop()), nil
			case <-gctx.Done():
				// The background work failed (an internal error): stop the child properly.
				return exitOf(p.Stop()), nil
			case <-pol.changed():
				replace, attrs := pol.stale()
				if !replace {
					continue
				}
				if cfg.RestartSplay > 0 {
					delay := rand.N(cfg.RestartSplay + 1)
					cfg.Logger.Debug("waiting before restart", "splay", delay.String())
					if !waitOrExit(gctx, p, delay) {
						return exitOf(p.Status()), nil
					}
				}
				restarts++
				cfg.Logger.Info("restarting the command with new credentials", append(attrs, "restarts", restarts)...)
				st := p.Stop()
				cfg.Logger.Debug("child stopped for restart", "code", st.ExitCode())
				pol.restarted(restarts)
				if len(cfg.RestartCommand) > 0 {
					argv = cfg.RestartCommand
				}
				if err := start(); err != nil {
					return Exit{}, err
				}
			}
		}
	}()
	phases.Mark("child-reaped")
	stopBackground()
	if failed == nil && gctx.Err() == nil {
		// The child ended by itself and the background work is well: it stops by itself now
		// that its context is cancelled, and holds nothing the way out must wait for (the
		// registry entry is finished and removed by the publisher's close; a watch's
		// descriptors and a timer go with the process). So awsrun does not wait for it.
		cfg.Logger.Debug("child exited", "code", ended.Code)
		return ended, nil
	}
	if err := g.Wait(); err != nil {
		// Background work returns an error only when awsrun cannot go on (a recovered panic).
		p.Stop()
		return Exit{}, err
	}
	if failed != nil {
		return Exit{}, failed
	}
	cfg.Logger.Debug("child exited", "code", ended.Code)
	return ended, nil
}

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
