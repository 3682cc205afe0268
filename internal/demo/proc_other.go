//go:build !unix

package main

import (
	"os/exec"
	"time"
)

// setProcessGroup is a no-op where there are no process groups.
func setProcessGroup(*exec.Cmd) {}

// stopGroup kills the child and waits until it is reaped (done closed).
func stopGroup(cmd *exec.Cmd, done <-chan struct{}) {
	_ = cmd.Process.Kill()
	timer := time.NewTimer(exitTimeout)
	defer timer.Stop()
	select {
	case <-done:
	case <-timer.C:
	}
}
