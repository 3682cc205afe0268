//go:build unix

package main

import (
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/awsrun/awsrun/cmd/awsrun/internal/early"
)

// reraise dies of the child's signal so the parent shell sees a real signal death (bash stops a
// loop on SIGINT death, not on exit 130). Signals for which the Go runtime would print a stack
// dump instead become 128+N.
//
// A signal that was ignored when awsrun started (SIGHUP under nohup) is ignored again once
// reset, so awsrun cannot die of it: it exits 128+N at once instead of waiting for a death
// that never comes.
func reraise(sig syscall.Signal) {
	switch sig {
	case syscall.SIGHUP, syscall.SIGINT, syscall.SIGTERM, syscall.SIGKILL, syscall.SIGPIPE,
		syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGALRM:
		if ignoredAtStart[sig] {
			break
		}
		signal.Reset(sig)
		_ = syscall.Kill(os.Getpid(), sig)
		// Delivery to ourselves is asynchronous; give the runtime's default action a moment
		// before falling back to the exit code.
		time.Sleep(time.Second)
	}
	os.Exit(exitSignalOffset + int(sig))
}

// ignoredAtStart are the signals awsrun inherited as ignored, as read before anything asked for
// them (signal.Notify makes signal.Ignored report false from then on; the early intake read
// them before it registered its own).
var ignoredAtStart = map[syscall.Signal]bool{}

func noteIgnoredSignals() {
	for _, sig := range []syscall.Signal{syscall.SIGHUP, syscall.SIGINT, syscall.SIGTERM, syscall.SIGPIPE,
		syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGALRM} {
		if early.IgnoredAtStart(sig) {
			ignoredAtStart[sig] = true
		}
	}
}
