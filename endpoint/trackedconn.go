package endpoint

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// trackedConn is an accepted connection as the listener sees it.
type trackedConn struct {
	net.Conn
	l *limitListener

	accepted time.Time
	gone     chan struct{} // closed by Close: the descriptor is released

	// Guarded by l.mu.
	prev, next *trackedConn
	listed     bool // in l.untrusted, or in l.trusted once trusted
	evicted    bool // closed by makeRoom: never trusted after

	trusted atomic.Bool
	// reading is set while the connection's goroutine is in Read, active while net/http
	// reads or handles a request (http.StateActive). An untrusted connection is evicted only
	// when reading and not active: waiting for the bytes of a request that has not started.
	reading, active atomic.Bool
	closeOnce       sync.Once

	// The deadlines the connection keeps while untrusted (none once trusted); changed only on
	// its serving goroutine, and by Accept before that starts.
	read, write deadline
	// latest is when the latest authorised request arrived, as time since accepted.
	latest atomic.Int64
}

// deadline is one direction's deadline: the one the connection keeps, and the one the socket
// has now (Unix nanoseconds; 0: none).
type deadline struct {
	own, set atomic.Int64
}

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromUnixNano(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

// keep makes t the deadline kept (zero: none), and applies it.
func (d *deadline) keep(apply func(time.Time) error, t time.Time) error {
	n := unixNano(t)
	d.own.Store(n)
	d.set.Store(n)
	return apply(t)
}

// request is net/http setting a deadline: one set is applied as asked (in practice only a
// past one, interrupting a read), and clearing one restores the kept deadline instead.
func (d *deadline) request(apply func(time.Time) error, t time.Time) error {
	if !t.IsZero() {
		d.set.Store(t.UnixNano())
		return apply(t)
	}
	own := d.own.Load()
	if d.set.Load() == own {
		return nil
	}
	d.set.Store(own)
	return apply(fromUnixNano(own))
}

// SetReadDeadline and SetWriteDeadline are net/http's calls; see deadline.request.
func (c *trackedConn) SetReadDeadline(t time.Time) error {
	return c.read.request(c.Conn.SetReadDeadline, t)
}

func (c *trackedConn) SetWriteDeadline(t time.Time) error {
	return c.write.request(c.Conn.SetWriteDeadline, t)
}

// SetDeadline is not called by net/http; it sets both as the two above do.
func (c *trackedConn) SetDeadline(t time.Time) error {
	return errors.Join(c.SetReadDeadline(t), c.SetWriteDeadline(t))
}

func (c *trackedConn) Read(b []byte) (int, error) {
	if c.trusted.Load() {
		return c.Conn.Read(b)
	}
	c.reading.Store(true)
	if c.l.waiting.Load() {
		c.l.signal()
	}
	n, err := c.Conn.Read(b)
	c.reading.Store(false)
	return n, err
}

// connState follows net/http's view of the connection (http.Server.ConnState).
func (c *trackedConn) connState(st http.ConnState) {
	if c.trusted.Load() {
		return
	}
	switch st {
	case http.StateActive:
		c.active.Store(true)
	case http.StateIdle:
		c.active.Store(false)
		c.l.signal()
	}
}

// authorised is told of each authorised request on the connection, which arrived at start:
// the connection is the token holder's, out of eviction and without deadlines, and an accept
// closes it once this has been its latest request for timeouts.idle.
func (c *trackedConn) authorised(start time.Time) {
	c.latest.Store(int64(start.Sub(c.accepted)))
	if c.trusted.Load() || !c.trust() {
		return
	}
	c.read.keep(c.Conn.SetReadDeadline, time.Time{})
	c.write.keep(c.Conn.SetWriteDeadline, time.Time{})
}

// trust marks the connection as the token holder's, which takes it out of eviction. It
// reports false if the connection was evicted or closed meanwhile.
func (c *trackedConn) trust() bool {
	l := c.l
	l.mu.Lock()
	defer l.mu.Unlock()
	if c.evicted || !c.listed {
		return false
	}
	l.untrusted.remove(c)
	l.trusted.pushBack(c)
	c.trusted.Store(true)
	l.signal()
	return true
}

func (c *trackedConn) Close() error {
	err := c.Conn.Close()
	c.closeOnce.Do(func() {
		l := c.l
		l.mu.Lock()
		if c.trusted.Load() {
			l.trusted.remove(c)
		} else {
			l.untrusted.remove(c)
		}
		l.mu.Unlock()
		close(c.gone)
		l.signal()
	})
	return err
}

// CloseWrite keeps net/http's graceful close after a request body it did not read.
func (c *trackedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// connContext puts the connection into every request's context, so the handler can trust it.
func connContext(ctx context.Context, c net.Conn) context.Context {
	if tc, ok := c.(*trackedConn); ok {
		return context.WithValue(ctx, connKey{}, tc)
	}
	return ctx
}

func connState(c net.Conn, st http.ConnState) {
	if tc, ok := c.(*trackedConn); ok {
		tc.connState(st)
	}
}

// trustConn marks the connection a request came on as the token holder's; the request
// arrived at start.
func trustConn(ctx context.Context, start time.Time) {
	if tc, ok := ctx.Value(connKey{}).(*trackedConn); ok {
		tc.authorised(start)
	}
}
