package watch

import (
	"errors"
	"maps"
	"path/filepath"
	"slices"
	"testing"

	"github.com/fsnotify/fsnotify"
)

// newTestLoop builds the loop without a goroutine or a kernel watch, so the tests below can
// call its handlers one at a time.
func newTestLoop(t *testing.T, o Options) (*loop, *fakeAdder) {
	t.Helper()
	s, err := o.spec()
	if err != nil {
		t.Fatal(err)
	}
	fa := &fakeAdder{}
	l := newLoop(s, fa, make(chan Event, 1))
	t.Cleanup(func() { l.timer.Stop() })
	if _, err := l.tree.reconcile(); err != nil {
		t.Fatal(err)
	}
	return l, fa
}

// received returns what the receiver would get now, without waiting.
func received(l *loop) (Event, bool) {
	select {
	case ev := <-l.out:
		return ev, true
	default:
		return Event{}, false
	}
}

func TestOverflowAsksForFullRecheck(t *testing.T) {
	l, _ := newTestLoop(t, Options{Dirs: []string{t.TempDir()}})
	l.onError(fsnotify.ErrEventOverflow)
	l.flush()
	ev, ok := received(l)
	if !ok || !ev.Overflow {
		t.Fatalf("got %+v (%v), want an overflow event", ev, ok)
	}
}

func TestOtherErrorsAreOnlyLogged(t *testing.T) {
	l, _ := newTestLoop(t, Options{Dirs: []string{t.TempDir()}})
	l.onError(errors.New("read inotify: bad thing"))
	l.flush()
	if ev, ok := received(l); ok {
		t.Fatalf("got %+v, want nothing", ev)
	}
}

func TestSlowReceiverGetsMergedEvent(t *testing.T) {
	l, _ := newTestLoop(t, Options{Dirs: []string{t.TempDir()}})
	l.deliver(Event{Paths: []string{"/b", "/c"}})
	l.deliver(Event{Paths: []string{"/a", "/b"}, Overflow: true})
	l.deliver(Event{Paths: []string{"/d"}})
	ev, ok := received(l)
	want := Event{Paths: []string{"/a", "/b", "/c", "/d"}, Overflow: true}
	if !ok || !slices.Equal(ev.Paths, want.Paths) || ev.Overflow != want.Overflow {
		t.Fatalf("got %+v, want %+v", ev, want)
	}
	if ev, ok := received(l); ok {
		t.Fatalf("second event %+v", ev)
	}
}

func TestEventFilter(t *testing.T) {
	dir := t.TempDir()
	cache := filepath.Join(dir, "cache")
	mkdirAll(t, cache)
	config := filepath.Join(dir, "config")
	l, _ := newTestLoop(t, Options{Files: []string{config}, Dirs: []string{cache}})

	for _, tc := range []struct {
		name string
		op   fsnotify.Op
		want bool
	}{
		{config, fsnotify.Write, true},
		{config, fsnotify.Create, true},
		{config, fsnotify.Remove, true},
		{config, fsnotify.Rename, true},
		{config, fsnotify.Chmod, false},
		{filepath.Join(dir, "config.bak"), fsnotify.Write, false},
		{filepath.Join(cache, "abc.json"), fsnotify.Create, true},
		{filepath.Join(cache, "tmp1234.tmp"), fsnotify.Create, false},
		{filepath.Join(cache, "abc.json.tmp-99"), fsnotify.Write, false},
		{filepath.Join(cache, "sub", "abc.json"), fsnotify.Write, false},
	} {
		l.onEvent(fsnotify.Event{Name: tc.name, Op: tc.op})
		got := l.pending.paths[tc.name]
		if got != tc.want {
			t.Errorf("%s %s: reported %v, want %v", tc.op, tc.name, got, tc.want)
		}
		l.pending = batch{}
	}
}

func TestTreeFollowsMissingDirectories(t *testing.T) {
	root := t.TempDir()
	aws := filepath.Join(root, ".aws")
	cache := filepath.Join(aws, "sso", "cache")
	token := filepath.Join(cache, "abc.json")
	l, fa := newTestLoop(t, Options{Files: []string{filepath.Join(aws, "config"), token}})

	watched := func() []string { return slices.Sorted(maps.Keys(fa.watched)) }
	if got := watched(); !slices.Equal(got, []string{root}) {
		t.Fatalf("watching %v, want the nearest ancestor %s", got, root)
	}

	// mkdir -p finished before the Create of the first level is handled, and the token is
	// already there: the loop must go all the way down and report the token.
	mkdirAll(t, cache)
	writeFile(t, token, "{}")
	l.onEvent(fsnotify.Event{Name: aws, Op: fsnotify.Create})
	if got := watched(); !slices.Equal(got, []string{aws, cache}) {
		t.Fatalf("watching %v, want %v", got, []string{aws, cache})
	}
	if ev := l.pending.take(); !slices.Equal(ev.Paths, []string{token}) || ev.Overflow {
		t.Fatalf("pending %+v, want the token found by the scan", ev)
	}
}
