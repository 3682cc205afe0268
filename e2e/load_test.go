//go:build linux

package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/awsrun/awsrun/internal/fakeaws"
)

// TestEndpointUnderLoad has 50 clients, each on its own connection as 50 processes would be,
// fetch from the endpoint as fast as they can across two credential rotations. Every answer
// must be a whole, valid credential as AWS issued it (key, secret and token of the same
// credential, its true expiry), none may be expired when it arrives, no request may fail, and
// awsrun must have gone upstream once per rotation, however many clients were asking.
//
// Not parallel: the clients use both CPUs, which would starve the timing of the other tests.
func TestEndpointUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	t.Run("prompt-upstream", func(t *testing.T) { loadRun(t, nil) })
	// The renewal takes a third of the lifetime (a minute's delay scaled to seconds), so
	// requests find the credentials inside the keeper's margin while it is still in flight.
	t.Run("slow-upstream", func(t *testing.T) {
		loadRun(t, &fakeaws.Fault{Kind: fakeaws.FaultDelay, Delay: time.Second, Count: 1})
	})
}

func loadRun(t *testing.T, slow *fakeaws.Fault) {
	const (
		lifetime  = 3 * time.Second
		clients   = 50
		rotations = 2
		perClient = 20000 // a bound on the loop, far above what the run needs
	)
	w := newWorld(t, lifetime)
	logPath := filepath.Join(t.TempDir(), "awsrun.log")
	e := startEndpoint(t, w, "-p", "role", "--log-level", "info", "--log-file", logPath)
	if slow != nil {
		w.fake.SetFault("AssumeRole", *slow)
	}

	var (
		issuedMu sync.Mutex
		issued   = map[string]fakeaws.Credential{}
	)
	lookup := func(key string) (fakeaws.Credential, bool) {
		issuedMu.Lock()
		defer issuedMu.Unlock()
		if c, ok := issued[key]; ok {
			return c, true
		}
		for _, c := range w.fake.Issued() {
			issued[c.AccessKeyID] = c
		}
		c, ok := issued[key]
		return c, ok
	}

	var (
		served   sync.Map // access key ids answered
		total    atomic.Int64
		failures = make(chan string, clients)
		stop     = make(chan struct{})
		progress = make(chan struct{}, 1) // told (without blocking) after each answer counted
	)
	deadline := time.Now().Add(60 * time.Second)
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			tr := &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 1}
			defer tr.CloseIdleConnections()
			c := &http.Client{Transport: tr, Timeout: 10 * time.Second}
			for i := 0; i < perClient && time.Now().Before(deadline); i++ {
				select {
				case <-stop:
					return
				default:
				}
				msg, key := fetchOnce(c, e, lookup)
				if msg != "" {
					failures <- msg
					return
				}
				served.Store(key, true)
				total.Add(1)
				select {
				case progress <- struct{}{}:
				default: // a wake-up is pending already; the waiter reads total after it
				}
			}
		})
	}
	waitDone := make(chan struct{})
	go func() { wg.Wait(); close(waitDone) }()
	// The clients stop at their deadline, which ends both waits below if nothing else does.
	for {
		changed := w.fake.Changed() // before the check, so no credential issued after it is missed
		if len(w.fake.Issued()) >= rotations+1 {
			break
		}
		select {
		case msg := <-failures:
			close(stop)
			<-waitDone
			t.Fatalf("a client got a bad answer: %s", msg)
		case <-waitDone:
			t.Fatalf("the clients stopped before %d rotations (%d requests)", rotations, total.Load())
		case <-changed:
		}
	}
	// One more round of requests after the last rotation, so its credentials are served too.
	after := total.Load()
	for total.Load() < after+clients {
		select {
		case msg := <-failures:
			t.Errorf("a client got a bad answer: %s", msg)
		case <-waitDone:
			t.Fatalf("the clients stopped before serving the last rotation (%d requests)", total.Load())
		case <-progress:
		}
	}
	close(stop)
	<-waitDone
	close(failures)
	for msg := range failures {
		t.Errorf("a client got a bad answer: %s", msg)
	}

	ups := w.fake.Calls("AssumeRole")
	if ups != len(w.fake.Issued()) {
		t.Errorf("%d AssumeRole calls for %d credentials", ups, len(w.fake.Issued()))
	}
	for _, c := range w.fake.Issued() {
		if _, ok := served.Load(c.AccessKeyID); !ok {
			t.Errorf("credentials %s were fetched upstream but never served", c)
		}
	}
	// One upstream call per rotation: renewals come two thirds into each lifetime, so two
	// calls within a quarter of one can only be a duplicate (demand and schedule not collapsed).
	var times []time.Time
	for _, q := range w.fake.Requests() {
		if q.Op == "AssumeRole" {
			times = append(times, q.Time)
		}
	}
	for i := 1; i < len(times); i++ {
		if gap := times[i].Sub(times[i-1]); gap < lifetime/4 {
			t.Errorf("upstream calls %d and %d only %v apart: more than one per rotation", i, i+1, gap)
		}
	}
	e.p.stdin.Close()
	e.p.wait(30 * time.Second)
	log, _ := os.ReadFile(logPath)
	if t.Failed() {
		for _, q := range w.fake.Requests() {
			t.Logf("%s %s %s", q.Time.Format("15:04:05.000"), q.Op, q.Code)
		}
		t.Logf("log:\n%s", log)
	}
	t.Logf("%d clients, %d answers, all valid and unexpired; %d upstream calls for %d rotations; %s",
		clients, total.Load(), ups, ups-1, endpointStats(log))
	if !strings.Contains(string(log), "unavailable=0") {
		t.Errorf("the endpoint answered 503s under load: %s", endpointStats(log))
	}
}

// fetchOnce makes one request and checks the answer against what the fake issued; it returns
// what was wrong ("" for nothing) and the key served.
func fetchOnce(c *http.Client, e *liveEndpoint, lookup func(string) (fakeaws.Credential, bool)) (problem, key string) {
	req, _ := http.NewRequest(http.MethodGet, e.u.String(), nil)
	req.Header.Set("Authorization", e.token)
	resp, err := c.Do(req)
	if err != nil {
		return err.Error(), ""
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	arrived := time.Now()
	if err != nil {
		return err.Error(), ""
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Sprintf("status %d: %s", resp.StatusCode, body), ""
	}
	var got struct{ AccessKeyId, SecretAccessKey, Token, Expiration string }
	if err := json.Unmarshal(body, &got); err != nil {
		return fmt.Sprintf("body does not parse: %v", err), ""
	}
	want, ok := lookup(got.AccessKeyId)
	if !ok {
		return "a key AWS never issued: " + got.AccessKeyId[:4], ""
	}
	if got.SecretAccessKey != want.SecretAccessKey || got.Token != want.SessionToken {
		return "secret or token of another credential served with " + want.AccessKeyID[:4], ""
	}
	exp, err := time.Parse(time.RFC3339, got.Expiration)
	if err != nil {
		return "Expiration " + got.Expiration, ""
	}
	if !exp.Equal(want.Expiration) {
		return fmt.Sprintf("Expiration %v, but AWS said %v", exp, want.Expiration), ""
	}
	if !exp.After(arrived) {
		return fmt.Sprintf("expired credentials served: expiry %v, arrived %v", exp, arrived), ""
	}
	return "", got.AccessKeyId
}
