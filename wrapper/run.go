package wrapper

import (
	"context"
	"errors"
	"os"
	"runtime"
	"syscall"
	"time"

	"github.com/awsrun/awsrun/internal/phases"
	"github.com/awsrun/awsrun/internal/sigintake"
)

// Exit is how the child ended: an exit code, or the signal that killed it.
type Exit struct {
	Code   int
	Signal syscall.Signal // non-zero when the child died of a signal; Code is then 128+Signal
}

// errExpiredUpstream is what the endpoint reports when upstream handed back dead credentials.
var errExpiredUpstream = errors.New("upstream returned credentials that are already expired")

// Run resolves credentials, starts the child, keeps its credentials fresh and returns how the
// child ended. Errors before the child starts are awsrun's own; the child's failure is an Exit.
func Run(ctx context.Context, cfg Config) (Exit, error) {
	if err := cfg.Validate(); err != nil {
		return Exit{}, err
	}
	env := newEnviron(cfg.Env)
	nested := env["AWSRUN"] == "1"
	prep := cfg.Prepared.take() // endpointprep.go: started before the command line was parsed
	switch {
	case cfg.Inject == InjectEnv || nested:
		if prep != nil {
			prep.discard() // no endpoint to serve
			prep = nil
		}
	case prep == nil:
		// Before a signal intake of Run's own (when the caller brought none): its registration
		// is mostly waiting on another thread, the set-up is not, so the set-up goes first.
		prep = startEndpointPrep()
	}
	sigs := cfg.Signals // registered while awsrun started, handed to supervise
	if sigs == nil {
		sigs = sigintake.Start()
	}
	defer sigs.Close()
	if prep != nil {
		sigs.BeforeDeath(prep.discard) // a signal that ends awsrun before the child starts leaves nothing behind
	}
	log := cfg.Logger
	sigs.OnSignal(func(sig os.Signal) {
		log.Debug("signal before the command started: its default action", "signal", sig.String())
	})
	if nested {
		return runNested(ctx, cfg, env, sigs) // nested.go
	}
	s, err := newSession(ctx, cfg, env) // session.go: the profile, its source and lifecycle
	if err != nil {
		if prep != nil {
			prep.discard()
		}
		return Exit{}, err
	}
	phases.Mark("opened")
	// The first credentials (a call to AWS for SSO or a role) come while the endpoint is set up;
	// the child starts only once both are done, and a failure to resolve is reported first.
	resolved := make(chan error, 1)
	local := s.src.Local() // before the goroutine, which may replace s.src (a new login)
	go func() {
		err := s.resolve(ctx)
		phases.Mark("resolved")
		resolved <- err
	}()
	if !local {
		// A resolution that asks AWS (or runs a process) sends its request on this thread now,
		// and the set-up below runs while the answer is on its way; otherwise the goroutine
		// waits for the set-up to finish, or for another thread to be woken for it (0.05-0.1 ms
		// on a VM). Long-term keys resolve without waiting for anything, and yielding to them
		// only delays the set-up.
		runtime.Gosched()
	}
	var pol policy
	var pub *statePublisher
	if cfg.Inject == InjectEnv {
		if err := <-resolved; err != nil {
			return Exit{}, err
		}
		pub = publishState(cfg, s.lc.keeper, s.region, s.ssoTokenPath) // state.go: awsrun status and export see this process
		pol = newRestartOnChange(cfg, s.lc, s.region(), pub)           // envmode.go
	} else {
		childEnv, closeEndpoint, err := s.serveEndpoint(ctx, prep) // endpointmode.go
		if err == nil {
			defer closeEndpoint()
			phases.Mark("endpoint-up")
		}
		if rerr := <-resolved; rerr != nil {
			return Exit{}, rerr
		}
		if err != nil {
			return Exit{}, err
		}
		pub = publishState(cfg, s.lc.keeper, s.region, s.ssoTokenPath)
		pol = runOnce(childEnv)
	}
	defer pub.close()
	s.releaseWarnings()
	phases.Mark("ready")
	s.childStarted.Store(true)
	return supervise(ctx, cfg, pol, s.background(pub), sigs) // supervise.go, background.go
}

func wallNow() time.Time { return time.Now().Round(0) }
