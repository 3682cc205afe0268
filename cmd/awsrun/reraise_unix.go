//go:build unix

package main

import (
	"os"
	"os/signal"
	"syscall"
	"time"
)

// reraise dies of the child's signal so the parent shell sees a real signal death (bash stops a
// loop on SIGINT death, not on exit 130). Signals for which the Go runtime would print a stack
// dump instead become 128+N.
func reraise(sig syscall.Signal) {
	switch sig {
	case syscall.SIGHUP, syscall.SIGINT, syscall.SIGTERM, syscall.SIGKILL, syscall.SIGPIPE,
		syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGALRM:
		signal.Reset(sig)
		_ = syscall.Kill(os.Getpid(), sig)
		// Delivery to ourselves is asynchronous; give the runtime's default action a moment
		// before falling back to the exit code.
		time.Sleep(time.Second)
	}
	os.Exit(exitSignalOffset + int(sig))
}
