//go:build linux

package e2e

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestEndpointFlood: another local process holds 500 connections to the endpoint open (idle,
// with half-sent headers, or after a refused request) and opens a new one whenever one is
// closed, while awsrun may have only 100 file descriptors (`ulimit -n 100`, set for awsrun
// alone). The AWS CLI, awsrun's child, starts a new process per call and so fetches
// credentials on a new connection each time: every call succeeds within botocore's own
// timeouts for the endpoint (2 s, 3 attempts).
func TestEndpointFlood(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	t.Parallel()
	w := newWorld(t, time.Hour)
	_, file, _, _ := runtime.Caller(0)
	cli := filepath.Join(filepath.Dir(file), "testdata", "cli-on-demand.sh")
	// The child prints the endpoint's URL, which an attacker finds by scanning the ports.
	child := `echo "$AWS_CONTAINER_CREDENTIALS_FULL_URI"; exec sh "$0"`
	argv := []string{"sh", "-c", `ulimit -n 100 && exec "$@"`, "sh",
		awsrunBin, "-p", "role", "--", "sh", "-c", child, cli}
	p := w.startProc(argv)
	u, err := url.Parse(p.line("the endpoint URL", 30*time.Second))
	if err != nil || u.Hostname() != "127.0.0.1" {
		t.Fatalf("endpoint URL %v: %v", u, err)
	}
	if l := p.line("ready", 30*time.Second); l != "ready" {
		t.Fatalf("child said %q", l)
	}

	f := startFlood(t, u.Host, 500)
	for i := range 5 {
		if got := p.ask("a call during the flood"); got != "ok" {
			t.Errorf("call %d during the flood (%s): %s", i, f.summary(), got)
		}
	}
	f.stop()
	t.Logf("flood: %s", f.summary())

	p.stdin.Close()
	if st := p.wait(60 * time.Second); !st.Success() {
		t.Errorf("awsrun exited %v; stderr:\n%s", st, p.stderr.String())
	}
}

// flood holds n connections to addr: a third idle, a third with half-sent headers, a third
// after a refused request. Each is opened again as soon as the server closes it, until stop.
type flood struct {
	done    chan struct{}
	wg      sync.WaitGroup
	dials   atomic.Int64 // connections opened
	closed  atomic.Int64 // connections the server closed
	refused atomic.Int64 // refusals answered
}

func startFlood(t *testing.T, addr string, n int) *flood {
	t.Helper()
	f := &flood{done: make(chan struct{})}
	held := make(chan struct{}, n)
	for i := range n {
		f.wg.Go(func() {
			first := true
			// Bounded in count, and in time by each connection's deadline.
			for range 10000 {
				conn, err := net.DialTimeout("tcp4", addr, 5*time.Second)
				if err != nil {
					select {
					case <-f.done:
						return
					default:
						continue
					}
				}
				f.dials.Add(1)
				f.hold(conn, i%3)
				if first {
					first = false
					held <- struct{}{}
				}
				if f.wait(conn) {
					return
				}
			}
		})
	}
	// At full strength once every connection has been opened once.
	deadline := time.After(60 * time.Second)
	for range n {
		select {
		case <-held:
		case <-deadline:
			f.stop()
			t.Fatalf("the flood did not open %d connections: %s", n, f.summary())
		}
	}
	return f
}

func (f *flood) hold(conn net.Conn, kind int) {
	switch kind {
	case 1: // a request line and part of the headers, never finished
		io.WriteString(conn, "GET /x HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Half: ")
	case 2: // a refused keep-alive request
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.WriteString(conn, "GET /x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"); err == nil {
			if resp, err := http.ReadResponse(bufio.NewReader(conn), nil); err == nil {
				resp.Body.Close()
				f.refused.Add(1)
			}
		}
	}
}

// wait blocks until the server closes conn or the flood stops, and reports a stop.
func (f *flood) wait(conn net.Conn) (stopped bool) {
	defer conn.Close()
	read := make(chan struct{})
	go func() {
		defer close(read)
		conn.SetReadDeadline(time.Now().Add(5 * time.Minute))
		io.Copy(io.Discard, conn)
	}()
	select {
	case <-read:
		f.closed.Add(1)
		select {
		case <-f.done:
			return true
		default:
			return false
		}
	case <-f.done:
		conn.Close()
		<-read
		return true
	}
}

func (f *flood) stop() {
	select {
	case <-f.done:
	default:
		close(f.done)
	}
	f.wg.Wait()
}

func (f *flood) summary() string {
	return fmt.Sprintf("%d connections opened, %d closed by the server, %d refusals", f.dials.Load(), f.closed.Load(), f.refused.Load())
}
