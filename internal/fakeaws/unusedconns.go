package fakeaws

import (
	"net"
	"net/http"
	"sync"
)

// unusedConns holds the connections that have not sent a request yet. A Go client may dial a
// spare connection while its request takes a connection that just became idle; the spare sits
// in its pool without ever sending a byte. http.Server.Shutdown waits 5 s for such a connection
// before it counts as idle, longer than Close's own bound, so Close closes them itself: they
// have no request in flight to wait for.
type unusedConns struct {
	mu    sync.Mutex
	conns map[net.Conn]struct{}
	added chan struct{} // tests: told (without blocking) when a connection is tracked
}

// track is the server's ConnState hook.
func (u *unusedConns) track(c net.Conn, st http.ConnState) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if st == http.StateNew {
		if u.conns == nil {
			u.conns = map[net.Conn]struct{}{}
		}
		u.conns[c] = struct{}{}
		select {
		case u.added <- struct{}{}:
		default:
		}
		return
	}
	delete(u.conns, c)
}

// closeAll runs when Shutdown has closed the listeners, so no new connection can join.
func (u *unusedConns) closeAll() {
	u.mu.Lock()
	defer u.mu.Unlock()
	for c := range u.conns {
		c.Close()
	}
	clear(u.conns)
}
