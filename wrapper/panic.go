package wrapper

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// InternalError is a panic inside awsrun, recovered so that awsrun still ends properly: the
// child is stopped (stop signal, --stop-timeout, then SIGKILL), the private files, the socket
// and the state entry are removed by the usual deferred cleanup, and cmd/awsrun exits 70.
type InternalError struct {
	// Value is what panic was called with.
	Value any
	// Stack is the panicking goroutine's stack, as logged.
	Stack []byte
}

func (e *InternalError) Error() string { return fmt.Sprintf("internal error: %v", e.Value) }

// internalError records a recovered panic: it logs the value and the stack (function names,
// files and lines; never argument values as text) and returns it as an error.
func internalError(log *slog.Logger, v any) *InternalError {
	e := &InternalError{Value: v, Stack: debug.Stack()}
	e.log(log)
	return e
}

func (e *InternalError) log(log *slog.Logger) {
	log.Error(fmt.Sprintf("awsrun: internal error: %v", e.Value), "stack", string(e.Stack))
}

// guard returns fn made panic-safe: a panic in it is logged and returned as an *InternalError,
// which ends the run through the errgroup that runs fn.
func guard(log *slog.Logger, fn func() error) func() error {
	return func() (err error) {
		defer func() {
			if v := recover(); v != nil {
				err = internalError(log, v)
			}
		}()
		return fn()
	}
}

// guardedUpstream makes the credential source panic-safe. The keeper calls it from the
// goroutine singleflight starts, where a panic could not be recovered by anyone else (it is
// re-raised in a fresh goroutine and kills the process without any cleanup); here it becomes
// a failed refresh plus a report that ends the run.
type guardedUpstream struct {
	src    upstream
	log    *slog.Logger
	report func(*InternalError)
}

func (g guardedUpstream) Retrieve(ctx context.Context) (c aws.Credentials, err error) {
	defer func() {
		if v := recover(); v != nil {
			ie := internalError(g.log, v)
			g.report(ie)
			c, err = aws.Credentials{}, ie
		}
	}()
	testPanic("refresh")
	return g.src.Retrieve(ctx)
}

// reportInternal hands a panic recovered outside the run's errgroups to waitInternal; the
// first one wins, the rest are only logged.
func (s *session) reportInternal(e *InternalError) {
	select {
	case s.internal <- e:
	default:
	}
}

// waitInternal returns the first reported panic, or nil when ctx ends; run in the background
// errgroup, it ends the run on a panic in a goroutine that errgroup does not own.
func (s *session) waitInternal(ctx context.Context) error {
	select {
	case e := <-s.internal:
		return e
	case <-ctx.Done():
		return nil
	}
}

// recoverInternal, deferred at the top of a goroutine that no errgroup owns (the automatic
// login and its output relay), turns a panic there into a report that ends the run.
func (s *session) recoverInternal() {
	if v := recover(); v != nil {
		s.reportInternal(internalError(s.log, v))
	}
}

// guardUpstream wraps a source the session opened.
func (s *session) guardUpstream(src upstream) upstream {
	return guardedUpstream{src: src, log: s.log, report: s.reportInternal}
}
