package testutil

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

// Concurrent writes and reads are safe (under -race) and lose nothing.
func TestLockedBufferConcurrent(t *testing.T) {
	var b LockedBuffer
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				fmt.Fprintf(&b, "w%d\n", i)
				_ = b.String()
			}
		}()
	}
	wg.Wait()
	if n := strings.Count(b.String(), "\n"); n != 800 {
		t.Errorf("%d lines, want 800", n)
	}
}

// TestLockedBufferChanged: a channel taken before a write is closed by it, one taken after is
// not closed until the next write.
func TestLockedBufferChanged(t *testing.T) {
	var b LockedBuffer
	before := b.Changed()
	select {
	case <-before:
		t.Fatal("Changed closed before any write")
	default:
	}
	b.Write([]byte("x"))
	select {
	case <-before:
	default:
		t.Fatal("a write did not close the channel taken before it")
	}
	after := b.Changed()
	select {
	case <-after:
		t.Fatal("the channel taken after the write is closed already")
	default:
	}
	b.Write(nil) // writes nothing, changes nothing
	select {
	case <-after:
		t.Fatal("an empty write closed the channel")
	default:
	}
	b.Write([]byte("y"))
	select {
	case <-after:
	default:
		t.Fatal("the second write did not close the channel")
	}
}
