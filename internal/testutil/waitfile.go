package testutil

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
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
	fw, err := WatchFile(path)
	if err != nil {
		return err
	}
	defer fw.Close()
	check := func() bool {
		data, _ := os.ReadFile(path)
		return cond(data)
	}
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	for {
		// Taken before the read, so a change between the read and the select is not lost.
		changed := fw.Changed()
		if check() {
			return nil
		}
		select {
		case <-changed:
			if err := fw.Err(); err != nil {
				return err
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

// FileWatch tells of changes to one file, or to anything in a directory, through the kernel's
// notifications, for waits that watch a file together with other things (a process, a fake
// server) in one select. Create one with WatchFile and Close it when done.
type FileWatch struct {
	w    *fsnotify.Watcher
	path string
	dir  bool // path is a directory: every event in it counts
	done chan struct{}

	mu  sync.Mutex
	ch  chan struct{}
	err error
}

// WatchFile starts watching path: a file, which need not exist yet (its directory is watched
// and events for other names are ignored), or an existing directory. Changes made after it
// returns are reported, so a caller that reads the file afterwards misses none.
func WatchFile(path string) (*FileWatch, error) {
	path = filepath.Clean(path)
	fi, err := os.Stat(path)
	dir := err == nil && fi.IsDir()
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("watch %s: %w", path, err)
	}
	target := filepath.Dir(path)
	if dir {
		target = path
	}
	if err := w.Add(target); err != nil {
		w.Close()
		return nil, fmt.Errorf("watch %s: %w", path, err)
	}
	f := &FileWatch{w: w, path: path, dir: dir, done: make(chan struct{})}
	go f.run()
	return f, nil
}

func (f *FileWatch) run() {
	defer close(f.done)
	for {
		select {
		case ev, ok := <-f.w.Events:
			if !ok {
				return
			}
			if f.dir || filepath.Clean(ev.Name) == f.path {
				f.signal(nil)
			}
		case err, ok := <-f.w.Errors:
			if !ok {
				return
			}
			// An overflow loses events, not the file: report a change so it is looked at again.
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				err = nil
			}
			f.signal(err)
		}
	}
}

// signal closes the channel handed out last; with err set, the watch has failed and every
// later Changed channel is closed already.
func (f *FileWatch) signal(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err != nil && f.err == nil {
		f.err = fmt.Errorf("watch %s: %w", f.path, err)
	}
	if f.ch != nil {
		close(f.ch)
		f.ch = nil
	}
}

// Changed returns a channel closed at the next change to the file (or in the directory), or
// at once if the watch has failed (Err says why). Take it before looking at the file.
func (f *FileWatch) Changed() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		failed := make(chan struct{})
		close(failed)
		return failed
	}
	if f.ch == nil {
		f.ch = make(chan struct{})
	}
	return f.ch
}

// Err reports why the watch failed, or nil while it works.
func (f *FileWatch) Err() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

// Close stops the watch and waits for its goroutine.
func (f *FileWatch) Close() error {
	err := f.w.Close()
	<-f.done
	return err
}
