//go:build linux

package state

import (
	"net"
	"os"

	"golang.org/x/sys/unix"
)

// peerAllowed admits only processes of our own user, as ssh-agent does: the directory's mode
// already keeps others out, this holds even if someone loosened it.
func peerAllowed(c *net.UnixConn) bool {
	raw, err := c.SyscallConn()
	if err != nil {
		return false
	}
	var cred *unix.Ucred
	var cerr error
	if err := raw.Control(func(fd uintptr) {
		cred, cerr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	}); err != nil || cerr != nil {
		return false
	}
	return int(cred.Uid) == os.Geteuid()
}
