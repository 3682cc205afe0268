package fakeaws

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// waitLimit bounds every wait in these tests; reaching it is a failure, never the way a test
// passes.
const waitLimit = 30 * time.Second

// WaitFor must be woken by the change itself: it checked once and found the condition false,
// so only a signal from the request being recorded can end the wait before the deadline.
func TestWaitForWakesOnRecordedRequest(t *testing.T) {
	s, _ := withClock(t, time.Hour)
	ctx, cancel := context.WithTimeoutCause(context.Background(), waitLimit, errors.New("no wake-up within the test's limit"))
	defer cancel()
	checked := make(chan struct{})
	var once sync.Once
	got := make(chan error, 1)
	go func() {
		got <- s.WaitFor(ctx, func(s *Server) bool {
			once.Do(func() { close(checked) })
			return s.Calls("GetCallerIdentity") == 1
		})
	}()
	<-checked // the first check ran before the call below could be recorded
	if err := callerIdentity(s); err != nil {
		t.Fatal(err)
	}
	if err := <-got; err != nil {
		t.Fatalf("WaitFor: %v", err)
	}
	if ctx.Err() != nil {
		t.Fatal("WaitFor returned only at the deadline: the change did not wake it")
	}
}

// Every kind of change a test can wait on closes the channel taken before it: a request
// recorded, a credential issued, an SSO token minted, and a fault hit even while the request
// is held and not yet recorded.
func TestChangedOnEveryRecord(t *testing.T) {
	s, clock := withClock(t, time.Hour)
	wake := func(what string, change func()) {
		t.Helper()
		ch := s.Changed()
		select {
		case <-ch:
			t.Fatalf("%s: channel closed before any change", what)
		default:
		}
		change()
		select {
		case <-ch:
		case <-time.After(waitLimit):
			t.Fatalf("%s: no change signalled", what)
		}
	}

	wake("request recorded", func() {
		if err := callerIdentity(s); err != nil {
			t.Fatal(err)
		}
	})
	wake("credential issued", func() {
		if _, err := assumeRole(s); err != nil {
			t.Fatal(err)
		}
	})
	wake("error counted", func() {
		_, err := stsClient(s, userKey, "wrong-secret", "").GetCallerIdentity(context.Background(), nil)
		wantAPIError(t, err, "SignatureDoesNotMatch", 403)
	})
	if s.Errors("SignatureDoesNotMatch") != 1 {
		t.Errorf("errors counted %d, want 1", s.Errors("SignatureDoesNotMatch"))
	}

	s.AddSSOClient("client", "client-secret", "refresh")
	wake("sso token issued", func() {
		if _, err := createToken(s, "client", "client-secret", "refresh"); err != nil {
			t.Fatal(err)
		}
	})
	if n := len(s.IssuedSSOTokens()); n != 1 {
		t.Errorf("%d sso tokens issued, want 1", n)
	}
	// Issued without a request, so only the issue itself can signal.
	wake("login credential issued", func() {
		if _, err := s.IssueLoginCredential("arn:aws:iam::123456789012:user/alice", clock.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	})

	// A delayed request is counted by Faulted on arrival and recorded only once answered: the
	// fault hit alone must wake a waiter, or a test waiting for "the renewal is being held"
	// would sleep until the delay ends.
	s.SetFault("AssumeRole", Fault{Kind: FaultDelay, Delay: time.Hour})
	held := make(chan error, 1)
	calls := s.Calls("AssumeRole")
	wake("fault hit", func() {
		go func() {
			_, err := assumeRole(s)
			held <- err
		}()
	})
	if s.Faulted("AssumeRole") != 1 || s.Calls("AssumeRole") != calls {
		t.Errorf("faulted %d, calls %d (was %d): the wake-up came from something else", s.Faulted("AssumeRole"), s.Calls("AssumeRole"), calls)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-held; err == nil {
		t.Error("held request answered after Close")
	}
}

// Many clients at once: a waiter for the last of them must not miss the change that
// completes its condition, however the signals interleave with its checks.
func TestWaitForManyConcurrentChanges(t *testing.T) {
	s, _ := withClock(t, time.Hour)
	const n = 20
	ctx, cancel := context.WithTimeoutCause(context.Background(), waitLimit, errors.New("missed a change"))
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() { errs <- callerIdentity(s) })
	}
	if err := s.WaitFor(ctx, func(s *Server) bool { return s.Calls("GetCallerIdentity") == n }); err != nil {
		t.Fatalf("WaitFor: %v (calls %d)", err, s.Calls("GetCallerIdentity"))
	}
	if ctx.Err() != nil {
		t.Fatal("WaitFor returned only at the deadline: a change did not wake it")
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// At the deadline WaitFor reports the context's cause, so a test's failure says which
// deadline ran out; a condition that holds at that moment still counts.
func TestWaitForDeadline(t *testing.T) {
	s := New(Options{})
	cause := errors.New("the test's deadline")
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(cause)
	err := s.WaitFor(ctx, func(s *Server) bool { return s.Calls("AssumeRole") > 0 })
	if !errors.Is(err, cause) {
		t.Fatalf("WaitFor = %v, want it to wrap %v", err, cause)
	}
	if err := s.WaitFor(ctx, func(*Server) bool { return true }); err != nil {
		t.Fatalf("WaitFor with a condition already met = %v", err)
	}
}
