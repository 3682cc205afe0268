package endpoint

import (
	"context"
	"sync/atomic"
	"time"
)

// budget is the context a provider call gets: the request's context with Options.Timeout as
// its deadline. context.WithTimeout would arm and stop a timer on every request, which costs
// several times the rest of the handler, while the usual provider (aws.CredentialsCache
// holding valid credentials) answers without looking at its context. So the timer is armed
// only when the provider first asks for Done or Err.
type budget struct {
	parent   context.Context
	deadline time.Time
	armed    atomic.Pointer[armedBudget] // nil until armed; spent after release
}

type armedBudget struct {
	ctx    context.Context
	cancel context.CancelFunc
}

// spent is what a provider sees when it first looks at a budget after its request ended.
var spent = func() *armedBudget {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return &armedBudget{ctx, cancel}
}()

func newBudget(parent context.Context, deadline time.Time) *budget {
	return &budget{parent: parent, deadline: deadline}
}

func (b *budget) arm() context.Context {
	if a := b.armed.Load(); a != nil {
		return a.ctx
	}
	ctx, cancel := context.WithDeadline(b.parent, b.deadline)
	if b.armed.CompareAndSwap(nil, &armedBudget{ctx, cancel}) {
		return ctx
	}
	cancel() // armed by another goroutine or released meanwhile
	return b.armed.Load().ctx
}

// release ends the budget once the request is done with the provider, stopping the timer if
// one was armed. A provider that kept the context sees it cancelled.
func (b *budget) release() {
	if a := b.armed.Swap(spent); a != nil && a != spent {
		a.cancel()
	}
}

func (b *budget) Deadline() (time.Time, bool) {
	if d, ok := b.parent.Deadline(); ok && d.Before(b.deadline) {
		return d, true
	}
	return b.deadline, true
}

func (b *budget) Done() <-chan struct{} { return b.arm().Done() }
func (b *budget) Err() error            { return b.arm().Err() }
func (b *budget) Value(key any) any     { return b.parent.Value(key) }
