package watch

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func TestWriteToWatchedFile(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "credentials")
	writeFile(t, f, "old")
	w := startWatcher(t, Options{Files: []string{f}})

	writeFile(t, f, "new")
	ev := nextEvent(t, w)
	if !slices.Equal(ev.Paths, []string{f}) || ev.Overflow {
		t.Fatalf("got %+v, want one path %s", ev, f)
	}
	expectNoEvent(t, w)
}

func TestAtomicReplace(t *testing.T) {
	for _, tc := range []struct {
		name    string
		asDir   bool   // watch the directory rather than the one file
		tmpName string // what the writer calls its temporary file
	}{
		{"botocore mkstemp into watched file", false, "tmpk3j9x2.tmp"},
		{"botocore mkstemp into Dirs", true, "tmpk3j9x2.tmp"},
		{"name.tmp-random into Dirs", true, "token.json.tmp-12345"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			target := filepath.Join(dir, "token.json")
			writeFile(t, target, "old")
			o := Options{Files: []string{target}}
			if tc.asDir {
				o = Options{Dirs: []string{dir}}
			}
			w := startWatcher(t, o)

			tmp := filepath.Join(dir, tc.tmpName)
			writeFile(t, tmp, "new")
			if err := os.Rename(tmp, target); err != nil {
				t.Fatal(err)
			}
			ev := nextEvent(t, w)
			if !slices.Equal(ev.Paths, []string{target}) {
				t.Fatalf("got %+v, want only %s", ev, target)
			}
			expectNoEvent(t, w)
		})
	}
}

func TestInPlaceTruncateAndWrite(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "config")
	writeFile(t, f, "[default]\nregion = eu-west-1\n")
	w := startWatcher(t, Options{Files: []string{f}})

	// The way older botocore writes its caches: open without O_TRUNC, truncate, write.
	fh, err := os.OpenFile(f, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := fh.Truncate(0); err != nil {
		t.Fatal(err)
	}
	if _, err := fh.WriteString("[default]\nregion = us-east-1\n"); err != nil {
		t.Fatal(err)
	}
	if err := fh.Close(); err != nil {
		t.Fatal(err)
	}
	ev := nextEvent(t, w)
	if !slices.Equal(ev.Paths, []string{f}) {
		t.Fatalf("got %+v, want %s", ev, f)
	}
}

func TestBurstIsOneEvent(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "credentials")
	writeFile(t, f, "0")
	// A quiet period far longer than the other tests': the 50 writes (microseconds each) must
	// fit inside one even when a loaded machine stalls the test between two of them; 200 ms was
	// not enough at a load average of 14 on 2 cores.
	w := startWatcher(t, Options{Files: []string{f}, Debounce: 2 * time.Second})

	for i := range 50 {
		writeFile(t, f, string(rune('a'+i%26)))
	}
	ev := nextEvent(t, w)
	if !slices.Equal(ev.Paths, []string{f}) {
		t.Fatalf("got %+v, want %s", ev, f)
	}
	expectNoEvent(t, w)
}

func TestUnrelatedFileAndChmodIgnored(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "config")
	writeFile(t, f, "x")
	w := startWatcher(t, Options{Files: []string{f}})

	writeFile(t, filepath.Join(dir, "known_hosts"), "x")
	if err := os.Chmod(f, 0o644); err != nil {
		t.Fatal(err)
	}
	expectNoEvent(t, w)

	// The watcher is alive, and the unrelated write was not kept for later.
	writeFile(t, f, "y")
	if ev := nextEvent(t, w); !slices.Equal(ev.Paths, []string{f}) {
		t.Fatalf("got %+v, want only %s", ev, f)
	}
}

func TestFileInDirs(t *testing.T) {
	cache := t.TempDir()
	w := startWatcher(t, Options{Dirs: []string{cache}})

	f := filepath.Join(cache, "0123abcd.json")
	writeFile(t, f, "{}")
	if ev := nextEvent(t, w); !slices.Equal(ev.Paths, []string{f}) {
		t.Fatalf("got %+v, want %s", ev, f)
	}
}

func TestDirectoriesCreatedAfterStart(t *testing.T) {
	home := t.TempDir()
	aws := filepath.Join(home, ".aws")
	token := filepath.Join(aws, "sso", "cache", "0123abcd.json")
	cliCache := filepath.Join(aws, "cli", "cache")
	config := filepath.Join(aws, "config")
	w := startWatcher(t, Options{Files: []string{config, token}, Dirs: []string{cliCache}})

	// The first `aws configure` creates ~/.aws and the config file.
	mkdirAll(t, aws)
	writeFile(t, config, "[default]\n")
	eventWith(t, w, config)

	// The first `aws sso login` creates several levels at once, then the token.
	mkdirAll(t, filepath.Dir(token))
	writeFile(t, token, "{}")
	eventWith(t, w, token)

	mkdirAll(t, cliCache)
	cached := filepath.Join(cliCache, "feedface.json")
	writeFile(t, cached, "{}")
	eventWith(t, w, cached)

	// Once there, the directories are watched like any other.
	writeFile(t, token, "{\"refreshed\":true}")
	eventWith(t, w, token)
}

func TestWholePathMissingAtStart(t *testing.T) {
	root := t.TempDir()
	f := filepath.Join(root, "a", "b", "c", "d", "credentials")
	w := startWatcher(t, Options{Files: []string{f}})

	mkdirAll(t, filepath.Dir(f))
	writeFile(t, f, "x")
	ev := eventWith(t, w, f)
	if ev.Overflow {
		t.Errorf("first appearance reported as overflow: %+v", ev)
	}
}

func TestWatchedDirRemovedAndRecreated(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "sso", "cache")
	f := filepath.Join(dir, "token.json")
	mkdirAll(t, dir)
	writeFile(t, f, "{}")
	w := startWatcher(t, Options{Files: []string{f}})

	if err := os.RemoveAll(filepath.Join(root, "sso")); err != nil {
		t.Fatal(err)
	}
	if ev := nextEvent(t, w); !ev.Overflow && !slices.Contains(ev.Paths, f) {
		t.Fatalf("removal reported as %+v", ev)
	}

	mkdirAll(t, dir)
	writeFile(t, f, "{\"new\":1}")
	eventWith(t, w, f)

	writeFile(t, f, "{\"new\":2}")
	eventWith(t, w, f)
}

func TestWatchedDirRenamedAway(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "aws")
	f := filepath.Join(dir, "config")
	mkdirAll(t, dir)
	writeFile(t, f, "x")
	w := startWatcher(t, Options{Files: []string{f}})

	moved := filepath.Join(root, "aws.bak")
	if err := os.Rename(dir, moved); err != nil {
		t.Fatal(err)
	}
	if ev := nextEvent(t, w); !ev.Overflow {
		t.Fatalf("rename of the watched directory not reported as overflow: %+v", ev)
	}
	// The old directory lives on elsewhere; its changes are not the watched file's.
	writeFile(t, filepath.Join(moved, "config"), "y")
	expectNoEvent(t, w)

	mkdirAll(t, dir)
	writeFile(t, f, "z")
	eventWith(t, w, f)
}

func TestCloseClosesEvents(t *testing.T) {
	dir := t.TempDir()
	w, err := New(Options{Files: []string{filepath.Join(dir, "config")}})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	if err := w.Start(); err == nil {
		t.Error("second Start succeeded")
	}
	ch := w.Events()
	if err := w.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	select {
	case _, ok := <-ch:
		if ok {
			t.Fatal("event after Close")
		}
	default:
		t.Fatal("events channel still open after Close returned")
	}
	if err := w.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := w.Start(); err == nil {
		t.Error("Start after Close succeeded")
	}
}

func TestCloseWithoutStart(t *testing.T) {
	w, err := New(Options{Dirs: []string{t.TempDir()}})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if _, ok := <-w.Events(); ok {
		t.Fatal("events channel not closed")
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    Options
	}{
		{"nothing", Options{}},
		{"relative file", Options{Files: []string{"aws/config"}}},
		{"relative dir", Options{Dirs: []string{"cache"}}},
		{"empty file", Options{Files: []string{""}}},
		{"root as file", Options{Files: []string{string(filepath.Separator)}}},
		{"negative debounce", Options{Dirs: []string{t.TempDir()}, Debounce: -1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := New(tc.o); err == nil {
				t.Fatal("New accepted it")
			}
		})
	}
}
