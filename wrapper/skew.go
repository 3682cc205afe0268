package wrapper

import (
	"log/slog"
	"runtime"
	"sync"
	"time"
)

// skewWarnAbove is where awsrun starts to warn: AWS rejects SigV4 requests signed more than
// 5 minutes off its clock, so the child's own requests are about to fail.
const skewWarnAbove = 4 * time.Minute

// clockSkew reads one AWS answer: how far AWS's clock is ahead of ours (negative: behind), and
// bounds for it. The Date header has whole seconds and was stamped somewhere between sending
// and receiving, so the server's true time lies in [server, server+1s) and ours in [sent, received].
func clockSkew(server, sent, received time.Time) (est, lo, hi time.Duration) {
	lo = server.Sub(received)
	hi = server.Add(time.Second).Sub(sent)
	est = lo + (hi-lo)/2
	return est, lo, hi
}

// skewCheck turns AWS's Date headers into at most one warning per excursion: it warns once
// when the local clock is surely more than skewWarnAbove off, stays quiet while it stays off,
// and re-arms only once the clock is surely back within the limit. Safe for concurrent use.
type skewCheck struct {
	log  *slog.Logger
	goos string

	mu     sync.Mutex
	warned bool
}

func newSkewCheck(log *slog.Logger) *skewCheck {
	return &skewCheck{log: log, goos: runtime.GOOS}
}

// observe is creds.Options.OnServerTime.
func (c *skewCheck) observe(server, sent, received time.Time) {
	est, lo, hi := clockSkew(server, sent, received)
	off := lo > skewWarnAbove || hi < -skewWarnAbove // off even at the bound nearest to zero
	within := lo >= -skewWarnAbove && hi <= skewWarnAbove
	c.mu.Lock()
	warn := off && !c.warned
	back := within && c.warned
	if warn {
		c.warned = true
	} else if back {
		c.warned = false
	}
	c.mu.Unlock()
	switch {
	case warn:
		c.log.Warn(skewMessage(est), "fix", clockFix(c.goos))
	case back:
		c.log.Info("the local clock is back within 4 minutes of AWS", "skew", est.Round(time.Second).String())
	}
}

// skewMessage says which way the local clock is off and by how much.
func skewMessage(awsAhead time.Duration) string {
	d, way := awsAhead, "behind"
	if d < 0 {
		d, way = -d, "ahead of"
	}
	return "the local clock is " + d.Round(time.Second).String() + " " + way +
		" AWS; AWS rejects signed requests more than 5 minutes off, so the command's AWS calls may fail"
}

// clockFix is the command that syncs the clock on this system.
func clockFix(goos string) string {
	switch goos {
	case "darwin":
		return "sync the clock: sudo sntp -sS time.apple.com (or System Settings > General > Date & Time)"
	case "windows":
		return "sync the clock: w32tm /resync"
	}
	return "sync the clock: sudo timedatectl set-ntp true (or chronyd/ntpd)"
}
