//go:build unix

package main

import (
	"os/exec"
	"syscall"
	"time"
)

// setProcessGroup starts the child in a process group of its own, so Ctrl+C at the terminal
// reaches only the demo, which then stops the whole group (awsrun, the shell, a running aws).
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// stopGroup asks the child's process group to end, kills it if it has not within half of
// exitTimeout, and waits until the child is reaped (done closed).
func stopGroup(cmd *exec.Cmd, done <-chan struct{}) {
	pgid := cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	timer := time.NewTimer(exitTimeout / 2)
	defer timer.Stop()
	select {
	case <-done:
		// The leader is gone; take down anything of its group still running.
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		return
	case <-timer.C:
	}
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	<-done
}
