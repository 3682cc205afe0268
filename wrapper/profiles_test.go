package wrapper

import (
	"context"
	"errors"
	"log/slog"
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
