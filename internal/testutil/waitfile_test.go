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
