package endpoint

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// TestSlowRequestCut: a connection that has not sent its whole request within the header
// timeout of its accept is closed, whether it sent nothing, part of the request line, or part
// of the headers. net/http answers 400 to a partial request before it closes.
func TestSlowRequestCut(t *testing.T) {
	s := newServer(t, Options{})
	s.headerTimeout = 50 * time.Millisecond
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	for _, sent := range []string{"", "GET " + testPath, "GET " + testPath + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"} {
		c := dialRaw(t, s)
		if _, err := io.WriteString(c.conn, sent); err != nil {
			t.Fatal(err)
		}
		answer, err := io.ReadAll(c.r)
		switch {
		case isTimeout(err):
			t.Errorf("after %q: still open at the test's deadline", sent)
		case len(answer) > 0 && !bytes.HasPrefix(answer, []byte("HTTP/1.1 400 ")):
			t.Errorf("after %q: answer %q", sent, answer)
		}
	}
}

// TestTrustedConnectionIdleClosed: the token holder's keep-alive connection, idle or stalled
// mid-request, is closed at the first accept once its latest request is the idle timeout old,
// and serves every request before that.
func TestTrustedConnectionIdleClosed(t *testing.T) {
	s := newServer(t, Options{})
	s.idleLimit = time.Nanosecond // any accept after a request finds the connection idle
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	get := "GET " + testPath + " HTTP/1.1\r\nHost: " + s.addr.String() + "\r\nAuthorization: " + testToken + "\r\n\r\n"
	c := dialRaw(t, s)
	for i := range 3 {
		if resp, body := c.roundTrip(get); resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d: status %d; body %s", i, resp.StatusCode, body)
		}
	}
	dialRaw(t, s)
	if err := c.closedByServer(); err != nil {
		t.Error(err)
	}
	// Stalled halfway through its next request: closed all the same.
	c = dialRaw(t, s)
	if resp, body := c.roundTrip(get); resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d; body %s", resp.StatusCode, body)
	}
	if _, err := io.WriteString(c.conn, "GET "+testPath+" HTTP/1.1\r\n"); err != nil {
		t.Fatal(err)
	}
	dialRaw(t, s)
	if err := c.closedByServer(); err != nil {
		t.Errorf("stalled mid-request: %v", err)
	}
}

// TestSlowProviderOutlastsHeaderTimeout: the header timeout bounds reading the request, not
// answering it: an authorised request whose provider answers after the header deadline of
// its connection has passed is still served, on a connection that stays open.
func TestSlowProviderOutlastsHeaderTimeout(t *testing.T) {
	entered, release := make(chan struct{}, 1), make(chan struct{})
	p := aws.CredentialsProviderFunc(func(ctx context.Context) (aws.Credentials, error) {
		entered <- struct{}{}
		select {
		case <-release:
			return testCreds, nil
		case <-ctx.Done(): // net/http cancels it if the connection's read fails
			return aws.Credentials{}, ctx.Err()
		}
	})
	s := newServer(t, Options{Provider: p, Timeout: time.Minute})
	s.headerTimeout = 20 * time.Millisecond
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	var once sync.Once
	free := func() { once.Do(func() { close(release) }) }
	t.Cleanup(free) // first: a failed test does not leave the request for Close to wait on
	get := "GET " + testPath + " HTTP/1.1\r\nHost: " + s.addr.String() + "\r\nAuthorization: " + testToken + "\r\n\r\n"
	c := dialRaw(t, s)
	answered := make(chan int, 1)
	go func() { // without t.Fatal, off the test's goroutine
		code := 0
		if _, err := io.WriteString(c.conn, get); err == nil {
			if resp, err := http.ReadResponse(c.r, nil); err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				code = resp.StatusCode
			}
		}
		answered <- code
	}()
	<-entered
	// The header deadline has passed once a connection accepted after this one is cut by it.
	if err := dialRaw(t, s).closedByServer(); err != nil {
		t.Fatal(err)
	}
	free()
	if code := <-answered; code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	if resp, body := c.roundTrip(get); resp.StatusCode != http.StatusOK {
		t.Fatalf("second request: status %d; body %s", resp.StatusCode, body)
	}
}

// deadlineLog is a connection that records the deadlines set on it.
type deadlineLog struct {
	net.Conn
	read, write []time.Time
	closed      bool
}

func (d *deadlineLog) SetReadDeadline(t time.Time) error  { d.read = append(d.read, t); return nil }
func (d *deadlineLog) SetWriteDeadline(t time.Time) error { d.write = append(d.write, t); return nil }
func (d *deadlineLog) Close() error                       { d.closed = true; return nil }

// oneConn is a listener that hands out one connection.
type oneConn struct {
	net.Listener
	c net.Conn
}

func (l *oneConn) Accept() (net.Conn, error) { return l.c, nil }

// TestConnDeadlines follows the deadlines a connection keeps through net/http's calls: an
// untrusted connection keeps its accept-time bounds whatever net/http clears; a trusted one
// has none, and net/http's calls around a request cost at most the interrupt and its undoing.
func TestConnDeadlines(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	to := timeouts{header: 2 * time.Second, write: 6 * time.Second, idle: time.Hour}
	log := &deadlineLog{}
	l := newLimitListener(&oneConn{c: log}, 8, to)
	l.now = func() time.Time { return t0 }
	nc, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	c := nc.(*trackedConn)
	t.Cleanup(func() { c.Close() })
	past := time.Unix(1, 0) // what net/http interrupts its background read with
	expect := func(step string, read, write []time.Time) {
		t.Helper()
		if !slices.EqualFunc(log.read, read, time.Time.Equal) {
			t.Errorf("%s: read deadlines %v, want %v", step, log.read, read)
		}
		if !slices.EqualFunc(log.write, write, time.Time.Equal) {
			t.Errorf("%s: write deadlines %v, want %v", step, log.write, write)
		}
		log.read, log.write = nil, nil
	}
	expect("accept", []time.Time{t0.Add(to.header)}, []time.Time{t0.Add(to.header + to.write)})

	// Untrusted: clearing keeps the bounds; an interrupt is applied and then undone.
	c.SetReadDeadline(time.Time{})
	c.SetWriteDeadline(time.Time{})
	expect("untrusted clear", nil, nil)
	c.SetReadDeadline(past)
	c.SetReadDeadline(time.Time{})
	expect("untrusted interrupt", []time.Time{past, t0.Add(to.header)}, nil)

	// The first authorised request clears both.
	c.authorised(t0.Add(time.Second))
	expect("trusted", []time.Time{{}}, []time.Time{{}})
	if !c.trusted.Load() {
		t.Fatal("connection not trusted after an authorised request")
	}
	// net/http's calls around one request: clear, interrupt, clear, clear the write deadline,
	// clear for the next request.
	for i := range 3 {
		c.SetReadDeadline(time.Time{})
		c.authorised(t0.Add(time.Duration(i+2) * time.Second))
		c.SetReadDeadline(past)
		c.SetReadDeadline(time.Time{})
		c.SetWriteDeadline(time.Time{})
		c.SetReadDeadline(time.Time{})
		expect("request", []time.Time{past, {}}, nil)
	}
}

// newConns is a listener that hands out a new connection at each accept.
type newConns struct {
	net.Listener
	conns []*deadlineLog
}

func (l *newConns) Accept() (net.Conn, error) {
	c := &deadlineLog{}
	l.conns = append(l.conns, c)
	return c, nil
}

// TestStaleTrustedClosedAtAccept: an accept closes the trusted connections whose latest
// request arrived the idle timeout ago, and no other.
func TestStaleTrustedClosedAtAccept(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	to := timeouts{header: 2 * time.Second, write: 6 * time.Second, idle: time.Hour}
	ln := &newConns{}
	l := newLimitListener(ln, 8, to)
	accept := func(since time.Duration) *trackedConn {
		t.Helper()
		l.now = func() time.Time { return t0.Add(since) }
		c, err := l.Accept()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c.(*trackedConn)
	}
	holder := accept(0)
	holder.authorised(t0.Add(time.Second))
	holder.authorised(t0.Add(time.Minute))
	accept(time.Minute + to.idle - time.Millisecond)
	if ln.conns[0].closed {
		t.Fatal("closed before its latest request was the idle timeout old")
	}
	accept(time.Minute + to.idle)
	if !ln.conns[0].closed {
		t.Error("trusted connection still open the idle timeout after its latest request")
	}
	if ln.conns[1].closed || ln.conns[2].closed {
		t.Error("an accept closed an untrusted connection")
	}
}
