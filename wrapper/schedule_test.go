package wrapper

import (
	"testing"
	"time"
)

func TestRenewAt(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name     string
		lifetime time.Duration
		before   time.Duration
		want     time.Duration // after fetch
	}{
		{"one hour renews 20m early", time.Hour, 20 * time.Minute, 40 * time.Minute},
		{"15m role renews at two thirds", 15 * time.Minute, 20 * time.Minute, 10 * time.Minute},
		{"6s test creds renew at 4s", 6 * time.Second, 20 * time.Minute, 4 * time.Second},
		{"12h creds honour RefreshBefore", 12 * time.Hour, 20 * time.Minute, 12*time.Hour - 20*time.Minute},
		{"already expired never spins", -time.Second, 20 * time.Minute, minRenewGap},
		{"tiny lifetime never spins", 300 * time.Millisecond, 20 * time.Minute, minRenewGap},
	}
	for _, c := range cases {
		got := renewAt(t0, t0.Add(c.lifetime), c.before).Sub(t0)
		if got != c.want {
			t.Errorf("%s: renew after %v, want %v", c.name, got, c.want)
		}
	}
}

func TestBackoffGrowsCapsAndJitters(t *testing.T) {
	b := backoffFor(time.Hour)
	var last time.Duration
	for i := 0; i < 30; i++ {
		d := b.next()
		if d > b.max || d < b.base/2 {
			t.Fatalf("step %d: %v outside [%v, %v]", i, d, b.base/2, b.max)
		}
		last = d
	}
	if last < b.max/2 {
		t.Errorf("backoff did not reach its cap: %v", last)
	}
	b.reset()
	if d := b.next(); d > b.base {
		t.Errorf("reset did not restart: %v", d)
	}
	short := backoffFor(6 * time.Second)
	if short.max > 2*time.Second || short.base < 200*time.Millisecond {
		t.Errorf("short lifetime backoff %v..%v", short.base, short.max)
	}
}
