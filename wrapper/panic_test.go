//go:build unix

package wrapper

import (
	"bufio"
	"context"
	"errors"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// superviseWorld is a Config for supervise whose child's stdout the test reads.
func superviseWorld(t *testing.T, log *slog.Logger, command ...string) (Config, *bufio.Reader) {
	t.Helper()
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { devnull.Close() })
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); w.Close() })
	cfg := Config{Command: command, Stdin: devnull, Stdout: w, Stderr: os.Stderr, Logger: log, KillTimeout: 300 * time.Millisecond}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return cfg, bufio.NewReader(r)
}

// readPid reads the first line the child prints: its pid, once it is ready.
func readPid(t *testing.T, out *bufio.Reader) int {
	t.Helper()
	type res struct {
		line string
		err  error
	}
	ch := make(chan res, 1)
	go func() { l, err := out.ReadString('\n'); ch <- res{l, err} }()
	select {
	case r := <-ch:
		pid, err := strconv.Atoi(strings.TrimSpace(r.line))
		if err != nil {
			t.Fatalf("child said %q (%v)", r.line, r.err)
		}
		return pid
	case <-time.After(10 * time.Second):
		t.Fatal("child did not start")
	}
	return 0
}

func assertGone(t *testing.T, pid int) {
	t.Helper()
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("child %d still there after supervise returned (kill 0: %v)", pid, err)
	}
}

func assertInternal(t *testing.T, err error, logText, value string) {
	t.Helper()
	var ie *InternalError
	if !errors.As(err, &ie) {
		t.Fatalf("supervise returned %v, want an *InternalError", err)
	}
	if ie.Error() != "internal error: "+value {
		t.Errorf("Error() = %q", ie.Error())
	}
	if !strings.Contains(logText, `msg="awsrun: internal error: `+value+`"`) || !strings.Contains(logText, "stack=") ||
		!strings.Contains(logText, "runtime/debug.Stack") {
		t.Errorf("log lacks the internal error and its stack:\n%s", logText)
	}
}

// TestSuperviseRecoversBackgroundPanic: a panic in background work stops the child properly:
// the stop signal (which this child ignores), KillTimeout, then SIGKILL; supervise returns an
// *InternalError instead of crashing, so Run's deferred cleanup runs.
func TestSuperviseRecoversBackgroundPanic(t *testing.T) {
	log, read := skewLog()
	cfg, out := superviseWorld(t, log, "sh", "-c", `trap "" TERM; echo $$; exec sleep 60`)
	ready := make(chan int)
	background := func(ctx context.Context) error {
		select {
		case <-ready:
		case <-ctx.Done():
			return nil
		}
		panic("boom in the refresh loop")
	}
	type result struct {
		exit Exit
		err  error
	}
	done := make(chan result, 1)
	start := time.Now()
	go func() {
		e, err := supervise(context.Background(), cfg, runOnce(os.Environ()), background, nil)
		done <- result{e, err}
	}()
	pid := readPid(t, out)
	close(ready)
	var r result
	select {
	case r = <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("supervise did not return after the panic")
	}
	assertInternal(t, r.err, read(), "boom in the refresh loop")
	if r.exit != (Exit{}) {
		t.Errorf("exit %+v with an internal error", r.exit)
	}
	assertGone(t, pid)
	if el := time.Since(start); el < cfg.KillTimeout {
		t.Errorf("returned after %v: the child, which ignores SIGTERM, was not given KillTimeout %v", el, cfg.KillTimeout)
	}
}

// panicOnce is a slog handler that panics the first time it sees msg, after noting the pid
// attribute: a panic on supervise's own goroutine with the child running.
type panicOnce struct {
	slog.Handler
	msg  string
	done *atomic.Bool
	pid  *atomic.Int64
}

func (h panicOnce) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == h.msg && h.done.CompareAndSwap(false, true) {
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "pid" {
				h.pid.Store(a.Value.Int64())
			}
			return true
		})
		panic("boom on the main path")
	}
	return h.Handler.Handle(ctx, r)
}

func (h panicOnce) WithAttrs(a []slog.Attr) slog.Handler {
	return panicOnce{h.Handler.WithAttrs(a), h.msg, h.done, h.pid}
}

func TestSupervisePanicOnMainPath(t *testing.T) {
	base, read := skewLog()
	pid := new(atomic.Int64)
	log := slog.New(panicOnce{base.Handler(), "child started", new(atomic.Bool), pid})
	cfg, _ := superviseWorld(t, log, "sleep", "60")
	var running atomic.Int32
	background := func(ctx context.Context) error { running.Add(1); <-ctx.Done(); running.Add(-1); return nil }
	done := make(chan error, 1)
	go func() {
		_, err := supervise(context.Background(), cfg, runOnce(os.Environ()), background, nil)
		done <- err
	}()
	var err error
	select {
	case err = <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("supervise did not return after the panic")
	}
	assertInternal(t, err, read(), "boom on the main path")
	if running.Load() != 0 {
		t.Error("background work still running after supervise returned")
	}
	if pid.Load() == 0 {
		t.Fatal("the child's pid was not logged")
	}
	assertGone(t, int(pid.Load()))
}

type panickyUpstream struct{}

func (panickyUpstream) Retrieve(context.Context) (aws.Credentials, error) {
	var m map[string]int
	//lint:ignore SA5000 the point: a real runtime panic (assignment to entry in nil map), not a call to panic
	m["x"]++
	return aws.Credentials{}, nil
}

// TestGuardedUpstreamEndsTheRun: a panic inside the upstream call, which runs in singleflight's
// goroutine where nobody else could recover it, becomes a failed refresh and a report that
// ends the run through waitInternal.
func TestGuardedUpstreamEndsTheRun(t *testing.T) {
	log, read := skewLog()
	s := &session{log: log, internal: make(chan *InternalError, 1)}
	k := &keeper{src: s.guardUpstream(panickyUpstream{}), now: time.Now, budget: time.Second, changed: make(chan struct{}, 1)}
	_, err := k.refresh(context.Background())
	var ie *InternalError
	if !errors.As(err, &ie) {
		t.Fatalf("refresh returned %v, want an *InternalError", err)
	}
	if !strings.Contains(read(), "assignment to entry in nil map") {
		t.Errorf("log lacks the panic:\n%s", read())
	}
	// A second panic is logged but the first report stands.
	_, _ = k.refresh(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if got := s.waitInternal(ctx); got != ie {
		t.Errorf("waitInternal = %v, want the first report %v", got, ie)
	}
}

// TestRecoverInternalReportsGoroutinePanic: a panic in a goroutine no errgroup owns (the
// automatic login) is logged and reported, so waitInternal ends the run.
func TestRecoverInternalReportsGoroutinePanic(t *testing.T) {
	var logged strings.Builder
	s := &session{log: slog.New(slog.NewTextHandler(&logged, nil)), internal: make(chan *InternalError, 1)}
	go func() {
		defer s.recoverInternal()
		panic("login boom")
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := s.waitInternal(ctx)
	var ie *InternalError
	if !errors.As(err, &ie) || ie.Value != "login boom" {
		t.Fatalf("waitInternal = %v, want the goroutine's panic", err)
	}
	if !strings.Contains(logged.String(), "awsrun: internal error: login boom") {
		t.Fatalf("log:\n%s", logged.String())
	}
}
