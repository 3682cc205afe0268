package testutil

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Flood holds connections to a server the way a hostile local process would: a third idle, a
// third with half-sent headers, a third after a refused request. Each is opened again as soon
// as the server closes it, until Stop. The endpoint's unit and end-to-end flood tests share it.
type Flood struct {
	done    chan struct{}
	wg      sync.WaitGroup
	dials   atomic.Int64 // connections opened
	closed  atomic.Int64 // connections the server closed
	refused atomic.Int64 // refusals answered
}

// StartFlood opens n connections to addr and returns once each has been opened at least once
// (the flood is then at full strength); it fails t when that does not happen within a minute.
func StartFlood(t testing.TB, addr string, n int) *Flood {
	t.Helper()
	f := &Flood{done: make(chan struct{})}
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
	deadline := time.After(60 * time.Second)
	for range n {
		select {
		case <-held:
		case <-deadline:
			f.Stop()
			t.Fatalf("the flood did not open %d connections: %s", n, f.Summary())
		}
	}
	return f
}

func (f *Flood) hold(conn net.Conn, kind int) {
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
func (f *Flood) wait(conn net.Conn) (stopped bool) {
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

// Stop ends the flood and waits until every connection of it is closed.
func (f *Flood) Stop() {
	select {
	case <-f.done:
	default:
		close(f.done)
	}
	f.wg.Wait()
}

// Summary counts what the flood did, for failure messages and logs.
func (f *Flood) Summary() string {
	return fmt.Sprintf("%d connections opened, %d closed by the server, %d refusals", f.dials.Load(), f.closed.Load(), f.refused.Load())
}

// Closed is how many of the flood's connections the server closed.
func (f *Flood) Closed() int64 { return f.closed.Load() }
