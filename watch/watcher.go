// Package watch tells awsrun that a file it cares about may have changed: the AWS config and
// credentials files, the SSO token cache, and the like. It never reads those files; the
// receiver of an Event re-reads them. (Waiting for a time of day, across a laptop's sleep, is
// package wallclock's.)
//
// Directories are watched rather than files, because the CLI and the SDKs replace files
// atomically (a new inode each time) as often as they rewrite them in place.
package watch

import (
	"errors"
	"fmt"
	"sync"

	"github.com/fsnotify/fsnotify"
)

// Watcher watches the parent directories of Options.Files and the Options.Dirs directories and
// sends one Event per burst of changes.
type Watcher struct {
	s      *spec
	events chan Event
	done   chan struct{}
	wg     sync.WaitGroup

	mu       sync.Mutex
	fw       *fsnotify.Watcher // nil until Start succeeds
	closed   bool
	once     sync.Once
	closeErr error
}

// New checks the options and returns a Watcher that watches nothing until Start.
func New(o Options) (*Watcher, error) {
	s, err := o.spec()
	if err != nil {
		return nil, fmt.Errorf("watch options: %w", err)
	}
	// One slot is enough: the loop merges into an Event the receiver has not collected yet.
	return &Watcher{s: s, events: make(chan Event, 1), done: make(chan struct{})}, nil
}

// Start places the watches and starts the goroutine that reports changes. The watches are in
// place when Start returns, so a change made after that is reported. Directories that do not
// exist yet are not an error: their nearest existing ancestor is watched until they appear.
func (w *Watcher) Start() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case w.closed:
		return errors.New("watcher is closed")
	case w.fw != nil:
		return errors.New("watcher already started")
	}
	// One fsnotify watcher for everything: inotify instances and kqueue descriptors are
	// limited per user.
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("create file watcher: %w", err)
	}
	l := newLoop(w.s, fw, w.events)
	if _, err := l.tree.reconcile(); err != nil {
		_ = fw.Close()
		return err
	}
	w.fw = fw
	w.wg.Go(func() { l.run(w.done, fw.Events, fw.Errors) })
	return nil
}

// Events returns the channel of change reports. It is the same channel for the Watcher's whole
// life and is closed after Close. An Event not yet received when Close is called may be dropped.
func (w *Watcher) Events() <-chan Event { return w.events }

// Close stops watching and waits for the goroutine to end. It may be called more than once,
// and without Start.
func (w *Watcher) Close() error {
	w.once.Do(func() {
		w.mu.Lock()
		w.closed = true
		fw := w.fw
		w.mu.Unlock()

		close(w.done)
		if fw == nil {
			close(w.events) // no loop owns it
			return
		}
		if err := fw.Close(); err != nil {
			w.closeErr = fmt.Errorf("close file watcher: %w", err)
		}
		w.wg.Wait()
	})
	return w.closeErr
}
