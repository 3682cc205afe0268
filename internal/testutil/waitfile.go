package testutil

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
)

// ErrStopped is returned by WaitFile when stop closed before the condition held.
var ErrStopped = errors.New("stopped before the condition held")

// WaitFile waits until cond holds for the contents of the file at path (nil while the file
// does not exist), for a file another process writes: a log, a record of starts, a generated
// config. It checks once, then again on each change the kernel reports in the file's
// directory (creation, write, rename), so it waits on the file itself rather than polling it.
// It gives up when limit passes or stop closes (nil never does), with an error that says which.
func WaitFile(path string, limit time.Duration, stop <-chan struct{}, cond func(data []byte) bool) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch %s: %w", path, err)
	}
	defer w.Close()
	if err := w.Add(filepath.Dir(path)); err != nil {
		return fmt.Errorf("watch %s: %w", path, err)
	}
	check := func() bool {
		data, _ := os.ReadFile(path)
		return cond(data)
	}
	// After the watch is in place, so no change between this read and the first event is lost.
	if check() {
		return nil
	}
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	for {
		select {
		case ev, ok := <-w.Events:
			if !ok {
				return fmt.Errorf("watch %s: closed", path)
			}
			if filepath.Clean(ev.Name) == filepath.Clean(path) && check() {
				return nil
			}
		case err := <-w.Errors:
			// An overflow loses events, not the file: look at it again.
			if !errors.Is(err, fsnotify.ErrEventOverflow) {
				return fmt.Errorf("watch %s: %w", path, err)
			}
			if check() {
				return nil
			}
		case <-stop:
			if check() {
				return nil
			}
			return ErrStopped
		case <-deadline.C:
			return fmt.Errorf("%s: the condition did not hold within %v", path, limit)
		}
	}
}
