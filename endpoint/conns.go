package endpoint

import (
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// The endpoint is open to every local process, so what one can make it hold is bounded: a
// refused request closes its connection (see refuse), and at most maxUntrusted connections
// that have not yet made an authorised request are open at once. The bound is kept by
// evicting, never by refusing new connections: a plain accept cap would let a process that
// holds the cap lock the token holder out. When one more connection arrives at the bound, the
// oldest untrusted connection that waits for the bytes of a request is closed. Left alone are
// a connection whose request is being read or handled, one whose bytes have arrived but not
// been read yet, and one younger than minEvictAge: the SDKs send their whole request right
// after connecting, so the token holder's connection is cut only if it stays silent for
// minEvictAge and longer than every older idle one. A connection that made an authorised
// request is trusted and never evicted; only the token holder can open those.
//
// minEvictAge also bounds how fast a flood turns connections over (maxUntrusted per
// minEvictAge), so a connection that waits in the kernel's accept queue behind a flood gets
// its bytes in before it is accepted.
//
// Running out of file descriptors (EMFILE) in accept is met the same way: an untrusted
// connection is evicted and accept is tried again as soon as its descriptor is released,
// rather than leaving the token holder's connection in the kernel's queue while net/http
// backs off.
//
// Each connection also keeps its own time limits, instead of http.Server's timeouts: those
// read the clock four times and re-arm three runtime timers on every keep-alive request (about
// a twentieth of the server's cost per request, profiled under wrk). The server runs without
// them, so net/http only ever clears a deadline or sets one in the past (to interrupt its own
// background read):
//   - an untrusted connection must send its one request within timeouts.header of its accept
//     (the slow-loris bound; a refused request closes the connection, so there is no second
//     one) and have it answered within timeouts.write after that. These deadlines are set at
//     the accept, and net/http clearing one restores it.
//   - a trusted connection (the token holder's) has no deadlines, and no timer either: while
//     any runtime timer is armed, each wait of the idle server for its next request is an
//     epoll_wait with a timeout, which arms and cancels a kernel timer; awsrun otherwise waits
//     on kernel timers of its own (wallclock). Each accept instead closes the trusted
//     connections whose latest request arrived timeouts.idle ago or longer, idle or stalled
//     mid-request. So a client that keeps opening connections keeps few idle ones, and one
//     that stopped opening them holds what it has until it closes them or awsrun ends. Only
//     the token holder can open trusted connections, and it could hold that many that long
//     anyway, so a stall that is not cut after timeouts.header gives it nothing more. Per
//     request this costs an atomic store and no clock read beyond the handler's own.

// minEvictAge is how long a new connection has to send its request before it may be evicted.
const minEvictAge = 50 * time.Millisecond

// maxUntrustedCap is the bound when file descriptors are plentiful: far more than any real
// client opens, few enough that they cost nothing.
const maxUntrustedCap = 128

// untrustedLimit is the bound for a process allowed nofile descriptors: at most half of them,
// so the rest of awsrun (its files, its child's pipes, its connections to AWS) keeps the other
// half, and at least 8.
func untrustedLimit(nofile uint64) int {
	n := nofile / 2
	switch {
	case nofile == 0 || n > maxUntrustedCap: // 0: unknown, or no such limit
		return maxUntrustedCap
	case n < 8:
		return 8
	}
	return int(n)
}

// connKey is the request context key under which the server finds a request's *trackedConn.
type connKey struct{}

// timeouts are the connection time limits described above.
type timeouts struct {
	header time.Duration // accept to an untrusted connection's request read
	write  time.Duration // then to its answer written
	idle   time.Duration // a trusted connection's latest request to its close at an accept
}

// limitListener tracks the connections it accepts and enforces the bound above.
type limitListener struct {
	net.Listener
	max      int
	timeouts timeouts
	now      func() time.Time

	// changed is signalled when a connection closes, is trusted or may have become
	// evictable; done is closed by Close.
	changed chan struct{}
	done    chan struct{}

	mu        sync.Mutex
	untrusted connList // oldest first
	trusted   connList
	closed    bool
	evicted   atomic.Uint64
	// waiting is set while Accept waits for an evictable connection, so Read signals only then.
	waiting atomic.Bool
}

func newLimitListener(ln net.Listener, max int, t timeouts) *limitListener {
	return &limitListener{
		Listener: ln,
		max:      max,
		timeouts: t,
		now:      time.Now,
		changed:  make(chan struct{}, 1),
		done:     make(chan struct{}),
	}
}

// Accept returns the next connection, once it has made room for it when the untrusted
// connections were at the bound.
func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			if !errors.Is(err, syscall.EMFILE) && !errors.Is(err, syscall.ENFILE) {
				return nil, err
			}
			// Out of descriptors: free one and take the waiting connection then. Without an
			// untrusted connection to close, the descriptors are used elsewhere and net/http's
			// backoff is the right answer.
			if err := l.freeOne(); err != nil {
				return nil, err
			}
			continue
		}
		tc := &trackedConn{Conn: c, l: l, accepted: l.now(), gone: make(chan struct{})}
		readBy := tc.accepted.Add(l.timeouts.header)
		tc.read.keep(c.SetReadDeadline, readBy)
		tc.write.keep(c.SetWriteDeadline, readBy.Add(l.timeouts.write))
		l.mu.Lock()
		if l.closed {
			l.mu.Unlock()
			c.Close()
			return nil, net.ErrClosed
		}
		l.untrusted.pushBack(tc)
		stale := l.staleTrusted(tc.accepted)
		l.mu.Unlock()
		for _, c := range stale {
			c.Conn.Close() // its goroutine's read or write fails and net/http ends the connection
		}
		// tc itself is not evictable yet: its goroutine has not started.
		if _, err := l.makeRoom(l.max); err != nil {
			tc.Close()
			return nil, err
		}
		return tc, nil
	}
}

// freeOne evicts one untrusted connection for an accept that failed for want of
// descriptors, and returns once its descriptor is released.
func (l *limitListener) freeOne() error {
	l.mu.Lock()
	n := l.untrusted.len
	l.mu.Unlock()
	if n == 0 {
		return errNoneToEvict
	}
	victims, err := l.makeRoom(n - 1)
	if err != nil {
		return err
	}
	for _, v := range victims {
		// net/http closes the connection once its goroutine sees the failed read; the
		// descriptor is released then, not at the eviction.
		select {
		case <-v.gone:
		case <-l.done:
			return net.ErrClosed
		}
	}
	return nil
}

// errNoneToEvict is returned for an accept that failed for want of descriptors when no
// untrusted connection holds one; net/http retries after a backoff.
var errNoneToEvict = tempError("accept: out of file descriptors and no untrusted connection to close")

type tempError string

func (e tempError) Error() string   { return string(e) }
func (e tempError) Temporary() bool { return true }
func (e tempError) Timeout() bool   { return false }

// makeRoom closes the oldest evictable untrusted connections until at most keep remain, waiting
// while none is evictable. The other states (not yet read by its goroutine, a request being
// read or handled, younger than minEvictAge) end soon in waiting, being trusted, closing or
// coming of age, so the wait is short.
func (l *limitListener) makeRoom(keep int) ([]*trackedConn, error) {
	var victims []*trackedConn
	defer func() {
		for _, v := range victims {
			v.Conn.Close() // its goroutine's read fails and net/http ends the connection
		}
	}()
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		l.mu.Lock()
		if l.closed {
			l.mu.Unlock()
			return victims, net.ErrClosed
		}
		if l.untrusted.len <= keep {
			l.waiting.Store(false)
			l.mu.Unlock()
			return victims, nil
		}
		l.waiting.Store(true)
		now := l.now()
		v, next := l.untrusted.oldestEvictable(now)
		if v != nil {
			l.untrusted.remove(v)
			v.evicted = true
			victims = append(victims, v)
			l.evicted.Add(1)
			l.mu.Unlock()
			continue
		}
		l.mu.Unlock()
		var comeOfAge <-chan time.Time
		if !next.IsZero() {
			if timer == nil {
				timer = time.NewTimer(next.Sub(now))
			} else {
				timer.Reset(next.Sub(now))
			}
			comeOfAge = timer.C
		}
		select {
		case <-l.changed:
		case <-comeOfAge:
		case <-l.done:
		}
	}
}

// signal wakes an Accept that waits for an evictable connection.
func (l *limitListener) signal() {
	select {
	case l.changed <- struct{}{}:
	default:
	}
}

func (l *limitListener) Close() error {
	l.mu.Lock()
	if !l.closed {
		l.closed = true
		close(l.done)
	}
	l.mu.Unlock()
	return l.Listener.Close()
}

// staleTrusted lists the trusted connections whose latest request arrived timeouts.idle before
// now or earlier. l.mu is held.
func (l *limitListener) staleTrusted(now time.Time) []*trackedConn {
	var stale []*trackedConn
	for c := l.trusted.head; c != nil; c = c.next {
		if time.Duration(c.latest.Load())+l.timeouts.idle <= now.Sub(c.accepted) {
			stale = append(stale, c)
		}
	}
	return stale
}

// closeUnused closes the connections that have not started a request: a client's spare
// connection may never send one, and http.Server.Shutdown would wait seconds for it. It runs
// once Shutdown has closed the listener, so no new connection joins.
func (l *limitListener) closeUnused() {
	l.mu.Lock()
	var unused []*trackedConn
	for c := l.untrusted.head; c != nil; c = c.next {
		// An untrusted connection serves one request at most: one not active has not begun it.
		if !c.active.Load() {
			unused = append(unused, c)
		}
	}
	l.mu.Unlock()
	for _, c := range unused {
		c.Conn.Close() // its goroutine's read fails and net/http ends the connection
	}
}

// counts reports the open connections by kind, for tests.
func (l *limitListener) counts() (untrusted, trusted int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.untrusted.len, l.trusted.len
}
