//go:build unix

package sigintake

import (
	"os"
	"os/signal"
	"syscall"
)

// Forwarded is an explicit list: never SIGCHLD, SIGURG (the Go runtime's) or SIGPIPE, and never
// the job-control stops, so awsrun stops together with its child's group.
var Forwarded = []os.Signal{syscall.SIGTERM, syscall.SIGHUP, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGUSR1, syscall.SIGUSR2}

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
