package fakeaws

import (
	"net"
	"strings"
	"testing"
	"time"
)

// A connection that never sends a request (a client's spare dial) must not hold Close up:
// before, Shutdown waited 5 s for it and Close reported "context deadline exceeded".
func TestCloseWithUnusedConnection(t *testing.T) {
	s := New(Options{})
	s.unused.added = make(chan struct{}, 1)
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", strings.TrimPrefix(s.URL(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	select {
	case <-s.unused.added:
	case <-time.After(30 * time.Second):
		t.Fatal("the server never accepted the connection")
	}
	if err := s.Close(); err != nil {
		t.Fatalf("close with an unused connection open: %v", err)
	}
}
