package wrapper

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/awsrun/awsrun/creds"
	"github.com/awsrun/awsrun/state"
)

// statePublisher keeps this supervisor's entry in the per-user registry that `awsrun status`
// lists, and answers `awsrun export` on the entry's socket with the very credentials the child
// gets. It is best effort: a registry that cannot be written costs status and export their view
// of this process, never the child its credentials, so failures are logged and swallowed. A nil
// *statePublisher does nothing.
type statePublisher struct {
	cfg Config
	// regMu is held across a registration and close, so close waits for one under way and
	// a registration that comes after close writes nothing.
	regMu     sync.Mutex
	closed    bool
	mu        sync.Mutex
	h         *state.Handle // nil until register has written the entry
	k         *keeper
	region    func() string // the region the child gets; it follows profile edits
	tokenPath func() string // the profile's SSO token cache file; "" when it does not use SSO
}

// publishState prepares the supervisor's registry entry. It chains itself onto k.onChange, so it
// must be called before anything else can refresh k (the refresh loop, the watch, the endpoint):
// onChange is read without a lock. region and tokenPath are called from onChange too, so they
// must not take a lock held around a refresh. The entry is written by register, which Run calls
// once the child is on its way: the registry is for status and export, not for the child, so its
// file and socket work stays off the child's start.
func publishState(cfg Config, k *keeper, region, tokenPath func() string) *statePublisher {
	p := &statePublisher{cfg: cfg, k: k, region: region, tokenPath: tokenPath}
	prev := k.onChange
	k.onChange = func(old, n *snapshot) {
		if prev != nil {
			prev(old, n)
		}
		p.refreshed(n)
	}
	return p
}

// register writes the entry and starts answering export on its socket.
func (p *statePublisher) register() {
	p.regMu.Lock()
	defer p.regMu.Unlock()
	if p.closed {
		return
	}
	cfg := p.cfg
	env := newEnviron(cfg.Env)
	getenv := func(key string) string { return env[key] }
	configPath, credsPath := creds.Paths(getenv)
	e := state.Entry{
		Command:         cfg.Command,
		Profile:         cfg.Profile,
		Mode:            cfg.Inject,
		ConfigFile:      configPath,
		CredentialsFile: credsPath,
		NoSession:       cfg.NoSession,
	}
	filled := p.k.current()
	p.fill(&e, filled)
	h, err := state.Open(state.Dir(getenv)).Register(e)
	if err != nil {
		cfg.Logger.Warn("awsrun status will not list this process", "error", err)
		return
	}
	p.mu.Lock()
	p.h = h
	p.mu.Unlock()
	// A refresh between fill and the assignment above found no handle to update; only then is
	// the entry rewritten.
	if cur := p.k.current(); cur != filled {
		p.refreshed(cur)
	}
	if err := h.Serve(p); err != nil {
		cfg.Logger.Info("awsrun export will resolve by itself instead of asking this process", "error", err)
	}
}

func (p *statePublisher) handle() *state.Handle {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.h
}

// fill copies what status shows from a snapshot and the SSO token cache; never a secret.
func (p *statePublisher) fill(e *state.Entry, s *snapshot) {
	if s != nil {
		e.KeyID = creds.Redact(s.creds.AccessKeyID)
		e.Source = s.creds.Source
		e.Expires = time.Time{}
		if s.creds.CanExpire {
			e.Expires = s.creds.Expires.UTC()
		}
		e.LastRefresh = s.fetched.UTC()
	}
	if p.region != nil {
		e.Region = p.region()
	}
	if p.tokenPath == nil {
		return
	}
	if path := p.tokenPath(); path != "" {
		if t, err := creds.ReadSSOToken(path); err == nil {
			e.SSOTokenExpires = t.ExpiresAt.UTC()
			e.SSORefreshable = t.Refreshable
			e.SSOSessionEnds = t.SessionEnd().UTC()
		}
	}
}

// refreshed records new credentials (called through keeper.onChange).
func (p *statePublisher) refreshed(s *snapshot) {
	if p == nil || s == nil {
		return
	}
	h := p.handle()
	if h == nil {
		return
	}
	_ = h.Update(func(e *state.Entry) {
		p.fill(e, s)
		e.LastError = ""
	})
}

// restarted records an env-mode restart of the child.
func (p *statePublisher) restarted(n int) {
	if p == nil {
		return
	}
	h := p.handle()
	if h == nil {
		return
	}
	_ = h.Update(func(e *state.Entry) { e.Restarts = n })
}

// close removes the entry and its socket; called when awsrun exits. A registration under way
// is finished first (and then removed); one that has not started yet never writes anything.
func (p *statePublisher) close() {
	if p == nil {
		return
	}
	p.regMu.Lock()
	defer p.regMu.Unlock()
	p.closed = true
	if h := p.handle(); h != nil {
		_ = h.Close()
	}
}

// Credentials serves export what the endpoint serves the child, refreshing when needed.
// Its error text crosses to another process, so it is scrubbed here, where the secrets are known.
func (p *statePublisher) Credentials(ctx context.Context) (aws.Credentials, error) {
	c, err := p.k.Retrieve(ctx)
	if err != nil {
		return c, errors.New(creds.Scrub(err.Error()))
	}
	return c, nil
}

// Status is the entry with the live state of the keeper: a failing renewal shows at once,
// without waiting for a file rewrite.
func (p *statePublisher) Status() state.Entry {
	e := p.handle().Entry()
	p.fill(&e, p.k.current())
	if err := p.k.lastError(); err != nil {
		e.LastError = creds.Scrub(err.Error())
	}
	return e
}
