//go:build linux

package e2e

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/awsrun/awsrun/internal/fakeaws"
)

// faultLifetime is the credential lifetime of the fault scenarios: awsrun renews at two thirds
// (10 s) and stops handing the old credentials out at five sixths (12.5 s, the keeper's
// margin), so a fault that fails two attempts and the backoff retry after it (base
// lifetime/20, about a second and a half in all) fit in the gap, as a 20-minute outage fits
// before a real hour ends; and a child slow to start on a loaded machine is up before then.
const faultLifetime = 15 * time.Second

// upstreamOp is the operation awsrun renews with, per profile of newWorld.
var upstreamOp = map[string]string{"role": "AssumeRole", "sso": "GetRoleCredentials", "static": "GetSessionToken"}

type faultCase struct {
	name    string
	profile string
	client  string
	// fault is set on the profile's upstream operation, and cleared once it has failed two
	// renewals (a Count clears it by itself; lasting keeps it: awsrun must get through it).
	fault   fakeaws.Fault
	lasting bool
	// inject, when set, replaces fault: it breaks things and returns what mends them, called
	// once awsrun has logged the failure.
	inject func(t *testing.T, w *world, door *fakeaws.Door) (mend func())
	// viaDoor sends awsrun's SSO portal calls through a fakeaws.Door of their own, which
	// inject may shut; the child's STS calls keep the main URL.
	viaDoor bool
	// logs are lines awsrun must log exactly once (the failure once per fault, not per
	// retry); quiet are lines it must not log.
	logs  []string
	quiet []string
	// knownBug, when set, skips the log check with this text: a bug found and reported.
	knownBug string
}

const (
	logFailed    = "credential refresh failed"
	logRecovered = "credential refresh recovered"
)

// TestFaults injects each upstream fault into the fake AWS while a real client runs under
// awsrun, and checks the promise of the README's Reliability table: the client never sees a
// failure while the old credentials are valid, awsrun retries with backoff and recovers with
// the first attempt after the fault clears, and it says so in its log once, not per retry.
//
// The child is asked for each call by the test (onDemand), so what it is asked, and when, does
// not depend on how fast it starts on a loaded machine. awsrun runs with AWS_MAX_ATTEMPTS=1 so
// every retry is awsrun's own (the SDK's three attempts would hide short faults and stretch long
// ones past the scaled-down lifetime). The scenarios run concurrently, not under t.Parallel's
// limit of GOMAXPROCS: each spends its time waiting for a renewal.
func TestFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	t.Parallel()
	cases := []faultCase{
		{name: "server-error", profile: "role", client: "js",
			fault: fakeaws.Fault{Kind: fakeaws.FaultServerError},
			logs:  []string{logFailed, logRecovered}},
		{name: "throttling", profile: "sso", client: "boto3",
			fault: fakeaws.Fault{Kind: fakeaws.FaultThrottle},
			logs:  []string{logFailed, logRecovered}},
		{name: "throttling-sts", profile: "static", client: "js",
			fault: fakeaws.Fault{Kind: fakeaws.FaultThrottle},
			logs:  []string{logFailed, logRecovered}},
		{name: "slow-aws", profile: "role", client: "js",
			fault: fakeaws.Fault{Kind: fakeaws.FaultDelay, Delay: 2 * time.Second, Count: 1},
			quiet: []string{logFailed}},
		{name: "connection-reset", profile: "static", client: "boto3",
			fault: fakeaws.Fault{Kind: fakeaws.FaultRefuse},
			logs:  []string{logFailed, logRecovered}},
		{name: "malformed-body", profile: "role", client: "boto3",
			fault: fakeaws.Fault{Kind: fakeaws.FaultMalformed},
			logs:  []string{logFailed, logRecovered}},
		{name: "sso-token-rejected", profile: "sso", client: "js",
			fault: fakeaws.Fault{Kind: fakeaws.FaultExpired},
			logs:  []string{logFailed, logRecovered}},
		{name: "clock-skew", profile: "role", client: "js",
			fault: fakeaws.Fault{Kind: fakeaws.FaultSkew, Skew: 10 * time.Minute}, lasting: true,
			logs: []string{logFailed, logRecovered}},
		{name: "connection-refused", profile: "sso", client: "js", inject: refuseSSOPortal, viaDoor: true,
			logs: []string{logFailed, logRecovered}},
		{name: "sso-session-ended-then-login", profile: "sso", client: "boto3", inject: endSSOSession,
			logs: []string{logFailed, "new SSO token found"}},
	}
	var wg sync.WaitGroup
	for _, c := range cases {
		wg.Go(func() { t.Run(c.name, func(t *testing.T) { runFaultCase(t, c) }) })
	}
	wg.Wait()
}

func runFaultCase(t *testing.T, c faultCase) {
	w := newWorld(t, faultLifetime)
	log := &logFile{path: filepath.Join(t.TempDir(), "awsrun.log")}
	op := upstreamOp[c.profile]
	argv := append([]string{awsrunBin, "-p", c.profile, "--log-level", "info", "--log-file", log.path, "--"}, onDemand(t)[c.client]...)
	extra := []string{"AWS_MAX_ATTEMPTS=1"}
	var door *fakeaws.Door
	if c.viaDoor {
		var err error
		if door, err = w.fake.OpenDoor(); err != nil {
			t.Fatal(err)
		}
		extra = append(extra, "AWS_ENDPOINT_URL_SSO="+door.URL())
	}
	p := w.startProc(argv, extra...)
	if l := p.line("ready", time.Minute); l != "ready" {
		t.Fatalf("child said %q", l)
	}
	if got := p.ask("a first call"); got != "ok" {
		t.Fatalf("first call: %s", got)
	}
	// The fault meets whichever renewal comes next; the credentials held until then must
	// carry the child through it.
	refreshed := log.count("credentials refreshed")
	var mend func()
	var met func() bool
	switch {
	case c.inject != nil:
		mend = c.inject(t, w, door)
		met = func() bool { return log.count(logFailed) > 0 }
	default:
		w.fake.SetFault(op, c.fault)
		switch {
		case c.fault.Kind == fakeaws.FaultDelay:
			met = func() bool { return w.fake.Faulted(op) > 0 } // the renewal is being held
		case c.lasting:
			met = func() bool { return w.fake.Faulted(op) > 0 && log.count(logFailed) > 0 }
		default:
			met = func() bool { return w.fake.Faulted(op) >= 2 } // two renewals failed
			mend = func() { w.fake.ClearFault(op) }
		}
	}
	p.waitFor("the fault to hit a renewal", faultLifetime, met)
	issued := w.fake.Issued()
	held := issued[len(issued)-1]
	if got := p.ask("a call during the fault"); got != "ok" {
		t.Errorf("call during the fault: %s", got)
	}
	if mend != nil {
		mend()
	}
	// awsrun's log line, not the fake's record: the fake records a credential before awsrun
	// has it, and the child asking in between would rightly get the old one.
	waitFile(t, "a renewal after the fault", log.path, faultLifetime, p.done, func(text []byte) bool {
		return bytes.Count(text, []byte("credentials refreshed")) > refreshed
	})
	if slices.Contains(c.logs, logRecovered) {
		// The refresh loop says so just after its renewal lands; on a loaded machine that can
		// come after the child has finished and awsrun is on its way out (nothing waits for the
		// loop then), so the log is waited for while the child still runs.
		waitFile(t, "the recovery in the log", log.path, faultLifetime, p.done, func(text []byte) bool {
			return bytes.Contains(text, []byte(logRecovered))
		})
	}
	// A client may go on signing with the credentials it cached while they are valid (the JS
	// SDK does, for a number of calls that depends on how fast it runs): what must hold is that
	// it moves to new ones, and (the ExpiredToken count below) never signs with expired ones.
	// So ask until it has moved, bounded in calls and by the held credentials' life plus one.
	moved := false
	until := held.Expiration.Add(faultLifetime)
	for i := 0; i < 200 && !moved && time.Now().Before(until); i++ {
		if got := p.ask("a call after the fault"); got != "ok" {
			t.Errorf("call after the fault: %s", got)
		}
		keys := w.fake.CallerKeys()
		moved = keys[len(keys)-1] != held.AccessKeyID
	}
	if !moved {
		t.Errorf("after the fault the child kept signing with the old credentials (%s, expiring %s) until %s",
			held.AccessKeyID[:4]+"...", held.Expiration.Format(time.RFC3339), until.Format(time.RFC3339))
	}
	p.stdin.Close()
	if st := p.wait(30 * time.Second); !st.Success() {
		t.Errorf("awsrun exited %v; stderr:\n%s", st, p.stderr.String())
	}
	if n := w.fake.Errors("ExpiredToken"); n != 0 {
		t.Errorf("the child signed %d requests with expired credentials", n)
	}
	if c.inject == nil {
		checkRecovery(t, w.fake.Requests(), op)
	}
	// A client retries a 503 (the JS SDK four times, a second apart), which could hide an
	// endpoint that made it wait for the renewal; the endpoint's own count cannot.
	if stats := endpointStats([]byte(log.read())); !strings.Contains(stats, " unavailable=0 ") {
		t.Errorf("the endpoint answered 503 during the fault: %s", stats)
	}

	// "credential refresh recovered" comes from the refresh loop's own retry succeeding: the
	// proof that awsrun recovered by its backoff, before the old credentials ran out.
	text := log.read()
	for _, want := range c.logs {
		if n := strings.Count(text, want); want != logFailed && n != 1 {
			t.Errorf("log has %q %d times, want once:\n%s", want, n, text)
		}
	}
	for _, want := range c.quiet {
		if n := strings.Count(text, want); n != 0 {
			t.Errorf("log has %q %d times, want none:\n%s", want, n, text)
		}
	}
	t.Run("logs-once", func(t *testing.T) {
		if !slices.Contains(c.logs, logFailed) {
			return
		}
		if c.knownBug != "" {
			t.Logf("log:\n%s", text)
			t.Skip(c.knownBug)
		}
		if n := strings.Count(text, logFailed); n != 1 {
			t.Errorf("log has %q %d times for one fault, want once:\n%s", logFailed, n, text)
		}
	})
	if testing.Verbose() {
		t.Logf("log:\n%s", text)
	}
	t.Logf("%s/%s: every call ok; %d upstream requests, %d met the fault; log: %s", c.profile, c.client,
		w.fake.Calls(op), w.fake.Faulted(op), summarizeLog(text))
}

// checkRecovery reads the fake's request log: the first upstream request after the last one
// the fault answered succeeded: awsrun recovered on its first attempt after the fault cleared
// (or, for a lasting fault, on the attempt after the first failure), not at a later renewal.
func checkRecovery(t *testing.T, reqs []fakeaws.Request, op string) {
	t.Helper()
	last := -1
	for i, q := range reqs {
		if q.Op == op && (q.Code != "" || q.Status != 200) {
			last = i
		}
	}
	if last < 0 {
		return // a fault that only slows awsrun down
	}
	for _, q := range reqs[last+1:] {
		if q.Op == op {
			if q.Code != "" || q.Status != 200 {
				t.Errorf("the first %s after the fault failed: %+v", op, q)
			}
			return
		}
	}
	t.Errorf("no %s after the fault", op)
}

// refuseSSOPortal shuts the door awsrun reaches the SSO portal through, so its renewal meets
// "connection refused", and opens it again once awsrun has logged the failure.
func refuseSSOPortal(t *testing.T, _ *world, door *fakeaws.Door) func() {
	if err := door.Shut(); err != nil {
		t.Fatal(err)
	}
	return func() {
		if err := door.Reopen(); err != nil {
			t.Fatal(err)
		}
	}
}

// endSSOSession is the SSO session running out mid-run: the cached token expires (the SDK
// refuses it without calling the portal), then the user runs `aws sso login`, which writes a
// new token that awsrun must pick up at once rather than at its next retry.
func endSSOSession(t *testing.T, w *world, _ *fakeaws.Door) func() {
	cache := filepath.Join(w.home, ".aws", "sso", "cache")
	if _, err := fakeaws.WriteSSOTokenCache(cache, "corp", fakeaws.CachedToken{
		StartURL: "https://corp.awsapps.com/start", Region: "us-east-1", AccessToken: ssoToken,
		ExpiresAt: time.Now().Add(-time.Minute),
	}); err != nil {
		t.Fatal(err)
	}
	return func() {
		fresh := "e2e-sso-access-token-after-login"
		w.fake.AddSSOAccessToken(fresh, time.Now().Add(8*time.Hour))
		if _, err := fakeaws.WriteSSOTokenCache(cache, "corp", fakeaws.CachedToken{
			StartURL: "https://corp.awsapps.com/start", Region: "us-east-1", AccessToken: fresh,
			ExpiresAt: time.Now().Add(8 * time.Hour),
		}); err != nil {
			t.Fatal(err)
		}
	}
}

// logFile is awsrun's --log-file.
type logFile struct{ path string }

func (l *logFile) read() string {
	b, _ := os.ReadFile(l.path)
	return string(b)
}

func (l *logFile) count(s string) int { return strings.Count(l.read(), s) }

// summarizeLog keeps the message of each warning and info line, for the test's closing figures.
func summarizeLog(text string) string {
	var msgs []string
	for _, line := range strings.Split(text, "\n") {
		if !strings.Contains(line, "level=WARN") && !strings.Contains(line, "level=INFO") {
			continue
		}
		if i := strings.Index(line, "msg="); i >= 0 {
			m := line[i+4:]
			if strings.HasPrefix(m, `"`) {
				if j := strings.Index(m[1:], `"`); j >= 0 {
					m = m[1 : j+1]
				}
			} else if j := strings.IndexByte(m, ' '); j >= 0 {
				m = m[:j]
			}
			msgs = append(msgs, m)
		}
	}
	return fmt.Sprintf("%q", msgs)
}
