//go:build unix

package wrapper

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

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
