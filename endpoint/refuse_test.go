package endpoint

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// rawConn is one keep-alive TCP connection to a started server, for requests a normal client
// would not send and for watching whether the server closes the connection.
type rawConn struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
}

func dialRaw(t *testing.T, s *Server) *rawConn {
	t.Helper()
	conn, err := net.DialTimeout("tcp4", s.addr.String(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	// Bounds every read below: a server that keeps the connection open fails the test here.
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	return &rawConn{t, conn, bufio.NewReader(conn)}
}

// roundTrip sends raw and reads one answer, body included.
func (c *rawConn) roundTrip(raw string) (*http.Response, []byte) {
	c.t.Helper()
	if _, err := io.WriteString(c.conn, raw); err != nil {
		c.t.Fatal(err)
	}
	resp, err := http.ReadResponse(c.r, nil)
	if err != nil {
		c.t.Fatalf("no answer: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		c.t.Fatal(err)
	}
	return resp, body
}

// closedByServer reports whether the server has closed the connection: the next read ends
// with EOF (or a reset) rather than the test's deadline.
func (c *rawConn) closedByServer() error {
	var one [1]byte
	n, err := c.r.Read(one[:])
	switch {
	case n > 0:
		return errors.New("the server sent more bytes after its answer")
	case err == nil:
		return errors.New("read returned nothing and no error")
	case isTimeout(err):
		return errors.New("the connection is still open at the test's deadline")
	}
	return nil // io.EOF or ECONNRESET: closed by the server
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// TestRefusalClosesConnection: after every refusal the server closes the connection, so a
// local process cannot hold connections open by sending requests that are refused; an
// authorised keep-alive connection stays open for the next request.
func TestRefusalClosesConnection(t *testing.T) {
	s := startServer(t, Options{})
	host := "127.0.0.1:" + *s.port.Load()
	req := func(method, target, host string, headers ...string) string {
		h := ""
		for _, x := range headers {
			h += x + "\r\n"
		}
		return method + " " + target + " HTTP/1.1\r\nHost: " + host + "\r\n" + h + "\r\n"
	}
	auth := "Authorization: " + testToken
	tests := []struct {
		name   string
		raw    string
		status int
	}{
		{"missing token", req("GET", testPath, host), 403},
		{"wrong token", req("GET", testPath, host, "Authorization: nope"), 403},
		{"foreign host", req("GET", testPath, "evil.example", auth), 403},
		{"other path", req("GET", "/other", host, auth), 404},
		{"other path no token", req("GET", "/latest/meta-data/", host), 404},
		{"post", req("POST", testPath, host, auth, "Content-Length: 0"), 405},
		{"post with unread body", req("POST", testPath, host, auth, "Content-Length: 5") + "hello", 405},
		{"absolute form", req("GET", "http://"+host+testPath, host, auth), 400},
		{"asterisk form", req("OPTIONS", "*", host, auth), 400},
		{"authority form", req("CONNECT", host, host, auth), 400},
		{"oversized header", req("GET", testPath, host, auth, "X-Pad: "+strings.Repeat("p", 64<<10)), 431},
		{"malformed header", req("GET", testPath, host, auth, "no colon here"), 400},
		{"http/1.0 keep-alive refused", "GET " + testPath + " HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dialRaw(t, s)
			resp, body := c.roundTrip(tt.raw)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d; body %s", resp.StatusCode, tt.status, body)
			}
			if l := leaks(body); l != nil {
				t.Fatalf("a %d answer holds credentials %q", resp.StatusCode, l)
			}
			if err := c.closedByServer(); err != nil {
				t.Fatalf("after a %d: %v", resp.StatusCode, err)
			}
		})
	}

	t.Run("authorised connection kept alive", func(t *testing.T) {
		c := dialRaw(t, s)
		for i := range 3 {
			resp, body := c.roundTrip(req("GET", testPath, host, auth))
			if resp.StatusCode != http.StatusOK || resp.Close {
				t.Fatalf("request %d on one connection: status %d, close %v; body %s", i, resp.StatusCode, resp.Close, body)
			}
		}
	})
}

// TestNonOriginFormRefused: only an origin-form request target ("/path") is answered. The
// absolute form would let a request name a host the Host check never sees, and neither the
// asterisk nor the authority form has any business here.
func TestNonOriginFormRefused(t *testing.T) {
	s := startServer(t, Options{})
	port := *s.port.Load()
	us := "127.0.0.1:" + port
	auth := "\r\nAuthorization: " + testToken + "\r\n\r\n"
	tests := []struct {
		name string
		raw  string
	}{
		{"absolute form naming us, foreign Host", "GET http://" + us + testPath + " HTTP/1.1\r\nHost: evil.com" + auth},
		{"absolute form naming us", "GET http://" + us + testPath + " HTTP/1.1\r\nHost: " + us + auth},
		{"absolute form naming another host", "GET http://evil.com" + testPath + " HTTP/1.1\r\nHost: " + us + auth},
		{"absolute form with localhost", "GET http://localhost:" + port + testPath + " HTTP/1.1\r\nHost: localhost:" + port + auth},
		{"https scheme", "GET https://" + us + testPath + " HTTP/1.1\r\nHost: " + us + auth},
		{"asterisk form", "OPTIONS * HTTP/1.1\r\nHost: " + us + auth},
		{"asterisk form with GET", "GET * HTTP/1.1\r\nHost: " + us + auth},
		{"authority form", "CONNECT " + us + " HTTP/1.1\r\nHost: " + us + auth},
		{"authority form with GET", "GET " + us + " HTTP/1.1\r\nHost: " + us + auth},
		{"http/1.0 absolute form", "GET http://" + us + testPath + " HTTP/1.0" + auth},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dialRaw(t, s)
			resp, body := c.roundTrip(tt.raw)
			if resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("status %d, want 400; body %s", resp.StatusCode, body)
			}
			if l := leaks(body); l != nil {
				t.Fatalf("leaks %q", l)
			}
			if err := c.closedByServer(); err != nil {
				t.Fatal(err)
			}
		})
	}
	// The same target in origin form is served: the refusal is about the form alone.
	c := dialRaw(t, s)
	if resp, body := c.roundTrip("GET " + testPath + " HTTP/1.1\r\nHost: " + us + auth); resp.StatusCode != http.StatusOK {
		t.Fatalf("origin form: status %d; body %s", resp.StatusCode, body)
	}
}

// TestUntrustedConnectionsBounded: at most maxUntrusted connections without an authorised
// request stay open; each one more evicts the oldest, while the token holder's connection,
// once it made an authorised request, is never evicted.
func TestUntrustedConnectionsBounded(t *testing.T) {
	const bound = 4
	s := newServer(t, Options{})
	s.maxUntrusted = bound
	s.headerTimeout = time.Hour // only the bound closes an idle connection here
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	host := "127.0.0.1:" + *s.port.Load()
	get := "GET " + testPath + " HTTP/1.1\r\nHost: " + host + "\r\nAuthorization: " + testToken + "\r\n\r\n"

	holder := dialRaw(t, s)
	if resp, body := holder.roundTrip(get); resp.StatusCode != http.StatusOK {
		t.Fatalf("token holder: status %d; body %s", resp.StatusCode, body)
	}

	var idle []*rawConn
	for i := range bound + 3 {
		idle = append(idle, dialRaw(t, s))
		if i < bound {
			continue
		}
		// One over the bound: the oldest idle connection is closed by the server.
		if err := idle[i-bound].closedByServer(); err != nil {
			t.Fatalf("idle connection %d with %d newer ones: %v", i-bound, bound, err)
		}
		if st := s.Stats(); st.Evicted != uint64(i-bound+1) {
			t.Errorf("Evicted %d, want %d", st.Evicted, i-bound+1)
		}
		if u, tr := s.ln.counts(); u > bound || tr != 1 {
			t.Errorf("%d untrusted and %d trusted connections open, want at most %d and 1", u, tr, bound)
		}
	}

	// The token holder's connection outlived every eviction, and a newer idle connection is
	// still open: it can still make its request.
	if resp, body := holder.roundTrip(get); resp.StatusCode != http.StatusOK {
		t.Fatalf("token holder after the evictions: status %d; body %s", resp.StatusCode, body)
	}
	if resp, body := idle[len(idle)-1].roundTrip(get); resp.StatusCode != http.StatusOK {
		t.Fatalf("newest idle connection: status %d; body %s", resp.StatusCode, body)
	}
}

// TestUntrustedLimit: the bound leaves half of the file descriptors to the rest of awsrun.
func TestUntrustedLimit(t *testing.T) {
	for _, tt := range []struct {
		nofile uint64
		want   int
	}{{0, maxUntrustedCap}, {1 << 20, maxUntrustedCap}, {256, maxUntrustedCap}, {100, 50}, {10, 8}} {
		if got := untrustedLimit(tt.nofile); got != tt.want {
			t.Errorf("untrustedLimit(%d) = %d, want %d", tt.nofile, got, tt.want)
		}
	}
}
