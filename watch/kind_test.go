package watch

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fsnotify/fsnotify"
)

// The `aws login` token cache does not exist before the first login: the watch waits on
// ~/.aws, follows `mkdir -p ~/.aws/login/cache`, and reports the token written there, atomically
// and then torn in place, as KindLoginToken; the config file keeps its own kind.
func TestLoginCacheEventsCarryTheirKind(t *testing.T) {
	home := t.TempDir()
	aws := filepath.Join(home, ".aws")
	mkdirAll(t, aws)
	config := filepath.Join(aws, "config")
	writeFile(t, config, "[profile console]\n")
	cache := filepath.Join(aws, "login", "cache")
	w := startWatcher(t, Options{
		Files: []string{config},
		Dirs:  []string{cache},
		Kinds: map[string]Kind{config: KindConfig, cache: KindLoginToken},
	})

	// The first `aws login`: the directory appears, then the token, atomically.
	mkdirAll(t, cache)
	token := filepath.Join(cache, "b6f389b061ec1ba31aa31337acba4774daae716e1ae5e3300231ef800d060016.json")
	tmp := token + ".tmp-1234"
	writeFile(t, tmp, `{"accessToken":{}}`)
	if err := os.Rename(tmp, token); err != nil {
		t.Fatal(err)
	}
	ev := eventWith(t, w, token)
	if ev.Kinds[token] != KindLoginToken || !ev.Has(KindLoginToken) || ev.Has(KindConfig) {
		t.Fatalf("event %+v: want %s as %v only", ev, token, KindLoginToken)
	}
	if slices.Contains(ev.Paths, tmp) {
		t.Errorf("the temporary file was reported: %+v", ev)
	}

	// A writer that truncates and writes in place (the SDKs' write-back): one event, same kind.
	f, err := os.OpenFile(token, os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"accessToken":`)
	f.Sync()
	f.WriteString(`{}}`)
	f.Close()
	ev = eventWith(t, w, token)
	if got := ev.Of(KindLoginToken); !slices.Equal(got, []string{token}) {
		t.Fatalf("login tokens %v in %+v", got, ev)
	}

	writeFile(t, config, "[profile console]\nregion = eu-west-1\n")
	ev = eventWith(t, w, config)
	if ev.Kinds[config] != KindConfig || ev.Has(KindLoginToken) {
		t.Fatalf("config edit reported as %+v", ev)
	}
}

// AWS_LOGIN_CACHE_DIRECTORY puts the cache anywhere; the wrapper may also watch the one token
// file of its session: it carries the kind too, and other sessions' files are not reported.
func TestLoginTokenFileElsewhere(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "custom", "login")
	token := filepath.Join(dir, "aaaa.json")
	other := filepath.Join(dir, "bbbb.json")
	w := startWatcher(t, Options{Files: []string{token}, Kinds: map[string]Kind{token: KindLoginToken}})
	mkdirAll(t, dir)
	writeFile(t, other, "{}")
	writeFile(t, token, "{}")
	ev := eventWith(t, w, token)
	if ev.Kinds[token] != KindLoginToken || slices.Contains(ev.Paths, other) {
		t.Fatalf("event %+v", ev)
	}
}

func TestKindsMustNameWatchedPaths(t *testing.T) {
	dir := t.TempDir()
	_, err := New(Options{Dirs: []string{dir}, Kinds: map[string]Kind{filepath.Join(dir, "x"): KindLoginToken}})
	if err == nil || !strings.Contains(err.Error(), "not among the files or directories") {
		t.Fatalf("want an error for a label on an unwatched path, got %v", err)
	}
	if _, err := New(Options{Dirs: []string{dir}, Kinds: map[string]Kind{"relative": KindLoginToken}}); err == nil {
		t.Fatal("a relative path was accepted")
	}
}

// Kinds survive the merge of an Event the receiver had not collected, and the scan of a
// directory that appeared with files already in it.
func TestKindsSurviveMergeAndScan(t *testing.T) {
	root := t.TempDir()
	cache := filepath.Join(root, "login", "cache")
	l, _ := newTestLoop(t, Options{Dirs: []string{cache}, Kinds: map[string]Kind{cache: KindLoginToken}})
	mkdirAll(t, cache)
	token := filepath.Join(cache, "t.json")
	writeFile(t, token, "{}")
	l.onEvent(fsnotify.Event{Name: filepath.Join(root, "login"), Op: fsnotify.Create})
	scanned := l.pending.take()
	if !slices.Equal(scanned.Paths, []string{token}) || scanned.Kinds[token] != KindLoginToken {
		t.Fatalf("scan reported %+v", scanned)
	}
	l.deliver(scanned)
	l.deliver(Event{Paths: []string{"/x"}})
	ev, ok := received(l)
	if !ok || ev.Kinds[token] != KindLoginToken || ev.Kinds["/x"] != KindOther || !slices.Equal(ev.Paths, []string{token, "/x"}) {
		t.Fatalf("merged %+v", ev)
	}
	if KindLoginToken.String() != "login-token" || KindOther.String() != "other" {
		t.Error("kind names")
	}
}
