package watch

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

const (
	testDebounce = 50 * time.Millisecond
	// patience bounds every wait for an Event that must come; it is only reached on failure.
	patience = 10 * time.Second
	// quietWindow is how long a negative check waits for an Event that must not come.
	quietWindow = 10 * testDebounce
)

func startWatcher(t *testing.T, o Options) *Watcher {
	t.Helper()
	if o.Debounce == 0 {
		o.Debounce = testDebounce
	}
	w, err := New(o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if err := w.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := w.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return w
}

// nextEvent returns the next Event, failing the test if none comes within patience.
func nextEvent(t *testing.T, w *Watcher) Event {
	t.Helper()
	select {
	case ev, ok := <-w.Events():
		if !ok {
			t.Fatal("events channel closed")
		}
		return ev
	case <-time.After(patience):
		t.Fatal("no event")
	}
	return Event{}
}

// eventWith reads Events until one names path, and returns it.
func eventWith(t *testing.T, w *Watcher, path string) Event {
	t.Helper()
	deadline := time.After(patience)
	for {
		select {
		case ev, ok := <-w.Events():
			if !ok {
				t.Fatal("events channel closed")
			}
			if slices.Contains(ev.Paths, path) {
				return ev
			}
			t.Logf("skipping event %+v while waiting for %s", ev, path)
		case <-deadline:
			t.Fatalf("no event for %s", path)
		}
	}
}

// expectNoEvent checks that nothing arrives during the quiet window.
func expectNoEvent(t *testing.T, w *Watcher) {
	t.Helper()
	select {
	case ev, ok := <-w.Events():
		if ok {
			t.Fatalf("unexpected event %+v", ev)
		}
		t.Fatal("events channel closed")
	case <-time.After(quietWindow):
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func mkdirAll(t *testing.T, path string) {
	t.Helper()
	if err := os.MkdirAll(path, 0o700); err != nil {
		t.Fatal(err)
	}
}

// fakeAdder records watches instead of asking the kernel.
type fakeAdder struct{ watched map[string]bool }

func (f *fakeAdder) Add(name string) error {
	if f.watched == nil {
		f.watched = map[string]bool{}
	}
	f.watched[filepath.Clean(name)] = true
	return nil
}

func (f *fakeAdder) Remove(name string) error {
	delete(f.watched, filepath.Clean(name))
	return nil
}
