package wrapper

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// renewingUpstream hands out numbered credentials of a short real lifetime; calls listed in
// fail (1-based) fail instead.
type renewingUpstream struct {
	calls    atomic.Int32
	lifetime time.Duration
	fail     map[int32]bool
}

func (u *renewingUpstream) Retrieve(context.Context) (aws.Credentials, error) {
	n := u.calls.Add(1)
	if u.fail[n] {
		return aws.Credentials{}, errors.New("upstream is down")
	}
	return aws.Credentials{AccessKeyID: "ASIALIFECYCLE" + string(rune('A'+n)), SecretAccessKey: "s", SessionToken: "t",
		CanExpire: true, Expires: wallNow().Add(u.lifetime)}, nil
}

// startLifecycle resolves the first credentials and runs the loop until the test ends.
func startLifecycle(t *testing.T, up upstream) (*lifecycle, <-chan struct{}, func() string) {
	t.Helper()
	log, read := skewLog()
	lc := newLifecycle(up, DefaultRefreshBefore, log)
	if _, err := lc.refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	changed := lc.Changed()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- lc.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("Run did not return after its context ended")
		}
	})
	return lc, changed, read
}

// waitChanged waits for n change notifications, each within the deadline.
func waitChanged(t *testing.T, changed <-chan struct{}, n int, read func() string) {
	t.Helper()
	for i := 0; i < n; i++ {
		select {
		case <-changed:
		case <-time.After(20 * time.Second):
			t.Fatalf("change %d of %d not reported; log:\n%s", i+1, n, read())
		}
	}
}

// TestLifecycleRenewsAndReportsChanges: the loop renews seconds-long credentials by the refresh
// rule, before they expire, and tells a subscriber after each renewal.
func TestLifecycleRenewsAndReportsChanges(t *testing.T) {
	up := &renewingUpstream{lifetime: 1500 * time.Millisecond}
	lc, changed, read := startLifecycle(t, up)
	first := lc.current()
	waitChanged(t, changed, 2, read)
	cur := lc.current()
	if cur.creds.AccessKeyID == first.creds.AccessKeyID {
		t.Fatalf("reported a change but still holds %s", cur.creds.AccessKeyID)
	}
	if n := up.calls.Load(); n < 3 {
		t.Errorf("%d upstream calls for two renewals", n)
	}
}

// TestLifecycleFailureWarnsOnceAndRecovers: renewals that keep failing the same way are
// retried with backoff and logged once; the first success says "recovered" and is reported.
func TestLifecycleFailureWarnsOnceAndRecovers(t *testing.T) {
	up := &renewingUpstream{lifetime: 6 * time.Second, fail: map[int32]bool{2: true, 3: true, 4: true}}
	lc, changed, read := startLifecycle(t, up)
	first := lc.current()
	waitChanged(t, changed, 1, read)
	if n := up.calls.Load(); n != 5 {
		t.Errorf("the first change came after %d upstream calls, want 5 (three failures, then the retry that passed)", n)
	}
	if lc.current().creds.AccessKeyID == first.creds.AccessKeyID {
		t.Error("recovered but kept the old credentials")
	}
	text := read()
	if n := strings.Count(text, "credential refresh failed"); n != 1 {
		t.Errorf("logged the failure %d times, want once:\n%s", n, text)
	}
	if n := strings.Count(text, "credential refresh recovered"); n != 1 {
		t.Errorf("logged the recovery %d times, want once:\n%s", n, text)
	}
}

// TestLifecycleReportsRenewalsMadeElsewhere: a renewal a request or a file event asked for
// (not the loop's own) reaches every subscriber too.
func TestLifecycleReportsRenewalsMadeElsewhere(t *testing.T) {
	up := &renewingUpstream{lifetime: time.Hour}
	lc, changed, read := startLifecycle(t, up)
	other := lc.Changed()
	if _, err := lc.refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitChanged(t, changed, 1, read)
	waitChanged(t, other, 1, read)
}
