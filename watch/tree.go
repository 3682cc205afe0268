package watch

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
)

// adder is the part of *fsnotify.Watcher the tree uses, so tests can drive a tree without one.
type adder interface {
	Add(name string) error
	Remove(name string) error
}

// tree keeps one watch for every wanted directory: on the directory itself when it exists,
// otherwise on its nearest existing ancestor, whose events tell when the next level appears.
// Only the loop goroutine (or Start, before that goroutine exists) touches it.
type tree struct {
	s      *spec
	fw     adder
	points map[string]os.FileInfo // watched directories, with the identity each had when added
	at     map[string]string      // wanted directory -> the watched directory standing in for it
	seen   map[string]bool        // wanted directories that have been watched at least once
}

func newTree(s *spec, fw adder) *tree {
	return &tree{s: s, fw: fw, points: map[string]os.FileInfo{}, at: map[string]string{}, seen: map[string]bool{}}
}

// change says what a reconcile did to the wanted directories.
type change struct {
	// arrived are wanted directories that got their own watch in this call. Files written in
	// them before the watch existed produced no event, so the caller scans them.
	arrived []string
	// lost is set when a wanted directory stopped being watched, or was watched again after
	// such a loss: events may have been missed.
	lost bool
}

// forget drops the watch on dir after fsnotify reported dir itself removed or renamed. inotify
// has dropped it already; other backends may not have, and a renamed directory must not keep
// reporting under its old name.
func (t *tree) forget(dir string) {
	if _, ok := t.points[dir]; ok {
		t.unwatch(dir)
	}
}

// reconcile moves every wanted directory's watch to the deepest existing directory on its path.
// It returns the first error that is not a directory disappearing under it; the watches that
// could be placed are kept either way.
func (t *tree) reconcile() (change, error) {
	before := maps.Clone(t.at)
	added := map[string]bool{}
	var firstErr error
	// Each extra round goes at least one level deeper, so the depth bounds the rounds unless
	// directories keep flapping; then the events of the watches in place bring us back here.
	for round := 0; round <= t.s.maxDepth; round++ {
		// A directory that vanished or was replaced (rm and mkdir, an ancestor renamed) leaves
		// a watch that reports nothing, or reports under a name that no longer fits.
		for p, fi := range t.points {
			cur, err := os.Stat(p)
			if err != nil || !cur.IsDir() || !os.SameFile(fi, cur) {
				t.unwatch(p)
			}
		}
		next := make(map[string]string, len(t.s.want))
		desired := map[string]bool{}
		for _, d := range t.s.want {
			p := nearestDir(d)
			if p == "" {
				// Not even the volume exists (a drive letter not mapped, say).
				firstErr = cmp.Or(firstErr, fmt.Errorf("watch directory %s: no directory on its path exists", d))
				continue
			}
			next[d] = p
			desired[p] = true
		}
		again := false
		for _, p := range slices.Sorted(maps.Keys(desired)) {
			if _, ok := t.points[p]; ok {
				continue
			}
			switch err := t.watch(p); {
			case err == nil:
				added[p] = true
			case errors.Is(err, fs.ErrNotExist):
				again = true // removed since nearestDir looked
			default:
				firstErr = cmp.Or(firstErr, fmt.Errorf("watch directory %s: %w", p, err))
			}
		}
		for p := range t.points {
			if !desired[p] {
				t.unwatch(p)
			}
		}
		t.at = next
		// mkdir -p may have created deeper levels after nearestDir looked and before the Add,
		// and no event reports those: look again now that the watches are in place.
		for d, p := range next {
			if p != d && nearestDir(d) != p {
				again = true
			}
		}
		if !again {
			break
		}
	}

	var ch change
	for _, d := range t.s.want {
		_, watched := t.points[d]
		own := watched && t.at[d] == d
		if before[d] == d && !own {
			ch.lost = true
		}
		if own && added[d] {
			ch.arrived = append(ch.arrived, d)
			if t.seen[d] {
				ch.lost = true
			}
			t.seen[d] = true
		}
	}
	return ch, firstErr
}

func (t *tree) watch(dir string) error {
	// Stat before Add: if the directory is replaced in between, the recorded identity is the
	// older one and the next reconcile re-adds the watch, which is harmless. The other order
	// could record the new identity for a watch on the old directory and never notice.
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if err := t.fw.Add(dir); err != nil {
		return err
	}
	t.points[dir] = fi
	t.s.log.Debug("watching directory", "dir", dir)
	return nil
}

func (t *tree) unwatch(dir string) {
	delete(t.points, dir)
	// The watch is often gone already (inotify drops it with the directory), so an error here
	// says nothing useful.
	_ = t.fw.Remove(dir)
	t.s.log.Debug("stopped watching directory", "dir", dir)
}

// nearestDir returns dir or its closest ancestor that exists as a directory, or "" if even the
// root does not.
func nearestDir(dir string) string {
	for p := dir; ; {
		if fi, err := os.Stat(p); err == nil && fi.IsDir() {
			return p
		}
		parent := filepath.Dir(p)
		if parent == p {
			return ""
		}
		p = parent
	}
}
