package child

import "syscall"

// lostStatusCode is reported when the exit status could not be collected,
// for example because the caller set SIGCHLD to SIG_IGN and the kernel
// discarded it. 255 is the conventional "status out of range" code.
const lostStatusCode = 255

// Status is how a process ended.
type Status struct {
	// Code is the exit code when the process exited normally, the
	// StartError's exit code when it never started, 255 when its status
	// was lost, and 0 otherwise.
	Code int

	// Signal is the signal that killed the process when Signaled is true.
	Signal syscall.Signal

	// Signaled is true when the process was killed by a signal.
	Signaled bool
}

// ExitCode returns the code a shell would report for the process: Code, or
// 128 plus the signal number when the process was killed by a signal.
func (s Status) ExitCode() int {
	if s.Signaled {
		return 128 + int(s.Signal)
	}
	return s.Code
}
