//go:build unix

package main

import "syscall"

// signalNames are the stop signals a user may choose; the list is short on purpose: a stop
// signal the child cannot act on only delays the SIGKILL.
var signalNames = map[string]syscall.Signal{
	"TERM": syscall.SIGTERM, "INT": syscall.SIGINT, "HUP": syscall.SIGHUP, "QUIT": syscall.SIGQUIT,
	"KILL": syscall.SIGKILL, "USR1": syscall.SIGUSR1, "USR2": syscall.SIGUSR2,
}
