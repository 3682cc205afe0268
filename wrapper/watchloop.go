package wrapper

import (
	"context"
	"os"
	"path/filepath"

	"github.com/awsrun/awsrun/watch"
)

// startWatch watches the user's AWS files for the session: the config and credentials files,
// the profile's session token cache (SSO or `aws login`), each labelled with its kind, and the
// CLI's cache. Watching is an optimisation on top of the timer-driven refresh, so a failure to
// watch is logged and awsrun carries on.
func (s *session) startWatch() *watch.Watcher {
	files := []string{s.files.configPath, s.files.credsPath}
	kinds := map[string]watch.Kind{s.files.configPath: watch.KindConfig, s.files.credsPath: watch.KindConfig}
	if k, p := s.tokenCache(); p != "" {
		// The file, not its directory: the cache directory holds other sessions' tokens, and
		// awsrun's own write-back goes through a temporary file there.
		files = append(files, p)
		kinds[p] = k
	}
	var dirs []string
	if s.files.home != "" {
		d := filepath.Join(s.files.home, ".aws", "cli", "cache")
		dirs = append(dirs, d)
		kinds[d] = watch.KindCLICache
	}
	w, err := watch.New(watch.Options{Files: files, Dirs: dirs, Kinds: kinds, Logger: s.log.With("component", "watch")})
	if err == nil {
		err = w.Start()
	}
	if err != nil {
		s.log.Warn("not watching ~/.aws for changes; credentials still renew on schedule", "error", err)
		return nil
	}
	return w
}

// watchLoop turns file events into reactions until ctx ends.
func (s *session) watchLoop(ctx context.Context, w *watch.Watcher) error {
	if w == nil {
		<-ctx.Done()
		return nil
	}
	defer w.Close()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events():
			if !ok {
				return nil
			}
			s.react(ctx, ev)
		}
	}
}

// react decides what a change means, by the kind of what changed: an edited config or
// credentials file reloads the profile (which re-reads the token cache too); a write of the
// profile's session token cache renews at once when it holds a new login (tokenChanged);
// anything else (the CLI's own cache) needs nothing.
func (s *session) react(ctx context.Context, ev watch.Event) {
	if ev.Overflow || ev.Has(watch.KindConfig) {
		s.reloadProfile(ctx) // re-reads the token cache and renews
		return
	}
	for _, k := range []watch.Kind{watch.KindSSOToken, watch.KindLoginToken} {
		if ev.Has(k) {
			s.tokenChanged(ctx, k) // does nothing for a cache that is not the profile's
		}
	}
	for _, p := range ev.Of(watch.KindCLICache) {
		s.log.Debug("file changed; nothing to do", "path", p)
	}
}

// fileStamps identify the versions of files: a replaced or rewritten file stamps differently.
type fileStamps []os.FileInfo

// stampFiles stamps paths now; a missing file stamps as nil.
func stampFiles(paths ...string) fileStamps {
	st := make(fileStamps, len(paths))
	for i, p := range paths {
		if fi, err := os.Stat(p); err == nil {
			st[i] = fi
		}
	}
	return st
}

func (a fileStamps) same(b fileStamps) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if (x == nil) != (y == nil) {
			return false
		}
		if x != nil && (!os.SameFile(x, y) || !x.ModTime().Equal(y.ModTime()) || x.Size() != y.Size()) {
			return false
		}
	}
	return true
}

// catchUp reacts, once the watch is up, to what changed between awsrun reading the files and
// the watch starting (it starts after the child has settled): a new login or an edit made then
// is picked up as the watch would have.
func (s *session) catchUp(ctx context.Context) {
	if !s.files.readStamps.same(stampFiles(s.files.configPath, s.files.credsPath)) {
		s.log.Debug("the AWS files changed before the watch started; re-reading them")
		s.react(ctx, watch.Event{Paths: []string{s.files.configPath}, Kinds: map[string]watch.Kind{s.files.configPath: watch.KindConfig}})
		return
	}
	// Compares the token with the one read at start; nothing happens when it is the same.
	if k, _ := s.tokenCache(); k != watch.KindOther {
		s.tokenChanged(ctx, k)
	}
}
