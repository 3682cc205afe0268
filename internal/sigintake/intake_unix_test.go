//go:build unix

package sigintake

import (
	"os"
	"syscall"
	"testing"
	"time"
)

// TestIntake: before HandOver a signal gets its default action (SIGUSR1's: nothing) and is
// told to OnSignal; after it, the signals reach the returned channel; nothing is asked of the
// ignored-at-start record for a signal this process did not ignore.
func TestIntake(t *testing.T) {
	in := Start()
	defer in.Close()
	told := make(chan os.Signal, 1)
	in.OnSignal(func(sig os.Signal) { told <- sig })
	<-in.registered
	if in.IgnoredAtStart(syscall.SIGUSR1) {
		t.Error("SIGUSR1 reported ignored at start")
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	select {
	case sig := <-told:
		if sig != syscall.SIGUSR1 {
			t.Fatalf("told %v, want SIGUSR1", sig)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the signal before HandOver was never told")
	}

	ch := in.HandOver()
	if err := syscall.Kill(os.Getpid(), syscall.SIGUSR2); err != nil {
		t.Fatal(err)
	}
	select {
	case sig := <-ch:
		if sig != syscall.SIGUSR2 {
			t.Fatalf("got %v, want SIGUSR2", sig)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the signal after HandOver never reached the supervisor's channel")
	}
	select {
	case sig := <-told:
		t.Errorf("a signal after HandOver was given its default action: %v", sig)
	default:
	}
}
