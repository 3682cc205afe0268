package wrapper

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/awsrun/awsrun/creds"
	"github.com/awsrun/awsrun/internal/shellquote"
	"github.com/awsrun/awsrun/wallclock"
)

// clock is the time source of the session-end warnings: wallNow and wallclock's timers in
// production (wallClock), a stepped clock in tests. A timer may fire early; the loop re-plans.
type clock struct {
	now   func() time.Time
	until func(at time.Time) *wallclock.Timer
}

var wallClock = clock{now: wallNow, until: wallclock.Until}

// warnPlan decides, for a session ending at end, which warning is due now (lead > 0) and when
// to look again. Leads already passed when awsrun learns of the end collapse into one warning,
// so a user starting with 4 minutes left gets one message, not two.
func warnPlan(end, now time.Time, leads []time.Duration, fired map[time.Duration]bool) (due time.Duration, next time.Time) {
	sorted := append([]time.Duration(nil), leads...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] > sorted[j] })
	for _, l := range sorted {
		if fired[l] {
			continue
		}
		at := end.Add(-l)
		if !at.After(now) {
			if now.Before(end) {
				due = l
			}
			fired[l] = true
			continue
		}
		if next.IsZero() || at.Before(next) {
			next = at
		}
	}
	return due, next
}

// warnLoop warns ahead of the SSO session's end, through the log and a desktop notification,
// never the child's terminal. end reports the current session end (zero when unknown or not
// SSO); a change of it (a new login) re-arms every warning.
func (s *session) warnLoop(ctx context.Context, clk clock, end func() time.Time, recheck <-chan struct{}) {
	fired := map[time.Duration]bool{}
	var known time.Time
	for {
		e := end()
		if !e.Equal(known) {
			known, fired = e, map[time.Duration]bool{}
		}
		var t *wallclock.Timer
		var wait <-chan struct{}
		if !e.IsZero() {
			now := clk.now()
			due, next := warnPlan(e, now, s.cfg.WarnBefore, fired)
			if due > 0 {
				s.warnSessionEnd(e.Sub(now), e)
			}
			if next.IsZero() && now.Before(e) {
				next = e
			}
			if !next.IsZero() {
				t = clk.until(next)
				wait = t.C
			}
		}
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-recheck:
		case <-wait:
		}
		t.Stop()
	}
}

func (s *session) warnSessionEnd(left time.Duration, end time.Time) {
	cmd := shellquote.Join(s.loginArgv()...)
	msg := fmt.Sprintf("SSO session for profile %q ends in %s (at %s)", s.cfg.Profile, left.Round(time.Minute), end.Local().Format("15:04"))
	if left < time.Minute {
		msg = fmt.Sprintf("SSO session for profile %q ends in %s", s.cfg.Profile, left.Round(time.Second))
	}
	s.log.Warn(msg, "session_end", end.UTC().Format(time.RFC3339), "run", cmd)
	s.notify("AWS SSO session ending", msg+"; run "+cmd)
}

// ssoSessionEnd reads the session end from the token cache; zero when unknown.
func (s *session) ssoSessionEnd() time.Time {
	p := s.ssoTokenPath()
	if p == "" {
		return time.Time{}
	}
	t, err := creds.ReadSSOToken(p)
	if err != nil {
		return time.Time{}
	}
	return t.SessionEnd()
}

// startWarnings runs the session-end warnings for SSO profiles until ctx ends. An `aws login`
// profile gets none: its token cache records no session end (the sign-in service ends the
// session, at most 12 hours after the login, by refusing a renewal; the SDK's cache format has
// no end time, and the identity token is opaque to the SDK), and awsrun warns only of an end it
// knows. Its end is reported when it happens: the log, a notification and the endpoint's 503
// name `aws login --profile P`, and --login auto runs it.
func (s *session) startWarnings(ctx context.Context) {
	if s.ssoTokenPath() == "" || len(s.cfg.WarnBefore) == 0 {
		return
	}
	s.warnLoop(ctx, wallClock, s.ssoSessionEnd, nil)
}
