package wrapper

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// fakeUpstream hands out numbered credentials; gate, when set, blocks each call until closed;
// entered, when set, is signalled as each call starts.
type fakeUpstream struct {
	calls    atomic.Int32
	lifetime time.Duration
	now      func() time.Time
	gate     chan struct{}
	entered  chan struct{}
	err      error
}

func (f *fakeUpstream) Retrieve(ctx context.Context) (aws.Credentials, error) {
	n := f.calls.Add(1)
	if f.entered != nil {
		select {
		case f.entered <- struct{}{}:
		default:
		}
	}
	if f.gate != nil {
		select {
		case <-f.gate:
		case <-ctx.Done():
			return aws.Credentials{}, ctx.Err()
		}
	}
	if f.err != nil {
		return aws.Credentials{}, f.err
	}
	return aws.Credentials{AccessKeyID: "ASIAKEY" + string(rune('A'+n)), SecretAccessKey: "s", SessionToken: "t",
		CanExpire: true, Expires: f.now().Add(f.lifetime)}, nil
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestKeeperConcurrentDemandMakesOneUpstreamCall(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	up := &fakeUpstream{lifetime: time.Hour, now: clock.now, gate: make(chan struct{}), entered: make(chan struct{}, 1)}
	k := &keeper{src: up, now: clock.now, budget: 10 * time.Second}
	const n = 50
	var wg sync.WaitGroup
	keys := make(chan string, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := k.Retrieve(context.Background())
			if err != nil {
				t.Error(err)
				return
			}
			keys <- c.AccessKeyID
		}()
	}
	// Wait until the first call is in flight, then release it.
	select {
	case <-up.entered:
	case <-time.After(10 * time.Second):
		t.Fatal("no upstream call started")
	}
	close(up.gate)
	wg.Wait()
	close(keys)
	if got := up.calls.Load(); got != 1 {
		t.Errorf("upstream calls = %d, want 1", got)
	}
	for key := range keys {
		if key != "ASIAKEYB" {
			t.Errorf("got %s", key)
		}
	}
}

func TestKeeperNeverServesExpiredCredentials(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	up := &fakeUpstream{lifetime: 6 * time.Second, now: clock.now}
	k := &keeper{src: up, now: clock.now, budget: time.Second}
	first, err := k.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	again, _ := k.Retrieve(context.Background())
	if again.AccessKeyID != first.AccessKeyID || up.calls.Load() != 1 {
		t.Fatalf("valid credentials were not reused")
	}
	clock.add(5500 * time.Millisecond) // inside the last sixth: too close to expiry to hand out
	fresh, err := k.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if fresh.AccessKeyID == first.AccessKeyID {
		t.Errorf("served credentials about to expire")
	}
	clock.add(time.Hour) // laptop slept past expiry; upstream now fails
	up.err = errors.New("sso session ended")
	if _, err := k.Retrieve(context.Background()); err == nil {
		t.Errorf("served expired credentials instead of an error")
	}
}

func TestKeeperRequestGivingUpDoesNotCancelSharedFetch(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	up := &fakeUpstream{lifetime: time.Hour, now: clock.now, gate: make(chan struct{}), entered: make(chan struct{}, 1)}
	k := &keeper{src: up, now: clock.now, budget: 10 * time.Second}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := k.Retrieve(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("want canceled, got %v", err)
	}
	close(up.gate)
	c, err := k.Retrieve(context.Background())
	if err != nil || c.AccessKeyID == "" {
		t.Fatalf("shared fetch was cancelled: %v", err)
	}
	if up.calls.Load() != 1 {
		t.Errorf("calls = %d, want 1 (the second request joined the first fetch)", up.calls.Load())
	}
}
