//go:build unix && !linux

package child

import (
	"os"
	"syscall"
)

// setPdeathsig does nothing: only Linux has a parent-death signal that this
// package supports; Options.Pdeathsig is documented as ignored elsewhere.
func setPdeathsig(*syscall.SysProcAttr, syscall.Signal) {}

// stopSelf is the default OnStop. It stops awsrun so that the shell, which
// only waits for awsrun, sees the job stopped and takes the terminal back,
// and it returns once the shell continues awsrun (fg or bg). SIGSTOP, unlike
// the child's own signal, cannot be caught or ignored by awsrun's signal
// policy. There is no portable way to aim it at the calling thread, as the
// Linux version does; these kernels suspend every thread of the process when
// it is delivered.
func stopSelf(syscall.Signal) {
	_ = syscall.Kill(os.Getpid(), syscall.SIGSTOP)
}

// setPidFD does nothing: pidfds are Linux's.
func setPidFD(*syscall.SysProcAttr, *int) {}

// pidfdSignal is never called here (there is no pidfd to pass).
func pidfdSignal(int, syscall.Signal) error { return syscall.ENOSYS }

func dropPidFD(*syscall.SysProcAttr) bool { return false }
