//go:build linux

package child

import "syscall"

// setPdeathsig asks the kernel to send sig to the child when its parent
// dies, so that a SIGKILLed awsrun does not leave the child running.
func setPdeathsig(sys *syscall.SysProcAttr, sig syscall.Signal) {
	sys.Pdeathsig = sig
}
