//go:build linux

package child

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// setPdeathsig asks the kernel to send sig to the child when its parent
// dies, so that a SIGKILLed awsrun does not leave the child running.
func setPdeathsig(sys *syscall.SysProcAttr, sig syscall.Signal) {
	sys.Pdeathsig = sig
}

// stopSelf is the default OnStop. It stops awsrun so that the shell, which
// only waits for awsrun, sees the job stopped and takes the terminal back,
// and it returns once the shell continues awsrun (fg or bg). SIGSTOP, unlike
// the child's own signal, cannot be caught or ignored by awsrun's signal
// policy.
//
// The signal goes to the calling thread, which the reaper has locked, not to
// the process: a process-directed signal may be taken by another thread
// while this one returns and continues the child before awsrun has stopped
// (measured: about 1 in 100 self-kills from a goroutine). A SIGSTOP sent to
// a thread still stops the whole process, and this thread acts on it before
// tgkill returns to user space.
func stopSelf(syscall.Signal) {
	_ = syscall.Tgkill(os.Getpid(), syscall.Gettid(), syscall.SIGSTOP)
}

// setPidFD asks clone for a pidfd of the child in *fd.
func setPidFD(sys *syscall.SysProcAttr, fd *int) {
	sys.PidFD = fd
}

// pidfdSignal sends sig to the process the pidfd names.
func pidfdSignal(fd int, sig syscall.Signal) error {
	return unix.PidfdSendSignal(fd, sig, nil, 0)
}

// dropPidFD stops asking for a pidfd; it reports whether one was asked for.
func dropPidFD(sys *syscall.SysProcAttr) bool {
	asked := sys.PidFD != nil
	sys.PidFD = nil
	return asked
}
