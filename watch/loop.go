package watch

import (
	"errors"
	"os"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
)

// maxHold caps, in debounce periods, how long a burst that never goes quiet (a writer
// appending in a loop) can hold its Event back.
const maxHold = 10

// loop is the state of the goroutine that turns fsnotify events into Events. Only that
// goroutine touches it, so it needs no lock; the debounce timer lives here too, so shutdown is
// just leaving run.
type loop struct {
	s       *spec
	tree    *tree
	out     chan Event
	pending batch
	timer   *time.Timer
	armed   bool
	first   time.Time // when the pending burst began
}

func newLoop(s *spec, fw adder, out chan Event) *loop {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &loop{s: s, tree: newTree(s, fw), out: out, timer: t}
}

func (l *loop) run(done <-chan struct{}, events <-chan fsnotify.Event, errs <-chan error) {
	defer close(l.out)
	defer l.timer.Stop()
	for {
		select {
		case <-done:
			return
		case e, ok := <-events:
			if !ok {
				return
			}
			l.onEvent(e)
		case err, ok := <-errs:
			if !ok {
				return
			}
			l.onError(err)
		case <-l.timer.C:
			l.armed = false
			l.flush()
		}
	}
}

func (l *loop) onEvent(e fsnotify.Event) {
	// Chmod alone comes from Spotlight, antivirus and backups; contents did not change.
	if !e.Op.Has(fsnotify.Create | fsnotify.Write | fsnotify.Remove | fsnotify.Rename) {
		return
	}
	name := filepath.Clean(e.Name)
	if l.s.files[name] || (l.s.dirs[filepath.Dir(name)] && !temporary(name)) {
		l.pending.add(name, l.s.kindOf(name))
		l.arm()
	}
	// A directory on the way to a wanted one appeared, vanished or moved: the watches must follow.
	if l.s.onPath[name] && e.Op.Has(fsnotify.Create|fsnotify.Remove|fsnotify.Rename) {
		if e.Op.Has(fsnotify.Remove | fsnotify.Rename) {
			l.tree.forget(name)
		}
		l.reconcile()
	}
}

func (l *loop) onError(err error) {
	if errors.Is(err, fsnotify.ErrEventOverflow) {
		l.s.log.Warn("file watch queue overflowed, asking for a full re-check")
		l.pending.overflow = true
		// Directory creations may be among the lost events.
		l.reconcile()
		l.arm()
		return
	}
	l.s.log.Warn("file watch error", "err", err)
}

func (l *loop) reconcile() {
	ch, err := l.tree.reconcile()
	if err != nil {
		l.s.log.Warn("cannot watch directory", "err", err)
	}
	if ch.lost {
		l.s.log.Info("watched directory lost or watched again, asking for a full re-check")
		l.pending.overflow = true
	}
	for _, d := range ch.arrived {
		l.scan(d)
	}
	if !l.pending.empty() {
		l.arm()
	}
}

// scan reports the wanted files already present in a directory that has just been watched:
// they were written before the watch existed, so no event will tell of them.
func (l *loop) scan(dir string) {
	for _, f := range l.s.filesIn[dir] {
		if _, err := os.Lstat(f); err == nil {
			l.pending.add(f, l.s.kindOf(f))
		}
	}
	if !l.s.dirs[dir] {
		return
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		l.s.log.Warn("cannot scan directory", "dir", dir, "err", err)
		return
	}
	for _, e := range entries {
		if !e.IsDir() && !temporary(e.Name()) {
			p := filepath.Join(dir, e.Name())
			l.pending.add(p, l.s.kindOf(p))
		}
	}
}

// arm (re)starts the quiet period after a change.
func (l *loop) arm() {
	now := time.Now()
	if !l.armed {
		l.armed = true
		l.first = now
	}
	wait := min(l.s.debounce, l.first.Add(maxHold*l.s.debounce).Sub(now))
	l.timer.Reset(max(wait, 0))
}

func (l *loop) flush() {
	if l.pending.empty() {
		return
	}
	l.deliver(l.pending.take())
}

// deliver hands ev to the receiver without ever blocking the loop: if the receiver has not
// collected the previous Event yet, that one is taken back and merged into ev.
func (l *loop) deliver(ev Event) {
	select {
	case l.out <- ev:
		return
	default:
	}
	select {
	case older := <-l.out:
		ev = merge(older, ev)
	default:
		// The receiver took it in the meantime.
	}
	// Cannot block: this goroutine is the only sender and the buffer has just been emptied.
	l.out <- ev
}
