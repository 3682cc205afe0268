package wrapper

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"golang.org/x/sync/singleflight"
)

// upstream is what the keeper refreshes from; creds.Source in production, fakes in tests.
type upstream interface {
	Retrieve(ctx context.Context) (aws.Credentials, error)
}

// snapshot is one set of upstream credentials and when awsrun got them.
type snapshot struct {
	creds   aws.Credentials
	fetched time.Time
}

// lifetime is how long the credentials were valid when fetched.
func (s *snapshot) lifetime() time.Duration { return s.creds.Expires.Sub(s.fetched) }

// keeper holds the current credentials and refreshes them: on schedule from the refresh loop,
// or synchronously when a request finds them expired (after a laptop wakes, for example).
// Concurrent demand collapses into one upstream call.
type keeper struct {
	srcMu  sync.Mutex
	src    upstream // replaced when the user edits the profile
	now    func() time.Time
	cur    atomic.Pointer[snapshot]
	group  singleflight.Group
	budget time.Duration // bound on one upstream call made on behalf of a request

	mu       sync.Mutex
	lastErr  error
	onChange func(old, new *snapshot) // called after every successful refresh, outside locks
	changed  chan struct{}            // nil or cap 1: told (without blocking) after each swap
	onFail   func(error)              // called after every failed upstream call, outside locks
}

// usable reports whether credentials may still be handed out: not expired, and with a small
// margin so a client does not sign with keys that die in flight.
func (k *keeper) usable(s *snapshot, now time.Time) bool {
	if s == nil {
		return false
	}
	if !s.creds.CanExpire {
		return true
	}
	margin := s.lifetime() / 6
	if margin > time.Minute {
		margin = time.Minute
	}
	return s.creds.Expires.Sub(now) > margin
}

// Retrieve implements aws.CredentialsProvider for the endpoint: current credentials when usable,
// otherwise a synchronous refresh shared by all waiting requests.
func (k *keeper) Retrieve(ctx context.Context) (aws.Credentials, error) {
	if s := k.cur.Load(); k.usable(s, k.now()) {
		return s.creds, nil
	}
	s, err := k.fetch(ctx, false)
	if err != nil {
		return aws.Credentials{}, err
	}
	if !k.usable(s, k.now()) && s.creds.Expired() {
		return aws.Credentials{}, errExpiredUpstream
	}
	return s.creds, nil
}

// refresh renews from upstream now (the refresh loop's scheduled renewal).
func (k *keeper) refresh(ctx context.Context) (*snapshot, error) {
	return k.fetch(ctx, true)
}

// fetch makes (or joins) one upstream call; the call is detached from any single request's
// context so a client that gives up does not cancel the fetch for everybody else. Without
// force it first re-checks the current credentials, because a request that saw them unusable
// may arrive just after another request's fetch replaced them.
//
// Scheduled renewals and on-demand fetches share one flight, so a slow renewal is joined by
// the requests that arrive meanwhile instead of being followed by a second upstream call.
func (k *keeper) fetch(ctx context.Context, force bool) (*snapshot, error) {
	ch := k.group.DoChan("upstream", func() (any, error) {
		if s := k.cur.Load(); !force && k.usable(s, k.now()) {
			return s, nil
		}
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), k.budget)
		defer cancel()
		c, err := k.source().Retrieve(cctx)
		k.mu.Lock()
		k.lastErr = err
		k.mu.Unlock()
		if err != nil {
			if k.onFail != nil {
				k.onFail(err)
			}
			return nil, err
		}
		s := &snapshot{creds: c, fetched: k.now()}
		old := k.cur.Swap(s)
		if k.onChange != nil {
			k.onChange(old, s)
		}
		select {
		case k.changed <- struct{}{}:
		default:
		}
		return s, nil
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Val.(*snapshot), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (k *keeper) source() upstream {
	k.srcMu.Lock()
	defer k.srcMu.Unlock()
	return k.src
}

// setSource switches to a re-resolved profile; the next refresh uses it.
func (k *keeper) setSource(u upstream) {
	k.srcMu.Lock()
	k.src = u
	k.srcMu.Unlock()
}

// current returns the snapshot being served, possibly nil.
func (k *keeper) current() *snapshot { return k.cur.Load() }

// lastError is the error of the most recent upstream call, nil after a success.
func (k *keeper) lastError() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.lastErr
}
