package endpoint

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"slices"
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

// TestTrustedConnectionIdleClosed: the token holder's keep-alive connection is closed once it
// has been idle for the idle timeout, and serves every request before that.
func TestTrustedConnectionIdleClosed(t *testing.T) {
	s := newServer(t, Options{})
	s.idleLimit = 100 * time.Millisecond
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
	if err := c.closedByServer(); err != nil {
		t.Error(err)
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
	get := "GET " + testPath + " HTTP/1.1\r\nHost: " + s.addr.String() + "\r\nAuthorization: " + testToken + "\r\n\r\n"
	c := dialRaw(t, s)
	answered := make(chan int, 1)
	go func() {
		resp, _ := c.roundTrip(get)
		answered <- resp.StatusCode
	}()
	<-entered
	// The header deadline has passed once a connection accepted after this one is cut by it.
	if err := dialRaw(t, s).closedByServer(); err != nil {
		t.Fatal(err)
	}
	close(release)
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
}

func (d *deadlineLog) SetReadDeadline(t time.Time) error  { d.read = append(d.read, t); return nil }
func (d *deadlineLog) SetWriteDeadline(t time.Time) error { d.write = append(d.write, t); return nil }

// oneConn is a listener that hands out one connection.
type oneConn struct {
	net.Listener
	c net.Conn
}

func (l *oneConn) Accept() (net.Conn, error) { return l.c, nil }

// TestConnDeadlines follows the deadlines a connection keeps through net/http's calls: an
// untrusted connection keeps its accept-time bound whatever net/http clears; a trusted one is
// given the idle timeout from each request, re-armed once per request after net/http's
// interrupt, with its write deadline moved only when it would fall short.
func TestConnDeadlines(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	to := timeouts{header: 2 * time.Second, write: 6 * time.Second, idle: 2 * time.Minute}
	log := &deadlineLog{}
	l := newLimitListener(&oneConn{c: log}, 8, to)
	l.now = func() time.Time { return t0 }
	nc, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	c := nc.(*trackedConn)
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

	// Untrusted: clearing keeps the bound; an interrupt is applied and then undone.
	c.SetReadDeadline(time.Time{})
	c.SetWriteDeadline(time.Time{})
	expect("untrusted clear", nil, nil)
	c.SetReadDeadline(past)
	c.SetReadDeadline(time.Time{})
	expect("untrusted interrupt", []time.Time{past, t0.Add(to.header)}, nil)

	// The first authorised request: the read bound moves on at once, to outlast the request;
	// the write bound still leaves it the whole write timeout.
	t1 := t0.Add(time.Second)
	c.authorised(t1)
	expect("trusted", []time.Time{t1.Add(to.idle)}, nil)
	if !c.trusted.Load() {
		t.Fatal("connection not trusted after an authorised request")
	}
	// net/http's calls around one request: clear, interrupt, clear, clear the write deadline.
	request := func(start time.Time) {
		c.SetReadDeadline(time.Time{})
		c.authorised(start)
		c.SetReadDeadline(past)
		c.SetReadDeadline(time.Time{})
		c.SetWriteDeadline(time.Time{})
		c.SetReadDeadline(time.Time{})
	}
	request(t1)
	expect("first request", []time.Time{past, t1.Add(to.idle)}, nil)
	t2 := t1.Add(10 * time.Second)
	request(t2)
	expect("later request", []time.Time{past, t2.Add(to.idle)}, []time.Time{t2.Add(to.idle)})
	request(t2.Add(time.Second))
	expect("next request", []time.Time{past, t2.Add(time.Second + to.idle)}, nil)
	// A request late in the idle window gets its whole write timeout, read and write.
	t3 := t2.Add(to.idle - to.write/2)
	request(t3)
	expect("request near the idle deadline", []time.Time{t3.Add(to.idle), past, t3.Add(to.idle)}, []time.Time{t3.Add(to.idle)})
}
