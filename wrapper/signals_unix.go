//go:build unix

package wrapper

import (
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"
)

// forwardedSignals is an explicit list: never SIGCHLD, SIGURG (the Go runtime's) or SIGPIPE,
// and never the job-control stops, so awsrun stops together with its child's group.
var forwardedSignals = []os.Signal{syscall.SIGTERM, syscall.SIGHUP, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGUSR1, syscall.SIGUSR2}

// isTerminalSignal reports signals a terminal sends to the whole foreground process group.
func isTerminalSignal(s os.Signal) bool { return s == syscall.SIGINT || s == syscall.SIGQUIT }

// isForegroundTTY reports whether stdin is a terminal whose foreground group is ours: then the
// terminal delivers ^C and ^\ to the child itself, and a child that stops itself should stop us.
func isForegroundTTY(f *os.File) bool {
	if f == nil {
		return false
	}
	pgrp, err := unix.IoctlGetInt(int(f.Fd()), unix.TIOCGPGRP)
	if err != nil {
		return false
	}
	return pgrp == unix.Getpgrp()
}

// pdeathsig is what the child gets from the kernel if awsrun dies without stopping it (even by
// SIGKILL; Linux only). SIGKILL, because a child that ignores SIGTERM would otherwise live on as
// an orphan whose credential source is gone.
const pdeathsig = syscall.SIGKILL

// raiseDefault gives sig the action it would have had without signal.Notify, before the child
// runs. A signal awsrun inherited as ignored (SIGHUP under nohup) stays ignored, and SIGUSR1 and
// SIGUSR2 are ignored by a Go program that has not asked for them: those are dropped. The others
// end awsrun as they did: signal.Reset gives them back to the runtime's default (death, or a
// stack dump for SIGQUIT) and the signal is sent again, after beforeDeath (if any) has removed
// what awsrun wrote so far.
func raiseDefault(sig os.Signal, ignoredAtStart bool, beforeDeath func()) {
	s, ok := sig.(syscall.Signal)
	if !ok || ignoredAtStart || s == syscall.SIGUSR1 || s == syscall.SIGUSR2 {
		return
	}
	if beforeDeath != nil {
		beforeDeath()
	}
	signal.Reset(s)
	_ = syscall.Kill(os.Getpid(), s)
}
