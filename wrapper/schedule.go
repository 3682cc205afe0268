package wrapper

import (
	"math/rand/v2"
	"time"
)

// minRenewGap keeps the loop from spinning when upstream hands back credentials that are
// already inside the renewal window (a 15-minute role with a 20-minute RefreshBefore).
const minRenewGap = 500 * time.Millisecond

// renewAt is the refresh rule: expiry - min(refreshBefore, lifetime/3), so served credentials
// keep more than the clients' own refresh windows (botocore 15 min) whenever the lifetime allows,
// and short lifetimes (seconds in tests, 15-minute roles) still renew at two thirds.
func renewAt(fetched, expires time.Time, refreshBefore time.Duration) time.Time {
	lifetime := expires.Sub(fetched)
	lead := lifetime / 3
	if refreshBefore < lead {
		lead = refreshBefore
	}
	at := expires.Add(-lead)
	if min := fetched.Add(minRenewGap); at.Before(min) {
		at = min
	}
	return at
}

// backoff is capped exponential backoff with full jitter in [d/2, d].
type backoff struct {
	base, max time.Duration
	n         int
}

func (b *backoff) next() time.Duration {
	d := b.base << b.n
	if d <= 0 || d > b.max {
		d = b.max
	} else {
		b.n++
	}
	half := d / 2
	return half + rand.N(half+1)
}

func (b *backoff) reset() { b.n = 0 }

// backoffFor scales retries to the credential lifetime: seconds-long test credentials retry
// within their life, hour-long ones do not hammer STS.
func backoffFor(lifetime time.Duration) *backoff {
	base := lifetime / 20
	base = min(max(base, 200*time.Millisecond), 5*time.Second)
	maxD := min(max(lifetime/4, time.Second), 2*time.Minute)
	return &backoff{base: base, max: maxD}
}
