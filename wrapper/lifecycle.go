package wrapper

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/awsrun/awsrun/wallclock"
)

// lifecycle is one profile's credentials over time: the current ones (its keeper, which also
// serves them on demand), renewed by the refresh rule in one loop, retried with backoff when
// upstream fails (warned once per kind of failure, "recovered" when it passes), and a "changed"
// notification for whoever has to react to new credentials (env mode restarts its child).
//
// It knows nothing of the run's Config: an upstream, a refresh lead and a logger make one, so
// several can live side by side, one per profile in use. Nothing runs until Run is called.
type lifecycle struct {
	*keeper
	refreshBefore time.Duration
	log           *slog.Logger

	mu   sync.Mutex
	subs []*subscriber
}

// subscriber is one receiver of "changed" and the credentials it was last told about.
type subscriber struct {
	c    chan struct{}
	seen *snapshot
}

// newLifecycle prepares a lifecycle for src; the first credentials come from refresh or Retrieve.
func newLifecycle(src upstream, refreshBefore time.Duration, log *slog.Logger) *lifecycle {
	return &lifecycle{
		keeper:        &keeper{src: src, now: wallNow, budget: upstreamBudget, changed: make(chan struct{}, 1)},
		refreshBefore: refreshBefore,
		log:           log,
	}
}

// Changed returns a channel told, without blocking and coalesced, after every successful
// renewal (scheduled, on demand or after a file event) that came after the call, whether or not
// the keys differ: the receiver compares what it holds with current().
func (l *lifecycle) Changed() <-chan struct{} {
	sub := &subscriber{c: make(chan struct{}, 1), seen: l.current()}
	l.mu.Lock()
	l.subs = append(l.subs, sub)
	l.mu.Unlock()
	return sub.c
}

func (l *lifecycle) notify() {
	cur := l.current()
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, sub := range l.subs {
		if sub.seen == cur {
			continue
		}
		sub.seen = cur
		select {
		case sub.c <- struct{}{}:
		default:
		}
	}
}

// Run renews the credentials by the refresh rule until ctx ends. A failed renewal keeps the
// current credentials in use and is retried with backoff; a renewal made elsewhere (a new SSO
// login, an edited profile, a request that found the credentials expired) re-plans the next one.
// The timer waits for a time of day, so a laptop's sleep does not make it late.
func (l *lifecycle) Run(ctx context.Context) error {
	var bo *backoff
	var failing error // the last renewal's error, nil when it succeeded
	at := l.plan()
	for {
		var due <-chan struct{}
		var t *wallclock.Timer
		if !at.IsZero() {
			t = wallclock.Until(at)
			due = t.C
		}
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-l.changed:
			t.Stop()
			if failing != nil {
				l.log.Info("credential refresh recovered")
			}
			failing = nil
			if bo != nil {
				bo.reset()
			}
			l.notify()
			at = l.plan()
			continue
		case <-due:
			t.Stop()
			if wallNow().Before(at) {
				continue // woke early: a clock change, or the once-a-minute re-read off Linux
			}
		}
		held := l.current()
		_, err := l.refresh(ctx)
		switch {
		case err != nil && ctx.Err() != nil:
			return nil
		case err != nil:
			if bo == nil {
				bo = backoffFor(held.lifetime())
			}
			d := bo.next()
			if failing == nil || errKind(failing) != errKind(err) {
				l.log.Warn("credential refresh failed; the current credentials stay in use and awsrun retries", "error", err,
					"valid_for", time.Until(held.creds.Expires).Round(time.Second).String(), "retry_in", d.Round(time.Millisecond).String())
			}
			failing = err
			at = wallNow().Add(d)
		default:
			// Our own swap signalled changed too; take it here so it does not cut the next wait short.
			select {
			case <-l.changed:
			default:
			}
			if failing != nil {
				l.log.Info("credential refresh recovered")
			}
			failing = nil
			if bo != nil {
				bo.reset()
			}
			l.notify()
			at = l.plan()
		}
	}
}

// plan is when the current credentials are due for renewal; zero when they never expire.
func (l *lifecycle) plan() time.Time {
	s := l.current()
	if s == nil || !s.creds.CanExpire {
		return time.Time{}
	}
	return renewAt(s.fetched, s.creds.Expires, l.refreshBefore)
}
