package testutil

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestWaitFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "log")
	three := func(data []byte) bool { return bytes.Count(data, []byte("line\n")) >= 3 }

	t.Run("appended by another writer", func(t *testing.T) {
		wrote := make(chan error, 1)
		go func() {
			f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
			if err != nil {
				wrote <- err
				return
			}
			defer f.Close()
			for range 3 {
				if _, err := f.WriteString("line\n"); err != nil {
					wrote <- err
					return
				}
			}
			wrote <- nil
		}()
		if err := WaitFile(path, 30*time.Second, nil, three); err != nil {
			t.Fatal(err)
		}
		if err := <-wrote; err != nil {
			t.Fatal(err)
		}
	})

	t.Run("replaced by rename", func(t *testing.T) {
		tmp := filepath.Join(dir, "new")
		if err := os.WriteFile(tmp, []byte("renamed\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		renamed := make(chan error, 1)
		go func() { renamed <- os.Rename(tmp, path) }()
		if err := WaitFile(path, 30*time.Second, nil, func(d []byte) bool { return bytes.Equal(d, []byte("renamed\n")) }); err != nil {
			t.Fatal(err)
		}
		if err := <-renamed; err != nil {
			t.Fatal(err)
		}
	})

	t.Run("stop", func(t *testing.T) {
		stop := make(chan struct{})
		close(stop)
		if err := WaitFile(path, time.Hour, stop, func([]byte) bool { return false }); !errors.Is(err, ErrStopped) {
			t.Fatalf("got %v, want ErrStopped", err)
		}
	})

	t.Run("deadline", func(t *testing.T) {
		if err := WaitFile(path, time.Millisecond, nil, func([]byte) bool { return false }); err == nil {
			t.Fatal("a condition that never holds was met")
		}
	})
}

// A FileWatch on a file reports writes to it, and one on a directory reports new entries, so
// a wait can combine either with other events in one select.
func TestFileWatch(t *testing.T) {
	within := func(t *testing.T, what string, ch <-chan struct{}) {
		t.Helper()
		select {
		case <-ch:
		case <-time.After(30 * time.Second):
			t.Fatalf("no change reported for %s", what)
		}
	}

	t.Run("file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "state.json")
		fw, err := WatchFile(path)
		if err != nil {
			t.Fatal(err)
		}
		defer fw.Close()
		changed := fw.Changed()
		select {
		case <-changed:
			t.Fatal("change reported before any write")
		default:
		}
		if err := os.WriteFile(path, []byte("{}"), 0o600); err != nil {
			t.Fatal(err)
		}
		within(t, "the file's creation", changed)
		if err := fw.Err(); err != nil {
			t.Fatal(err)
		}
		// A channel taken after the change waits for the next one.
		next := fw.Changed()
		if next == changed {
			t.Fatal("the closed channel was handed out again")
		}
		if err := os.WriteFile(path, []byte(`{"a":1}`), 0o600); err != nil {
			t.Fatal(err)
		}
		within(t, "a rewrite", next)
	})

	t.Run("directory", func(t *testing.T) {
		dir := t.TempDir()
		fw, err := WatchFile(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer fw.Close()
		changed := fw.Changed()
		if err := os.WriteFile(filepath.Join(dir, "123-entry.json"), nil, 0o600); err != nil {
			t.Fatal(err)
		}
		within(t, "a new entry", changed)
	})

	t.Run("missing directory", func(t *testing.T) {
		if _, err := WatchFile(filepath.Join(t.TempDir(), "no", "such", "file")); err == nil {
			t.Fatal("watching a file in a missing directory succeeded")
		}
	})
}
