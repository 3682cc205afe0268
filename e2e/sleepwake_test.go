//go:build linux

package e2e

import (
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestSleepWake freezes awsrun and its child (SIGSTOP, as a laptop lid does) until well past
// the expiry of the credentials they hold, thaws them, and asks the child for one request:
// the child's SDK must come back to the endpoint and get valid credentials on its first try.
//
// SIGSTOP is close to a suspend but not the same: the monotonic clock keeps running, so
// awsrun's timers are overdue on thaw, whereas after a real suspend they are not; that case is
// the endpoint's own expiry check (the child's request finds the credentials expired and
// refreshes synchronously), which this test exercises too when the request wins the race.
func TestSleepWake(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	t.Parallel()
	const lifetime = 6 * time.Second
	var wg sync.WaitGroup
	for _, name := range []string{"js", "boto3", "awscli"} {
		wg.Go(func() {
			t.Run(name, func(t *testing.T) {
				w := newWorld(t, lifetime)
				log := &logFile{path: t.TempDir() + "/awsrun.log"}
				argv := append([]string{awsrunBin, "-p", "role", "--log-level", "debug", "--log-file", log.path, "--"}, onDemand(t)[name]...)
				p := w.startProc(argv)
				if l := p.line("ready", 30*time.Second); l != "ready" {
					t.Fatalf("child said %q", l)
				}
				if got := p.ask("a call before sleeping"); got != "ok" {
					t.Fatalf("before sleeping: %s", got)
				}
				// Sleep: the child first, so awsrun never sees it stop.
				tree := append([]int{p.cmd.Process.Pid}, descendants(p.cmd.Process.Pid)...)
				frozen := slices.Clone(tree)
				slices.Reverse(frozen)
				signalAll(frozen, syscall.SIGSTOP)
				issued := w.fake.Issued()
				held := issued[len(issued)-1] // the newest any of them can hold
				before := len(w.fake.Requests())
				// The scenario is wall-clock time passing while nothing runs: wait for the held
				// credentials to be a second past their expiry.
				<-time.After(time.Until(held.Expiration.Add(time.Second)))
				// Wake: awsrun first, then its child, as the kernel's thaw order is not ours.
				signalAll(tree, syscall.SIGCONT)

				if got := p.ask("the first call after waking"); got != "ok" {
					t.Errorf("first call after waking: %s", got)
				}
				p.stdin.Close()
				if st := p.wait(30 * time.Second); !st.Success() {
					t.Errorf("awsrun exited %v; stderr:\n%s", st, p.stderr.String())
				}
				if n := w.fake.Errors("ExpiredToken"); n != 0 {
					t.Errorf("the child signed %d requests with expired credentials", n)
				}
				keys := w.fake.CallerKeys()
				if last := keys[len(keys)-1]; last == held.AccessKeyID {
					t.Errorf("after waking the child signed with the credentials that expired in its sleep")
				}
				renewals := 0
				for _, q := range w.fake.Requests()[before:] {
					if q.Op == "AssumeRole" {
						renewals++
					}
				}
				asked := strings.Count(log.read(), `msg="credentials request"`)
				t.Logf("%s: asleep past expiry; first call after waking ok; %d upstream call(s) on waking; %d endpoint requests in all",
					name, renewals, asked)
				if renewals > 1 {
					// Both the overdue renewal timer and the child's request (which found the
					// credentials expired) went upstream. They share one flight now, so this should not happen.
					t.Logf("note: %d upstream calls on waking, want 1", renewals)
				}
			})
		})
	}
	wg.Wait()
}
