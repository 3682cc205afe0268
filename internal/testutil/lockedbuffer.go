// Package testutil holds small helpers shared by the project's tests.
package testutil

import (
	"bytes"
	"sync"
)

// LockedBuffer is a bytes.Buffer behind a mutex, for output written by one goroutine (a logger,
// a process's stderr) while the test reads it from another. The zero value is an empty buffer
// ready to use; it must not be copied after first use.
type LockedBuffer struct {
	mu      sync.Mutex
	b       bytes.Buffer
	written chan struct{} // handed out by Changed, closed by the next Write
}

// Write appends p to the buffer and wakes whoever waits on Changed.
func (l *LockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n, err := l.b.Write(p)
	if n > 0 && l.written != nil {
		close(l.written)
		l.written = nil
	}
	return n, err
}

// String returns what has been written so far.
func (l *LockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Changed returns a channel closed at the next Write, so a test waits for output to appear
// instead of polling String. Take it before reading String, and no write in between is missed.
func (l *LockedBuffer) Changed() <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.written == nil {
		l.written = make(chan struct{})
	}
	return l.written
}
