//go:build !unix

package endpoint

import "net"

// nofileLimit reports no limit: Windows bounds sockets by memory, not by a descriptor count.
func nofileLimit() uint64 { return 0 }

// hasUnreadBytes reports false: without a portable peek, eviction goes by state alone.
func hasUnreadBytes(net.Conn) bool { return false }
