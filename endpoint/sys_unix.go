//go:build unix

package endpoint

import (
	"net"
	"syscall"
)

// nofileLimit is the process's soft RLIMIT_NOFILE, or 0 when it cannot be read. The Go runtime
// raises the soft limit as far as it may at start, so this is about what the user allowed.
func nofileLimit() uint64 {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		return 0
	}
	return uint64(r.Cur)
}

// hasUnreadBytes reports whether bytes wait in the kernel for c's goroutine to read them: a
// request that arrived while the goroutine waited to be scheduled.
func hasUnreadBytes(c net.Conn) bool {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return false
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	var n int
	var b [1]byte
	if raw.Control(func(fd uintptr) {
		n, _, _ = syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	}) != nil {
		return false
	}
	return n > 0
}
