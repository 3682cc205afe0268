package watch

import (
	"maps"
	"slices"
)

// Event reports that watched files may have changed. It says nothing about their contents:
// the receiver re-reads what it cares about.
type Event struct {
	// Paths are the distinct watched paths that changed in the burst, sorted.
	Paths []string

	// Overflow means events may have been missed (the kernel queue overflowed, or a watched
	// directory was lost or watched again), so the receiver should re-check everything.
	Overflow bool
}

// batch accumulates what changed since the last Event. Only the loop goroutine touches it.
type batch struct {
	paths    map[string]bool
	overflow bool
}

func (b *batch) add(path string) {
	if b.paths == nil {
		b.paths = map[string]bool{}
	}
	b.paths[path] = true
}

func (b *batch) empty() bool { return len(b.paths) == 0 && !b.overflow }

// take returns the batch as an Event and empties it.
func (b *batch) take() Event {
	ev := Event{Paths: slices.Sorted(maps.Keys(b.paths)), Overflow: b.overflow}
	*b = batch{}
	return ev
}

// merge folds an Event the receiver has not collected yet into a newer one, so that a slow
// receiver loses no path and never makes the loop wait.
func merge(older, newer Event) Event {
	b := batch{overflow: older.Overflow || newer.Overflow}
	for _, p := range older.Paths {
		b.add(p)
	}
	for _, p := range newer.Paths {
		b.add(p)
	}
	return b.take()
}
