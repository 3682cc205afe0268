package wrapper

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/awsrun/awsrun/creds"
	"github.com/awsrun/awsrun/state"
	"github.com/awsrun/awsrun/wallclock"
)

// checkProfileFilter refuses a --profiles list that names a profile the user's files do not
// have, before anything starts: a typo would otherwise refuse a profile the user meant to
// allow, found only later inside the child. all and none name no profile, so they cost no read.
func checkProfileFilter(filter creds.ProfileFilter, env environ) error {
	if filter.Names() == nil {
		return nil
	}
	getenv := func(k string) string { return env[k] }
	files, err := creds.LoadFiles(creds.Paths(getenv))
	if err != nil {
		return err
	}
	return filter.Check(files)
}

// SocketVar names the socket of the awsrun a child runs under (endpoint mode): the child's
// `awsrun export --profile NAME` asks it for any profile, as the child's generated config has
// every profile's credential_process do.
const SocketVar = "AWSRUN_SOCKET"

// profileServer answers a child's requests for profiles other than the one awsrun serves it:
// one lifecycle per profile in use, opened from the user's real files (the parent's
// environment, never the child's private copy) on the first request, renewed by the refresh
// rule while it is in use and dropped once nobody has asked for it past its credentials'
// expiry. A profile nobody asks for has no entry, goroutine or timer.
type profileServer struct {
	chosen        string
	filter        creds.ProfileFilter
	sel           selection // duration, no-session and CA bundle of the run; profile set per entry
	env           environ
	refreshBefore time.Duration
	log           *slog.Logger
	open          func(ctx context.Context, sel selection) (upstream, string, error) // tests replace it
	dropped       func(name string)                                                  // tests: told after a drop

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu       sync.Mutex
	profiles map[string]*servedProfile
}

// servedProfile is one profile in use. ready is closed once it is open (or failed to open).
type servedProfile struct {
	ready  chan struct{}
	lc     *lifecycle
	region string
	err    error
	until  time.Time     // guarded by profileServer.mu: drop once past this with no new request
	served chan struct{} // cap 1: told when until is first set
}

func newProfileServer(ctx context.Context, cfg Config, log *slog.Logger) *profileServer {
	ps := &profileServer{
		chosen: cfg.Profile, filter: cfg.Profiles, sel: cfg.selection(), env: newEnviron(cfg.Env),
		refreshBefore: cfg.RefreshBefore, log: log, profiles: map[string]*servedProfile{},
	}
	ps.ctx, ps.cancel = context.WithCancel(context.WithoutCancel(ctx))
	ps.open = ps.openReal
	return ps
}

// openReal resolves a profile the way a run does, with no MFA prompter: the terminal belongs
// to the child, so a profile that needs a code and has no mfa_process fails at once.
func (ps *profileServer) openReal(ctx context.Context, sel selection) (upstream, string, error) {
	src, err := openSource(ctx, sel, ps.env, nil, nil, newSkewCheck(ps.log))
	if err != nil {
		return nil, "", err
	}
	return src, src.Region(), nil
}

// close stops every lifecycle and waits for their goroutines.
func (ps *profileServer) close() {
	ps.cancel()
	ps.wg.Wait()
}

// allowed reports whether the child may have profile name.
func (ps *profileServer) allowed(name string) error {
	if ps.filter.Allows(name, ps.chosen) {
		return nil
	}
	return &creds.ProfileNotAllowedError{Name: name, Filter: ps.filter}
}

// credentials serves profile name (not the chosen one: the caller serves that itself).
func (ps *profileServer) credentials(ctx context.Context, name string) (aws.Credentials, string, error) {
	if err := ps.allowed(name); err != nil {
		return aws.Credentials{}, "", err
	}
	ps.mu.Lock()
	sp, ok := ps.profiles[name]
	if !ok {
		sp = &servedProfile{ready: make(chan struct{}), served: make(chan struct{}, 1)}
		ps.profiles[name] = sp
	}
	ps.mu.Unlock()
	if !ok {
		ps.start(name, sp)
	}
	select {
	case <-sp.ready:
	case <-ctx.Done():
		return aws.Credentials{}, "", ctx.Err()
	}
	if sp.err != nil {
		return aws.Credentials{}, "", sp.err
	}
	c, err := sp.lc.Retrieve(ctx)
	if err != nil {
		return aws.Credentials{}, "", err
	}
	until := c.Expires // what was handed out is what the child may still be using
	if !c.CanExpire {
		until = time.Now().Add(ps.refreshBefore)
	}
	ps.mu.Lock()
	if until.After(sp.until) {
		sp.until = until
	}
	ps.mu.Unlock()
	select {
	case sp.served <- struct{}{}:
	default:
	}
	return c, sp.region, nil
}

// start opens the profile and fetches its first credentials; once it has them, it runs the
// profile's lifecycle and the watch that drops it. A profile that fails to open or to give its
// first credentials is forgotten at once, with nothing left running: every request waiting for
// it is answered with the failure, and the next request tries again.
func (ps *profileServer) start(name string, sp *servedProfile) {
	sel := ps.sel
	sel.profile, sel.explicit, sel.region = name, true, ""
	octx, cancel := context.WithTimeout(ps.ctx, upstreamBudget)
	src, region, err := ps.open(octx, sel)
	var lc *lifecycle
	if err == nil {
		lc = newLifecycle(src, ps.refreshBefore, ps.log.With("profile", name))
		_, err = lc.Retrieve(octx)
	}
	cancel()
	if err != nil {
		sp.err = err
		ps.mu.Lock()
		delete(ps.profiles, name)
		ps.mu.Unlock()
		close(sp.ready)
		return
	}
	sp.lc = lc
	sp.region = region
	close(sp.ready)
	ps.log.Debug("serving another profile to the command", "profile", name)
	ctx, stop := context.WithCancel(ps.ctx)
	ps.wg.Add(2)
	go func() {
		defer ps.wg.Done()
		_ = sp.lc.Run(ctx)
	}()
	go func() {
		defer ps.wg.Done()
		defer stop()
		ps.dropWhenIdle(ctx, name, sp)
	}()
}

// dropWhenIdle waits until the profile's last request is past its credentials' expiry, then
// removes it (stopping its lifecycle); a request meanwhile moves the time on.
func (ps *profileServer) dropWhenIdle(ctx context.Context, name string, sp *servedProfile) {
	for {
		ps.mu.Lock()
		until := sp.until
		if !until.IsZero() && !time.Now().Before(until) {
			delete(ps.profiles, name)
			ps.mu.Unlock()
			ps.log.Debug("profile no longer in use; dropped", "profile", name)
			if ps.dropped != nil {
				ps.dropped(name)
			}
			return
		}
		ps.mu.Unlock()
		if until.IsZero() { // the first request is still being served
			select {
			case <-ctx.Done():
				return
			case <-sp.served:
			}
			continue
		}
		t := wallclock.Until(until)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
			t.Stop()
		}
	}
}

// profileRefusal gives a profile's failure the code the child turns into its exit status.
func profileRefusal(err error) error {
	var (
		notAllowed *creds.ProfileNotAllowedError
		notFound   *creds.ProfileNotFoundError
		incomplete *creds.IncompleteProfileError
		mfa        *creds.MFARequiredError
		login      *creds.LoginRequiredError
		access     *creds.AccessError
	)
	code := ""
	switch {
	case errors.As(err, &notAllowed):
		code = state.CodeNotAllowed
	case errors.As(err, &notFound), errors.As(err, &incomplete):
		code = state.CodeNotFound
	case errors.As(err, &mfa):
		code = state.CodeMFARequired
	case errors.As(err, &login):
		code = state.CodeLoginRequired
	case errors.As(err, &access):
		code = state.CodeAccessDenied
	}
	msg := creds.Scrub(err.Error())
	if code == "" {
		return errors.New(msg)
	}
	return &state.ProfileError{Code: code, Message: msg}
}

// childSocket is what the child's AWSRUN_SOCKET answers: the run's own credentials (as its
// endpoint serves them) and, through ps, every other profile --profiles allows.
type childSocket struct {
	own     *lifecycle
	profile string
	ps      *profileServer
}

func (c *childSocket) Credentials(ctx context.Context) (aws.Credentials, error) {
	cr, err := c.own.Retrieve(ctx)
	if err != nil {
		return cr, profileRefusal(err)
	}
	return cr, nil
}

func (c *childSocket) Status() state.Entry {
	return state.Entry{PID: os.Getpid(), Profile: c.profile}
}

func (c *childSocket) ProfileCredentials(ctx context.Context, name string) (aws.Credentials, string, error) {
	cr, region, err := c.ps.credentials(ctx, name)
	if err != nil {
		return cr, "", profileRefusal(err)
	}
	return cr, region, nil
}

// serveChildSocket answers the child on the socket the endpoint's set-up (Prepared) opened in
// the private directory dir; it returns the path for the child's AWSRUN_SOCKET and what closes
// it. A socket that could not be made (openErr) leaves the child without its other profiles
// (their credential_process fails naming the cause), not without its own credentials.
func (s *session) serveChildSocket(ctx context.Context, dir string, sock *state.Socket, openErr error) (string, func()) {
	if sock == nil {
		s.log.Warn("the command's other profiles are not available", "error", openErr)
		return "", func() {}
	}
	ps := newProfileServer(ctx, s.cfg, s.log.With("component", "profiles"))
	l := sock.Serve(&childSocket{own: s.lc, profile: s.cfg.Profile, ps: ps}, s.region)
	if filepath.Dir(l.Path()) != dir {
		s.log.Debug("the private directory's path is too long for a socket; the command's socket is in a directory of its own", "socket", l.Path())
	}
	return l.Path(), func() {
		l.Close()
		ps.close()
	}
}
