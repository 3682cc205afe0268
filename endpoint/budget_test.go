package endpoint

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestBudgetArmsOnlyWhenAsked(t *testing.T) {
	deadline := time.Now().Add(time.Hour)
	b := newBudget(context.Background(), deadline)
	if d, ok := b.Deadline(); !ok || !d.Equal(deadline) {
		t.Errorf("Deadline %v %v", d, ok)
	}
	if b.armed.Load() != nil {
		t.Error("a timer was armed though nobody asked for Done")
	}
	b.release()
	if err := b.Err(); !errors.Is(err, context.Canceled) {
		t.Errorf("Err after release %v, want Canceled", err)
	}
}

func TestBudgetExpires(t *testing.T) {
	b := newBudget(context.Background(), time.Now().Add(10*time.Millisecond))
	defer b.release()
	select {
	case <-b.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("Done not closed after the deadline")
	}
	if err := b.Err(); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Err %v", err)
	}
}

func TestBudgetFollowsParent(t *testing.T) {
	type key struct{}
	parent, cancel := context.WithCancel(context.WithValue(context.Background(), key{}, "v"))
	b := newBudget(parent, time.Now().Add(time.Hour))
	defer b.release()
	if b.Value(key{}) != "v" {
		t.Error("Value not passed through")
	}
	if b.Err() != nil {
		t.Errorf("Err %v before any cancel", b.Err())
	}
	cancel()
	<-b.Done()
	if err := b.Err(); !errors.Is(err, context.Canceled) {
		t.Errorf("Err %v", err)
	}

	early := time.Now().Add(time.Minute)
	parent, cancel = context.WithDeadline(context.Background(), early)
	defer cancel()
	if d, _ := newBudget(parent, early.Add(time.Hour)).Deadline(); !d.Equal(early) {
		t.Errorf("Deadline %v, want the parent's earlier %v", d, early)
	}
}

func TestBudgetReleaseCancelsArmed(t *testing.T) {
	b := newBudget(context.Background(), time.Now().Add(time.Hour))
	done := b.Done()
	b.release()
	<-done
	if err := b.Err(); !errors.Is(err, context.Canceled) {
		t.Errorf("Err %v", err)
	}
}
