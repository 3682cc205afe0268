package wrapper

import (
	"context"
	"errors"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/awsrun/awsrun/creds"
)

func testProfileServer(t *testing.T, filter string, open func(context.Context, selection) (upstream, string, error)) *profileServer {
	t.Helper()
	f, err := creds.ParseProfileFilter(filter)
	if err != nil {
		t.Fatal(err)
	}
	ps := newProfileServer(context.Background(), Config{Profile: "a", Profiles: f, RefreshBefore: time.Hour, Env: []string{"HOME=/nonexistent"}},
		slog.New(slog.DiscardHandler))
	ps.open = open
	t.Cleanup(ps.close)
	return ps
}

// TestProfileServerSingleFlight: concurrent first requests for a profile open it once and make
// one upstream call; a refused profile is never opened.
func TestProfileServerSingleFlight(t *testing.T) {
	var opens atomic.Int32
	up := &fakeUpstream{lifetime: time.Hour, now: time.Now, gate: make(chan struct{})}
	ps := testProfileServer(t, "b", func(_ context.Context, sel selection) (upstream, string, error) {
		opens.Add(1)
		if sel.profile != "b" || !sel.explicit {
			t.Errorf("opened %+v", sel)
		}
		return up, "eu-west-1", nil
	})
	var wg sync.WaitGroup
	keys := make([]string, 30)
	errs := make([]error, 30)
	for i := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, region, err := ps.credentials(context.Background(), "b")
			keys[i], errs[i] = c.AccessKeyID+"/"+region, err
		}()
	}
	close(up.gate)
	wg.Wait()
	for i := range keys {
		if errs[i] != nil || keys[i] != keys[0] || keys[0] == "/" {
			t.Fatalf("request %d: %q %v (first %q)", i, keys[i], errs[i], keys[0])
		}
	}
	if n := up.calls.Load(); n != 1 || opens.Load() != 1 {
		t.Errorf("%d upstream calls, %d opens; want 1 and 1", n, opens.Load())
	}
	_, _, err := ps.credentials(context.Background(), "prod")
	var na *creds.ProfileNotAllowedError
	if !errors.As(err, &na) || na.Name != "prod" || opens.Load() != 1 {
		t.Errorf("refused profile: %v, %d opens", err, opens.Load())
	}
}

// TestProfileServerDropsIdleProfile: a profile nobody asks for past its credentials' expiry is
// dropped (its lifecycle stopped); the next request opens it again. A failed open is not kept.
func TestProfileServerDropsIdleProfile(t *testing.T) {
	var opens atomic.Int32
	fail := errors.New("no such thing")
	ps := testProfileServer(t, "all", func(_ context.Context, sel selection) (upstream, string, error) {
		if sel.profile == "broken" {
			return nil, "", fail
		}
		opens.Add(1)
		return &fakeUpstream{lifetime: 3 * time.Second, now: time.Now}, "", nil
	})
	dropped := make(chan string, 4)
	ps.dropped = func(name string) { dropped <- name }
	if _, _, err := ps.credentials(context.Background(), "b"); err != nil {
		t.Fatal(err)
	}
	select {
	case name := <-dropped:
		if name != "b" {
			t.Errorf("dropped %q", name)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("an idle profile was not dropped after its credentials expired")
	}
	ps.mu.Lock()
	n := len(ps.profiles)
	ps.mu.Unlock()
	if n != 0 {
		t.Errorf("%d profiles held after the drop", n)
	}
	if _, _, err := ps.credentials(context.Background(), "b"); err != nil || opens.Load() != 2 {
		t.Errorf("after a drop: %v, %d opens (want 2)", err, opens.Load())
	}
	for range 2 {
		if _, _, err := ps.credentials(context.Background(), "broken"); !errors.Is(err, fail) {
			t.Errorf("broken profile: %v", err)
		}
	}
	ps.mu.Lock()
	_, kept := ps.profiles["broken"]
	ps.mu.Unlock()
	if kept {
		t.Error("a profile that failed to open is kept")
	}
}

// TestProfileServerForgetsProfileWhoseFirstFetchFails: a profile that opens but whose first
// credentials cannot be had is answered with the failure and dropped with its lifecycle, every
// time: 100 requests leave no profile and no goroutine behind, and each one tries again.
func TestProfileServerForgetsProfileWhoseFirstFetchFails(t *testing.T) {
	fail := errors.New("access denied")
	var opens atomic.Int32
	up := &fakeUpstream{lifetime: time.Hour, now: time.Now, err: fail}
	ps := testProfileServer(t, "all", func(context.Context, selection) (upstream, string, error) {
		opens.Add(1)
		return up, "", nil
	})
	held := func() int {
		ps.mu.Lock()
		defer ps.mu.Unlock()
		return len(ps.profiles)
	}
	before := runtime.NumGoroutine()
	for i := range 100 {
		if _, _, err := ps.credentials(context.Background(), "broken"); !errors.Is(err, fail) {
			t.Fatalf("request %d: %v, want the upstream failure", i, err)
		}
		if n := held(); n != 0 {
			t.Fatalf("request %d: %d profiles held after a failed first fetch", i, n)
		}
	}
	if n := opens.Load(); n != 100 || up.calls.Load() != 100 {
		t.Errorf("%d opens, %d upstream calls for 100 requests; want 100 and 100", n, up.calls.Load())
	}
	deadline := time.Now().Add(30 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines before, %d after 100 failed profiles:\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
		}
		runtime.Gosched()
	}

	// Requests that arrive while the first fetch runs wait for it and get its failure too.
	gated := &fakeUpstream{lifetime: time.Hour, now: time.Now, err: fail, gate: make(chan struct{}), entered: make(chan struct{}, 1)}
	ps = testProfileServer(t, "all", func(context.Context, selection) (upstream, string, error) { return gated, "", nil })
	errs := make(chan error, 10)
	for range 10 {
		go func() { _, _, err := ps.credentials(context.Background(), "broken"); errs <- err }()
	}
	<-gated.entered
	close(gated.gate)
	for i := range 10 {
		if err := <-errs; !errors.Is(err, fail) {
			t.Errorf("concurrent request %d: %v, want the upstream failure", i, err)
		}
	}
	if n := held(); n != 0 {
		t.Errorf("%d profiles held after concurrent failed fetches", n)
	}
}
